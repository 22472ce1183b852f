{#- The host's model on the ledger adds up to the ledger (USD rows; quarantined rows have no USD). -#}
with

host as (
    select sum(amount_usd) as amount_usd from {{ ref('host_ai_spend_by_team') }}
),

ledger as (
    select sum(amount_usd) as amount_usd from {{ ref('token_ledger', 'fct_spend_ledger') }}
)

select
    host.amount_usd as host_usd,
    ledger.amount_usd as ledger_usd
from host
cross join ledger
where abs(host.amount_usd - ledger.amount_usd) > 1e-6
