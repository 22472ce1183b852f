{#-
    Spark versions of three dbt macros, found first because dbt_project.yml puts this project ahead of
    dbt in the `dbt` dispatch search order (they apply on Spark only; every other adapter keeps dbt's):

    - spark__cast / spark__create_csv_table / spark__load_csv_rows: the project's type names (contracts' data_type, seeds'
      column_types) are the SQL ones DuckDB and PostgreSQL share (varchar, double precision, bigint,
      boolean, date, timestamp); Spark spells two of them differently (string, double). Contracts keep
      their column types on Spark: dbt checks them through cast(null as <type>).
    - spark__listagg: dbt-spark's listagg ignores the ORDER BY (it warns); fct_runs.path needs the
      steps in order: collect (order keys, value) structs, sort them, keep the values.
-#}

{#- A type name of the project in Spark's spelling. -#}
{% macro spark_type_name(type) -%}
    {%- set spelled = type | trim | lower -%}
    {%- set renamed = {
        'varchar': 'string',
        'text': 'string',
        'character varying': 'string',
        'double precision': 'double',
        'float8': 'double',
        'int8': 'bigint',
    } -%}
    {{- renamed.get(spelled, type) -}}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}

{#- dbt-spark's spark__create_csv_table, with column_types in Spark's spelling. -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

    {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = spark_type_name(column_override.get(col_name, inferred_type)) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ partition_cols(label="partitioned by") }}
    {{ clustered_cols(label="clustered by") }}
    {{ location_clause() }}
    {{ comment_clause() }}
    {% endset %}

    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}

    {{ return(sql) }}
{% endmacro %}

{#- dbt-spark's spark__load_csv_rows, with column_types in Spark's spelling and the values written as SQL
    literals: in session mode dbt-spark formats each binding as '<value>', so an empty seed cell became
    the text 'None' (and a quote in a value broke the statement). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set types = [] %}
    {% for col_name in agate_table.column_names %}
        {% do types.append(spark_type_name(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) %}
    {% endfor %}
    {% set statements = [] %}

    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %},{%- endif %}
                {%- endfor -%})
                {%- if not loop.last %},{%- endif %}
            {%- endfor %}
        {% endset %}

        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}

    {{ return(statements[0]) }}
{% endmacro %}

{#- A seed cell (agate value) as a Spark SQL literal. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{#- order_by_clause: 'order by a, b' (ascending keys only, as the project uses it). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if not order_by_clause -%}
        array_join(collect_list({{ measure }}), {{ delimiter_text }})
    {%- else -%}
        {%- set keys = order_by_clause | trim | replace('order by', '') | replace('ORDER BY', '') -%}
        {%- set fields = [] -%}
        {%- for key in keys.split(',') -%}
            {%- if ' desc' in key | lower or ' asc' in key | lower or ' nulls' in key | lower -%}
                {{ exceptions.raise_compiler_error("spark__listagg: only ascending order keys, got " ~ order_by_clause) }}
            {%- endif -%}
            {%- do fields.append("'k" ~ loop.index ~ "', " ~ key | trim) -%}
        {%- endfor -%}
        array_join(
            transform(
                array_sort(collect_list(named_struct({{ fields | join(', ') }}, 'listagg_value', {{ measure }}))),
                listagg_entry -> listagg_entry.listagg_value
            ),
            {{ delimiter_text }}
        )
    {%- endif -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("spark__listagg: limit_num is not supported here") }}
    {%- endif -%}
{%- endmacro %}
