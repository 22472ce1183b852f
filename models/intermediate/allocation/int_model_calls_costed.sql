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
    them, in the order of token_types(). list_cost_usd is NULL when the model or a price for a non-zero
    token type is unknown (is_unpriced; metrics.md 2: a price is needed only for token types with a
    non-zero count); is_unbilled when a token type's pool has no bill, whose list cost is then provisional
    (real-inputs.md 5). No row per call and token type is ever made: a lookup per token type.
    Whether the call's spend reaches a work item the outcome systems know is read where it is used
    (fct_model_calls), so the money here never waits for the outcome systems.
    The same pass prices what mart_spend_leaks needs per call (metrics.md 9), so the mart never reprices
    the whole history: routing_excess_usd (the list cost above the cheapest same-provider model of the
    workflow step's minimum tier, on the call's own tokens) and input_usd_per_million_tokens (the uncached
    input price in force, which prices context excess).
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

workflow_steps as (
    select * from {{ reference_data('workflow_steps') }}
),

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

{# each call once: for each token type with a non-zero count, its list price and its pool (a lookup per
   type, no row per call and type, and no aggregate: the call's sums add the types in one fixed order, so
   two builds of the same data agree to the last bit; every pool of a traced token type exists, the pools
   being summed from these calls) #}
looked_up as (
    select
        {% for token_type in token_types() %}
        {{ token_type }}_prices.usd_per_million_tokens as {{ token_type }}_usd_per_million_tokens,
        coalesce({{ token_type }}_pools.has_bill, false) as {{ token_type }}_has_bill,
        coalesce({{ token_type }}_pools.allocated_usd_per_token, 0.0) as {{ token_type }}_usd_per_token,
        {% endfor %}
        calls.*
    from calls
    {% for token_type in token_types() %}
    {# the input price is looked up for every call: context excess prices input above a median with it #}
    left join prices as {{ token_type }}_prices
        on {{ list_price_for(
            token_type ~ '_prices', token_type, 'calls.provider', 'calls.model', 'calls.call_date',
            when='true' if token_type == 'input' else 'calls.' ~ token_type ~ '_tokens <> 0',
        ) }}
    left join pools as {{ token_type }}_pools
        on
            calls.{{ token_type }}_tokens <> 0
            and calls.provider = {{ token_type }}_pools.provider
            and calls.model = {{ token_type }}_pools.model
            and calls.call_date = {{ token_type }}_pools.charge_date
            and {{ token_type }}_pools.token_type = '{{ token_type }}'
            and calls.is_batch = {{ token_type }}_pools.is_batch
    {% endfor %}
),

{# per token type: its list cost (NULL when unpriced, 0 when it has no tokens), its allocated USD, whether
   it is unpriced or unbilled, and its provisional cost (its list cost while its pool has no bill) #}
token_costs as (
    select
        {% for token_type in token_types() %}
        {{ token_type }}_tokens * {{ token_type }}_usd_per_million_tokens / 1000000.0
        * case when is_batch then 0.5 else 1.0 end as {{ token_type }}_list_cost_usd,
        {{ token_type }}_tokens * {{ token_type }}_usd_per_token as {{ token_type }}_allocated_usd,
        {{ token_type }}_tokens <> 0 and {{ token_type }}_usd_per_million_tokens is null as {{ token_type }}_unpriced,
        {{ token_type }}_tokens <> 0 and not {{ token_type }}_has_bill as {{ token_type }}_unbilled,
        {% endfor %}
        *
    from looked_up
),

{# the call's sums, over the token types in the order of token_types() #}
per_call as (
    select
        *,
        input_unpriced or cached_input_unpriced or cache_write_unpriced or output_unpriced
            as has_unpriced_token_type,
        input_unbilled or cached_input_unbilled or cache_write_unbilled or output_unbilled as is_unbilled,
        coalesce(input_list_cost_usd, 0.0)
        + coalesce(cached_input_list_cost_usd, 0.0)
        + coalesce(cache_write_list_cost_usd, 0.0)
        + coalesce(output_list_cost_usd, 0.0) as priced_list_cost_usd,
        input_allocated_usd + cached_input_allocated_usd + cache_write_allocated_usd + output_allocated_usd
            as allocated_cost_usd,
        {# the list cost of the token types whose pool has no bill yet (real-inputs.md 5) #}
        case when input_unbilled then coalesce(input_list_cost_usd, 0.0) else 0.0 end
        + case when cached_input_unbilled then coalesce(cached_input_list_cost_usd, 0.0) else 0.0 end
        + case when cache_write_unbilled then coalesce(cache_write_list_cost_usd, 0.0) else 0.0 end
        + case when output_unbilled then coalesce(output_list_cost_usd, 0.0) else 0.0 end as provisional_cost_usd
    from token_costs
),

{# routing (metrics.md 9): a priced call whose model's tier is above its workflow step's minimum tier #}
model_tiers as (
    select
        provider,
        model,
        max({{ model_tier_rank('model_tier') }}) as tier_rank
    from prices
    group by 1, 2
),

routable_calls as (
    select
        per_call.span_id,
        per_call.provider,
        per_call.call_date,
        per_call.is_batch,
        {% for token_type in token_types() %}
        per_call.{{ token_type }}_tokens,
        {% endfor %}
        per_call.priced_list_cost_usd,
        {{ model_tier_rank('workflow_steps.min_model_tier') }} as min_tier_rank
    from per_call
    inner join workflow_steps
        on
            per_call.workflow_name = workflow_steps.workflow_name
            and per_call.workflow_step = workflow_steps.step_name
    inner join model_tiers
        on
            per_call.provider = model_tiers.provider
            and per_call.model = model_tiers.model
    where
        model_tiers.tier_rank > {{ model_tier_rank('workflow_steps.min_model_tier') }}
        and per_call.is_known_model
        and not per_call.has_unpriced_token_type
),

{# the call's tokens at each same-provider model of the minimum tier; a candidate counts only with a price
   for every token type the call used #}
candidate_costs as (
    select
        routable_calls.span_id,
        routable_calls.priced_list_cost_usd,
        (
            {% for token_type in token_types() %}
            coalesce(
                routable_calls.{{ token_type }}_tokens * {{ token_type }}_prices.usd_per_million_tokens / 1000000.0,
                0.0
            ){{ ' +' if not loop.last }}
            {% endfor %}
        ) * case when routable_calls.is_batch then 0.5 else 1.0 end as candidate_list_cost_usd,
        {% for token_type in token_types() %}
        (routable_calls.{{ token_type }}_tokens = 0 or {{ token_type }}_prices.usd_per_million_tokens is not null)
        {{- ' and' if not loop.last }}
        {% endfor %} as is_fully_priced
    from routable_calls
    inner join model_tiers as candidates
        on
            routable_calls.provider = candidates.provider
            and routable_calls.min_tier_rank = candidates.tier_rank
    {% for token_type in token_types() %}
    left join prices as {{ token_type }}_prices
        on {{ list_price_for(
            token_type ~ '_prices', token_type, 'candidates.provider', 'candidates.model', 'routable_calls.call_date',
            when='routable_calls.' ~ token_type ~ '_tokens <> 0',
        ) }}
    {% endfor %}
),

routing as (
    select
        span_id,
        greatest(min(priced_list_cost_usd) - min(candidate_list_cost_usd), 0.0) as routing_excess_usd
    from candidate_costs
    where is_fully_priced
    group by 1
),

final as (
    select
        per_call.span_id,
        per_call.trace_id,
        per_call.team_id,
        per_call.provider,
        per_call.model,
        per_call.model_name as reported_model_name,
        per_call.operation_name,
        per_call.scope_name,
        per_call.response_id,
        cast(per_call.request_spans as {{ dbt.type_bigint() }}) as request_spans,
        per_call.input_tokens_reading,
        per_call.has_cache_split,
        per_call.call_date,
        per_call.started_at,
        per_call.workflow_name,
        per_call.workflow_step,
        per_call.work_item_type,
        per_call.work_item_id,
        per_call.is_run as is_linked_to_run,
        per_call.service_name,
        per_call.is_batch,
        per_call.is_error,
        per_call.error_type,
        per_call.input_tokens,
        per_call.cached_input_tokens,
        per_call.cache_write_tokens,
        per_call.output_tokens,
        per_call.total_input_tokens,
        not per_call.is_known_model or per_call.has_unpriced_token_type as is_unpriced,
        per_call.is_unbilled,
        case
            when per_call.is_known_model and not per_call.has_unpriced_token_type
                then per_call.priced_list_cost_usd
        end as list_cost_usd,
        per_call.allocated_cost_usd,
        per_call.provisional_cost_usd,
        coalesce(routing.routing_excess_usd, 0.0) as routing_excess_usd,
        per_call.input_usd_per_million_tokens
    from per_call
    left join routing
        on per_call.span_id = routing.span_id
)

select * from final
