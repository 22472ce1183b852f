{{ config(materialized='table') }}

{#-
    Every landing row of focus_charges (FOCUS 1.0 to 1.3, every service of the account), typed, with where
    it ends: staged, a duplicate (every column of the file identical, ingestion metadata aside) or
    quarantined. Which services are AI, and which model and token type a meter is, is reference data
    (billing_services, billing_meters: int_billing_export_rows), so no row is quarantined for its service
    or its meter: an EC2 charge is real money on the same invoice, not a malformed row.
-#}

with

source as (
    {{ landing_source('focus', 'charges') }}
),

typed as (
    select
        {{ landing_row_columns('focus', 'charges') }},
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
        {{ landing_text('x_UsageType') }} as usage_type,
        {{ landing_text('SkuPriceDetails') }} as sku_price_details,
        {{ landing_text('ChargeDescription') }} as charge_description,
        {{ landing_value('ConsumedQuantity', 'decimal') }} as consumed_quantity,
        {{ landing_text('ConsumedUnit') }} as consumed_unit,
        {{ landing_value('BilledCost', 'decimal') }} as billed_cost,
        {{ landing_value('EffectiveCost', 'decimal') }} as effective_cost,
        upper({{ landing_text('BillingCurrency') }}) as currency,
        {{ landing_text('InvoiceId') }} as invoice_id,
        cast(null as {{ dbt.type_timestamp() }}) as extracted_at,
        cast(null as {{ dbt.type_string() }}) as raw_key,
        cast(null as {{ dbt.type_string() }}) as bucket_key,
        {{ landing_quarantine_reason('focus', 'charges') }} as landing_reason
    from source
),

read as (
    select
        *,
        {# a model named in SkuPriceDetails: FOCUS keys of a provider's own start with x_ (1.2); older
           exports and this project's demo wrote ModelId #}
        case
            when landing_reason is null and sku_price_details is not null
                then coalesce(
                    {{ json_extract_text('sku_price_details', 'x_ModelId') }},
                    {{ json_extract_text('sku_price_details', 'ModelId') }}
                )
        end as model_name,
        {# tokens per unit of ConsumedQuantity: a meter priced per 1K or 1M tokens counts in those #}
        case
            when lower(consumed_unit) in ('tokens', 'token') then 1
            when lower(consumed_unit) in ('1k tokens', '1k', '1000 tokens', 'thousand tokens') then 1000
            when lower(consumed_unit) in ('1m tokens', '1m', '1000000 tokens', 'million tokens') then 1000000
        end as tokens_per_unit
    from typed
),

checked as (
    select
        {{ billing_delivery_columns() }},
        cast(null as {{ dbt.type_string() }}) as provider,
        billing_account_id,
        service_provider_name,
        service_name,
        focus_charge_category,
        coalesce(charge_class, '') as charge_class,
        lower(coalesce(charge_class, '')) = 'correction' as is_correction,
        charge_period_start_at,
        charge_period_end_at,
        cast(charge_period_start_at as date) as charge_date,
        billing_period_start_at,
        {# the invoice a line without InvoiceId belongs to: its billing period's (metrics.md 8) #}
        cast(coalesce(billing_period_start_at, charge_period_start_at) as date) as invoice_date,
        sku_id,
        sku_meter,
        usage_type,
        model_name,
        charge_description,
        coalesce(usage_type, sku_meter, charge_description, sku_id) as meter,
        {# what the export itself says: the meter (billing_meters) decides whether usage is tokens #}
        case
            when lower(focus_charge_category) = 'usage' then 'usage_other'
            else lower(focus_charge_category)
        end as charge_category,
        case when lower(focus_charge_category) = 'usage' then 'unmapped meter' end as unexplained_reason,
        lower(focus_charge_category) = 'tax' as is_tax,
        consumed_quantity,
        consumed_unit,
        consumed_quantity * tokens_per_unit as consumed_tokens,
        billed_cost as amount,
        effective_cost,
        currency,
        invoice_id,
        coalesce(
            landing_reason,
            case when consumed_quantity < 0 and tokens_per_unit is not null then 'negative token count' end
        ) as row_reason
    from read
),

final as (
    {{ select_billing_deliveries('checked', with_raw_key=false) }}
)

select * from final
