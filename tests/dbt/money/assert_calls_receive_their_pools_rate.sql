{#-
    The one per-call pass and the team shares agree (issue 17): per provider, model, call date, batch flag
    and team, Σ allocated_cost_usd of the calls (int_model_calls_costed) = Σ over token types of what the
    pools' rates give the team (int_allocation_pool_teams), and each billing line's allocated USD is split
    whole between its pool's teams (int_billing_line_team_allocations), to within 1e-6 USD.
-#}

with

calls as (
    select * from {{ ref('int_model_calls_costed') }}
),

pool_teams as (
    select * from {{ ref('int_allocation_pool_teams') }}
),

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

line_team_allocations as (
    select * from {{ ref('int_billing_line_team_allocations') }}
),

to_calls as (
    select
        provider,
        model,
        call_date,
        is_batch,
        team_id,
        sum(allocated_cost_usd) as allocated_usd
    from calls
    group by 1, 2, 3, 4, 5
),

to_teams as (
    select
        provider,
        model,
        charge_date as call_date,
        is_batch,
        team_id,
        sum(allocated_usd) as allocated_usd
    from pool_teams
    group by 1, 2, 3, 4, 5
),

calls_vs_teams as (
    select
        'calls vs team shares' as check_name,
        concat_ws(
            '|',
            coalesce(to_calls.provider, to_teams.provider),
            coalesce(to_calls.model, to_teams.model),
            cast(coalesce(to_calls.call_date, to_teams.call_date) as {{ dbt.type_string() }}),
            coalesce(to_calls.team_id, to_teams.team_id)
        ) as cell,
        coalesce(to_calls.allocated_usd, 0) as actual_usd,
        coalesce(to_teams.allocated_usd, 0) as expected_usd
    from to_calls
    full outer join to_teams
        on
            to_calls.provider = to_teams.provider
            and to_calls.model = to_teams.model
            and to_calls.call_date = to_teams.call_date
            and to_calls.is_batch = to_teams.is_batch
            and to_calls.team_id = to_teams.team_id
),

line_teams as (
    select
        billing_line_id,
        sum(allocated_usd) as allocated_usd
    from line_team_allocations
    group by 1
),

lines_vs_teams as (
    select
        'line split between teams' as check_name,
        line_allocations.billing_line_id as cell,
        coalesce(line_teams.allocated_usd, 0) as actual_usd,
        line_allocations.allocated_usd as expected_usd
    from line_allocations
    left join line_teams
        on line_allocations.billing_line_id = line_teams.billing_line_id
    where line_allocations.quarantine_reason is null and line_allocations.attributed_fraction > 0
),

final as (
    select * from calls_vs_teams
    where abs(actual_usd - expected_usd) > 1e-6
    union all
    select * from lines_vs_teams
    where abs(actual_usd - expected_usd) > 1e-6
)

select * from final
