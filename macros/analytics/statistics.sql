{#-
    Window-friendly statistics that differ by engine. regression_slope: the least-squares slope of y on
    x (pairs with a NULL are skipped); covar_pop / var_pop where regr_slope is missing. last_non_null:
    the last non-NULL value of the window frame.
-#}
{#- window: a window name (or an OVER specification in parentheses) to compute the slope over; without
    it the slope is an aggregate. -#}
{% macro regression_slope(y, x, window=none) -%}
    {{ return(adapter.dispatch('regression_slope', 'token_ledger')(y, x, window)) }}
{%- endmacro %}

{% macro default__regression_slope(y, x, window=none) -%}
    regr_slope({{ y }}, {{ x }}){{ (' over ' ~ window) if window }}
{%- endmacro %}

{#- Spark has regr_slope, but it rounds differently from DuckDB in the last bits (a unit test compares
    exactly); covar_pop / var_pop over the same pairs rounds as DuckDB's regr_slope. -#}
{% macro spark__regression_slope(y, x, window=none) -%}
    {%- set over = (' over ' ~ window) if window else '' -%}
    (covar_pop({{ y }}, {{ x }}){{ over }} / var_pop(case when ({{ y }}) is not null then {{ x }} end){{ over }})
{%- endmacro %}

{% macro last_non_null(expression) -%}
    {{ return(adapter.dispatch('last_non_null', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__last_non_null(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{#- PostgreSQL has no IGNORE NULLS: an aggregate that keeps the last non-NULL value it saw, used as a
    window aggregate over the same frame (engine functions, on-run-start). -#}
{% macro postgres__last_non_null(expression) -%}
    {{ engine_function('tl_last_non_null') }}({{ expression }})
{%- endmacro %}

{#- Spark: last_value(expression, ignoreNulls). -#}
{% macro spark__last_non_null(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}

{#- The median of a column, as an aggregate. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{#- small < mid < frontier, as a number, so tiers compare. -#}
{% macro model_tier_rank(tier) -%}
    case {{ tier }} when 'small' then 1 when 'mid' then 2 when 'frontier' then 3 end
{%- endmacro %}
