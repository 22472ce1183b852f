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
    Each call's routing excess and input price come priced from int_model_calls_costed, which keeps
    them incrementally: what is left here is the grouping and the median (issue 17).
-#}

with

calls as (
    select * from {{ ref('int_model_calls_costed') }}
),

runs as (
    select * from {{ ref('int_runs') }}
),

work_items as (
    select * from {{ ref('int_work_item_outcomes') }}
),

call_context as (
    select
        calls.span_id,
        calls.team_id,
        coalesce(calls.workflow_name, 'unlinked') as workflow_name,
        calls.workflow_step,
        cast({{ dbt.date_trunc('month', 'calls.call_date') }} as date) as month,
        calls.is_batch,
        calls.total_input_tokens,
        calls.input_usd_per_million_tokens,
        calls.routing_excess_usd,
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

per_call as (
    select
        call_context.*,
        case
            when
                call_context.total_input_tokens > 2 * step_medians.median_input_tokens
                and call_context.input_usd_per_million_tokens is not null
                then
                    (call_context.total_input_tokens - step_medians.median_input_tokens)
                    * call_context.input_usd_per_million_tokens / 1000000.0
                    * case when call_context.is_batch then 0.5 else 1.0 end
            else 0.0
        end as context_excess_usd
    from call_context
    left join step_medians
        on
            call_context.workflow_name = step_medians.workflow_name
            and call_context.workflow_step = step_medians.workflow_step
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
