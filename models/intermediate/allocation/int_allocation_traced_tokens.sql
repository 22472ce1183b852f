{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_window_days('charge_date') }}",
) }}

-- depends_on: {{ ref('int_trace_roots') }}

{#-
    The traced tokens of the model calls (metrics.md 3: a pool's Qt), by pool grain and team: one row per
    (provider, model, charge date = call date, token type, batch flag, team) with a non-zero count. The
    pools (int_allocation_pools) and the team shares (int_allocation_pool_teams) both read it, so the calls
    are summed once. Incremental: whole days are summed again from the first day a recomputed call can
    fall on (macros/incremental: window_first_day); the days before it are kept as they are.
-#}

{%- set first_day = window_first_day('charge_date') %}

with

calls as (
    select * from {{ ref('int_model_calls') }}
    {%- if first_day is not none %}
    where call_date >= {{ sql_date(first_day) }}
    {%- endif %}
),

call_tokens as (
    {{ unpivot_token_types('calls', ['provider', 'model', 'call_date', 'is_batch', 'team_id']) }}
),

final as (
    select
        provider,
        model,
        call_date as charge_date,
        token_type,
        is_batch,
        team_id,
        sum(tokens) as traced_tokens,
        count(*) as calls
    from call_tokens
    group by 1, 2, 3, 4, 5, 6
)

select * from final
