{#-
    Every span delivery (base_otel__span_deliveries) with its duplicate flag: of several good deliveries of
    one span, the one with the latest end time is kept (metrics.md 12), ties broken by the row
    fingerprint. Only the deliveries of keys delivered more than once are ranked (at-least-once delivery
    makes them rare); a view, so the ten million others are not copied again.
-#}

{{ config(materialized='view') }}

with

{# one import per branch: a CTE read twice is buffered whole by DuckDB, and a filter on the view (the
   incremental window's dates) would no longer reach the table's zone maps #}
deliveries as (
    select * from {{ ref('base_otel__span_deliveries') }}
),

deliveries_to_rank as (
    select * from {{ ref('base_otel__span_deliveries') }}
),

single_deliveries as (
    select
        *,
        false as is_duplicate
    from deliveries
    where not is_repeated_key
),

repeated_deliveries as (
    select
        *,
        {{ landing_duplicate_flag('trace_id, span_id', 'end_time_unix_nano desc nulls last', true) }} as is_duplicate
    from deliveries_to_rank
    where is_repeated_key
),

final as (
    select * from single_deliveries
    union all
    select * from repeated_deliveries
)

{# both branches: the columns of base_otel__span_deliveries, then is_duplicate #}
select * from final  -- noqa: AM04
