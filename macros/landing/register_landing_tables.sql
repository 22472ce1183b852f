{#-
    The landing contract (landing.md) is declared once, in the sources YAML: every raw table with its
    columns, their landing types, which are keys (meta.required), which take a closed list of values
    (meta.accepted_values), which other spellings an exporter may use instead (meta.fallback) and which
    a file may lack (meta.optional); the base models read it through landing_source().

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
        {%- set problems = [] -%}
        {%- for node in landing_source_nodes() -%}
            {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier) -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- if present | length == 0 -%}
                {%- do problems.append("landing table " ~ node.identifier ~ ": no relation " ~ relation ~ " (load it into the raw schema first)") -%}
            {%- else -%}
                {%- do problems.extend(landing_missing_columns(node, present, relation | string)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do landing_raise_problems(problems) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#-
    DuckDB: a view raw.<table> over the file, with where each row is in it (_landing_file, relative to
    raw_dir, and _landing_row, the data row from 1: Parquet's file_row_number, a CSV's row in file order).
-#}
{% macro duckdb__register_landing_tables() %}
    {%- if execute -%}
        {%- set directory = landing_dir() -%}
        {%- set schema = var('raw_schema') -%}
        {%- set problems = [] -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- for node in landing_source_nodes() -%}
            {%- set stem = directory ~ '/' ~ node.identifier -%}
            {%- set reader = none -%}
            {%- if landing_file_exists(stem ~ '.parquet') -%}
                {%- set file = node.identifier ~ '.parquet' -%}
                {%- set reader = "read_parquet(" ~ sql_string(stem ~ '.parquet') ~ ", file_row_number = true)" -%}
                {%- set located = "file_row_number + 1 as _landing_row, " ~ sql_string(file) ~ " as _landing_file, * exclude (file_row_number)" -%}
            {%- elif landing_file_exists(stem ~ '.csv') -%}
                {%- set file = node.identifier ~ '.csv' -%}
                {#- Every CSV column is read as text: staging parses it, so a bad value is quarantined, not fatal. -#}
                {%- set reader = "read_csv(" ~ sql_string(stem ~ '.csv') ~ ", header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', auto_detect = true)" -%}
                {%- set located = "row_number() over () as _landing_row, " ~ sql_string(file) ~ " as _landing_file, *" -%}
            {%- elif node.meta.get('may_be_absent_with') and otlp_trace_files(directory) | length > 0 -%}
                {#- spans arrive as OTLP JSON only (real-inputs.md 1): an empty otel_spans -#}
                {%- do run_query('create or replace view ' ~ schema ~ '.' ~ node.identifier ~ ' as ' ~ landing_empty_select(node)) -%}
            {%- else -%}
                {%- do problems.append("landing table " ~ node.identifier ~ ": no file " ~ node.identifier ~ ".csv or "
                    ~ node.identifier ~ ".parquet in " ~ directory
                    ~ (" (nor OTLP JSON in " ~ directory ~ "/" ~ node.meta.get('may_be_absent_with') ~ "/)" if node.meta.get('may_be_absent_with') else "")) -%}
            {%- endif -%}
            {%- if reader is not none -%}
                {%- set probe = run_query('select * from ' ~ reader ~ ' limit 0') -%}
                {%- set present = probe.column_names | map('lower') | list -%}
                {#- a file that says where its rows come from (a loader's flattening of OTLP files) keeps it -#}
                {%- if '_landing_row' in present and '_landing_file' in present -%}
                    {%- set located = '*' ~ (' exclude (file_row_number)' if file.endswith('.parquet') else '') -%}
                {%- endif -%}
                {%- do problems.extend(landing_missing_columns(node, present, directory ~ '/' ~ file)) -%}
                {%- do run_query('create or replace view ' ~ schema ~ '.' ~ node.identifier ~ ' as select ' ~ located ~ ' from ' ~ reader) -%}
                {%- if file.endswith('.csv') and problems | length == 0 -%}{%- do landing_check_line_breaks(node, schema, file, present) -%}{%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do problems.extend(register_otlp_spans(directory, schema)) -%}
        {%- do landing_raise_problems(problems) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro landing_file_exists(path) -%}
    {{ return(run_query("select count(*) from glob(" ~ sql_string(path) ~ ")").columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- A text value as a SQL string literal (quotes doubled: a path may hold an apostrophe). -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- Stops the run naming every problem of every landing table at once (one line each). -#}
{% macro landing_raise_problems(problems) -%}
    {%- if problems | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "the landing data cannot be read (" ~ problems | length ~ " problem" ~ ('s' if problems | length > 1 else '')
            ~ "):\n  - " ~ problems | join("\n  - ")
        ) }}
    {%- endif -%}
{%- endmacro %}

{#-
    A pair of stray quotes in a CSV is valid RFC 4180 (one field spanning lines), so the reader merges
    the lines between them into one row and the rows in between vanish without a trace. A line break
    is legitimate only in a column declared multi-line (meta.multiline) or JSON: anywhere else it stops
    the run, naming the table, the column and the start of the merged field.
-#}
{% macro landing_check_line_breaks(node, schema, file, present) %}
    {%- set checked = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if column.data_type != 'json' and not column.meta.get('multiline') and column.name | lower in present -%}
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

{#- The source nodes that are landing tables (every source of this project but the OTLP directory,
    which register_otlp_spans reads). -#}
{% macro landing_source_nodes() %}
    {%- set nodes = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.package_name == project_name and not node.meta.get('landing_directory') -%}{%- do nodes.append(node) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(nodes | sort(attribute='identifier')) }}
{% endmacro %}

{#- The declared columns a landing table lacks (neither under its name nor a fallback), optional ones
    aside, each as one line naming the table, the column and where it looked. -#}
{% macro landing_missing_columns(node, present, where) %}
    {%- set problems = [] -%}
    {%- for column in node.columns.values() if not column.meta.get('optional') -%}
        {%- set found = [] -%}
        {%- for name in [column.name] + landing_fallbacks(column) if name | lower in present -%}
            {%- do found.append(name) -%}
        {%- endfor -%}
        {%- if found | length == 0 -%}
            {%- do problems.append("landing table " ~ node.identifier ~ " is missing column " ~ column.name ~ " (read from " ~ where ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
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

{#- A view with a landing table's declared columns and no row (text, as a CSV is read). -#}
{% macro landing_empty_select(node) -%}
    {%- set columns = ['cast(null as bigint) as _landing_row', 'cast(null as varchar) as _landing_file'] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append('cast(null as varchar) as ' ~ column.name) -%}
    {%- endfor -%}
    select {{ columns | join(', ') }} where false
{%- endmacro %}
