{#- FOCUS and contracts are switched off (dbt_project.yml): their models exist, empty, and the marts hold
    nothing of theirs, although the demo landing directory has both files. Returns what should not be. -#}
with

focus_rows as (
    select 'base_focus__charges' as relation, count(*) as n from {{ ref('token_ledger', 'base_focus__charges') }}
),

contract_rows as (
    select 'base_contracts__contracts' as relation, count(*) as n from {{ ref('token_ledger', 'base_contracts__contracts') }}
),

cloud_spend as (
    select 'fct_spend_ledger (FOCUS providers)' as relation, count(*) as n
    from {{ ref('token_ledger', 'fct_spend_ledger') }}
    where provider in ('aws.bedrock', 'azure.ai.openai', 'gcp.vertex_ai')
),

contract_outcomes as (
    select 'mart_cost_per_outcome (contracts)' as relation, count(*) as n
    from {{ ref('token_ledger', 'mart_cost_per_outcome') }}
    where work_item_type = 'contract'
),

switched_on as (
    {#- and the sources still on did arrive -#}
    select 'fct_spend_ledger (openai, anthropic) is empty' as relation, 1 - sign(count(*)) as n
    from {{ ref('token_ledger', 'fct_spend_ledger') }}
    where provider in ('openai', 'anthropic')
),

checks as (
    select * from focus_rows
    union all select * from contract_rows
    union all select * from cloud_spend
    union all select * from contract_outcomes
    union all select * from switched_on
)

select *
from checks
where n <> 0
