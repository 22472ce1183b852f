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
        count(*) as weeks,
        min(week_start) as first_week,
        max(week_start) as last_week
    from utility
    group by 1
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
        spans.weeks,
        spans.first_week,
        spans.last_week,
        expected.first_week as expected_first_week,
        expected.last_week as expected_last_week
    from spans
    full outer join expected
        on spans.team_id = expected.team_id
    where
        spans.team_id is null or expected.team_id is null
        or spans.first_week <> expected.first_week
        or spans.last_week <> expected.last_week
        or spans.weeks <> {{ dbt.datediff('spans.first_week', 'spans.last_week', 'day') }} / 7 + 1
)

select * from final
