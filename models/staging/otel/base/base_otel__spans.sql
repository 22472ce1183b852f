{#-
    Every span delivery (base_otel__span_deliveries) with its duplicate flag: true for the deliveries
    base_otel__span_duplicates ranks below another delivery of the same span (metrics.md 12). A view, so
    the ten million deliveries are not copied again; a filter on it (the incremental window's dates)
    reaches the deliveries table's zone maps.
-#}

{{ config(materialized='view') }}

with

deliveries as (
    select * from {{ ref('base_otel__span_deliveries') }}
),

duplicates as (
    select * from {{ ref('base_otel__span_duplicates') }}
),

final as (
    select
        deliveries.*,
        duplicates.landing_file is not null as is_duplicate
    from deliveries
    left join duplicates
        on
            deliveries.landing_file = duplicates.landing_file
            and deliveries.landing_row = duplicates.landing_row
            and coalesce(deliveries.landing_span, '') = duplicates.landing_span
            and deliveries.span_date = duplicates.span_date
)

{# the columns of base_otel__span_deliveries, then is_duplicate #}
select * from final  -- noqa: AM04
