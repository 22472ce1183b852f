{#-
    Typed reads of landing columns. Landing files arrive as text (CSV) or typed (Parquet); every column is
    parsed through these macros so that a value that cannot be read becomes NULL here and a quarantine
    reason in the staging base model, never a failed build.
    Landing types (data_type in the sources YAML): text, integer, decimal, boolean, timestamp, date, json.
-#}

{#- Text with surrounding blanks removed; the empty string is NULL. -#}
{% macro landing_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- The value of a landing column as its SQL type, NULL when absent or unreadable. -#}
{% macro landing_value(column, landing_type) -%}
    {%- set text = landing_text(column) -%}
    {%- if landing_type in ('text', 'json') -%}
        {{ text }}
    {%- elif landing_type == 'integer' -%}
        {#- a fractional value is unreadable as a count (a bare cast would round 1000.7 to 1001); no
            detour through a float, which would lose the last digits of nanosecond timestamps -#}
        case when position('.' in {{ text }}) = 0 then {{ landing_try_cast(text, 'bigint') }} end
    {%- elif landing_type == 'decimal' -%}
        {{ landing_try_cast(text, 'double') }}
    {%- elif landing_type == 'boolean' -%}
        {{ landing_try_cast(text, 'boolean') }}
    {%- elif landing_type == 'date' -%}
        {{ landing_try_cast(text, 'date') }}
    {%- elif landing_type == 'timestamp' -%}
        {{ landing_timestamp_utc(text) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown landing type " ~ landing_type ~ " for column " ~ column) }}
    {%- endif -%}
{%- endmacro %}

{#- True when the column holds something that is not a readable value of its type. -#}
{% macro landing_is_unreadable(column, landing_type) -%}
    {%- if landing_type == 'text' -%}
        false
    {%- elif landing_type == 'json' -%}
        ({{ landing_text(column) }} is not null and not {{ json_is_valid(landing_text(column)) }})
    {%- else -%}
        ({{ landing_text(column) }} is not null and {{ landing_value(column, landing_type) }} is null)
    {%- endif -%}
{%- endmacro %}

{% macro landing_try_cast(expression, sql_type) -%}
    {{ return(adapter.dispatch('landing_try_cast', 'token_ledger')(expression, sql_type)) }}
{%- endmacro %}

{% macro default__landing_try_cast(expression, sql_type) -%}
    try_cast({{ expression }} as {{ sql_type }})
{%- endmacro %}

{#- ISO 8601 text to a UTC timestamp without zone; text without an offset is UTC (the session zone). -#}
{% macro landing_timestamp_utc(expression) -%}
    {{ return(adapter.dispatch('landing_timestamp_utc', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__landing_timestamp_utc(expression) -%}
    (try_cast({{ expression }} as timestamp with time zone) at time zone 'UTC')
{%- endmacro %}

{% macro json_is_valid(expression) -%}
    {{ return(adapter.dispatch('json_is_valid', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__json_is_valid(expression) -%}
    coalesce(json_valid({{ expression }}), false)
{%- endmacro %}

{#- Unix epoch integers to UTC timestamps. -#}
{% macro timestamp_from_unix_seconds(expression) -%}
    {{ return(adapter.dispatch('timestamp_from_unix_seconds', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_unix_seconds(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{% macro timestamp_from_unix_nanos(expression) -%}
    {{ return(adapter.dispatch('timestamp_from_unix_nanos', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_unix_nanos(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) // 1000)
{%- endmacro %}

{#-
    The first quarantine reason of a landing row, or NULL for a good row. Built from the sources YAML:
    a key column (meta.required) that is empty → 'missing <column>'; a value that cannot be read as its
    landing type → 'unparseable <column>' ('invalid json <column>' for JSON); a value outside a closed
    list (meta.accepted_values, compared case-insensitively) → 'unknown <column>'. Model-specific rules
    (negative tokens, ...) come as extra [condition, reason] pairs, checked after the generic ones.
-#}
{% macro landing_quarantine_reason(source_name, table_name, extra_checks=[]) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- set checks = [] -%}
    {%- for column in node.columns.values() if column.meta.get('required') -%}
        {%- do checks.append([landing_text(column.name) ~ ' is null', 'missing ' ~ column.name]) -%}
    {%- endfor -%}
    {%- for column in node.columns.values() if column.data_type not in (none, 'text') -%}
        {%- set label = ('invalid json ' if column.data_type == 'json' else 'unparseable ') ~ column.name -%}
        {%- do checks.append([landing_is_unreadable(column.name, column.data_type), label]) -%}
    {%- endfor -%}
    {%- for column in node.columns.values() if column.meta.get('accepted_values') -%}
        {%- set accepted = [] -%}
        {%- for value in column.meta.accepted_values -%}{%- do accepted.append("'" ~ value | lower ~ "'") -%}{%- endfor -%}
        {%- do checks.append([
            'lower(' ~ landing_text(column.name) ~ ') not in (' ~ accepted | join(', ') ~ ')',
            'unknown ' ~ column.name,
        ]) -%}
    {%- endfor -%}
    {%- if (checks + extra_checks) | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
    {%- for check in checks + extra_checks %}
        when {{ check[0] }} then '{{ check[1] }}'
    {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}

{#- The source node of a landing table. A unit test compiles without the sources graph: it then gets
    no column contract (no generic checks, an empty fingerprint), and tests the model's own logic. -#}
{% macro landing_source_node(source_name, table_name) %}
    {%- if execute and 'sources' in graph -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {{ return(node) }}
            {%- endif -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {{ return({'columns': {}}) }}
{% endmacro %}

{#- A fingerprint of a landing row over every listed column: identical deliveries share it. -#}
{% macro landing_row_hash(source_name, table_name) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- set parts = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do parts.append("coalesce(cast(" ~ column.name ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {%- if parts | length == 0 -%}{%- do parts.append("''") -%}{%- endif -%}
    md5({{ parts | join(" || '|' || ") }})
{%- endmacro %}

{#-
    Marks every delivery but one of the same record as a duplicate, among the rows that passed the
    landing checks (a quarantined row is counted there, never here). keys: the record's identity;
    order_by: which delivery wins (first in that order), ties broken by the row fingerprint.
-#}
{% macro landing_duplicate_flag(keys, order_by=none) -%}
    (
        quarantine_reason is null
        and row_number() over (
            partition by quarantine_reason is null, {{ keys }}
            order by {{ (order_by ~ ', ') if order_by else '' }}landing_row_hash
        ) > 1
    )
{%- endmacro %}

{#- One text value from a JSON object by key (for small JSON such as SkuPriceDetails). -#}
{% macro json_extract_text(expression, key) -%}
    {{ return(adapter.dispatch('json_extract_text', 'token_ledger')(expression, key)) }}
{%- endmacro %}

{% macro default__json_extract_text(expression, key) -%}
    json_extract_string({{ expression }}, '$."{{ key }}"')
{%- endmacro %}
