{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='trace_id',
    pre_hook="{{ delete_window_traces('started_at', from_spans=true) }}",
) }}

{#-
    One row per trace: its root span (no parent; the earliest if a trace has several), the team of the
    root's service, and the work item the root names. A trace whose root carries work_item.type and
    work_item.id is a run (metrics.md 4); a trace without a root span is kept with has_root_span false.
    Incremental: the traces with a span in the window are recomputed whole (macros/incremental).
-#}

{%- set since = incremental_since('started_at') %}

with

spans as (
    select * from {{ ref('stg_otel__spans') }}
    where {{ in_window_traces('trace_id', 'span_date', since, from_spans=true) }}
),

services as (
    select * from {{ ref('services') }}
),

roots as (
    select
        trace_id,
        span_id as root_span_id,
        span_name as root_span_name,
        service_name,
        work_item_type,
        work_item_id,
        workflow_name,
        started_at,
        ended_at,
        status_code,
        count(*) over (partition by trace_id) as root_spans,
        row_number() over (partition by trace_id order by started_at, span_id) as root_rank
    from spans
    where parent_span_id is null
),

traces as (
    select
        trace_id,
        min(started_at) as first_span_started_at,
        max(ended_at) as last_span_ended_at,
        min(span_date) as first_span_date,
        max(span_date) as last_span_date,
        count(*) as spans
    from spans
    group by 1
),

final as (
    select
        traces.trace_id,
        roots.root_span_id is not null as has_root_span,
        coalesce(roots.root_spans, 0) as root_spans,
        roots.root_span_id,
        roots.root_span_name,
        roots.service_name,
        coalesce(services.team_id, 'unassigned') as team_id,
        services.team_id is null as is_unmapped_service,
        roots.work_item_type,
        roots.work_item_id,
        roots.workflow_name,
        roots.work_item_type is not null and roots.work_item_id is not null as is_run,
        coalesce(roots.started_at, traces.first_span_started_at) as started_at,
        coalesce(roots.ended_at, traces.last_span_ended_at) as ended_at,
        traces.spans,
        {# the incremental runs of the models after this one find the window's traces by these #}
        traces.first_span_date,
        traces.last_span_date
    from traces
    left join roots
        on
            traces.trace_id = roots.trace_id
            and roots.root_rank = 1
    left join services
        on roots.service_name = services.service_name
)

select * from final
