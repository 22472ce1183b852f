{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='span_id',
    pre_hook="{{ delete_window_traces('call_date') }}",
) }}

-- depends_on: {{ ref('int_trace_roots') }}

{#-
    One row per model call with its money, in one pass over the calls (issue 17): each token type with a
    non-zero count is priced at the list price in force on the call date (halved for a batch call) and
    receives its pool's rate × its tokens (int_allocation_pools: B × f / Qt, metrics.md 3); the call sums
    them. list_cost_usd is NULL when the model or a price for a non-zero token type is unknown
    (is_unpriced; metrics.md 2: a price is needed only for token types with a non-zero count);
    is_unbilled when a token type's pool has no bill, whose list cost is then provisional
    (real-inputs.md 5). The call-and-token-type rows are a CTE, never a table.
    Whether the call's spend reaches a work item the outcome systems know is read where it is used
    (fct_model_calls), so the money here never waits for the outcome systems.
    Incremental: the calls of the window's traces (macros/incremental); the pools are always current, so a
    bill that arrives within the window re-allocates its day.
-#}

{%- set since = incremental_since('call_date') %}

with

calls as (
    select * from {{ ref('int_model_calls') }}
    where {{ in_window_traces('trace_id', 'call_date', since) }}
),

prices as (
    select * from {{ reference_data('model_prices') }}
),

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

call_tokens as (
    {{ unpivot_token_types('calls', ['span_id', 'provider', 'model', 'call_date', 'is_batch']) }}
),

{# each token type of each call: its list cost and its pool's money (every pool of a traced token type
   exists: the pools are summed from these calls) #}
token_costs as (
    select
        call_tokens.span_id,
        prices.usd_per_million_tokens is not null as is_priced,
        call_tokens.tokens * prices.usd_per_million_tokens / 1000000.0
        * case when call_tokens.is_batch then 0.5 else 1.0 end as list_cost_usd,
        coalesce(pools.has_bill, false) as has_bill,
        call_tokens.tokens * coalesce(pools.allocated_usd_per_token, 0.0) as allocated_usd
    from call_tokens
    left join prices
        on
            call_tokens.provider = prices.provider
            and call_tokens.model = prices.model
            and call_tokens.token_type = prices.token_type
            and {{ is_effective_on('call_tokens.call_date', 'prices.effective_from', 'prices.effective_to') }}
    left join pools
        on
            call_tokens.provider = pools.provider
            and call_tokens.model = pools.model
            and call_tokens.call_date = pools.charge_date
            and call_tokens.token_type = pools.token_type
            and call_tokens.is_batch = pools.is_batch
),

per_call as (
    select
        span_id,
        sum(list_cost_usd) as priced_list_cost_usd,
        sum(case when is_priced then 0 else 1 end) as unpriced_token_types,
        sum(case when has_bill then 0 else 1 end) as unbilled_token_types,
        sum(allocated_usd) as allocated_cost_usd,
        {# the list cost of the token types whose pool has no bill yet (real-inputs.md 5) #}
        sum(case when not has_bill then coalesce(list_cost_usd, 0.0) else 0.0 end) as provisional_cost_usd
    from token_costs
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
        calls.operation_name,
        calls.scope_name,
        calls.response_id,
        cast(calls.request_spans as {{ dbt.type_bigint() }}) as request_spans,
        calls.input_tokens_reading,
        calls.has_cache_split,
        calls.call_date,
        calls.started_at,
        calls.workflow_name,
        calls.workflow_step,
        calls.work_item_type,
        calls.work_item_id,
        calls.is_run as is_linked_to_run,
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
        coalesce(per_call.allocated_cost_usd, 0.0) as allocated_cost_usd,
        coalesce(per_call.provisional_cost_usd, 0.0) as provisional_cost_usd
    from calls
    left join per_call
        on calls.span_id = per_call.span_id
)

select * from final
