{#- teams_relation: host_teams makes token_ledger read the host's seed instead of its own teams seed:
    every team of dim_teams has the host's name. Returns the teams that do not. -#}
select
    team_id,
    team_name
from {{ ref('token_ledger', 'dim_teams') }}
where team_id <> 'unassigned' and team_name not like '%(host directory)'
