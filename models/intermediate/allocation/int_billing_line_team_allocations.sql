{#-
    The allocated part of each usage_tokens billing line, split between the teams whose calls are in its
    pool by their token share (int_allocation_pool_teams): in the billing currency and in USD. Only lines
    with a USD amount and some money allocated (f > 0); fct_spend_ledger sums these as `allocated`.
-#}

with

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

pool_teams as (
    select * from {{ ref('int_allocation_pool_teams') }}
),

final as (
    select
        line_allocations.billing_line_id,
        pool_teams.team_id,
        line_allocations.pool_id,
        line_allocations.provider,
        line_allocations.billing_account_id,
        line_allocations.charge_date,
        line_allocations.currency,
        pool_teams.token_share,
        line_allocations.allocated_amount * pool_teams.token_share as allocated_amount,
        line_allocations.allocated_usd * pool_teams.token_share as allocated_usd
    from line_allocations
    inner join pool_teams
        on line_allocations.pool_id = pool_teams.pool_id
    where
        line_allocations.quarantine_reason is null
        and line_allocations.attributed_fraction > 0
        and pool_teams.has_bill
)

select * from final
