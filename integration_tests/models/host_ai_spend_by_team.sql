{#- A host model on a token_ledger mart: spend by team and category, as a host's BI layer would build it. -#}
with

ledger as (
    select * from {{ ref('token_ledger', 'fct_spend_ledger') }}
),

final as (
    select
        team_id,
        category,
        sum(amount_usd) as amount_usd
    from ledger
    group by 1, 2
)

select * from final
