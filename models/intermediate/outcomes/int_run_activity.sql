{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='trace_id',
    pre_hook="{{ delete_window_traces('started_at') }}",
) }}

{#-
    What happened inside each run (a trace whose root names a work item, metrics.md 4): model calls, tool
    calls, errors, human reviews, tokens, allocated cost and the ordered path of steps. Only what the
    run's own spans decide: its attempt number and whether the outcome systems know its work item are
    added in int_runs. Incremental: the window's traces are recomputed whole (macros/incremental).
-#}

{%- set since = incremental_since('started_at') %}

with

trace_roots as (
    select * from {{ ref('int_trace_roots') }}
    where is_run and {{ in_window_traces('trace_id', 'started_at', since) }}
),

spans as (
    select * from {{ ref('stg_otel__spans') }}
    where {{ in_window_traces('trace_id', 'span_date', since) }}
),

calls as (
    select * from {{ ref('int_model_calls_costed') }}
    where {{ in_window_traces('trace_id', 'call_date', since) }}
),

call_totals as (
    select
        trace_id,
        count(*) as model_calls,
        sum(case when is_error then 1 else 0 end) as errored_calls,
        sum(total_input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(allocated_cost_usd) as allocated_cost_usd,
        sum(provisional_cost_usd) as provisional_cost_usd,
        sum(case when is_unpriced then 1 else 0 end) as unpriced_calls
    from calls
    group by 1
),

{# the path: model calls as int_model_calls counted them (one per provider request, with the step they
   inherited), tool calls and human reviews from their spans #}
steps as (
    select
        trace_id,
        started_at,
        span_id,
        concat(
            coalesce(workflow_step, operation_name, 'call'),
            case when is_error then '!' else '' end
        ) as step_label,
        0 as is_tool_call,
        0 as is_review,
        0 as review_minutes,
        0 as is_overridden,
        0 as is_corrected
    from calls
    union all
    select
        trace_id,
        started_at,
        span_id,
        case
            when operation_name = 'execute_tool' then concat('tool:', coalesce(tool_name, '?'))
            when span_name = 'human_review' then concat('review:', coalesce(review_outcome, '?'))
        end as step_label,
        case when operation_name = 'execute_tool' then 1 else 0 end as is_tool_call,
        case when span_name = 'human_review' then 1 else 0 end as is_review,
        case when span_name = 'human_review' then coalesce(review_minutes, 0) else 0 end as review_minutes,
        case when span_name = 'human_review' and review_outcome = 'overridden' then 1 else 0 end as is_overridden,
        case when span_name = 'human_review' and review_outcome = 'corrected' then 1 else 0 end as is_corrected
    from spans
    where operation_name = 'execute_tool' or span_name = 'human_review'
),

step_totals as (
    select
        trace_id,
        {{ dbt.listagg('step_label', "' > '", 'order by started_at, span_id') }} as path,
        sum(is_tool_call) as tool_calls,
        sum(is_review) as reviews,
        sum(review_minutes) as human_minutes,
        sum(is_overridden) as overridden_reviews,
        sum(is_corrected) as corrected_reviews
    from steps
    where step_label is not null
    group by 1
),

final as (
    select
        trace_roots.trace_id,
        trace_roots.work_item_type,
        trace_roots.work_item_id,
        trace_roots.workflow_name,
        trace_roots.team_id,
        trace_roots.service_name,
        trace_roots.started_at,
        trace_roots.ended_at,
        trace_roots.root_spans,
        coalesce(step_totals.path, '') as path,
        coalesce(call_totals.model_calls, 0) as model_calls,
        coalesce(step_totals.tool_calls, 0) as tool_calls,
        coalesce(call_totals.errored_calls, 0) as errored_calls,
        coalesce(step_totals.reviews, 0) as reviews,
        coalesce(step_totals.human_minutes, 0) as human_minutes,
        coalesce(step_totals.overridden_reviews, 0) as overridden_reviews,
        coalesce(step_totals.corrected_reviews, 0) as corrected_reviews,
        coalesce(call_totals.input_tokens, 0) as input_tokens,
        coalesce(call_totals.output_tokens, 0) as output_tokens,
        coalesce(call_totals.unpriced_calls, 0) as unpriced_calls,
        coalesce(call_totals.allocated_cost_usd, 0.0) as allocated_cost_usd,
        coalesce(call_totals.provisional_cost_usd, 0.0) as provisional_cost_usd
    from trace_roots
    left join call_totals
        on trace_roots.trace_id = call_totals.trace_id
    left join step_totals
        on trace_roots.trace_id = step_totals.trace_id
)

select * from final
