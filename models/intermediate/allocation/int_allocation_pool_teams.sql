{#-
    Team shares per pool (metrics.md 3): the traced tokens of each team's calls in a pool, their share of
    the pool's Qt, and the USD the pool's rate gives them (the sum of what int_model_calls_costed gives
    those calls, tested). The ledger splits each billing line's allocated money by token_share
    (int_billing_line_team_allocations). From int_allocation_traced_tokens, whole on every run, like the
    pools.
-#}

with

team_tokens as (
    select * from {{ ref('int_allocation_traced_tokens') }}
),

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

final as (
    select
        pools.pool_id,
        team_tokens.team_id,
        pools.provider,
        pools.model,
        pools.charge_date,
        pools.token_type,
        pools.is_batch,
        pools.has_bill,
        team_tokens.calls,
        team_tokens.traced_tokens,
        {# in the money type on every engine (PostgreSQL would keep a numeric of 20 decimals) #}
        case
            when pools.traced_tokens <> 0
                then cast(team_tokens.traced_tokens as {{ type_money() }}) / pools.traced_tokens
            else 0.0
        end as token_share,
        team_tokens.traced_tokens * pools.allocated_usd_per_token as allocated_usd
    from team_tokens
    inner join pools
        on
            team_tokens.provider = pools.provider
            and team_tokens.model = pools.model
            and team_tokens.charge_date = pools.charge_date
            and team_tokens.token_type = pools.token_type
            and team_tokens.is_batch = pools.is_batch
)

select * from final
