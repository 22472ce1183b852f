{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_window_dates('span_date') }}",
) }}

{#-
    The span deliveries that are duplicates (metrics.md 12): of several good deliveries of one span, the
    one with the latest end time is kept; of identical ones, the first in the landing (file, row, position
    in the row), so that every engine keeps the same delivery. Only the deliveries of keys delivered more
    than once are ranked (at-least-once delivery makes them rare), and they are ranked here, once: a view
    ranking them would rank every redelivered key of the history on each read (issue 17).
    Incremental like the deliveries (macros/incremental/large_grains.sql): the dates of the window are
    ranked again. A span's deliveries share its start date, so they are ranked together; the deliveries
    flag a key as repeated within the same window (base_otel__span_deliveries).
-#}

{%- set since = incremental_since('span_date') %}

with

deliveries as (
    select * from {{ ref('base_otel__span_deliveries') }}
    where
        is_repeated_key
        {%- if since is not none %}
        and (span_date >= {{ sql_date(since) }} or span_date is null)
        {%- endif %}
),

ranked as (
    select
        landing_file,
        landing_row,
        landing_span,
        span_date,
        trace_id,
        span_id,
        {{ landing_duplicate_flag(
            'trace_id, span_id',
            'end_time_unix_nano desc nulls last, landing_file nulls last, landing_row nulls last, '
            ~ 'landing_span nulls last',
        ) }} as is_duplicate
    from deliveries
),

final as (
    select
        landing_file,
        landing_row,
        {# a row of the flattened table holds one span: no position (empty, so the key has no NULL) #}
        coalesce(landing_span, '') as landing_span,
        span_date,
        trace_id,
        span_id
    from ranked
    where is_duplicate
)

select * from final
