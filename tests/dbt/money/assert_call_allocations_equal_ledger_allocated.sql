{#-
    What the ledger calls allocated is exactly what the model calls received, per provider, month and
    team (1e-6 USD): no call is allocated money the ledger does not hold, or the reverse.
-#}

with

calls as (
    select * from {{ ref('fct_model_calls') }}
),

ledger as (
    select * from {{ ref('fct_spend_ledger') }}
),

from_calls as (
    select
        provider,
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as charge_month,
        team_id,
        sum(allocated_cost_usd) as allocated_usd
    from calls
    group by 1, 2, 3
),

from_ledger as (
    select
        provider,
        charge_month,
        team_id,
        sum(amount_usd) as allocated_usd
    from ledger
    where category = 'allocated'
    group by 1, 2, 3
),

final as (
    select
        coalesce(from_calls.provider, from_ledger.provider) as provider,
        coalesce(from_calls.charge_month, from_ledger.charge_month) as charge_month,
        coalesce(from_calls.team_id, from_ledger.team_id) as team_id,
        from_calls.allocated_usd as calls_allocated_usd,
        from_ledger.allocated_usd as ledger_allocated_usd
    from from_calls
    full outer join from_ledger
        on
            from_calls.provider = from_ledger.provider
            and from_calls.charge_month = from_ledger.charge_month
            and from_calls.team_id = from_ledger.team_id
    where abs(coalesce(from_calls.allocated_usd, 0) - coalesce(from_ledger.allocated_usd, 0)) > 1e-6
)

select * from final
