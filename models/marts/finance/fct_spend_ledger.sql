{#-
    Where each billed dollar went, by (provider, billing account, charge date, team, category):
    allocated (to that team's model calls), untraced (billed usage no trace explains, owned through
    billing_accounts), usage_other, tax, credit, purchase, adjustment (carried whole by the owner team),
    out_of_scope (charges of services that are not AI on the same cloud bill: in the ledger so the bill
    adds up, never AI spend), and quarantined (unreadable rows or lines without an FX rate: billing currency only, no USD).
    Σ amount_usd per provider and month = Σ billed USD of the billing lines (tested).
-#}

with

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

line_team_allocations as (
    select * from {{ ref('int_billing_line_team_allocations') }}
),

quarantine as (
    select * from {{ ref('int_billing_quarantine') }}
),

{# a pool's allocated money reaches teams in proportion to their traced tokens in it (the split is made
   in intermediate/allocation: this mart only sums) #}
allocated as (
    select
        provider,
        billing_account_id,
        charge_date,
        team_id,
        'allocated' as category,
        currency,
        allocated_amount as amount,
        allocated_usd as amount_usd
    from line_team_allocations
),

untraced as (
    select
        provider,
        billing_account_id,
        charge_date,
        owner_team_id as team_id,
        'untraced' as category,
        currency,
        untraced_amount as amount,
        untraced_usd as amount_usd
    from line_allocations
    where charge_category = 'usage_tokens' and quarantine_reason is null and attributed_fraction < 1
),

other as (
    select
        provider,
        billing_account_id,
        charge_date,
        owner_team_id as team_id,
        charge_category as category,
        currency,
        billed_amount as amount,
        other_usd + out_of_scope_usd as amount_usd
    from line_allocations
    where charge_category <> 'usage_tokens' and quarantine_reason is null
),

quarantined as (
    select
        provider,
        billing_account_id,
        charge_date,
        owner_team_id as team_id,
        'quarantined' as category,
        currency,
        billed_amount as amount,
        cast(null as {{ type_money() }}) as amount_usd
    from quarantine
),

unioned as (
    select * from allocated
    union all
    select * from untraced
    union all
    select * from other
    union all
    select * from quarantined
),

final as (
    select
        provider,
        billing_account_id,
        charge_date,
        team_id,
        category,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as charge_month,
        {# one currency per cell in practice; if not, the billing-currency amount is not summable #}
        case when count(distinct currency) = 1 then min(currency) end as currency,
        case when count(distinct currency) = 1 then sum(amount) end as amount,
        sum(amount_usd) as amount_usd,
        count(*) as billing_lines
    from unioned
    group by 1, 2, 3, 4, 5, 6
)

select * from final
