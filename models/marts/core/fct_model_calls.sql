{#-
    One row per model call: tokens by type, list cost, and the billed money allocated to it. A view: the
    costed calls are already a table (incremental), and a second copy of millions of rows buys nothing.
-#}

{{ config(materialized='view') }}

with

calls as (
    select * from {{ ref('int_model_calls_costed') }}
),

final as (
    select
        span_id,
        trace_id,
        team_id,
        provider,
        model,
        reported_model_name,
        call_date,
        started_at,
        workflow_name,
        workflow_step,
        work_item_type,
        work_item_id,
        is_linked_to_run,
        is_linked_to_work_item,
        service_name,
        is_batch,
        is_error,
        error_type,
        input_tokens,
        cached_input_tokens,
        cache_write_tokens,
        output_tokens,
        total_input_tokens,
        is_unpriced,
        is_unbilled,
        list_cost_usd,
        allocated_cost_usd
    from calls
)

select * from final
