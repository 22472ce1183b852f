{{ config(materialized='table') }}

{#-
    Every landing row of anthropic_usage, typed, with where it ends (staged, duplicate, quarantined).
    The report's input is split, not inclusive: uncached + cache read + 5-minute and 1-hour cache writes.
    Priority-tier usage never appears in the cost report (real-inputs.md 4): it is kept and flagged
    (uncosted_reason), and left out of the billed quantities of the cost lines.
-#}

with

source as (
    {{ landing_source('anthropic', 'usage') }}
),

typed as (
    select
        {{ landing_row_columns('anthropic', 'usage') }},
        {{ landing_value('starting_at', 'timestamp') }} as bucket_start_at,
        {{ landing_text('organization_id') }} as billing_account_id,
        coalesce({{ landing_text('workspace_id') }}, '') as workspace_id,
        {{ landing_text('model') }} as model_name,
        coalesce(lower({{ landing_text('service_tier') }}), 'standard') as service_tier,
        lower({{ landing_text('context_window') }}) as context_window,
        lower({{ landing_text('inference_geo') }}) as inference_geo,
        {{ landing_text('api_key_id') }} as api_key_id,
        coalesce({{ landing_value('uncached_input_tokens', 'integer') }}, 0) as uncached_input_tokens,
        coalesce({{ landing_value('cache_read_input_tokens', 'integer') }}, 0) as cache_read_input_tokens,
        coalesce({{ landing_value('cache_creation_ephemeral_5m_input_tokens', 'integer') }}, 0)
            as cache_creation_5m_input_tokens,
        coalesce({{ landing_value('cache_creation_ephemeral_1h_input_tokens', 'integer') }}, 0)
            as cache_creation_1h_input_tokens,
        coalesce({{ landing_value('output_tokens', 'integer') }}, 0) as output_tokens,
        {{ landing_value('server_tool_use_web_search_requests', 'integer') }} as web_search_requests,
        {{ landing_value('extracted_at', 'timestamp') }} as extracted_at,
        {{ billing_raw_key('anthropic_usage', 'cast(' ~ landing_value('starting_at', 'timestamp') ~ ' as date)') }}
            as raw_key,
        {{ billing_bucket_key('anthropic_usage', 'cast(' ~ landing_value('starting_at', 'timestamp') ~ ' as date)') }}
            as bucket_key,
        {{ landing_quarantine_reason('anthropic', 'usage') }} as landing_reason
    from source
),

checked as (
    select
        {{ billing_delivery_columns() }},
        'anthropic' as provider,
        billing_account_id,
        workspace_id,
        bucket_start_at,
        cast(bucket_start_at as date) as usage_date,
        model_name,
        service_tier,
        service_tier = 'batch' as is_batch,
        context_window,
        inference_geo,
        api_key_id,
        uncached_input_tokens,
        cache_read_input_tokens,
        cache_creation_5m_input_tokens,
        cache_creation_1h_input_tokens,
        output_tokens,
        web_search_requests,
        coalesce(
            landing_reason,
            case
                when
                    uncached_input_tokens < 0 or cache_read_input_tokens < 0 or cache_creation_5m_input_tokens < 0
                    or cache_creation_1h_input_tokens < 0 or output_tokens < 0 or web_search_requests < 0
                    then 'negative token count'
            end
        ) as row_reason
    from typed
),

final as (
    {{ select_billing_deliveries('checked') }}
)

select * from final
