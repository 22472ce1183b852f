{{ config(materialized='table') }}

{#-
    Every span delivery, typed, with its quarantine reason and duplicate flag. The JSON attributes are
    parsed once, into typed columns, and only the keys the project reads: prompts, completions, tool
    arguments and user ids in the same JSON never leave this model (PERFORMANCE.md: parsing once is
    the main lever; privacy: nothing else downstream can see them).
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
    ('input_tokens_text', 'gen_ai.usage.input_tokens', 'integer'),
    ('output_tokens_text', 'gen_ai.usage.output_tokens', 'integer'),
    ('cache_read_input_tokens_text', 'gen_ai.usage.cache_read.input_tokens', 'integer'),
    ('cache_creation_input_tokens_text', 'gen_ai.usage.cache_creation.input_tokens', 'integer'),
    ('review_minutes_text', 'review.minutes', 'decimal'),
] -%}

with

source as (
    select * from {{ source('otel', 'spans') }}
),

typed as (
    select
        {{ landing_row_hash('otel', 'spans') }} as landing_row_hash,
        {{ landing_text('trace_id') }} as trace_id,
        {{ landing_text('span_id') }} as span_id,
        {{ landing_text('parent_span_id') }} as parent_span_id,
        {{ landing_text('name') }} as span_name,
        {{ landing_value('start_time_unix_nano', 'integer') }} as start_time_unix_nano,
        {{ landing_value('end_time_unix_nano', 'integer') }} as end_time_unix_nano,
        upper({{ landing_text('status_code') }}) as status_code,
        {{ landing_quarantine_reason('otel', 'spans') }} as landing_reason,
        {{ json_parse_object(landing_text('attributes'), span_attributes) }} as span_attributes,
        {{ json_parse_object(landing_text('resource_attributes'), resource_attributes) }} as resource_attributes
    from source
),

extracted as (
    select
        {%- for key, name in span_attributes.items() %}
        {{ json_object_field('span_attributes', key) }} as {{ name }},
        {%- endfor %}
        {%- for key, name in resource_attributes.items() %}
        {{ json_object_field('resource_attributes', key) }} as {{ name }},
        {%- endfor %}
        landing_row_hash,
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        start_time_unix_nano,
        end_time_unix_nano,
        status_code,
        landing_reason
    from typed
),

numbers as (
    select
        {%- for text_column, key, landing_type in numeric_attributes %}
        {{ landing_value(text_column, landing_type) }} as {{ text_column[:-5] }},
        {%- endfor %}
        *
    from extracted
),

checked as (
    select
        landing_row_hash,
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        start_time_unix_nano,
        end_time_unix_nano,
        {{ timestamp_from_unix_nanos('start_time_unix_nano') }} as started_at,
        {{ timestamp_from_unix_nanos('end_time_unix_nano') }} as ended_at,
        coalesce(status_code, 'STATUS_CODE_UNSET') as status_code,
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
        coalesce(
            landing_reason,
            case
                {%- for text_column, key, landing_type in numeric_attributes %}
                when {{ landing_text(text_column) }} is not null and {{ text_column[:-5] }} is null
                    then 'unparseable {{ key }}'
                {%- endfor %}
                when
                    input_tokens < 0 or output_tokens < 0 or cache_read_input_tokens < 0
                    or cache_creation_input_tokens < 0
                    then 'negative token count'
                when review_minutes < 0 then 'negative review.minutes'
                when
                    coalesce(cache_read_input_tokens, 0) + coalesce(cache_creation_input_tokens, 0)
                    > coalesce(input_tokens, 0)
                    then 'cache tokens exceed input tokens'
            end
        ) as quarantine_reason
    from numbers
),

final as (
    select
        *,
        {# at-least-once delivery: the delivery with the latest end time wins (metrics.md 12) #}
        {{ landing_duplicate_flag('trace_id, span_id', 'end_time_unix_nano desc nulls last') }} as is_duplicate
    from checked
)

select * from final
