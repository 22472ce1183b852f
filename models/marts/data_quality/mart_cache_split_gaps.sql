{#-
    Where the traces hide a cache split the bill shows (real-inputs.md 2): per provider, model, day and
    instrumentation scope, the scopes whose calls carry no cache attribute at all (openai-v2 never
    writes one) while that day's bill for the model has cached input. Such calls are priced and allocated as uncached
    input: their input pool is over-traced and the cached pool under-traced (its remainder is untraced
    money). A data-quality finding a team can act on: switch the producer, or read the cache split from
    another instrumentation of the same client. Batch and non-batch calls are one finding.
-#}

with

calls as (
    select * from {{ ref('int_model_calls') }}
),

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

billed_cache as (
    select
        provider,
        model,
        charge_date,
        sum(billed_usd) as billed_cached_input_usd,
        cast(sum(coalesce(billed_quantity, 0)) as {{ dbt.type_bigint() }}) as billed_cached_input_tokens,
        cast(sum(traced_tokens) as {{ dbt.type_bigint() }}) as traced_cached_input_tokens
    from pools
    where token_type = 'cached_input' and has_bill
    group by 1, 2, 3
),

scope_calls as (
    select
        provider,
        model,
        call_date,
        coalesce(scope_name, '') as scope_name,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        sum(case when has_cache_split then 1 else 0 end) as calls_with_cache_split,
        cast(sum(total_input_tokens) as {{ dbt.type_bigint() }}) as input_tokens
    from calls
    group by 1, 2, 3, 4
),

final as (
    select
        scope_calls.provider,
        scope_calls.model,
        scope_calls.call_date,
        scope_calls.scope_name,
        scope_calls.calls,
        scope_calls.input_tokens,
        billed_cache.billed_cached_input_tokens,
        billed_cache.billed_cached_input_usd,
        billed_cache.traced_cached_input_tokens
    from scope_calls
    inner join billed_cache
        on
            scope_calls.provider = billed_cache.provider
            and scope_calls.model = billed_cache.model
            and scope_calls.call_date = billed_cache.charge_date
    where
        scope_calls.calls_with_cache_split = 0
        and (billed_cache.billed_cached_input_usd > 0 or billed_cache.billed_cached_input_tokens > 0)
)

select * from final
