{{ config(
    materialized=large_grain_materialization(date_partitioned=true),
    incremental_strategy='append',
    partition_by=date_partition_by('span_date'),
    on_schema_change='fail',
    pre_hook="{{ delete_window_dates('span_date') }}",
) }}

-- depends_on: {{ reference_data('genai_attribute_aliases') }}
-- depends_on: {{ reference_data('genai_attribute_values') }}

{#-
    Every span delivery, typed, with its quarantine reason, and whether its key was delivered more than
    once (base_otel__span_duplicates ranks those deliveries: a window over every span would sort them all). Spans
    come from the flattened landing table otel_spans and, on DuckDB, from OTLP JSON files as they are
    (otel.otlp_spans, real-inputs.md 1); a span in both is one span delivered twice.

    Attributes are parsed once, into one text column per attribute key the dialect seeds name
    (seeds/dialects: every spelling real instrumentations use for a meaning), then each meaning takes the
    first key present in precedence order, read through the seed's value map (real-inputs.md 2). Only
    those keys are read: prompts, completions, tool arguments and user ids in the same attributes (or in
    span events, never parsed) do not leave this model (PERFORMANCE.md: parsing once is the main lever;
    privacy: nothing downstream can see them).

    Cache tokens above the input count are not a reason to quarantine a span: some producers report input
    without cache (real-inputs.md 2); int_model_calls reads the count per producer.

    Incremental: a run re-reads the deliveries whose start date is in the window (var lookback_days) and
    those with no readable start time, and replaces them (macros/incremental/large_grains.sql).
-#}

{%- set dialect = genai_dialect() -%}
{%- set span_columns = {} -%}
{%- for key in dialect['keys']['span'] -%}
{%- do span_columns.update({key: 'tl_span_attr_' ~ loop.index}) -%}
{%- endfor -%}
{%- set resource_columns = {} -%}
{%- for key in dialect['keys']['resource'] -%}
{%- do resource_columns.update({key: 'tl_resource_attr_' ~ loop.index}) -%}
{%- endfor -%}
{%- set meanings = [
    'operation_name', 'provider_name', 'request_model', 'response_model', 'response_id', 'service_tier', 'tool_name',
    'error_type', 'work_item_type', 'work_item_id', 'workflow_name', 'workflow_step', 'review_outcome',
] -%}
{%- set numeric_meanings = [
    ('input_tokens', 'integer'),
    ('output_tokens', 'integer'),
    ('cache_read_tokens', 'integer'),
    ('cache_write_tokens', 'integer'),
    ('review_minutes', 'decimal'),
] -%}
{#- the checks beyond the landing contract (metrics.md 2), after the generic ones -#}
{#- a reason names the meaning by its first key (the semantic conventions' name): `unparseable
    gen_ai.usage.input_tokens` whichever of its spellings the span used -#}
{%- set span_checks = [] -%}
{%- for name, landing_type in numeric_meanings -%}
{%- set first_keys = [] -%}
{%- for meaning, keys in dialect['span'] if meaning == name -%}{%- do first_keys.append(keys[0]) -%}{%- endfor -%}
    {%- do span_checks.append([
        landing_text('tl_' ~ name ~ '_text') ~ ' is not null and tl_' ~ name ~ ' is null',
        'unparseable ' ~ (first_keys[0] if first_keys else name),
    ]) -%}
{%- endfor -%}
{%- do span_checks.append([
    'tl_input_tokens < 0 or tl_output_tokens < 0 or tl_cache_read_tokens < 0 or tl_cache_write_tokens < 0',
    'negative token count',
]) -%}
{%- do span_checks.append(['tl_review_minutes < 0', 'negative review.minutes']) -%}
{#- beyond what no real call can hold (var max_tokens_per_call: far above any context window sold), so that
    no single span can swallow its pool's money or a mart: quarantined (issue 16) -#}
{%- for name in ('input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens') -%}
{%- set first_keys = [] -%}
{%- for meaning, keys in dialect['span'] if meaning == name -%}{%- do first_keys.append(keys[0]) -%}{%- endfor -%}
    {%- do span_checks.append([
        'tl_' ~ name ~ ' > ' ~ (var('max_tokens_per_call') | int),
        'implausible ' ~ (first_keys[0] if first_keys else name),
    ]) -%}
{%- endfor -%}
{%- do span_checks.append([
    'tl_review_minutes > ' ~ (var('max_review_minutes') | int), 'implausible review.minutes'
]) -%}
{#- the columns of the flattened landing (file order, then what landing_source adds): the OTLP branch
    gives the same, so the two branches union -#}
{%- set flat_columns = landing_source_columns('otel', 'spans') or [] -%}
{%- set flat_names = flat_columns | map(attribute=0) | list -%}
{#- a file that types its start times as integers (Parquet) lets the reader skip row groups before the
    incremental window; text (CSV) cannot be compared with a number, and is filtered after parsing -#}
{%- set integer_start = [] -%}
{%- for lowered, column, sql_type in flat_columns if lowered == 'start_time_unix_nano'
    and sql_type | upper in ('BIGINT', 'INTEGER', 'UBIGINT', 'HUGEINT', 'INT64', 'LONG') -%}
{%- do integer_start.append(column) -%}
{%- endfor -%}
{%- set nanos_prefilter = 'start_time_unix_nano' if integer_start else none -%}
{%- set start_nanos = landing_value('start_time_unix_nano', 'integer') -%}
{%- set since = incremental_since('span_date') %}

with

flat_landing as (
    {{ landing_source('otel', 'spans') }}
),

{# a second, narrow read of the same table: the keys are counted before the wide read streams past them
   (one read feeding both would be buffered whole, attribute text included) #}
flat_keys as (
    select
        trace_id,
        span_id,
        start_time_unix_nano
    from {{ source('otel', 'spans') }}
),

{% if otlp_enabled() %}
otlp_landing as (
    select * from {{ source('otel', 'otlp_spans') }}
),
{% endif %}

keys as (
    select
        {{ landing_text('trace_id', is_long_id=true) }} as key_trace_id,
        {{ landing_text('span_id', is_long_id=true) }} as key_span_id
    from flat_keys
    {{ window_dates_filter(timestamp_from_unix_nanos(start_nanos), since, nanos_prefilter) }}
    {%- if otlp_enabled() %}
    union all
    select
        trace_id as key_trace_id,
        span_id as key_span_id
    from otlp_landing
    {{ window_dates_filter(timestamp_from_unix_nanos(start_nanos), since) }}
    {%- endif %}
),

{# keys delivered more than once (at-least-once delivery makes them rare): only these are ranked #}
repeated_keys as (
    select
        key_trace_id,
        key_span_id
    from keys
    where key_trace_id is not null and key_span_id is not null
    group by 1, 2
    having count(*) > 1
),

{# the flattened deliveries: JSON attributes parsed once into the dialect's keys #}
flat_parsed as (
    select
        *,
        {{ json_parse_object('cast(attributes as ' ~ dbt.type_string() ~ ')', span_columns) }} as attributes_object,
        {{ json_parse_object('cast(resource_attributes as ' ~ dbt.type_string() ~ ')', resource_columns) }}
            as resource_attributes_object
    from flat_landing
    {{ window_dates_filter(timestamp_from_unix_nanos(start_nanos), since, nanos_prefilter) }}
),

flat as (
    select
        {%- for lowered, column, sql_type in flat_columns %}
        {{ adapter.quote(column) }},
        {%- endfor %}
        {%- for key, name in span_columns.items() %}
        {{ json_object_field('attributes_object', key) }} as {{ name }},
        {%- endfor %}
        {%- for key, name in resource_columns.items() %}
        {{ json_object_field('resource_attributes_object', key) }} as {{ name }},
        {%- endfor %}
        {{ landing_json_unreadable('attributes', 'attributes_object') }} as tl_is_attributes_unreadable,
        {{ landing_json_unreadable('resource_attributes', 'resource_attributes_object') }}
            as tl_is_resource_attributes_unreadable,
        {#- where a loader flattened OTLP files (PostgreSQL, Spark: token_ledger/otlp.py), the position of the
            span in its line and whether the line was readable -#}
        {%- if '_landing_unreadable' in flat_names %}
        coalesce(lower(cast(_landing_unreadable as {{ dbt.type_string() }})) = 'true', false) as tl_is_unreadable_record,
        {%- else %}
        false as tl_is_unreadable_record,
        {%- endif %}
        {%- if '_landing_span' in flat_names %}
        cast(_landing_span as {{ dbt.type_string() }}) as tl_landing_span,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as tl_landing_span,
        {%- endif %}
        cast(null as {{ dbt.type_string() }}) as tl_otlp_row_hash
    from flat_parsed
),

{% if otlp_enabled() %}
{# the OTLP deliveries: attributes are key and value lists already; the same columns as the flat ones #}
otlp as (
    select
        {%- for lowered, column, sql_type in flat_columns %}
        {%- if lowered in ('trace_id', 'span_id', 'parent_span_id', 'name', 'status_code', 'scope_name',
            'scope_version', 'span_kind', '_landing_file', '_landing_row') %}
        cast({{ lowered }} as {{ sql_type }}) as {{ adapter.quote(column) }},
        {%- elif lowered in ('start_time_unix_nano', 'end_time_unix_nano') %}
        {#- as the flat file types it (Parquet: an integer already; CSV: text) #}
        {{ 'try_cast' if sql_type | lower != dbt.type_string() | lower else 'cast' }}({{ lowered }} as {{ sql_type }})
            as {{ adapter.quote(column) }},
        {%- else %}
        cast(null as {{ sql_type }}) as {{ adapter.quote(column) }},
        {%- endif %}
        {%- endfor %}
        {%- for key, name in span_columns.items() %}
        attribute_values[list_position(attribute_keys, '{{ key }}')] as {{ name }},
        {%- endfor %}
        {%- for key, name in resource_columns.items() %}
        resource_attribute_values[list_position(resource_attribute_keys, '{{ key }}')] as {{ name }},
        {%- endfor %}
        false as tl_is_attributes_unreadable,
        false as tl_is_resource_attributes_unreadable,
        is_unreadable_record as tl_is_unreadable_record,
        _landing_span as tl_landing_span,
        {{ dbt.hash("concat_ws('|', _landing_file, _landing_row, _landing_span, trace_id, span_id, "
            ~ "start_time_unix_nano, end_time_unix_nano, name, status_code, cast(attribute_keys as varchar), cast(attribute_values as varchar))") }}
            as tl_otlp_row_hash
    from otlp_landing
    {{ window_dates_filter(timestamp_from_unix_nanos(start_nanos), since) }}
),
{% endif %}

source as (
    select * from flat
    {%- if otlp_enabled() %}
    union all
    select * from otlp
    {%- endif %}
),

located as (
    select
        source.*,
        {{ landing_text('source.trace_id', is_long_id=true) }} as tl_trace_id,
        {{ landing_text('source.span_id', is_long_id=true) }} as tl_span_id,
        {{ landing_value('source.start_time_unix_nano', 'integer') }} as tl_start_nanos,
        repeated_keys.key_span_id is not null as tl_is_repeated_key
    from source
    left join repeated_keys
        on
            {{ landing_text('source.trace_id', is_long_id=true) }} = repeated_keys.key_trace_id
            and {{ landing_text('source.span_id', is_long_id=true) }} = repeated_keys.key_span_id
),

dialect as (
    select
        {%- for meaning in meanings %}
        {{ genai_meaning(dialect, 'span', meaning, span_columns) }} as tl_{{ meaning }},
        {%- endfor %}
        {%- for name, landing_type in numeric_meanings %}
        {{ genai_meaning(dialect, 'span', name, span_columns) }} as tl_{{ name }}_text,
        {%- endfor %}
        {{ genai_meaning(dialect, 'resource', 'service_name', resource_columns) }} as tl_service_name,
        {#- whether the producer reports a cache split at all (openai-v2 never does: real-inputs.md 2) #}
        (
            {{ genai_meaning(dialect, 'span', 'cache_read_tokens', span_columns) }} is not null
            or {{ genai_meaning(dialect, 'span', 'cache_write_tokens', span_columns) }} is not null
        ) as tl_has_cache_split,
        *
    from located
),

numbers as (
    select
        {%- for name, landing_type in numeric_meanings %}
        {{ landing_value('tl_' ~ name ~ '_text', landing_type) }} as tl_{{ name }},
        {%- endfor %}
        *
    from dialect
),

checked as (
    select
        *,
        {{ landing_quarantine_reason(
            'otel',
            'spans',
            first_checks=[['tl_is_unreadable_record', 'invalid json otlp record']],
            parsed_json={'attributes': 'tl_is_attributes_unreadable', 'resource_attributes': 'tl_is_resource_attributes_unreadable'},
            extra_checks=span_checks,
        ) }} as quarantine_reason
    from numbers
),

typed as (
    select
        case
            when quarantine_reason is not null or tl_is_repeated_key
                then coalesce(tl_otlp_row_hash, {{ landing_row_hash('otel', 'spans') }})
        end as landing_row_hash,
        _landing_file as landing_file,
        {{ landing_value("_landing_row", "integer") }} as landing_row,
        tl_landing_span as landing_span,
        tl_trace_id as trace_id,
        tl_span_id as span_id,
        {{ landing_text('parent_span_id', is_long_id=true) }} as parent_span_id,
        {{ landing_text('name') }} as span_name,
        {{ landing_text('span_kind') }} as span_kind,
        {{ landing_text('scope_name') }} as scope_name,
        {{ landing_text('scope_version') }} as scope_version,
        tl_start_nanos as start_time_unix_nano,
        {{ landing_value('end_time_unix_nano', 'integer') }} as end_time_unix_nano,
        {{ timestamp_from_unix_nanos('tl_start_nanos') }} as started_at,
        {{ timestamp_from_unix_nanos(landing_value('end_time_unix_nano', 'integer')) }} as ended_at,
        coalesce(upper({{ landing_text('status_code') }}), 'STATUS_CODE_UNSET') as status_code,
        tl_service_name as service_name,
        tl_operation_name as operation_name,
        tl_provider_name as provider_name,
        tl_request_model as request_model,
        tl_response_model as response_model,
        tl_response_id as response_id,
        tl_input_tokens as input_tokens,
        tl_output_tokens as output_tokens,
        tl_cache_read_tokens as cache_read_input_tokens,
        tl_cache_write_tokens as cache_creation_input_tokens,
        tl_has_cache_split as has_cache_split,
        lower(tl_service_tier) as service_tier,
        tl_tool_name as tool_name,
        tl_error_type as error_type,
        tl_work_item_type as work_item_type,
        tl_work_item_id as work_item_id,
        tl_workflow_name as workflow_name,
        tl_workflow_step as workflow_step,
        tl_review_outcome as review_outcome,
        tl_review_minutes as review_minutes,
        quarantine_reason,
        tl_is_repeated_key as is_repeated_key,
        {# last: Spark's partition column (date_partition_by) #}
        cast({{ timestamp_from_unix_nanos('tl_start_nanos') }} as date) as span_date
    from checked
),

final as (
    select * from typed
)

select * from final
