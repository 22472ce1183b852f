{#- FX rows as validity intervals (valid_to exclusive, NULL while in force), plus USD at 1. -#}

with

fx_rates as (
    select * from {{ reference_data('fx_rates') }}
),

intervals as (
    select
        upper(currency) as currency,
        rate_date as valid_from,
        lead(rate_date) over (partition by upper(currency) order by rate_date) as valid_to,
        usd_per_unit
    from fx_rates
    where upper(currency) <> 'USD'
),

usd as (
    select
        'USD' as currency,
        cast('1900-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        cast(1 as {{ type_money() }}) as usd_per_unit
),

final as (
    select * from intervals
    union all
    select * from usd
)

select * from final
