{#-
    FX conversion to USD, the reporting currency: the latest fx_rates row on or before the day applies
    (int_fx_rates turns those rows into validity intervals); USD converts at 1 without a row.
    join_fx_rate emits the join; usd_amount the converted amount (NULL when no rate is in force).
-#}
{% macro join_fx_rate(alias, currency, day) -%}
    left join {{ ref('int_fx_rates') }} as {{ alias }}
        on {{ currency }} = {{ alias }}.currency
        and {{ is_effective_on(day, alias ~ '.valid_from', alias ~ '.valid_to') }}
{%- endmacro %}

{% macro usd_amount(amount, fx_alias) -%}
    ({{ amount }} * {{ fx_alias }}.usd_per_unit)
{%- endmacro %}
