{#-
    Allocation pools (metrics.md 3): (provider, model, charge date, token type, batch flag). Per pool:
    B = billed USD of its usage_tokens lines, Qb = their billed quantity, Qt = the tokens of that type of
    the model calls that started that day, and the attributed fraction f = min(1, Qt / Qb), with Qb = Qt
    when no line has a quantity (or it is zero) and f = 0 when Qt = 0. A pool exists when it has a bill,
    calls, or both. Its rate, B × f / Qt (0 without a bill or tokens), is what each of its tokens receives:
    the per-call pass (int_model_calls_costed) and the team shares (int_allocation_pool_teams) apply it.
    Qt is summed from int_allocation_traced_tokens (a row per pool and team, kept incrementally by day):
    the pools are rebuilt whole on every run from it and the billing lines, neither of which grows with
    the calls.
-#}

with

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

traced_tokens as (
    select * from {{ ref('int_allocation_traced_tokens') }}
),

billed as (
    select
        provider,
        model,
        charge_date,
        token_type,
        is_batch,
        sum(billed_usd) as billed_usd,
        {# NULL unless some line of the pool has a billed quantity #}
        sum(billed_quantity) as billed_quantity,
        count(*) as billing_lines
    from billing_lines
    where charge_category = 'usage_tokens' and quarantine_reason is null
    group by 1, 2, 3, 4, 5
),

traced as (
    select
        provider,
        model,
        charge_date,
        token_type,
        is_batch,
        sum(traced_tokens) as traced_tokens,
        cast(sum(calls) as {{ dbt.type_bigint() }}) as calls
    from traced_tokens
    group by 1, 2, 3, 4, 5
),

joined as (
    select
        coalesce(billed.provider, traced.provider) as provider,
        coalesce(billed.model, traced.model) as model,
        coalesce(billed.charge_date, traced.charge_date) as charge_date,
        coalesce(billed.token_type, traced.token_type) as token_type,
        coalesce(billed.is_batch, traced.is_batch) as is_batch,
        coalesce(billed.billing_lines, 0) as billing_lines,
        coalesce(billed.billed_usd, 0) as billed_usd,
        billed.billed_quantity,
        coalesce(traced.calls, 0) as calls,
        coalesce(traced.traced_tokens, 0) as traced_tokens
    from billed
    full outer join traced
        on
            billed.provider = traced.provider
            and billed.model = traced.model
            and billed.charge_date = traced.charge_date
            and billed.token_type = traced.token_type
            and billed.is_batch = traced.is_batch
),

fractions as (
    select
        *,
        billing_lines > 0 as has_bill,
        case
            when billed_quantity is null or billed_quantity = 0 then traced_tokens else billed_quantity
        end as effective_billed_quantity
    from joined
),

attributed as (
    select
        {{ dbt.hash(dbt.concat([
            "provider", "'|'", "model", "'|'", "cast(charge_date as " ~ dbt.type_string() ~ ")", "'|'",
            "token_type", "'|'", "cast(is_batch as " ~ dbt.type_string() ~ ")",
        ])) }} as pool_id,
        provider,
        model,
        charge_date,
        token_type,
        is_batch,
        has_bill,
        billing_lines,
        billed_usd,
        billed_quantity,
        effective_billed_quantity,
        calls,
        traced_tokens,
        case
            when traced_tokens = 0 then 0.0
            when traced_tokens >= effective_billed_quantity then 1.0
            else cast(traced_tokens as {{ type_money() }}) / effective_billed_quantity
        end as attributed_fraction
    from fractions
),

final as (
    select
        *,
        case
            when has_bill and traced_tokens <> 0 then billed_usd * attributed_fraction / traced_tokens
            else 0.0
        end as allocated_usd_per_token
    from attributed
)

select * from final
