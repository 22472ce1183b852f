{{ config(materialized='table') }}

{#- Every landing row of anthropic_usage, typed, with its quarantine reason (NULL for a good row). -#}

with

source as (
    {{ landing_source('anthropic', 'usage') }}
),

typed as (
    select
        {{ landing_row_hash('anthropic', 'usage') }} as landing_row_hash,
        {{ landing_value('starting_at', 'timestamp') }} as bucket_start_at,
        coalesce({{ landing_text('workspace_id') }}, '') as workspace_id,
        {{ landing_text('model') }} as model_name,
        coalesce(lower({{ landing_text('service_tier') }}), 'standard') as service_tier,
        coalesce({{ landing_value('uncached_input_tokens', 'integer') }}, 0) as uncached_input_tokens,
        coalesce({{ landing_value('cache_read_input_tokens', 'integer') }}, 0) as cache_read_input_tokens,
        coalesce({{ landing_value('cache_creation_ephemeral_5m_input_tokens', 'integer') }}, 0)
            as cache_creation_5m_input_tokens,
        coalesce({{ landing_value('cache_creation_ephemeral_1h_input_tokens', 'integer') }}, 0)
            as cache_creation_1h_input_tokens,
        coalesce({{ landing_value('output_tokens', 'integer') }}, 0) as output_tokens,
        {{ landing_quarantine_reason('anthropic', 'usage') }} as landing_reason
    from source
),

checked as (
    select
        landing_row_hash,
        'anthropic' as provider,
        workspace_id,
        bucket_start_at,
        cast(bucket_start_at as date) as usage_date,
        model_name,
        service_tier,
        service_tier = 'batch' as is_batch,
        uncached_input_tokens,
        cache_read_input_tokens,
        cache_creation_5m_input_tokens,
        cache_creation_1h_input_tokens,
        output_tokens,
        coalesce(
            landing_reason,
            case
                when
                    uncached_input_tokens < 0 or cache_read_input_tokens < 0 or cache_creation_5m_input_tokens < 0
                    or cache_creation_1h_input_tokens < 0 or output_tokens < 0
                    then 'negative token count'
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
