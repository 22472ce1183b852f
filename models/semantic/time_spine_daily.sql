{#-
    One row per day, the time spine MetricFlow joins metrics to (time_spine config in
    _semantic__time_spine.yml). It spans the years the ledger can hold, with room on either side.
-#}
{{ config(materialized='table', schema='marts') }}

with

days as (
    {{ dbt.date_spine('day', "cast('2024-01-01' as date)", "cast('2031-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
