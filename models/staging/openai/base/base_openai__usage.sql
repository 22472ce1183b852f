{{ config(materialized='table') }}

{#-
    Every landing row of openai_usage, typed, with where it ends (staged, duplicate, quarantined).
    input_tokens includes cached and cache-write tokens (real-inputs.md 4); the optional columns of the
    real Usage API (input_cache_write_tokens, input_uncached_tokens, service_tier, audio splits) are read
    when present. Uncached input: input_uncached_tokens when the API gives it, else input_tokens −
    input_cached_tokens − input_cache_write_tokens. Counts written with a zero fraction (59200.0) are
    integers (landing_value).
-#}

with

source as (
    {{ landing_source('openai', 'usage') }}
),

typed as (
    select
        {{ landing_row_columns('openai', 'usage') }},
        {{ landing_value('start_time', 'integer') }} as bucket_start_unix,
        coalesce({{ landing_text('project_id') }}, '') as project_id,
        {{ landing_text('model') }} as model_name,
        coalesce({{ landing_value('batch', 'boolean') }}, false) as is_batch,
        lower({{ landing_text('service_tier') }}) as service_tier,
        {{ landing_text('api_key_id') }} as api_key_id,
        coalesce({{ landing_value('input_tokens', 'integer') }}, 0) as input_tokens,
        coalesce({{ landing_value('input_cached_tokens', 'integer') }}, 0) as input_cached_tokens,
        coalesce({{ landing_value('input_cache_write_tokens', 'integer') }}, 0) as input_cache_write_tokens,
        {{ landing_value('input_uncached_tokens', 'integer') }} as reported_uncached_tokens,
        coalesce({{ landing_value('output_tokens', 'integer') }}, 0) as output_tokens,
        coalesce({{ landing_value('num_model_requests', 'integer') }}, 0) as num_model_requests,
        {{ landing_value('input_audio_tokens', 'integer') }} as input_audio_tokens,
        {{ landing_value('output_audio_tokens', 'integer') }} as output_audio_tokens,
        {{ landing_value('extracted_at', 'timestamp') }} as extracted_at,
        {{ billing_raw_key('openai_usage', landing_value('start_time', 'integer')) }} as raw_key,
        {{ billing_bucket_key('openai_usage', landing_value('start_time', 'integer')) }} as bucket_key,
        {{ landing_quarantine_reason('openai', 'usage') }} as landing_reason
    from source
),

checked as (
    select
        {{ billing_delivery_columns() }},
        'openai' as provider,
        project_id,
        {{ timestamp_from_unix_seconds('bucket_start_unix') }} as bucket_start_at,
        cast({{ timestamp_from_unix_seconds('bucket_start_unix') }} as date) as usage_date,
        model_name,
        is_batch,
        service_tier,
        api_key_id,
        input_tokens,
        input_cached_tokens,
        input_cache_write_tokens,
        {# OpenAI counts cached and cache-write tokens inside input_tokens #}
        coalesce(reported_uncached_tokens, input_tokens - input_cached_tokens - input_cache_write_tokens)
            as input_uncached_tokens,
        output_tokens,
        num_model_requests,
        input_audio_tokens,
        output_audio_tokens,
        coalesce(
            landing_reason,
            case
                when
                    input_tokens < 0 or input_cached_tokens < 0 or input_cache_write_tokens < 0
                    or reported_uncached_tokens < 0 or output_tokens < 0 or num_model_requests < 0
                    then 'negative token count'
                when input_cached_tokens + input_cache_write_tokens > input_tokens
                    then 'cache tokens exceed input tokens'
            end
        ) as row_reason
    from typed
),

final as (
    {{ select_billing_deliveries('checked') }}
)

select * from final
