{#-
    Marginal token utility (metrics.md 7) by team × ISO week of completion, on a gap-free week spine from
    the team's first to its last week with a completed work item. marginal_token_utility is the
    least-squares slope of weekly value on weekly spend over the 8 weeks w−7 … w that had spend (NULL
    with fewer than 3 such weeks); delta_token_utility compares week w with the team's previous week
    with spend. Untraced and unlinked spend of the team in the week (by charge date) sit alongside.
-#}

{%- set window_weeks = 8 -%}
{%- set min_weeks_with_spend = 3 -%}

with

work_items as (
    select * from {{ ref('int_work_item_outcomes') }}
),

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

calls as (
    select * from {{ ref('fct_model_calls') }}
),

completed as (
    select
        team_id,
        cast({{ dbt.date_trunc('week', 'completed_date') }} as date) as week_start,
        ai_cost_usd,
        value_usd
    from work_items
    where outcome_class <> 'open'
),

weekly as (
    select
        team_id,
        week_start,
        count(*) as completed_items,
        sum(ai_cost_usd) as spend_usd,
        sum(value_usd) as value_usd
    from completed
    group by 1, 2
),

team_bounds as (
    select
        team_id,
        min(week_start) as first_week,
        max(week_start) as last_week
    from weekly
    group by 1
),

week_numbers as (
    {{ dbt.generate_series(1100) }}
),

spine as (
    select
        team_bounds.team_id,
        cast({{ dbt.dateadd('day', '7 * (week_numbers.generated_number - 1)', 'team_bounds.first_week') }} as date)
            as week_start
    from team_bounds
    cross join week_numbers
    where
        {{ dbt.dateadd('day', '7 * (week_numbers.generated_number - 1)', 'team_bounds.first_week') }}
        <= team_bounds.last_week
),

untraced as (
    select
        owner_team_id as team_id,
        cast({{ dbt.date_trunc('week', 'charge_date') }} as date) as week_start,
        sum(untraced_usd) as untraced_spend_usd
    from line_allocations
    where charge_category = 'usage_tokens' and quarantine_reason is null
    group by 1, 2
),

unlinked as (
    select
        team_id,
        cast({{ dbt.date_trunc('week', 'call_date') }} as date) as week_start,
        sum(allocated_cost_usd) as unlinked_spend_usd
    from calls
    where not is_linked_to_work_item
    group by 1, 2
),

filled as (
    select
        spine.team_id,
        spine.week_start,
        coalesce(weekly.completed_items, 0) as completed_items,
        coalesce(weekly.spend_usd, 0.0) as spend_usd,
        coalesce(weekly.value_usd, 0.0) as value_usd,
        coalesce(untraced.untraced_spend_usd, 0.0) as untraced_spend_usd,
        coalesce(unlinked.unlinked_spend_usd, 0.0) as unlinked_spend_usd
    from spine
    left join weekly
        on
            spine.team_id = weekly.team_id
            and spine.week_start = weekly.week_start
    left join untraced
        on
            spine.team_id = untraced.team_id
            and spine.week_start = untraced.week_start
    left join unlinked
        on
            spine.team_id = unlinked.team_id
            and spine.week_start = unlinked.week_start
),

windowed as (
    select
        *,
        count(case when spend_usd > 0 then 1 end) over trailing_weeks as weeks_with_spend_in_window,
        {{ regression_slope(
            'case when spend_usd > 0 then value_usd end',
            'case when spend_usd > 0 then spend_usd end',
            window='trailing_weeks',
        ) }} as trailing_slope,
        {{ last_non_null('case when spend_usd > 0 then spend_usd end') }} over earlier_weeks as previous_spend_usd,
        {{ last_non_null('case when spend_usd > 0 then value_usd end') }} over earlier_weeks as previous_value_usd
    from filled
    window
        trailing_weeks as (
            partition by team_id order by week_start rows between {{ window_weeks - 1 }} preceding and current row
        ),
        earlier_weeks as (
            partition by team_id order by week_start rows between unbounded preceding and 1 preceding
        )
),

final as (
    select
        team_id,
        week_start,
        cast(completed_items as bigint) as completed_items,
        spend_usd,
        value_usd,
        case when spend_usd > 0 then value_usd / spend_usd end as avg_token_utility,
        case
            when weeks_with_spend_in_window >= {{ min_weeks_with_spend }} then trailing_slope
        end as marginal_token_utility,
        cast(weeks_with_spend_in_window as bigint) as weeks_with_spend_in_window,
        case
            when spend_usd > 0 and previous_spend_usd is not null and spend_usd <> previous_spend_usd
                then (value_usd - previous_value_usd) / (spend_usd - previous_spend_usd)
        end as delta_token_utility,
        untraced_spend_usd,
        unlinked_spend_usd
    from windowed
)

select * from final
