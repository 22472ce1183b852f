{#-
    OTLP JSON as collectors and SDK file exporters write it (real-inputs.md 1): files in
    <raw_dir>/otlp_traces/ (*.json, *.jsonl, and the same gzip-compressed), each line one `TracesData`:
    {"resourceSpans": [{"resource": {"attributes": [...]}, "scopeSpans": [{"scope": {"name", "version"},
    "spans": [...]}]}]}. On DuckDB they are read as they are, through the view <raw_schema>.otlp_spans
    (source otel.otlp_spans): one row per span, or one row per line that is not readable JSON of that
    shape (is_unreadable_record: quarantined, never dropped). On PostgreSQL and Spark the loader flattens
    them into otel_spans instead.

    The lines are read as text first (so a broken line is a row to quarantine, not a failed build), then
    parsed once with json_transform into typed structs. Attribute values become text
    (stringValue, intValue, doubleValue or boolValue; arrays and key-value lists are not read); span
    events are not parsed at all: prompts that instrumentations put there never leave the raw file.
    Ids may be hex (as the OTLP JSON encoding and the collector write them) or base64 (protobuf's JSON
    mapping): both become lower-case hex.
-#}

{#- The OTLP JSON files of a landing directory (sorted), as globs that match at least one file. -#}
{% macro otlp_trace_files(directory) -%}
    {%- set found = [] -%}
    {%- for pattern in ['*.json', '*.jsonl', '*.json.gz', '*.jsonl.gz'] -%}
        {%- set path = directory ~ '/otlp_traces/' ~ pattern -%}
        {%- if landing_file_exists(path) -%}{%- do found.append(path) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{% macro otlp_attribute_struct() -%}
    [{"key": "VARCHAR", "value": {"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "DOUBLE", "boolValue": "BOOLEAN"}}]
{%- endmacro %}

{#- An OTLP id (hex, or base64 as protobuf's JSON mapping writes bytes) as lower-case hex. -#}
{% macro otlp_hex_id(expression, hex_length) -%}
    case
        when {{ expression }} is null or {{ expression }} = '' then null
        when regexp_matches({{ expression }}, '^[0-9a-fA-F]{ {{- hex_length -}} }$') then lower({{ expression }})
        else coalesce(try(lower(hex(from_base64({{ expression }})))), {{ expression }})
    end
{%- endmacro %}

{#- Creates the otlp_spans view (source otel.otlp_spans, where its vars put it) over the OTLP files of
    `directory` (an empty view when there are none); returns the problems found (none so far: unreadable
    lines are rows). -#}
{% macro register_otlp_spans(directory) -%}
    {%- set node = landing_source_node('otel', 'otlp_spans') -%}
    {%- set files = otlp_trace_files(directory) -%}
    {%- set prefix = directory ~ '/' -%}
    {%- if files | length == 0 -%}
        {%- set body -%}
            select
                cast(null as varchar) as _landing_file, cast(null as bigint) as _landing_row,
                cast(null as varchar) as _landing_span, cast(null as boolean) as is_unreadable_record,
                cast(null as varchar) as trace_id, cast(null as varchar) as span_id,
                cast(null as varchar) as parent_span_id, cast(null as varchar) as name, cast(null as varchar) as span_kind,
                cast(null as varchar) as start_time_unix_nano, cast(null as varchar) as end_time_unix_nano,
                cast(null as varchar) as status_code, cast(null as varchar) as scope_name,
                cast(null as varchar) as scope_version, cast(null as varchar[]) as attribute_keys,
                cast(null as varchar[]) as attribute_values, cast(null as varchar[]) as resource_attribute_keys,
                cast(null as varchar[]) as resource_attribute_values
            where false
        {%- endset -%}
    {%- else -%}
        {%- set quoted = [] -%}
        {%- for file in files -%}{%- do quoted.append(sql_string(file)) -%}{%- endfor -%}
        {%- set max_bytes = var('otlp_max_record_bytes') | int -%}
        {%- set schema_json -%}
            {"resourceSpans": [{"resource": {"attributes": {{ otlp_attribute_struct() }}},
            "scopeSpans": [{"scope": {"name": "VARCHAR", "version": "VARCHAR"},
            "spans": [{"traceId": "VARCHAR", "spanId": "VARCHAR", "parentSpanId": "VARCHAR", "name": "VARCHAR",
            "kind": "VARCHAR", "startTimeUnixNano": "VARCHAR", "endTimeUnixNano": "VARCHAR",
            "attributes": {{ otlp_attribute_struct() }}, "status": {"code": "VARCHAR"}}]}]}]}
        {%- endset -%}
        {%- set body -%}
            with lines as (
                select filename, line, row_number() over () as line_number
                from read_csv(
                    [{{ quoted | join(', ') }}], columns = {'line': 'VARCHAR'}, header = false, delim = chr(30),
                    quote = '', escape = '', filename = true, auto_detect = false,
                    max_line_size = {{ max_bytes }}, buffer_size = {{ max_bytes }}
                )
            ),
            records as (
                select
                    filename,
                    line_number - min(line_number) over (partition by filename) + 1 as record,
                    line
                from lines
            ),
            parsed as (
                select
                    filename,
                    record,
                    try(json_transform(line, '{{ schema_json | replace('\n', ' ') }}')) as document
                from records
                where trim(line) <> ''
            ),
            resource_spans as (
                select
                    filename, record, document is null or document.resourceSpans is null as is_unreadable_record,
                    unnest(coalesce(document.resourceSpans, [null])) as resource_span,
                    generate_subscripts(coalesce(document.resourceSpans, [null]), 1) as resource_index
                from parsed
            ),
            scope_spans as (
                select
                    filename, record, is_unreadable_record, resource_index,
                    resource_span.resource.attributes as resource_attributes,
                    unnest(coalesce(resource_span.scopeSpans, [null])) as scope_span,
                    generate_subscripts(coalesce(resource_span.scopeSpans, [null]), 1) as scope_index
                from resource_spans
                where is_unreadable_record or resource_span.scopeSpans is not null
            ),
            spans as (
                select
                    filename, record, is_unreadable_record, resource_index, scope_index, resource_attributes,
                    scope_span.scope.name as scope_name, scope_span.scope.version as scope_version,
                    unnest(coalesce(scope_span.spans, [null])) as span,
                    generate_subscripts(coalesce(scope_span.spans, [null]), 1) as span_index
                from scope_spans
                where is_unreadable_record or scope_span.spans is not null
            )
            select
                substr(filename, {{ prefix | length + 1 }}) as _landing_file,
                record as _landing_row,
                case when not is_unreadable_record then concat(resource_index, '.', scope_index, '.', span_index) end
                    as _landing_span,
                is_unreadable_record,
                {{ otlp_hex_id('span.traceId', 32) }} as trace_id,
                {{ otlp_hex_id('span.spanId', 16) }} as span_id,
                {{ otlp_hex_id('span.parentSpanId', 16) }} as parent_span_id,
                span.name as name,
                case upper(span.kind)
                    when '1' then 'internal' when 'SPAN_KIND_INTERNAL' then 'internal'
                    when '2' then 'server' when 'SPAN_KIND_SERVER' then 'server'
                    when '3' then 'client' when 'SPAN_KIND_CLIENT' then 'client'
                    when '4' then 'producer' when 'SPAN_KIND_PRODUCER' then 'producer'
                    when '5' then 'consumer' when 'SPAN_KIND_CONSUMER' then 'consumer'
                end as span_kind,
                span.startTimeUnixNano as start_time_unix_nano,
                span.endTimeUnixNano as end_time_unix_nano,
                case upper(coalesce(span.status.code, ''))
                    when '2' then 'STATUS_CODE_ERROR' when 'STATUS_CODE_ERROR' then 'STATUS_CODE_ERROR'
                    when '1' then 'STATUS_CODE_OK' when 'STATUS_CODE_OK' then 'STATUS_CODE_OK'
                    else 'STATUS_CODE_UNSET'
                end as status_code,
                scope_name,
                scope_version,
                list_transform(span.attributes, lambda a: a.key) as attribute_keys,
                list_transform(span.attributes, lambda a: {{ otlp_value_text('a.value') }}) as attribute_values,
                list_transform(resource_attributes, lambda a: a.key) as resource_attribute_keys,
                list_transform(resource_attributes, lambda a: {{ otlp_value_text('a.value') }}) as resource_attribute_values
            from spans
        {%- endset -%}
    {%- endif -%}
    {%- set relation = landing_relation(node) -%}
    {%- do run_query('create schema if not exists ' ~ relation.without_identifier()) -%}
    {%- do run_query('create or replace view ' ~ relation ~ ' as ' ~ body) -%}
    {{ return([]) }}
{%- endmacro %}

{#- An OTLP AnyValue as text (a number as its digits, a boolean as true/false; arrays and lists NULL). -#}
{% macro otlp_value_text(value) -%}
    coalesce({{ value }}.stringValue, {{ value }}.intValue, cast({{ value }}.doubleValue as varchar), cast({{ value }}.boolValue as varchar))
{%- endmacro %}

{#- Whether the engine reads OTLP JSON files itself (DuckDB); elsewhere the loader flattens them. -#}
{% macro otlp_enabled() -%}
    {{ return(adapter.dispatch('otlp_enabled', 'token_ledger')()) }}
{%- endmacro %}

{% macro default__otlp_enabled() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro duckdb__otlp_enabled() -%}
    {{ return(true) }}
{%- endmacro %}
