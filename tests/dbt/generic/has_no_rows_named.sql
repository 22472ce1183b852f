{#-
    has_no_rows that says what it found: when the relation holds rows, the values of `name_column` (up
    to `limit`) are written to dbt's log, so a warning names what to map next (e.g. the meter of a charge
    nothing explains), not only how many rows there are. Meant with `config: {severity: warn}`.
-#}
{% test has_no_rows_named(model, name_column, limit=20) %}
{%- if execute -%}
    {%- set found = run_query(
        'select distinct ' ~ name_column ~ ' as name from ' ~ model ~ ' order by 1 limit ' ~ limit
    ) -%}
    {%- if found is not none and found.rows | length > 0 -%}
        {%- set names = [] -%}
        {%- for row in found.rows -%}{%- do names.append(row[0] | string) -%}{%- endfor -%}
        {%- do log(model.identifier ~ ': ' ~ names | join('; '), info=true) -%}
    {%- endif -%}
{%- endif %}
select * from {{ model }}
{% endtest %}
