{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key=['span_id', 'token_type'],
    pre_hook="{{ delete_window_traces('call_date') }}",
) }}

-- depends_on: {{ ref('int_trace_roots') }}

{#-
    One row per model call and token type with a non-zero count, priced at the list price in force on
    the call's start date (halved for a batch call). A token type with no price leaves the call
    unpriced (metrics.md 2: a price is needed only for token types with a non-zero count).
    Incremental: the calls of the window's traces (macros/incremental).
-#}

{%- set since = incremental_since('call_date') %}

with

calls as (
    select * from {{ ref('int_model_calls') }}
    where {{ in_window_traces('trace_id', 'call_date', since) }}
),

prices as (
    select * from {{ reference_data('model_prices') }}
),

by_type as (
    {%- for token_type in ['input', 'cached_input', 'cache_write', 'output'] %}
    select
        span_id,
        trace_id,
        team_id,
        provider,
        model,
        call_date,
        is_batch,
        '{{ token_type }}' as token_type,
        {{ token_type }}_tokens as tokens
    from calls
    where {{ token_type }}_tokens <> 0
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        by_type.span_id,
        by_type.trace_id,
        by_type.team_id,
        by_type.provider,
        by_type.model,
        by_type.call_date,
        by_type.is_batch,
        by_type.token_type,
        by_type.tokens,
        prices.usd_per_million_tokens,
        prices.model_tier,
        prices.usd_per_million_tokens is not null as is_priced,
        by_type.tokens * prices.usd_per_million_tokens / 1000000.0
        * case when by_type.is_batch then 0.5 else 1.0 end as list_cost_usd
    from by_type
    left join prices
        on
            by_type.provider = prices.provider
            and by_type.model = prices.model
            and by_type.token_type = prices.token_type
            and {{ is_effective_on('by_type.call_date', 'prices.effective_from', 'prices.effective_to') }}
)

select * from final
