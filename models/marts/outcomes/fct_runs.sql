{#-
    The decision trace (metrics.md 10): one row per run with its work item, attempt, the ordered path of
    steps (model calls by workflow.step, `!` when the call errored; tool calls as tool:<name>; human
    reviews as review:<outcome>), counts, tokens, allocated cost, and the outcome its work item reached.
    A table kept up to date incrementally: the runs of the work items with a run or a CDC version in the
    window are replaced (macros/incremental), as in int_runs.
-#}

{{ work_item_grain_config('started_at', 'trace_id', on_schema_change='append_new_columns') }}

{%- set since = incremental_since('started_at') %}

with

runs as (
    select * from {{ ref('int_runs') }}
    where {{ in_window_work_items(since) }}
),

outcomes as (
    select * from {{ ref('int_work_item_outcomes') }}
    where {{ in_window_work_items(since) }}
),

final as (
    select
        runs.trace_id,
        runs.work_item_type,
        runs.work_item_id,
        runs.is_known_work_item,
        cast(runs.attempt as bigint) as attempt,
        runs.is_last_attempt,
        runs.team_id,
        runs.workflow_name,
        runs.service_name,
        runs.started_at,
        runs.ended_at,
        runs.path,
        cast(runs.model_calls as bigint) as model_calls,
        cast(runs.tool_calls as bigint) as tool_calls,
        cast(runs.errored_calls as bigint) as errored_calls,
        cast(runs.reviews as bigint) as reviews,
        runs.human_minutes,
        cast(runs.input_tokens as bigint) as input_tokens,
        cast(runs.output_tokens as bigint) as output_tokens,
        runs.allocated_cost_usd,
        runs.provisional_cost_usd,
        outcomes.outcome_class
    from runs
    left join outcomes
        on
            runs.work_item_type = outcomes.work_item_type
            and runs.work_item_id = outcomes.work_item_id
)

select * from final
