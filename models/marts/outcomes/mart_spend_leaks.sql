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

{# a second, narrow read of the calls for the medians: DuckDB would buffer a CTE read twice whole #}
call_inputs as (
    select
        workflow_name,
        workflow_step,
        total_input_tokens
    from {{ ref('int_model_calls_costed') }}
),

runs as (
    select * from {{ ref('int_runs') }}
),

work_items as (
    select * from {{ ref('int_work_item_outcomes') }}
),

{# the runs whose calls are retry or failed-outcome spend, flagged per run before meeting the calls #}
flagged_runs as (
    select
        runs.trace_id,
        coalesce(not runs.is_last_attempt, false) as is_superseded_attempt,
        coalesce(work_items.outcome_class = 'failed', false) as is_failed_outcome
    from runs
    left join work_items
        on
            runs.work_item_type = work_items.work_item_type
            and runs.work_item_id = work_items.work_item_id
            and runs.is_known_work_item
    where not runs.is_last_attempt or work_items.outcome_class = 'failed'
),

{# context: input tokens above the median of the workflow step, when more than twice it #}
step_medians as (
    select
        coalesce(workflow_name, 'unlinked') as workflow_name,
        workflow_step,
        {{ median('total_input_tokens') }} as median_input_tokens
    from call_inputs
    where workflow_step is not null
    group by 1, 2
),

per_call as (
    select
        calls.team_id,
        coalesce(calls.workflow_name, 'unlinked') as workflow_name,
        cast({{ dbt.date_trunc('month', 'calls.call_date') }} as date) as month,
        calls.routing_excess_usd,
        calls.allocated_cost_usd,
        calls.is_error,
        coalesce(flagged_runs.is_superseded_attempt, false) as is_superseded_attempt,
        coalesce(flagged_runs.is_failed_outcome, false) as is_failed_outcome,
        case
            when
                calls.total_input_tokens > 2 * step_medians.median_input_tokens
                and calls.input_usd_per_million_tokens is not null
                then
                    (calls.total_input_tokens - step_medians.median_input_tokens)
                    * calls.input_usd_per_million_tokens / 1000000.0
                    * case when calls.is_batch then 0.5 else 1.0 end
            else 0.0
        end as context_excess_usd
    from calls
    left join flagged_runs
        on calls.trace_id = flagged_runs.trace_id
    left join step_medians
        on
            coalesce(calls.workflow_name, 'unlinked') = step_medians.workflow_name
            and calls.workflow_step = step_medians.workflow_step
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
