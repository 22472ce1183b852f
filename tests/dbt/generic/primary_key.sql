{#-
    The columns identify a row: no key column is null and no combination of them occurs twice.
    Returns one row per failing key (a duplicated combination, or any combination holding a null), with
    how many rows share it. Usage:
        data_tests:
          - primary_key:
              arguments:
                column_names: [trace_id, span_id]
-#}
{% test primary_key(model, column_names) %}
{%- if column_names is string -%}
    {%- set column_names = [column_names] -%}
{%- endif -%}
{%- if column_names | length == 0 -%}
    {{ exceptions.raise_compiler_error("primary_key on " ~ model ~ ": column_names is empty") }}
{%- endif -%}
{%- set key_columns = column_names | join(', ') %}

with

keys as (
    select
        {{ key_columns }},
        count(*) as n_records
    from {{ model }}
    group by {{ key_columns }}
),

violations as (
    select *
    from keys
    where
        n_records > 1
        {%- for column in column_names %}
        or {{ column }} is null
        {%- endfor %}
)

select * from violations
{% endtest %}
