{#-
    Every work item that at least one run served, with its outcome (metrics.md 4–5): outcome class by the
    first matching rule, completion time, runs, AI cost over every attempt (retries and failures
    included), human minutes and cost, the BPO price it replaces, value and first pass.
    Human cost converts the reviewer rate at the completion date (the last run's date while open);
    the BPO price is the one in force on the completion date, in USD at that date.
    Incremental: the work items with a run in the window or a CDC version updated in it are recomputed
    (macros/incremental).
-#}

{{ work_item_grain_config('last_run_started_at', ['work_item_type', 'work_item_id']) }}

{%- set since = incremental_since('last_run_started_at') %}

with

work_items as (
    select * from {{ ref('int_work_items') }}
    where {{ in_window_work_items(since) }}
),

runs as (
    select * from {{ ref('int_runs') }}
    where {{ in_window_work_items(since) }}
),

bpo_rates as (
    select * from {{ reference_data('bpo_rates') }}
),

labor_rates as (
    select * from {{ reference_data('labor_rates') }}
),

run_totals as (
    select
        work_item_type,
        work_item_id,
        count(*) as runs,
        min(started_at) as first_run_started_at,
        max(started_at) as last_run_started_at,
        sum(allocated_cost_usd) as ai_cost_usd,
        sum(provisional_cost_usd) as provisional_ai_cost_usd,
        sum(human_minutes) as human_minutes,
        sum(reviews) as reviews,
        sum(overridden_reviews) as overridden_reviews,
        sum(corrected_reviews) as corrected_reviews
    from runs
    where is_known_work_item
    group by 1, 2
),

first_runs as (
    select
        work_item_type,
        work_item_id,
        team_id,
        workflow_name
    from runs
    where is_known_work_item and attempt = 1
),

classified as (
    select
        work_items.work_item_type,
        work_items.work_item_id,
        first_runs.team_id,
        first_runs.workflow_name,
        work_items.system_status,
        work_items.opened_at,
        case when not work_items.is_open then work_items.completed_at end as completed_at,
        case
            when work_items.is_open then 'open'
            when work_items.is_failed_in_system or run_totals.overridden_reviews > 0 then 'failed'
            when work_items.is_assisted_in_system or run_totals.corrected_reviews > 0 then 'assisted'
            else 'automated'
        end as outcome_class,
        run_totals.runs,
        run_totals.first_run_started_at,
        run_totals.last_run_started_at,
        run_totals.ai_cost_usd,
        run_totals.provisional_ai_cost_usd,
        run_totals.human_minutes,
        run_totals.reviews
    from work_items
    inner join run_totals
        on
            work_items.work_item_type = run_totals.work_item_type
            and work_items.work_item_id = run_totals.work_item_id
    inner join first_runs
        on
            work_items.work_item_type = first_runs.work_item_type
            and work_items.work_item_id = first_runs.work_item_id
),

dated as (
    select
        *,
        cast(completed_at as date) as completed_date,
        cast(coalesce(completed_at, last_run_started_at) as date) as costing_date
    from classified
),

priced as (
    select
        dated.*,
        dated.human_minutes / 60.0 * {{ usd_amount('reviewer.hourly_cost', 'labor_fx') }} as human_cost_usd,
        {{ usd_amount('bpo_rates.unit_price', 'bpo_fx') }} as bpo_unit_price_usd
    from dated
    left join labor_rates as reviewer
        on reviewer.role = 'reviewer'
    {{ join_fx_rate('labor_fx', 'upper(reviewer.currency)', 'dated.costing_date') }}
    left join bpo_rates
        on
            dated.work_item_type = bpo_rates.work_item_type
            and {{ is_effective_on('dated.completed_date', 'bpo_rates.effective_from', 'bpo_rates.effective_to') }}
    {{ join_fx_rate('bpo_fx', 'upper(bpo_rates.currency)', 'dated.completed_date') }}
),

final as (
    select
        work_item_type,
        work_item_id,
        team_id,
        workflow_name,
        system_status,
        outcome_class,
        opened_at,
        completed_at,
        completed_date,
        cast({{ dbt.date_trunc('month', 'completed_date') }} as date) as completion_month,
        runs,
        first_run_started_at,
        last_run_started_at,
        ai_cost_usd,
        provisional_ai_cost_usd,
        human_minutes,
        human_cost_usd,
        reviews,
        case when outcome_class <> 'open' then bpo_unit_price_usd end as bpo_unit_price_usd,
        case
            when outcome_class = 'automated' then bpo_unit_price_usd
            when outcome_class = 'assisted' then greatest(bpo_unit_price_usd - human_cost_usd, 0.0)
            when outcome_class = 'failed' then 0.0
        end as value_usd,
        outcome_class = 'automated' and runs = 1 as is_first_pass
    from priced
)

select * from final
