{#-
    Window-friendly statistics that differ by engine. regression_slope: the least-squares slope of y on
    x (pairs with a NULL are skipped); covar_pop / var_pop where regr_slope is missing. last_non_null:
    the last non-NULL value of the window frame.
-#}
{% macro regression_slope(y, x) -%}
    {{ return(adapter.dispatch('regression_slope', 'token_ledger')(y, x)) }}
{%- endmacro %}

{% macro default__regression_slope(y, x) -%}
    regr_slope({{ y }}, {{ x }})
{%- endmacro %}

{% macro last_non_null(expression) -%}
    {{ return(adapter.dispatch('last_non_null', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__last_non_null(expression) -%}
    last_value({{ expression }} ignore nulls)
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
