{{ config(materialized='table') }}

{#-
    Every landing row of anthropic_costs, typed, with where it ends (staged, duplicate, quarantined).
    cost_type, model and token_type are filled only when the report is grouped by description
    (real-inputs.md 4): a row without them is real money, kept as usage_other and flagged
    (unexplained_reason), never quarantined; so is a token cost that names no model or token type.
-#}

with

source as (
    {{ landing_source('anthropic', 'costs') }}
),

typed as (
    select
        {{ landing_row_columns('anthropic', 'costs') }},
        {{ landing_value('starting_at', 'timestamp') }} as bucket_start_at,
        {{ landing_value('ending_at', 'timestamp') }} as bucket_end_at,
        {{ landing_text('organization_id') }} as billing_account_id,
        coalesce({{ landing_text('workspace_id') }}, '') as workspace_id,
        lower({{ landing_text('cost_type') }}) as cost_type,
        {{ landing_text('description') }} as description,
        {{ landing_text('model') }} as model_name,
        lower({{ landing_text('token_type') }}) as anthropic_token_type,
        coalesce(lower({{ landing_text('service_tier') }}), 'standard') as service_tier,
        lower({{ landing_text('context_window') }}) as context_window,
        lower({{ landing_text('inference_geo') }}) as inference_geo,
        {{ landing_value('amount', 'decimal') }} as amount_minor_units,
        upper({{ landing_text('currency') }}) as currency,
        {{ landing_value('extracted_at', 'timestamp') }} as extracted_at,
        {{ billing_raw_key('anthropic_costs', 'cast(' ~ landing_value('starting_at', 'timestamp') ~ ' as date)') }}
            as raw_key,
        {{ billing_bucket_key('anthropic_costs', 'cast(' ~ landing_value('starting_at', 'timestamp') ~ ' as date)') }}
            as bucket_key,
        {{ landing_quarantine_reason('anthropic', 'costs') }} as landing_reason
    from source
),

checked as (
    select
        {{ billing_delivery_columns() }},
        'anthropic' as provider,
        billing_account_id,
        workspace_id,
        bucket_start_at,
        bucket_end_at,
        cast(bucket_start_at as date) as charge_date,
        cost_type,
        description,
        model_name,
        anthropic_token_type,
        case
            when anthropic_token_type = 'uncached_input_tokens' then 'input'
            when anthropic_token_type = 'cache_read_input_tokens' then 'cached_input'
            when anthropic_token_type like 'cache_creation.%' then 'cache_write'
            when anthropic_token_type = 'output_tokens' then 'output'
        end as token_type,
        service_tier,
        service_tier = 'batch' as is_batch,
        context_window,
        inference_geo,
        case
            when cost_type = 'tokens' and model_name is not null and anthropic_token_type is not null
                then 'usage_tokens'
            else 'usage_other'
        end as charge_category,
        case
            when cost_type is null then 'no cost_type (cost report not grouped by description)'
            when cost_type = 'tokens' and (model_name is null or anthropic_token_type is null)
                then 'token cost without model or token_type'
        end as unexplained_reason,
        amount_minor_units,
        {# the cost report gives the currency's minor unit (cents) #}
        amount_minor_units / 100.0 as amount,
        currency,
        landing_reason as row_reason
    from typed
),

final as (
    {{ select_billing_deliveries('checked') }}
)

select * from final
