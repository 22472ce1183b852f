{{ config(materialized='table') }}

{#- Every landing row of focus_charges, typed, with its quarantine reason (NULL for a good row). -#}

with

source as (
    {{ landing_source('focus', 'charges') }}
),

typed as (
    select
        {{ landing_row_hash('focus', 'charges') }} as landing_row_hash,
        {{ landing_text('BillingAccountId') }} as billing_account_id,
        {{ landing_text('ServiceProviderName') }} as service_provider_name,
        {{ landing_text('ServiceName') }} as service_name,
        {{ landing_text('ChargeCategory') }} as focus_charge_category,
        {{ landing_text('ChargeClass') }} as charge_class,
        {{ landing_value('ChargePeriodStart', 'timestamp') }} as charge_period_start_at,
        {{ landing_value('ChargePeriodEnd', 'timestamp') }} as charge_period_end_at,
        {{ landing_value('BillingPeriodStart', 'timestamp') }} as billing_period_start_at,
        {{ landing_text('SkuId') }} as sku_id,
        {{ landing_text('SkuMeter') }} as sku_meter,
        {{ landing_text('SkuPriceDetails') }} as sku_price_details,
        {{ landing_text('ChargeDescription') }} as charge_description,
        {{ landing_value('ConsumedQuantity', 'decimal') }} as consumed_quantity,
        {{ landing_text('ConsumedUnit') }} as consumed_unit,
        {{ landing_value('BilledCost', 'decimal') }} as billed_cost,
        {{ landing_value('EffectiveCost', 'decimal') }} as effective_cost,
        upper({{ landing_text('BillingCurrency') }}) as currency,
        {{ landing_text('InvoiceId') }} as invoice_id,
        {{ landing_quarantine_reason('focus', 'charges') }} as landing_reason
    from source
),

mapped as (
    select
        *,
        {# the provider in the project's vocabulary follows from ServiceName (landing.md) #}
        case lower(service_name)
            when 'amazon bedrock' then 'aws.bedrock'
            when 'azure openai service' then 'azure.ai.openai'
            when 'vertex ai' then 'gcp.vertex_ai'
        end as provider,
        case lower(sku_meter)
            when 'input tokens' then 'input'
            when 'cache read input tokens' then 'cached_input'
            when 'cache write input tokens' then 'cache_write'
            when 'output tokens' then 'output'
        end as meter_token_type,
        case
            when landing_reason is null and sku_price_details is not null
                then {{ json_extract_text('sku_price_details', 'ModelId') }}
        end as model_name
    from typed
),

checked as (
    select
        landing_row_hash,
        provider,
        billing_account_id,
        service_provider_name,
        service_name,
        focus_charge_category,
        coalesce(charge_class, '') as charge_class,
        charge_period_start_at,
        charge_period_end_at,
        cast(charge_period_start_at as date) as charge_date,
        billing_period_start_at,
        sku_id,
        sku_meter,
        model_name,
        case
            when lower(focus_charge_category) = 'usage' and lower(consumed_unit) = 'tokens' then meter_token_type
        end as token_type,
        case
            when
                lower(focus_charge_category) = 'usage' and lower(consumed_unit) = 'tokens'
                and meter_token_type is not null
                then 'usage_tokens'
            when lower(focus_charge_category) = 'usage' then 'usage_other'
            else lower(focus_charge_category)
        end as charge_category,
        charge_description,
        consumed_quantity,
        consumed_unit,
        billed_cost as amount,
        effective_cost,
        currency,
        invoice_id,
        coalesce(
            landing_reason,
            case
                when provider is null then 'unknown ServiceName'
                when
                    lower(focus_charge_category) = 'usage' and lower(consumed_unit) = 'tokens'
                    and meter_token_type is not null and model_name is null
                    then 'missing SkuPriceDetails.ModelId'
                when consumed_quantity < 0 and lower(consumed_unit) = 'tokens' then 'negative token count'
            end
        ) as quarantine_reason
    from mapped
),

final as (
    select
        *,
        {{ landing_duplicate_flag('landing_row_hash') }} as is_duplicate
    from checked
)

select * from final
