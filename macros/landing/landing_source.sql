{#-
    How a staging base model reads its landing table: its import CTE is `{{ landing_source('openai', 'costs') }}`.
    It selects every column the file (or raw table) really has, and adds what the models expect but the
    file lacks:

    - a declared column that is absent but present under another spelling (meta.fallback: one name or a
      list, e.g. FOCUS 1.0's ProviderName for ServiceProviderName, x_InvoiceId for InvoiceId) is read
      through it; when several are present, the declared one wins row by row and the others fill its gaps;
    - a declared column marked meta.optional that is absent is NULL (a FOCUS 1.0 export has no SkuMeter,
      an OpenAI Usage pull may have no input_cache_write_tokens);
    - text the table's source meta.null_strings lists (FOCUS exports write the literal `NULL`) is NULL;
    - _landing_file and _landing_row, where the row is in the landing (file relative to raw_dir, data row
      from 1), NULL when the raw table does not carry them (a warehouse filled by other ingestion).

    The present columns come from the relation itself (adapter.get_columns_in_relation), so extra columns
    stay visible to the whole-row fingerprint (landing_row_hash). Without a relation (parsing, a unit
    test, a compile before on-run-start) the declared columns are assumed present. A source switched off
    (landing_switches.sql) reads as an empty relation of its declared columns: the raw table is not read.
-#}
{% macro landing_source(source_name, table_name) -%}
    {#- source() even for a source switched off: the dependency stays in the graph (and a unit test's input) -#}
    {%- set relation = source(source_name, table_name) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- set present = landing_present_columns(relation, node) -%}
    {%- if landing_source_is_off(node) -%}
        {{ landing_empty_select(node) }}
    {%- elif present is none -%}
        {#- a unit test's fixture has the declared columns only: the landing location is unknown -#}
        select
            *,
            cast(null as {{ dbt.type_string() }}) as _landing_file,
            cast(null as {{ dbt.type_bigint() }}) as _landing_row
        from {{ relation }}
    {%- else -%}
        {%- set present_lower = present | map('lower') | list -%}
        {%- set null_strings = landing_null_strings(node) -%}
        {%- set declared = {} -%}
        {%- for column in node.columns.values() -%}
            {%- set spellings = [] -%}
            {%- for name in [column.name] + landing_fallbacks(column) if name | lower in present_lower -%}
                {%- do spellings.append(landing_nulled(present[present_lower.index(name | lower)], null_strings)) -%}
            {%- endfor -%}
            {%- if spellings | length == 0 -%}
                {%- do declared.update({column.name | lower: 'cast(null as ' ~ dbt.type_string() ~ ')'}) -%}
            {%- elif spellings | length == 1 -%}
                {%- do declared.update({column.name | lower: spellings[0]}) -%}
            {%- else -%}
                {%- do declared.update({column.name | lower: 'coalesce(' ~ spellings | join(', ') ~ ')'}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set selected = [] -%}
        {#- the file's own columns, in its order (a declared one through its fallbacks), then the declared
            columns it lacks, then the landing location when the raw table has none -#}
        {%- for column in present -%}
            {%- set expression = declared.pop(column | lower, landing_nulled(column, null_strings)) -%}
            {%- do selected.append(expression ~ ' as ' ~ adapter.quote(column)) -%}
        {%- endfor -%}
        {%- for column in node.columns.values() if column.name | lower in declared -%}
            {%- do selected.append(declared[column.name | lower] ~ ' as ' ~ column.name) -%}
        {%- endfor -%}
        {%- for column, sql_type in [('_landing_file', dbt.type_string()), ('_landing_row', dbt.type_bigint())]
            if column not in present_lower -%}
            {%- do selected.append('cast(null as ' ~ sql_type ~ ') as ' ~ column) -%}
        {%- endfor -%}
        select
            {{ selected | join(',\n            ') }}
        from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#-
    The columns landing_source() returns, in its order, as {lower-cased name: (name, SQL type)}: the
    file's own, then the declared ones it lacks (text), then the landing location where the raw table has
    none. None when the relation cannot be read (see landing_present_columns).
-#}
{% macro landing_source_columns(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- if not execute or node.columns | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if landing_source_is_off(node) -%}
        {{ return(landing_empty_columns(node)) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- if columns | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = {} -%}
    {%- set order = [] -%}
    {%- for column in columns -%}
        {%- do result.update({column.name | lower: (column.name, column.data_type)}) -%}
        {%- do order.append(column.name | lower) -%}
    {%- endfor -%}
    {%- for column in node.columns.values() if column.name | lower not in result -%}
        {%- do result.update({column.name | lower: (column.name, dbt.type_string())}) -%}
        {%- do order.append(column.name | lower) -%}
    {%- endfor -%}
    {%- for column, sql_type in [('_landing_file', dbt.type_string()), ('_landing_row', dbt.type_bigint())]
        if column not in result -%}
        {%- do result.update({column: (column, sql_type)}) -%}
        {%- do order.append(column) -%}
    {%- endfor -%}
    {%- set ordered = [] -%}
    {%- for name in order -%}{%- do ordered.append((name,) + result[name]) -%}{%- endfor -%}
    {{ return(ordered) }}
{%- endmacro %}

{#- The names of the relation's columns as the engine reports them, or none when they cannot be read
    (parsing; a unit test, which compiles without the sources graph: landing_source_node). -#}
{% macro landing_present_columns(relation, node) -%}
    {%- if not execute or node.columns | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if landing_source_is_off(node) -%}
        {{ return(landing_empty_columns(node) | map(attribute=1) | list) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- if columns | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(columns | map(attribute='name') | list) }}
{%- endmacro %}

{#- A column's other spellings (meta.fallback: a name or a list of names). -#}
{% macro landing_fallbacks(column) -%}
    {%- set fallback = column.meta.get('fallback') -%}
    {%- if fallback is none -%}
        {{ return([]) }}
    {%- elif fallback is string -%}
        {{ return([fallback]) }}
    {%- endif -%}
    {{ return(fallback | list) }}
{%- endmacro %}

{#- The text values the table writes for NULL (source or table meta.null_strings). -#}
{% macro landing_null_strings(node) -%}
    {{ return(node.get('meta', {}).get('null_strings') or node.get('source_meta', {}).get('null_strings') or []) }}
{%- endmacro %}

{#- A column with the table's NULL spellings read as NULL (a typed Parquet column is taken as it is). -#}
{% macro landing_nulled(column, null_strings) -%}
    {%- if null_strings | length == 0 -%}
        {{ adapter.quote(column) }}
    {%- else -%}
        {%- set quoted = [] -%}
        {%- for value in null_strings -%}{%- do quoted.append("'" ~ value ~ "'") -%}{%- endfor -%}
        case
            when trim(cast({{ adapter.quote(column) }} as {{ dbt.type_string() }})) in ({{ quoted | join(', ') }}) then null
            else {{ adapter.quote(column) }}
        end
    {%- endif -%}
{%- endmacro %}

{#-
    The columns a loader adds, not the provider (var landing_ingestion_columns: glob patterns such as
    `_fivetran_*`, `extracted_at`), and the landing location: left out of the whole-row fingerprint, so a
    loader's re-delivery of the same row is still a duplicate.
-#}
{% macro landing_is_ingestion_column(name) -%}
    {%- set lowered = name | lower -%}
    {%- for pattern in var('landing_ingestion_columns') + ['_landing_file', '_landing_row'] -%}
        {%- set regex = '^' ~ modules.re.escape(pattern | lower).replace('\\*', '.*') ~ '$' -%}
        {%- if modules.re.match(regex, lowered) -%}{{ return(true) }}{%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#-
    A fingerprint of a landing row over every column the file has, ingestion columns aside, in name order
    (so a re-delivery with its columns in another order is the same row): identical rows share it. Rows
    equal on the declared columns but different elsewhere (another ResourceId, Tags) are different rows.
-#}
{% macro landing_row_hash(source_name, table_name) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set present = landing_present_columns(relation, node) -%}
    {%- if present is none -%}
        {%- set present = node.columns.values() | map(attribute='name') | list -%}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for column in present | sort(case_sensitive=false) if not landing_is_ingestion_column(column) -%}
        {%- do parts.append("coalesce(cast(" ~ adapter.quote(column) ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {%- if parts | length == 0 -%}{%- do parts.append("''") -%}{%- endif -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{#- Whether a landing table (its source node) belongs to a source switched off. A unit test compiles
    without the sources graph (no columns): it reads its mocked input whatever the switch says. -#}
{% macro landing_source_is_off(node) -%}
    {{ return(node.columns | length > 0 and not landing_source_enabled(node.source_name)) }}
{%- endmacro %}
