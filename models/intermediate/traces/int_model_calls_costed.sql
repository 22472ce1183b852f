{#-
    One row per model call with its list cost (NULL when unpriced), the billed USD allocated to it over
    its token types, and the unpriced / unbilled flags: the costed call every downstream model reads.
-#}

with

calls as (
    select * from {{ ref('int_model_calls') }}
),

allocations as (
    select * from {{ ref('int_model_call_allocations') }}
),

per_call as (
    select
        span_id,
        sum(list_cost_usd) as priced_list_cost_usd,
        sum(case when is_priced then 0 else 1 end) as unpriced_token_types,
        sum(case when has_bill then 0 else 1 end) as unbilled_token_types,
        sum(allocated_usd) as allocated_cost_usd
    from allocations
    group by 1
),

final as (
    select
        calls.span_id,
        calls.trace_id,
        calls.team_id,
        calls.provider,
        calls.model,
        calls.model_name as reported_model_name,
        calls.call_date,
        calls.started_at,
        calls.workflow_name,
        calls.workflow_step,
        calls.work_item_type,
        calls.work_item_id,
        calls.is_run as is_linked_to_run,
        calls.is_linked_to_work_item,
        calls.service_name,
        calls.is_batch,
        calls.is_error,
        calls.error_type,
        calls.input_tokens,
        calls.cached_input_tokens,
        calls.cache_write_tokens,
        calls.output_tokens,
        calls.total_input_tokens,
        not calls.is_known_model or coalesce(per_call.unpriced_token_types, 0) > 0 as is_unpriced,
        coalesce(per_call.unbilled_token_types, 0) > 0 as is_unbilled,
        case
            when calls.is_known_model and coalesce(per_call.unpriced_token_types, 0) = 0
                then coalesce(per_call.priced_list_cost_usd, 0.0)
        end as list_cost_usd,
        coalesce(per_call.allocated_cost_usd, 0.0) as allocated_cost_usd
    from calls
    left join per_call
        on calls.span_id = per_call.span_id
)

select * from final
