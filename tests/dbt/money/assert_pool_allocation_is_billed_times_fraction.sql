{#-
    Per pool, the calls receive exactly B × f (never more than was billed for the pool when B ≥ 0): the
    pool's rate × the tokens of its teams (int_allocation_pool_teams; that the per-call pass gives each
    call the same is assert_calls_receive_their_pools_rate), and the pool's lines keep exactly
    B × (1 − f) untraced.
-#}

with

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

pool_teams as (
    select * from {{ ref('int_allocation_pool_teams') }}
),

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

to_calls as (
    select
        pool_id,
        sum(allocated_usd) as allocated_usd
    from pool_teams
    group by 1
),

to_lines as (
    select
        pool_id,
        sum(allocated_usd) as allocated_usd,
        sum(untraced_usd) as untraced_usd
    from line_allocations
    where pool_id is not null
    group by 1
),

final as (
    select
        pools.pool_id,
        pools.billed_usd,
        pools.attributed_fraction,
        to_calls.allocated_usd as calls_allocated_usd,
        to_lines.allocated_usd as lines_allocated_usd,
        to_lines.untraced_usd as lines_untraced_usd
    from pools
    left join to_calls
        on pools.pool_id = to_calls.pool_id
    left join to_lines
        on pools.pool_id = to_lines.pool_id
    where
        pools.attributed_fraction < 0 or pools.attributed_fraction > 1
        or abs(coalesce(to_calls.allocated_usd, 0) - pools.billed_usd * pools.attributed_fraction) > 1e-6
        or abs(coalesce(to_lines.allocated_usd, 0) - pools.billed_usd * pools.attributed_fraction) > 1e-6
        or abs(coalesce(to_lines.untraced_usd, 0) - pools.billed_usd * (1 - pools.attributed_fraction)) > 1e-6
        or (pools.billed_usd >= 0 and coalesce(to_calls.allocated_usd, 0) > pools.billed_usd + 1e-6)
)

select * from final
