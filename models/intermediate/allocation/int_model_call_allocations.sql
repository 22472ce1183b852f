{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key=['span_id', 'token_type'],
    pre_hook="{{ delete_window_traces('call_date') }}",
) }}

-- depends_on: {{ ref('int_trace_roots') }}

{#-
    Billed money allocated to model calls, per call and token type: B × f × tokens / Qt of its pool
    (metrics.md 3). A pool with no bill allocates nothing: its calls are unbilled for that token type.
    Incremental: the calls of the window's traces (macros/incremental); the pools are always current, so
    a bill that arrives within the window re-allocates its day.
-#}

{%- set since = incremental_since('call_date') %}

with

call_tokens as (
    select * from {{ ref('int_model_call_tokens') }}
    where {{ in_window_traces('trace_id', 'call_date', since) }}
),

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

final as (
    select
        call_tokens.span_id,
        call_tokens.token_type,
        call_tokens.trace_id,
        call_tokens.team_id,
        call_tokens.call_date,
        pools.pool_id,
        call_tokens.tokens,
        call_tokens.list_cost_usd,
        call_tokens.is_priced,
        pools.has_bill,
        case
            when pools.has_bill and pools.traced_tokens <> 0
                then pools.billed_usd * pools.attributed_fraction * call_tokens.tokens / pools.traced_tokens
            else 0.0
        end as allocated_usd
    from call_tokens
    inner join pools
        on
            call_tokens.provider = pools.provider
            and call_tokens.model = pools.model
            and call_tokens.call_date = pools.charge_date
            and call_tokens.token_type = pools.token_type
            and call_tokens.is_batch = pools.is_batch
)

select * from final
