{#-
    Money is never rounded inside the project (metrics.md 12): marts keep full precision. This macro is
    for display only (analyses, the report), so every rounding for people happens in one way.
-#}
{% macro round_money(amount, places=2) -%}
    round(cast({{ amount }} as {{ dbt.type_numeric() }}), {{ places }})
{%- endmacro %}
