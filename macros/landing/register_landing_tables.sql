{#-
    The landing contract (landing.md) is declared once, in the sources YAML: every raw table with its
    columns, their landing types, which are keys (meta.required), which take a closed list of values
    (meta.accepted_values) and which older spelling an exporter may still use (meta.fallback).

    register_landing_tables() runs on-run-start. On DuckDB it creates a view <raw_schema>.<table> over
    <raw_dir>/<table>.parquet or <raw_dir>/<table>.csv, so sources read the same relation name on every
    adapter. On a warehouse the loader (or the ingestion tool) fills the raw schema and this macro only
    checks that every listed column is there. A missing file or column stops the run with a message
    that names the table, the column and where it looked.
-#}
{% macro register_landing_tables() %}
    {{ return(adapter.dispatch('register_landing_tables', 'token_ledger')()) }}
{% endmacro %}

{% macro default__register_landing_tables() %}
    {%- if execute -%}
        {%- for node in landing_source_nodes() -%}
            {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier) -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- if present | length == 0 -%}
                {{ exceptions.raise_compiler_error("landing table " ~ node.identifier ~ ": no relation " ~ relation ~ " (load it into the raw schema first)") }}
            {%- endif -%}
            {%- set fallbacks = landing_missing_columns(node, present, relation | string) -%}
            {#- sources read the declared name: a warehouse table must carry it (the loader renames) -#}
            {%- for column, fallback in fallbacks.items() -%}
                {{ exceptions.raise_compiler_error(
                    "landing table " ~ node.identifier ~ " has " ~ fallback ~ " but not " ~ column ~ " (read from "
                    ~ relation ~ "): load it as " ~ column ~ " (scripts/load_warehouse.py does)"
                ) }}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__register_landing_tables() %}
    {%- if execute -%}
        {%- set directory = landing_dir() -%}
        {%- set schema = var('raw_schema') -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- for node in landing_source_nodes() -%}
            {%- set stem = directory ~ '/' ~ node.identifier -%}
            {%- set reader = none -%}
            {%- if run_query("select count(*) from glob('" ~ stem ~ ".parquet')").columns[0].values()[0] > 0 -%}
                {%- set reader = "read_parquet('" ~ stem ~ ".parquet')" -%}
                {%- set file = stem ~ '.parquet' -%}
            {%- elif run_query("select count(*) from glob('" ~ stem ~ ".csv')").columns[0].values()[0] > 0 -%}
                {#- Every CSV column is read as text: staging parses it, so a bad value is quarantined, not fatal. -#}
                {%- set reader = "read_csv('" ~ stem ~ ".csv', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', auto_detect = true)" -%}
                {%- set file = stem ~ '.csv' -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error("landing table " ~ node.identifier ~ ": no file " ~ node.identifier ~ ".csv or " ~ node.identifier ~ ".parquet in " ~ directory) }}
            {%- endif -%}
            {%- set probe = run_query('select * from ' ~ reader ~ ' limit 0') -%}
            {%- set present = probe.column_names | map('lower') | list -%}
            {%- set fallbacks = landing_missing_columns(node, present, file) -%}
            {%- set extra = [] -%}
            {%- for column, fallback in fallbacks.items() -%}
                {%- do extra.append(fallback ~ ' as ' ~ column) -%}
            {%- endfor -%}
            {%- do run_query(
                'create or replace view ' ~ schema ~ '.' ~ node.identifier
                ~ ' as select *' ~ (', ' ~ extra | join(', ') if extra else '') ~ ' from ' ~ reader
            ) -%}
            {%- if file.endswith('.csv') -%}{%- do landing_check_line_breaks(node, schema, file) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#-
    A pair of stray quotes in a CSV is valid RFC 4180 (one field spanning lines), so the reader merges
    the lines between them into one row and the rows in between vanish without a trace. A line break
    is legitimate only in a column declared multi-line (meta.multiline) or JSON: anywhere else it stops
    the run, naming the table, the column and the start of the merged field.
-#}
{% macro landing_check_line_breaks(node, schema, file) %}
    {%- set checked = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if column.data_type != 'json' and not column.meta.get('multiline') -%}
            {%- do checked.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in checked -%}
        {%- set found = run_query(
            'select left(' ~ column ~ ', 60) from ' ~ schema ~ '.' ~ node.identifier
            ~ ' where ' ~ dbt.position('chr(10)', column) ~ ' > 0 limit 1'
        ) -%}
        {%- if found.rows | length > 0 -%}
            {{ exceptions.raise_compiler_error(
                "landing table " ~ node.identifier ~ ": a value of column " ~ column ~ " spans lines, "
                ~ "starting " ~ (found.rows[0][0] | string).replace('\n', ' | ') ~ " (a stray quote in " ~ file
                ~ "? rows after it would be swallowed)"
            ) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{#- The source nodes that are landing tables (every source of this project). -#}
{% macro landing_source_nodes() %}
    {%- set nodes = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.package_name == project_name -%}{%- do nodes.append(node) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(nodes | sort(attribute='identifier')) }}
{% endmacro %}

{#- Raises on the first listed column that is absent; returns {column: fallback} for the columns that
    are present only under their older spelling (e.g. FOCUS ProviderName for ServiceProviderName). -#}
{% macro landing_missing_columns(node, present, where) %}
    {%- set fallbacks = {} -%}
    {%- for column in node.columns.values() -%}
        {%- if column.name | lower not in present -%}
            {%- set fallback = column.meta.get('fallback') -%}
            {%- if fallback and fallback | lower in present -%}
                {%- do fallbacks.update({column.name: fallback}) -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error("landing table " ~ node.identifier ~ " is missing column " ~ column.name ~ " (read from " ~ where ~ ")") }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(fallbacks) }}
{% endmacro %}

{#- The landing directory: var raw_dir, relative to the project directory, default the demo data. -#}
{% macro landing_dir() %}
    {%- set configured = var('raw_dir') or 'data/demo' -%}
    {%- if configured.startswith('/') -%}
        {{ return(configured.rstrip('/')) }}
    {%- else -%}
        {{ return((project_root() ~ '/' ~ configured).rstrip('/')) }}
    {%- endif -%}
{% endmacro %}

{% macro project_root() %}
    {{ return(env_var('DBT_PROJECT_DIR', flags.PROJECT_DIR or '.')) }}
{% endmacro %}
