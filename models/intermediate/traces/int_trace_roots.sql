{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='trace_id',
    pre_hook="{{ delete_window_traces('started_at', from_spans=true) }}",
) }}

-- depends_on: {{ ref('base_otel__span_deliveries') }}

{#-
    One row per trace: its root span (no parent; the earliest if a trace has several) and the span that
    names its work item: the highest span of the trace carrying work_item.type and work_item.id (the root
    may be an HTTP server span with the agent's span below it: real-inputs.md 2). "Highest" is read from
    the spans' times: the root when it carries them, else the earliest to start, the latest to end on a
    tie (a parent starts no later and ends no earlier than its children), then the span id. A trace with
    such a span is a run (metrics.md 4); its workflow is that span's workflow.name (else the highest span
    carrying one) and its team the services team of that span's service (else the root's). A trace
    without a root span is kept with has_root_span false. Incremental: the traces with a span in the
    window are recomputed whole (macros/incremental).
-#}

{%- set since = incremental_since('started_at') %}

with

spans as {{ inline_cte() }} (
    select * from {{ ref('stg_otel__spans') }}
    where {{ in_window_traces('trace_id', 'span_date', since, from_spans=true) }}
),

services as (
    select * from {{ reference_data('services') }}
),

roots as (
    select
        trace_id,
        span_id as root_span_id,
        span_name as root_span_name,
        service_name,
        started_at,
        ended_at,
        status_code,
        count(*) over (partition by trace_id) as root_spans,
        row_number() over (partition by trace_id order by started_at, span_id) as root_rank
    from spans
    where parent_span_id is null
),

work_item_spans as (
    select
        trace_id,
        span_id as work_item_span_id,
        service_name,
        work_item_type,
        work_item_id,
        workflow_name,
        row_number() over (
            partition by trace_id
            order by case when parent_span_id is null then 0 else 1 end, started_at asc, ended_at desc, span_id asc
        ) as work_item_rank
    from spans
    where work_item_type is not null and work_item_id is not null
),

workflow_spans as (
    select
        trace_id,
        workflow_name,
        row_number() over (
            partition by trace_id
            order by case when parent_span_id is null then 0 else 1 end, started_at asc, ended_at desc, span_id asc
        ) as workflow_rank
    from spans
    where workflow_name is not null
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
        work_item_spans.work_item_span_id,
        coalesce(work_item_spans.service_name, roots.service_name) as service_name,
        coalesce(services.team_id, 'unassigned') as team_id,
        services.team_id is null as is_unmapped_service,
        work_item_spans.work_item_type,
        work_item_spans.work_item_id,
        coalesce(work_item_spans.workflow_name, workflow_spans.workflow_name) as workflow_name,
        work_item_spans.work_item_span_id is not null as is_run,
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
    left join work_item_spans
        on
            traces.trace_id = work_item_spans.trace_id
            and work_item_spans.work_item_rank = 1
    left join workflow_spans
        on
            traces.trace_id = workflow_spans.trace_id
            and workflow_spans.workflow_rank = 1
    left join services
        on coalesce(work_item_spans.service_name, roots.service_name) = services.service_name
)

select * from final
