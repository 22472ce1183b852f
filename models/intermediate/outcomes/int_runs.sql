{{ work_item_grain_config('started_at', 'trace_id') }}

{#-
    One row per run (a trace whose root names a work item, metrics.md 4) with its attempt number among
    the runs of the same work item (ordered by start time), whether the outcome systems know the work
    item, and what happened inside it (int_run_activity). Incremental: every run of a work item with a
    run in the window or a CDC version updated in it is ranked again (macros/incremental).
-#}

{%- set since = incremental_since('started_at') %}

with

activity as {{ inline_cte() }} (
    select * from {{ ref('int_run_activity') }}
    where {{ in_window_work_items(since) }}
),

work_items as (
    select * from {{ ref('int_work_items') }}
    where {{ in_window_work_items(since) }}
),

attempts as (
    select
        trace_id,
        row_number() over (
            partition by work_item_type, work_item_id
            order by started_at, trace_id
        ) as attempt,
        count(*) over (partition by work_item_type, work_item_id) as item_runs
    from activity
),

final as (
    select
        activity.trace_id,
        activity.work_item_type,
        activity.work_item_id,
        work_items.work_item_id is not null as is_known_work_item,
        activity.workflow_name,
        activity.team_id,
        activity.service_name,
        activity.started_at,
        activity.ended_at,
        attempts.attempt,
        attempts.attempt = attempts.item_runs as is_last_attempt,
        activity.root_spans,
        activity.path,
        activity.model_calls,
        activity.tool_calls,
        activity.errored_calls,
        activity.reviews,
        activity.human_minutes,
        activity.overridden_reviews,
        activity.corrected_reviews,
        activity.input_tokens,
        activity.output_tokens,
        activity.unpriced_calls,
        activity.allocated_cost_usd,
        activity.provisional_cost_usd
    from activity
    inner join attempts
        on activity.trace_id = attempts.trace_id
    left join work_items
        on
            activity.work_item_type = work_items.work_item_type
            and activity.work_item_id = work_items.work_item_id
)

select * from final
