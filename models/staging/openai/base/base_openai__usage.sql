{{ config(materialized='table') }}

{#- Every landing row of openai_usage, typed, with its quarantine reason (NULL for a good row). -#}

with

source as (
    {{ landing_source('openai', 'usage') }}
),

typed as (
    select
        {{ landing_row_hash('openai', 'usage') }} as landing_row_hash,
        {{ landing_value('start_time', 'integer') }} as bucket_start_unix,
        coalesce({{ landing_text('project_id') }}, '') as project_id,
        {{ landing_text('model') }} as model_name,
        coalesce({{ landing_value('batch', 'boolean') }}, false) as is_batch,
        coalesce({{ landing_value('input_tokens', 'integer') }}, 0) as input_tokens,
        coalesce({{ landing_value('input_cached_tokens', 'integer') }}, 0) as input_cached_tokens,
        coalesce({{ landing_value('output_tokens', 'integer') }}, 0) as output_tokens,
        coalesce({{ landing_value('num_model_requests', 'integer') }}, 0) as num_model_requests,
        {{ landing_quarantine_reason('openai', 'usage') }} as landing_reason
    from source
),

checked as (
    select
        landing_row_hash,
        'openai' as provider,
        project_id,
        {{ timestamp_from_unix_seconds('bucket_start_unix') }} as bucket_start_at,
        cast({{ timestamp_from_unix_seconds('bucket_start_unix') }} as date) as usage_date,
        model_name,
        is_batch,
        input_tokens,
        input_cached_tokens,
        {# OpenAI counts cached tokens inside input_tokens #}
        input_tokens - input_cached_tokens as input_uncached_tokens,
        output_tokens,
        num_model_requests,
        coalesce(
            landing_reason,
            case
                when input_tokens < 0 or input_cached_tokens < 0 or output_tokens < 0 or num_model_requests < 0
                    then 'negative token count'
                when input_cached_tokens > input_tokens then 'cache tokens exceed input tokens'
            end
        ) as quarantine_reason
    from typed
),

final as (
    select
        *,
        {{ landing_duplicate_flag('landing_row_hash') }} as is_duplicate
    from checked
)

select * from final
