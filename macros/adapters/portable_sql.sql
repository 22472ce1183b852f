{#-
    SQL that is spelled differently across engines and that dbt's cross-database macros (dbt.hash,
    dbt.position, dbt.listagg, dbt.date_trunc, dbt.dateadd, ...) do not cover. One macro per idea.
-#}

{#- The non-NULL values among expressions, joined by separator (a SQL string literal); '' when all are
    NULL. DuckDB, PostgreSQL and Spark spell it concat_ws (BigQuery would need array_to_string). -#}
{% macro concat_non_null(separator, expressions) -%}
    {{ return(adapter.dispatch('concat_non_null', 'token_ledger')(separator, expressions)) }}
{%- endmacro %}

{% macro default__concat_non_null(separator, expressions) -%}
    concat_ws({{ separator }}, {{ expressions | join(', ') }})
{%- endmacro %}

{#- Text parts concatenated, a NULL part counting as empty, as concat() does on DuckDB and PostgreSQL
    (Spark's concat is NULL when any part is). -#}
{% macro concat_text(parts) -%}
    {{ return(adapter.dispatch('concat_text', 'token_ledger')(parts)) }}
{%- endmacro %}

{% macro default__concat_text(parts) -%}
    concat({{ parts | join(', ') }})
{%- endmacro %}

{% macro spark__concat_text(parts) -%}
    {%- set coalesced = [] -%}
    {%- for part in parts -%}{%- do coalesced.append('coalesce(' ~ part ~ ", '')") -%}{%- endfor -%}
    concat({{ coalesced | join(', ') }})
{%- endmacro %}

{#-
    Written between a CTE's name and its body (`name as {{ inline_cte() }} (...)`) where a CTE read by
    two branches must not be buffered whole: DuckDB materializes such a CTE (at 10 M spans, gigabytes of
    parsed attributes), and inlined each branch reads only its own rows. PostgreSQL keeps its default (a
    volatile parse must stay materialized there); Spark has no such syntax.
-#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'token_ledger')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
    not materialized
{%- endmacro %}

{% macro postgres__inline_cte() -%}
{%- endmacro %}

{% macro spark__inline_cte() -%}
{%- endmacro %}
