{{ config(materialized='table') }}

{#- Every landing row of anthropic_costs, typed, with its quarantine reason (NULL for a good row). -#}

with

source as (
    {{ landing_source('anthropic', 'costs') }}
),

typed as (
    select
        {{ landing_row_hash('anthropic', 'costs') }} as landing_row_hash,
        {{ landing_value('starting_at', 'timestamp') }} as bucket_start_at,
        {{ landing_value('ending_at', 'timestamp') }} as bucket_end_at,
        {{ landing_text('organization_id') }} as billing_account_id,
        coalesce({{ landing_text('workspace_id') }}, '') as workspace_id,
        lower({{ landing_text('cost_type') }}) as cost_type,
        {{ landing_text('model') }} as model_name,
        lower({{ landing_text('token_type') }}) as anthropic_token_type,
        coalesce(lower({{ landing_text('service_tier') }}), 'standard') as service_tier,
        {{ landing_value('amount', 'decimal') }} as amount_minor_units,
        upper({{ landing_text('currency') }}) as currency,
        {{ landing_quarantine_reason('anthropic', 'costs') }} as landing_reason
    from source
),

checked as (
    select
        landing_row_hash,
        'anthropic' as provider,
        billing_account_id,
        workspace_id,
        bucket_start_at,
        bucket_end_at,
        cast(bucket_start_at as date) as charge_date,
        cost_type,
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
        case when cost_type = 'tokens' then 'usage_tokens' else 'usage_other' end as charge_category,
        amount_minor_units,
        {# the cost report gives the currency's minor unit (cents) #}
        amount_minor_units / 100.0 as amount,
        currency,
        coalesce(
            landing_reason,
            case
                when cost_type = 'tokens' and (model_name is null or anthropic_token_type is null)
                    then 'missing model or token_type on a token cost'
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
