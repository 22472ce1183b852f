{#- One row per span (duplicate deliveries collapsed), attributes as typed columns. -#}

with

spans as (
    select * from {{ ref('base_otel__spans') }}
),

final as (
    select
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        span_kind,
        scope_name,
        scope_version,
        status_code,
        started_at,
        ended_at,
        span_date,
        start_time_unix_nano,
        end_time_unix_nano,
        service_name,
        operation_name,
        provider_name,
        request_model,
        response_model,
        response_id,
        input_tokens,
        output_tokens,
        cache_read_input_tokens,
        cache_creation_input_tokens,
        has_cache_split,
        service_tier,
        tool_name,
        error_type,
        work_item_type,
        work_item_id,
        workflow_name,
        workflow_step,
        review_outcome,
        review_minutes,
        landing_file,
        landing_row,
        landing_span
    from spans
    where quarantine_reason is null and not is_duplicate
)

select * from final
