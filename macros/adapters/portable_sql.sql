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

{#- DuckDB: string_agg(... order by ...) sorts inside every group of its hash aggregate; list(... order by
    ...) joined afterwards gives the same text (NULLs skipped alike) for about 30 % less on the run paths. -#}
{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("duckdb__listagg: limit_num is not supported") }}
    {%- endif -%}
    array_to_string(list({{ measure }} {{ order_by_clause or '' }}), {{ delimiter_text }})
{%- endmacro %}

{#- Put between `name as` and a CTE's `(`: each reference computes the CTE again, for the columns it needs,
    instead of reading one copy of every column of every row. DuckDB 2.0 materializes a CTE referenced more
    than once, and a wide one at 10 M rows spills past the memory limit. For a CTE that is a read of a
    relation, or cheap to compute again (a filter, a join to a small table), and only where measured:
    int_model_calls at 10 M spans took 48 s, 23 s with its spans inline, 12.5 s with its call spans,
    resolved calls and requests inline too (the same rows; DECISIONS 173). Spark inlines every CTE and has
    no such syntax; PostgreSQL keeps its own choice (not measured there). -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'token_ledger')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
