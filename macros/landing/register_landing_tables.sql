{#-
    The landing contract (landing.md) is declared once, in the sources YAML: every raw table with its
    columns, their landing types, which are keys (meta.required), which take a closed list of values
    (meta.accepted_values), which other spellings an exporter may use instead (meta.fallback) and which
    a file may lack (meta.optional); the base models read it through landing_source().

    register_landing_tables() runs on-run-start. On DuckDB it creates a view at each source's location
    (<raw_schema>.<table> unless the <source>_schema / <source>_<table>_identifier vars say otherwise)
    over <raw_dir>/<identifier>.parquet or <raw_dir>/<identifier>.csv, so sources read the same relation
    name on every adapter. On a warehouse the loader (or the ingestion tool) fills the raw schema and this
    macro only checks that every listed column is there. Every problem of every table (a missing file,
    relation or column, a file that is not comma-separated) stops the run at once, one line each. A table
    marked meta.may_be_absent (the export of a provider added after a user's landing directory existed)
    reads as empty when it has no file. Sources switched off (landing_switches.sql) are skipped: they need no file. Nothing happens when the run
    selects no node of token_ledger (a host project building only its own models).
-#}
{% macro register_landing_tables() %}
    {%- if not token_ledger_is_selected() -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('register_landing_tables', 'token_ledger')()) }}
{% endmacro %}

{% macro default__register_landing_tables() %}
    {%- if execute -%}
        {%- set problems = [] -%}
        {%- for node in landing_source_nodes() -%}
            {%- set relation = landing_relation(node) -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- if present | length == 0 -%}
                {%- do problems.append("landing table " ~ node.identifier ~ ": no relation " ~ relation ~ " (load it into the raw schema first"
                    ~ landing_switch_hint(node) ~ ")") -%}
            {%- else -%}
                {%- do problems.extend(landing_missing_columns(node, present, relation | string)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do landing_raise_problems(problems) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#-
    DuckDB: a view over the file, with where each row is in it (_landing_file, relative to raw_dir, and
    _landing_row, the data row from 1: Parquet's file_row_number, a CSV's row in file order). The
    warehouse remembers the raw_dir it was built from (landing_check_raw_dir).
-#}
{% macro duckdb__register_landing_tables() %}
    {%- if execute -%}
        {%- set directory = landing_dir() -%}
        {%- do landing_check_raw_dir(directory) -%}
        {%- set problems = [] -%}
        {%- for node in landing_source_nodes() -%}
            {%- set relation = landing_relation(node) -%}
            {%- do run_query('create schema if not exists ' ~ relation.without_identifier()) -%}
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
                {%- do run_query('create or replace view ' ~ relation ~ ' as ' ~ landing_empty_select(node)) -%}
            {%- elif node.meta.get('may_be_absent') -%}
                {#- the export of a provider the user may not have (a provider added later): no file, no rows -#}
                {%- do run_query('create or replace view ' ~ relation ~ ' as ' ~ landing_empty_select(node)) -%}
            {%- else -%}
                {%- do problems.append("landing table " ~ node.identifier ~ ": no file " ~ node.identifier ~ ".csv or "
                    ~ node.identifier ~ ".parquet in " ~ directory
                    ~ (" (nor OTLP JSON in " ~ directory ~ "/" ~ node.meta.get('may_be_absent_with') ~ "/)" if node.meta.get('may_be_absent_with') else "")
                    ~ landing_switch_hint(node, '; ')) -%}
            {%- endif -%}
            {%- if reader is not none -%}
                {%- set probe = run_query('select * from ' ~ reader ~ ' limit 0') -%}
                {%- set present = probe.column_names | map('lower') | list -%}
                {#- a file that says where its rows come from (a loader's flattening of OTLP files) keeps it -#}
                {%- if '_landing_row' in present and '_landing_file' in present -%}
                    {%- set located = '*' ~ (' exclude (file_row_number)' if file.endswith('.parquet') else '') -%}
                {%- endif -%}
                {%- set delimiter = landing_wrong_delimiter(probe.column_names) if file.endswith('.csv') else none -%}
                {%- if delimiter is not none -%}
                    {%- do problems.append("landing table " ~ node.identifier ~ ": " ~ directory ~ "/" ~ file
                        ~ " is separated by " ~ delimiter ~ ", not by commas (its header reads as one column); "
                        ~ "write it comma-separated (docs/landing.md)") -%}
                {%- else -%}
                    {%- do problems.extend(landing_missing_columns(node, present, directory ~ '/' ~ file)) -%}
                    {%- do run_query('create or replace view ' ~ relation ~ ' as select ' ~ located ~ ' from ' ~ reader) -%}
                    {%- if file.endswith('.csv') and problems | length == 0 -%}{%- do landing_check_line_breaks(node, reader, file, present) -%}{%- endif -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do problems.extend(register_otlp_spans(directory)) -%}
        {%- do landing_raise_problems(problems) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#- Where a landing table lives (its source's database, schema and identifier, set by vars). -#}
{% macro landing_relation(node) -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier)) }}
{%- endmacro %}

{#- For a missing landing table of a source that can be switched off: how to switch it off. -#}
{% macro landing_switch_hint(node, separator=', ') -%}
    {%- set switch = landing_source_switches().get(node.source_name) -%}
    {{ return((separator ~ "or set " ~ switch ~ ": false if you have no " ~ node.source_name ~ " data") if switch else "") }}
{%- endmacro %}

{#- The delimiter a CSV really uses when the comma reading found a single column whose name holds
    another one (a semicolon-separated export, as spreadsheet tools write in many locales), else none. -#}
{% macro landing_wrong_delimiter(column_names) -%}
    {%- if column_names | length == 1 -%}
        {%- for delimiter, label in [(';', 'semicolons'), ('\t', 'tabs'), ('|', 'pipes')] -%}
            {%- if delimiter in column_names[0] -%}{{ return(label) }}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#-
    The warehouse (the DuckDB file) remembers the raw_dir (its path, not its content) its tables were
    built from, in <target schema>.token_ledger_landing_state (main on DuckDB: beside, not among, the
    landing views, which mirror the landing tables of a warehouse). A run on another raw_dir without
    --full-refresh would leave the incremental models holding the earlier directory's spans beside the
    new ones: it stops with one line saying so. --full-refresh (or a new file) starts over and remembers
    the new directory. Daily appends to the same directory stay incremental.
-#}
{% macro landing_check_raw_dir(directory) %}
    {%- set schema = target.schema -%}
    {%- set state = api.Relation.create(database=target.database, schema=schema, identifier='token_ledger_landing_state') -%}
    {%- do run_query('create schema if not exists ' ~ state.without_identifier()) -%}
    {#- the catalog, not adapter.get_relation: that would open a transaction the hook never commits -#}
    {%- set found = run_query("select count(*) from duckdb_tables() where database_name = current_database()"
        ~ " and schema_name = " ~ sql_string(schema) ~ " and table_name = 'token_ledger_landing_state'").columns[0].values()[0] > 0 -%}
    {%- if found and not flags.FULL_REFRESH -%}
        {%- set rows = run_query('select raw_dir from ' ~ state).rows -%}
        {%- set built_from = rows[0][0] if rows | length > 0 else none -%}
        {%- if built_from is not none and built_from != directory -%}
            {%- set warehouse = run_query("select path from duckdb_databases() where database_name = current_database()").rows -%}
            {{ exceptions.raise_compiler_error(
                "this warehouse (" ~ (warehouse[0][0] if warehouse else target.database) ~ ") was built from raw_dir " ~ built_from ~ "; this run reads "
                ~ directory ~ ". Add --full-refresh to rebuild it from the new directory (else its incremental "
                ~ "models would mix both), or point DBT_DUCKDB_PATH at another file."
            ) }}
        {%- endif -%}
        {%- if built_from is not none -%}{{ return('') }}{%- endif -%}
    {%- endif -%}
    {%- do run_query('create or replace table ' ~ state ~ ' as select ' ~ sql_string(directory)
        ~ ' as raw_dir, current_timestamp as registered_at') -%}
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
    the run, naming the table, the column and the start of the merged field. One scan of the file for
    all its columns (the first row with a line break, and its first such column), straight from the
    reader: the check runs on every run, and a CDC export grows with history (issue 17).
-#}
{% macro landing_check_line_breaks(node, reader, file, present) %}
    {%- set checked = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if column.data_type != 'json' and not column.meta.get('multiline') and column.name | lower in present -%}
            {%- do checked.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if checked | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- set names, values, conditions = [], [], [] -%}
    {%- for column in checked -%}
        {%- set condition = dbt.position('chr(10)', column) ~ ' > 0' -%}
        {%- do names.append(' when ' ~ condition ~ ' then ' ~ sql_string(column)) -%}
        {%- do values.append(' when ' ~ condition ~ ' then left(' ~ column ~ ', 60)') -%}
        {%- do conditions.append(condition) -%}
    {%- endfor -%}
    {%- set found = run_query(
        'select case' ~ names | join('') ~ ' end, case' ~ values | join('') ~ ' end from ' ~ reader
        ~ ' where ' ~ conditions | join(' or ') ~ ' limit 1'
    ) -%}
    {%- if found.rows | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "landing table " ~ node.identifier ~ ": a value of column " ~ found.rows[0][0] ~ " spans lines, "
            ~ "starting " ~ (found.rows[0][1] | string).replace('\n', ' | ') ~ " (a stray quote in " ~ file
            ~ "? rows after it would be swallowed)"
        ) }}
    {%- endif -%}
{% endmacro %}

{#- The source nodes that are landing tables: every source of this package (token_ledger, standalone or
    installed in a host) but the OTLP directory, which register_otlp_spans reads, and those switched off. -#}
{% macro landing_source_nodes() %}
    {%- set nodes = [] -%}
    {%- for node in graph.sources.values() if node.package_name == 'token_ledger' -%}
        {%- if not node.meta.get('landing_directory') and landing_source_enabled(node.source_name) -%}{%- do nodes.append(node) -%}{%- endif -%}
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
        {{ return(landing_normal_path(configured)) }}
    {%- else -%}
        {{ return(landing_normal_path(project_root() ~ '/' ~ configured)) }}
    {%- endif -%}
{% endmacro %}

{#- A path made absolute (a relative one is relative to where dbt was started, PWD: dbt does not change
    directory) with `.` and `..` resolved, so one directory always reads as one path (the warehouse
    remembers it: landing_check_raw_dir). Symbolic links are kept as they are. -#}
{% macro landing_normal_path(path) -%}
    {%- set absolute = path if path.startswith('/') else env_var('PWD', '') ~ '/' ~ path -%}
    {%- set parts = [] -%}
    {%- for part in absolute.split('/') if part not in ('', '.') -%}
        {%- if part == '..' -%}
            {%- if parts | length > 0 -%}{%- do parts.pop() -%}{%- endif -%}
        {%- else -%}
            {%- do parts.append(part) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('/' ~ parts | join('/')) }}
{%- endmacro %}

{#- The project directory of this run (--project-dir, else DBT_PROJECT_DIR, else where dbt started). In
    a host project that installs token_ledger as a package, it is the host's. -#}
{% macro project_root() %}
    {{ return(invocation_args_dict.get('project_dir') or env_var('DBT_PROJECT_DIR', '') or '.') }}
{% endmacro %}
