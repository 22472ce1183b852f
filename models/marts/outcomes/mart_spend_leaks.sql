{#-
    Where the money leaks (metrics.md 9), by team × workflow × month of the call. Estimates, named as
    such, to support allocation decisions:
    - retry_spend_usd: allocated cost of runs that were not their work item's last run, plus calls that
      ended with error.type (each call counted once);
    - failed_outcome_spend_usd: allocated cost of calls whose work item failed;
    - routing_excess_usd: for calls of a workflow step whose min_model_tier is below the call's model
      tier, list cost minus the list cost of the same tokens on the cheapest model of the same provider
      at min_model_tier (floored at 0; candidates need a price for every token type the call used);
    - context_excess_usd: for calls whose input tokens exceed twice the median of their workflow and
      step, the list cost (at the call's uncached input price) of the input tokens above that median.
-#}

with

calls as (
    select * from {{ ref('int_model_calls_costed') }}
),

{# the tokens of each call by type (a call's non-zero token types, as it was priced) #}
call_tokens as (
    {{ unpivot_token_types('calls', ['span_id']) }}
),

runs as (
    select * from {{ ref('int_runs') }}
),

work_items as (
    select * from {{ ref('int_work_item_outcomes') }}
),

workflow_steps as (
    select * from {{ reference_data('workflow_steps') }}
),

prices as (
    select * from {{ reference_data('model_prices') }}
),

model_tiers as (
    select
        provider,
        model,
        max({{ model_tier_rank('model_tier') }}) as tier_rank
    from prices
    group by 1, 2
),

call_context as (
    select
        calls.span_id,
        calls.team_id,
        coalesce(calls.workflow_name, 'unlinked') as workflow_name,
        calls.workflow_step,
        cast({{ dbt.date_trunc('month', 'calls.call_date') }} as date) as month,
        calls.provider,
        calls.model,
        calls.call_date,
        calls.is_batch,
        calls.total_input_tokens,
        calls.list_cost_usd,
        calls.allocated_cost_usd,
        calls.is_error,
        coalesce(not runs.is_last_attempt, false) as is_superseded_attempt,
        coalesce(work_items.outcome_class = 'failed', false) as is_failed_outcome
    from calls
    left join runs
        on calls.trace_id = runs.trace_id
    left join work_items
        on
            runs.work_item_type = work_items.work_item_type
            and runs.work_item_id = work_items.work_item_id
            and runs.is_known_work_item
),

{# routing: the cheapest same-provider model at the step's minimum tier, priced on the call's tokens #}
routable_calls as (
    select
        call_context.span_id,
        call_context.provider,
        call_context.call_date,
        call_context.is_batch,
        call_context.list_cost_usd,
        {{ model_tier_rank('workflow_steps.min_model_tier') }} as min_tier_rank
    from call_context
    inner join workflow_steps
        on
            call_context.workflow_name = workflow_steps.workflow_name
            and call_context.workflow_step = workflow_steps.step_name
    inner join model_tiers
        on
            call_context.provider = model_tiers.provider
            and call_context.model = model_tiers.model
    where
        model_tiers.tier_rank > {{ model_tier_rank('workflow_steps.min_model_tier') }}
        and call_context.list_cost_usd is not null
),

candidate_costs as (
    select
        routable_calls.span_id,
        candidates.model as candidate_model,
        count(*) as priced_token_types,
        sum(
            call_tokens.tokens * candidate_prices.usd_per_million_tokens / 1000000.0
            * case when routable_calls.is_batch then 0.5 else 1.0 end
        ) as candidate_list_cost_usd
    from routable_calls
    inner join model_tiers as candidates
        on
            routable_calls.provider = candidates.provider
            and routable_calls.min_tier_rank = candidates.tier_rank
    inner join call_tokens
        on routable_calls.span_id = call_tokens.span_id
    inner join prices as candidate_prices
        on
            candidates.provider = candidate_prices.provider
            and candidates.model = candidate_prices.model
            and call_tokens.token_type = candidate_prices.token_type
            and {{ is_effective_on(
                'routable_calls.call_date', 'candidate_prices.effective_from', 'candidate_prices.effective_to'
            ) }}
    group by 1, 2
),

token_type_counts as (
    select
        span_id,
        count(*) as token_types
    from call_tokens
    group by 1
),

routing as (
    select
        routable_calls.span_id,
        routable_calls.list_cost_usd,
        greatest(routable_calls.list_cost_usd - min(candidate_costs.candidate_list_cost_usd), 0.0)
            as routing_excess_usd
    from routable_calls
    inner join candidate_costs
        on routable_calls.span_id = candidate_costs.span_id
    inner join token_type_counts
        on routable_calls.span_id = token_type_counts.span_id
    where candidate_costs.priced_token_types = token_type_counts.token_types
    group by 1, 2
),

{# context: input tokens above the median of the workflow step, when more than twice it #}
step_medians as (
    select
        workflow_name,
        workflow_step,
        {{ median('total_input_tokens') }} as median_input_tokens
    from call_context
    where workflow_step is not null
    group by 1, 2
),

context as (
    select
        call_context.span_id,
        (call_context.total_input_tokens - step_medians.median_input_tokens)
        * input_prices.usd_per_million_tokens / 1000000.0
        * case when call_context.is_batch then 0.5 else 1.0 end as context_excess_usd
    from call_context
    inner join step_medians
        on
            call_context.workflow_name = step_medians.workflow_name
            and call_context.workflow_step = step_medians.workflow_step
    inner join prices as input_prices
        on
            call_context.provider = input_prices.provider
            and call_context.model = input_prices.model
            and input_prices.token_type = 'input'
            and {{ is_effective_on(
                'call_context.call_date', 'input_prices.effective_from', 'input_prices.effective_to'
            ) }}
    where call_context.total_input_tokens > 2 * step_medians.median_input_tokens
),

per_call as (
    select
        call_context.*,
        coalesce(routing.routing_excess_usd, 0.0) as routing_excess_usd,
        coalesce(context.context_excess_usd, 0.0) as context_excess_usd
    from call_context
    left join routing
        on call_context.span_id = routing.span_id
    left join context
        on call_context.span_id = context.span_id
),

final as (
    select
        team_id,
        workflow_name,
        month,
        cast(count(*) as bigint) as model_calls,
        sum(allocated_cost_usd) as spend_usd,
        sum(case when is_superseded_attempt or is_error then allocated_cost_usd else 0.0 end) as retry_spend_usd,
        sum(case when is_failed_outcome then allocated_cost_usd else 0.0 end) as failed_outcome_spend_usd,
        sum(routing_excess_usd) as routing_excess_usd,
        sum(context_excess_usd) as context_excess_usd
    from per_call
    group by 1, 2, 3
)

select * from final
