{#-
    The SQL type of money and other fractional values: an 8-byte float everywhere. (type_money() is
    a 4-byte FLOAT on DuckDB, which would lose cents: never use it for money.)
-#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'token_ledger')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    double precision
{%- endmacro %}

{% macro spark__type_money() -%}
    double
{%- endmacro %}
