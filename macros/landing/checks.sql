{#-
    The checks a landing row passes or is quarantined by (the readings they use: parse.sql): a required
    column that is missing, a value its landing type cannot read, a value outside its closed list, an
    implausible one; and, of the rows that pass, which deliveries of one record are duplicates.
-#}

{#-
    True when a landing column is absent: NULL, or text that is empty once trimmed (a required column's
    'missing' check). DuckDB: an integer column is missing only when NULL (typeof() is folded: no cast to
    text), and text is tested without building the trimmed copy: only a value that starts with a space
    separator can trim to nothing (duckdb_may_be_trimmed, the rule landing_text's long-id reading uses).
    At 10 M spans the span deliveries alone took 43 s through the text, 35 s this way (DECISIONS 176).
-#}
{% macro landing_is_missing(column) -%}
    {{ return(adapter.dispatch('landing_is_missing', 'token_ledger')(column)) }}
{%- endmacro %}

{% macro default__landing_is_missing(column) -%}
    {{ landing_text(column) }} is null
{%- endmacro %}

{% macro duckdb__landing_is_missing(column) -%}
    {%- set text = '(cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ '))' -%}
    {{ landing_integer(
        column,
        '(' ~ text ~ ' is null or ' ~ text ~ " = '' or (" ~ duckdb_may_be_trimmed(text) ~ ' and trim(' ~ text
            ~ ") = ''))",
        column ~ ' is null',
    ) }}
{%- endmacro %}

{#- True when the column holds something that is not a readable value of its type. -#}
{% macro landing_is_unreadable(column, landing_type) -%}
    {%- if landing_type == 'text' -%}
        false
    {%- elif landing_type == 'json' -%}
        ({{ landing_text(column) }} is not null and not {{ json_is_valid(landing_text(column)) }})
    {%- elif landing_type == 'integer' -%}
        {#- a column that is an integer already (Parquet) holds nothing unreadable -#}
        {{ landing_integer(
            column,
            '(' ~ landing_text(column) ~ ' is not null and ' ~ landing_value(column, landing_type) ~ ' is null)',
            'false',
        ) }}
    {%- else -%}
        ({{ landing_text(column) }} is not null and {{ landing_value(column, landing_type) }} is null)
    {%- endif -%}
{%- endmacro %}

{#-
    The first quarantine reason of a landing row, or NULL for a good row. Built from the sources YAML:
    a key column (meta.required) that is empty → 'missing <column>'; a value that cannot be read as its
    landing type → 'unparseable <column>' ('invalid json <column>' for JSON); a value outside a closed
    list (meta.accepted_values, compared case-insensitively) → 'unknown <column>'. Model-specific rules
    (negative tokens, ...) come as extra [condition, reason] pairs, checked after the generic ones.
-#}
{% macro landing_quarantine_reason(source_name, table_name, extra_checks=[], parsed_json={}, first_checks=[]) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- set checks = [] + first_checks -%}
    {%- for column in node.columns.values() if column.meta.get('required') -%}
        {%- do checks.append([landing_is_missing(column.name), 'missing ' ~ column.name]) -%}
    {%- endfor -%}
    {%- for column in node.columns.values() if column.data_type not in (none, 'text') -%}
        {%- set label = ('invalid json ' if column.data_type == 'json' else 'unparseable ') ~ column.name -%}
        {%- if column.data_type == 'json' and column.name in parsed_json -%}
            {%- do checks.append([parsed_json[column.name], label]) -%}
        {%- else -%}
            {%- do checks.append([landing_is_unreadable(column.name, column.data_type), label]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in node.columns.values() if column.meta.get('accepted_values') -%}
        {%- set accepted = [] -%}
        {%- for value in column.meta.accepted_values -%}{%- do accepted.append("'" ~ value | lower ~ "'") -%}{%- endfor -%}
        {%- do checks.append([
            'lower(' ~ landing_text(column.name) ~ ') not in (' ~ accepted | join(', ') ~ ')',
            'unknown ' ~ column.name,
        ]) -%}
    {%- endfor -%}
    {#- beyond what no real row can be (meta.plausible_max: the var holding the bound, issue 16): a readable
        value above it would swallow its pool or a mart, so the row is quarantined as implausible -#}
    {%- for column in node.columns.values() if column.meta.get('plausible_max') -%}
        {%- do checks.append([
            'abs(' ~ landing_value(column.name, column.data_type) ~ ') > ' ~ (var(column.meta.plausible_max) | float),
            'implausible ' ~ column.name,
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
        {%- for node in graph.sources.values() if node.package_name == 'token_ledger' -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {{ return(node) }}
            {%- endif -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {{ return({'columns': {}}) }}
{% endmacro %}

{#-
    Marks every delivery but one of the same record as a duplicate, among the rows that passed the
    landing checks (a quarantined row is counted there, never here). keys: the record's identity;
    order_by: which delivery wins (first in that order), ties broken by the row fingerprint (spans add
    where they landed to order_by, so every engine keeps the same one of identical deliveries).
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
