{#-
    The invariant of metrics.md 3: per provider and month, every billed USD of the billing lines lands in
    the spend ledger exactly once (allocated + untraced + other categories), to within 1e-6 USD.
    Returns the provider-months where it does not.
-#}

with

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

ledger as (
    select * from {{ ref('fct_spend_ledger') }}
),

billed as (
    select
        provider,
        charge_month,
        sum(billed_usd) as billed_usd
    from billing_lines
    where quarantine_reason is null
    group by 1, 2
),

landed as (
    select
        provider,
        charge_month,
        sum(amount_usd) as ledger_usd
    from ledger
    where category <> 'quarantined'
    group by 1, 2
),

final as (
    select
        coalesce(billed.provider, landed.provider) as provider,
        coalesce(billed.charge_month, landed.charge_month) as charge_month,
        billed.billed_usd,
        landed.ledger_usd
    from billed
    full outer join landed
        on
            billed.provider = landed.provider
            and billed.charge_month = landed.charge_month
    where abs(coalesce(billed.billed_usd, 0) - coalesce(landed.ledger_usd, 0)) > 1e-6
)

select * from final
