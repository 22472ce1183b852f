{#-
    CFO question: where does one more dollar of inference no longer return a dollar of value?
    Teams whose latest marginal token utility (the 8-week least-squares slope of value on spend) is
    below 1, with their recent spend and the week the slope last crossed 1.
-#}

with

utility as (
    select * from {{ ref('mart_marginal_token_utility') }}
),

latest as (
    select
        team_id,
        max(week_start) as latest_week
    from utility
    where marginal_token_utility is not null
    group by team_id
),

crossings as (
    select
        team_id,
        max(case when marginal_token_utility >= 1 then week_start end) as last_week_at_or_above_one
    from utility
    group by team_id
),

final as (
    select
        utility.team_id,
        utility.week_start,
        {{ round_money('utility.marginal_token_utility', 2) }} as marginal_token_utility,
        {{ round_money('utility.spend_usd') }} as spend_usd,
        {{ round_money('utility.value_usd') }} as value_usd,
        crossings.last_week_at_or_above_one
    from utility
    inner join latest
        on
            utility.team_id = latest.team_id
            and utility.week_start = latest.latest_week
    inner join crossings
        on utility.team_id = crossings.team_id
    where utility.marginal_token_utility < 1
)

select * from final
order by marginal_token_utility
