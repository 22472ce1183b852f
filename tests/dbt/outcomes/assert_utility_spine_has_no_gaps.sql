{#- Each team's week spine runs without a gap from its first to its last completion week. -#}

with

utility as (
    select * from {{ ref('mart_marginal_token_utility') }}
),

completions as (
    select * from {{ ref('fct_work_items') }}
),

spans as (
    select
        team_id,
        min(week_start) as first_week,
        max(week_start) as last_week
    from utility
    group by 1
),

steps as (
    select
        team_id,
        week_start,
        lag(week_start) over (partition by team_id order by week_start) as previous_week
    from utility
),

gaps as (
    select distinct team_id
    from steps
    where
        previous_week is not null
        and {{ dbt.datediff('previous_week', 'week_start', 'day') }}
        <> 7
),

expected as (
    select
        team_id,
        cast(min({{ dbt.date_trunc('week', 'completed_at') }}) as date) as first_week,
        cast(max({{ dbt.date_trunc('week', 'completed_at') }}) as date) as last_week
    from completions
    where outcome_class <> 'open'
    group by 1
),

final as (
    select
        coalesce(spans.team_id, expected.team_id) as team_id,
        spans.first_week,
        spans.last_week,
        expected.first_week as expected_first_week,
        expected.last_week as expected_last_week,
        gaps.team_id is not null as has_gap
    from spans
    full outer join expected
        on spans.team_id = expected.team_id
    left join gaps
        on coalesce(spans.team_id, expected.team_id) = gaps.team_id
    where
        spans.team_id is null or expected.team_id is null
        or spans.first_week <> expected.first_week
        or spans.last_week <> expected.last_week
        or gaps.team_id is not null
)

select * from final
