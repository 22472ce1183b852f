{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_window_dates('span_date') }}",
) }}

{#-
    Every span delivery, typed, with its quarantine reason, and whether its key was delivered more than
    once (base_otel__spans ranks those deliveries: a window over every span would sort them all; here
    each CTE is read once, so DuckDB streams the file and buffers nothing). The JSON attributes are
    parsed once, into typed columns, and only the keys the project reads: prompts, completions, tool
    arguments and user ids in the same JSON never leave this model (PERFORMANCE.md: parsing once is
    the main lever; privacy: nothing else downstream can see them).

    Incremental: a run re-reads the deliveries whose start date is in the window (var lookback_days) and
    those with no readable start time, and replaces them (macros/incremental/large_grains.sql).

    Cost at 10 M spans: the JSON text is parsed once, without being copied first (no trim: the parser
    skips blanks), the row fingerprint is computed only where it is read (quarantined rows, spans
    delivered more than once).
-#}

{%- set span_attributes = {
    'gen_ai.operation.name': 'operation_name',
    'gen_ai.provider.name': 'provider_name',
    'gen_ai.system': 'legacy_system_name',
    'gen_ai.request.model': 'request_model',
    'gen_ai.response.model': 'response_model',
    'gen_ai.usage.input_tokens': 'input_tokens_text',
    'gen_ai.usage.output_tokens': 'output_tokens_text',
    'gen_ai.usage.cache_read.input_tokens': 'cache_read_input_tokens_text',
    'gen_ai.usage.cache_creation.input_tokens': 'cache_creation_input_tokens_text',
    'gen_ai.request.service_tier': 'service_tier',
    'gen_ai.tool.name': 'tool_name',
    'error.type': 'error_type',
    'work_item.type': 'work_item_type',
    'work_item.id': 'work_item_id',
    'workflow.name': 'workflow_name',
    'workflow.step': 'workflow_step',
    'review.outcome': 'review_outcome',
    'review.minutes': 'review_minutes_text',
} -%}
{%- set resource_attributes = {'service.name': 'service_name'} -%}
{%- set numeric_attributes = [
    ('input_tokens', 'gen_ai.usage.input_tokens', 'integer'),
    ('output_tokens', 'gen_ai.usage.output_tokens', 'integer'),
    ('cache_read_input_tokens', 'gen_ai.usage.cache_read.input_tokens', 'integer'),
    ('cache_creation_input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'integer'),
    ('review_minutes', 'review.minutes', 'decimal'),
] -%}
{#- the checks beyond the landing contract (metrics.md 2), after the generic ones -#}
{%- set span_checks = [] -%}
{%- for name, key, landing_type in numeric_attributes -%}
    {%- do span_checks.append([
        landing_text(name ~ '_text') ~ ' is not null and ' ~ name ~ ' is null',
        'unparseable ' ~ key,
    ]) -%}
{%- endfor -%}
{%- do span_checks.append([
    'input_tokens < 0 or output_tokens < 0 or cache_read_input_tokens < 0 or cache_creation_input_tokens < 0',
    'negative token count',
]) -%}
{%- do span_checks.append(['review_minutes < 0', 'negative review.minutes']) -%}
{%- do span_checks.append([
    'coalesce(cache_read_input_tokens, 0) + coalesce(cache_creation_input_tokens, 0) > coalesce(input_tokens, 0)',
    'cache tokens exceed input tokens',
]) -%}
{%- set start_nanos = landing_value('start_time_unix_nano', 'integer') -%}
{%- set since = incremental_since('span_date') %}

with

landing as (
    {{ landing_source('otel', 'spans') }}
),

{# a second, narrow read of the same table: the keys are counted before the wide read streams past them
   (one read feeding both would be buffered whole, attribute text included) #}
landing_keys as (
    select
        trace_id,
        span_id,
        start_time_unix_nano
    from {{ source('otel', 'spans') }}
),

source as (
    select
        trace_id,
        span_id,
        parent_span_id,
        name,
        start_time_unix_nano,
        end_time_unix_nano,
        status_code,
        attributes,
        resource_attributes,
        {{ landing_text('trace_id') }} as key_trace_id,
        {{ landing_text('span_id') }} as key_span_id,
        {{ start_nanos }} as key_start_nanos
    from landing
    {{ window_dates_filter(timestamp_from_unix_nanos(start_nanos), since, 'start_time_unix_nano') }}
),

{# keys delivered more than once (at-least-once delivery makes them rare): only these are ranked #}
repeated_keys as (
    select
        {{ landing_text('trace_id') }} as key_trace_id,
        {{ landing_text('span_id') }} as key_span_id
    from landing_keys
    {{ window_dates_filter(timestamp_from_unix_nanos(start_nanos), since, 'start_time_unix_nano') }}
    group by 1, 2
    having count(*) > 1
),

parsed as (
    select
        source.*,
        repeated_keys.key_span_id is not null as is_repeated_key,
        {{ json_parse_object('cast(source.attributes as ' ~ dbt.type_string() ~ ')', span_attributes) }}
            as attributes_object,
        {{ json_parse_object('cast(source.resource_attributes as ' ~ dbt.type_string() ~ ')', resource_attributes) }}
            as resource_attributes_object
    from source
    left join repeated_keys
        on
            source.key_trace_id = repeated_keys.key_trace_id
            and source.key_span_id = repeated_keys.key_span_id
),

extracted as (
    select
        {%- for key, name in span_attributes.items() %}
        {{ json_object_field('attributes_object', key) }} as {{ name }},
        {%- endfor %}
        {%- for key, name in resource_attributes.items() %}
        {{ json_object_field('resource_attributes_object', key) }} as {{ name }},
        {%- endfor %}
        *
    from parsed
),

numbers as (
    select
        {%- for name, key, landing_type in numeric_attributes %}
        {{ landing_value(name ~ '_text', landing_type) }} as {{ name }},
        {%- endfor %}
        *
    from extracted
),

checked as (
    select
        *,
        {{ landing_quarantine_reason(
            'otel',
            'spans',
            parsed_json={'attributes': 'attributes_object', 'resource_attributes': 'resource_attributes_object'},
            extra_checks=span_checks,
        ) }} as quarantine_reason
    from numbers
),

typed as (
    select
        case
            when quarantine_reason is not null or is_repeated_key then {{ landing_row_hash('otel', 'spans') }}
        end as landing_row_hash,
        key_trace_id as trace_id,
        key_span_id as span_id,
        {{ landing_text('parent_span_id') }} as parent_span_id,
        {{ landing_text('name') }} as span_name,
        key_start_nanos as start_time_unix_nano,
        {{ landing_value('end_time_unix_nano', 'integer') }} as end_time_unix_nano,
        {{ timestamp_from_unix_nanos('key_start_nanos') }} as started_at,
        {{ timestamp_from_unix_nanos(landing_value('end_time_unix_nano', 'integer')) }} as ended_at,
        cast({{ timestamp_from_unix_nanos('key_start_nanos') }} as date) as span_date,
        coalesce(upper({{ landing_text('status_code') }}), 'STATUS_CODE_UNSET') as status_code,
        service_name,
        operation_name,
        lower(coalesce(provider_name, legacy_system_name)) as provider_name,
        request_model,
        response_model,
        input_tokens,
        output_tokens,
        cache_read_input_tokens,
        cache_creation_input_tokens,
        lower(service_tier) as service_tier,
        tool_name,
        error_type,
        work_item_type,
        work_item_id,
        workflow_name,
        workflow_step,
        review_outcome,
        review_minutes,
        quarantine_reason,
        is_repeated_key
    from checked
),

final as (
    select * from typed
)

select * from final
