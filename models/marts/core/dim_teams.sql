{#- Teams that own spend, plus `unassigned` for money and traces no mapping names. -#}

with

teams as (
    select * from {{ reference_data('teams') }}
),

services as (
    select * from {{ reference_data('services') }}
),

service_counts as (
    select
        team_id,
        count(*) as services
    from services
    group by 1
),

known as (
    select
        teams.team_id,
        teams.team_name,
        teams.cost_center,
        teams.business_unit,
        coalesce(service_counts.services, 0) as services,
        false as is_unassigned
    from teams
    left join service_counts
        on teams.team_id = service_counts.team_id
),

unassigned as (
    select
        'unassigned' as team_id,
        'Unassigned' as team_name,
        cast(null as {{ dbt.type_string() }}) as cost_center,
        cast(null as {{ dbt.type_string() }}) as business_unit,
        0 as services,
        true as is_unassigned
),

final as (
    select * from known
    union all
    select * from unassigned
    where 'unassigned' not in (select known_teams.team_id from known as known_teams)
)

select * from final
