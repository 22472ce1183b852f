{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='span_id',
    pre_hook="{{ delete_window_traces('call_date') }}",
) }}

{#-
    One row per model call (a span whose gen_ai.operation.name is chat, text_completion, generate_content
    or embeddings) with its tokens by type (metrics.md 2), its canonical model, and the trace context:
    the workflow of its root span and the team (the root's service team; a trace without a root falls
    back to the call's own service). Incremental: the calls of the window's traces (macros/incremental).
-#}

{%- set since = incremental_since('call_date') %}

with

spans as (
    select * from {{ ref('stg_otel__spans') }}
    where {{ in_window_traces('trace_id', 'span_date', since) }}
),

trace_roots as (
    select * from {{ ref('int_trace_roots') }}
),

model_names as (
    select * from {{ ref('int_model_names') }}
),

services as (
    select * from {{ ref('services') }}
),

calls as (
    select
        span_id,
        trace_id,
        parent_span_id,
        service_name,
        provider_name as provider,
        coalesce(response_model, request_model) as model_name,
        started_at,
        ended_at,
        cast(started_at as date) as call_date,
        coalesce(service_tier = 'batch', false) as is_batch,
        workflow_step,
        error_type,
        status_code,
        coalesce(cache_read_input_tokens, 0) as cached_input_tokens,
        coalesce(cache_creation_input_tokens, 0) as cache_write_tokens,
        {# gen_ai.usage.input_tokens includes cache reads and writes #}
        coalesce(input_tokens, 0) - coalesce(cache_read_input_tokens, 0) - coalesce(cache_creation_input_tokens, 0)
            as input_tokens,
        coalesce(output_tokens, 0) as output_tokens
    from spans
    where operation_name in ('chat', 'text_completion', 'generate_content', 'embeddings')
),

final as (
    select
        calls.span_id,
        calls.trace_id,
        calls.parent_span_id,
        calls.provider,
        calls.model_name,
        coalesce(model_names.model, calls.model_name) as model,
        model_names.model is not null as is_known_model,
        calls.started_at,
        calls.ended_at,
        calls.call_date,
        calls.is_batch,
        trace_roots.workflow_name,
        calls.workflow_step,
        trace_roots.is_run,
        trace_roots.work_item_type,
        trace_roots.work_item_id,
        calls.service_name,
        coalesce(
            case when trace_roots.has_root_span then trace_roots.team_id end,
            call_services.team_id,
            'unassigned'
        ) as team_id,
        calls.error_type,
        calls.error_type is not null as is_error,
        calls.status_code,
        calls.input_tokens,
        calls.cached_input_tokens,
        calls.cache_write_tokens,
        calls.output_tokens,
        calls.input_tokens + calls.cached_input_tokens + calls.cache_write_tokens as total_input_tokens
    from calls
    left join trace_roots
        on calls.trace_id = trace_roots.trace_id
    left join model_names
        on
            calls.provider = model_names.provider
            and calls.model_name = model_names.model_name
    left join services as call_services
        on calls.service_name = call_services.service_name
)

select * from final
