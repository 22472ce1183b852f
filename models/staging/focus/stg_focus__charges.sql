{#- FOCUS charges as billed, every service (the billing-export interface, macro billing_export_columns):
    good rows, identical redeliveries removed. Provider, AI or out_of_scope, model and token type come from
    the billing_services and billing_meters seeds (int_billing_export_rows). -#}

with

charges as (
    select * from {{ ref('base_focus__charges') }}
),

final as (
    select
        landing_row_hash,
        provider,
        service_provider_name,
        service_name,
        billing_account_id,
        cast('' as {{ dbt.type_string() }}) as project_id,
        charge_date,
        charge_period_start_at,
        charge_period_end_at,
        billing_period_start_at,
        focus_charge_category,
        charge_class,
        is_correction,
        charge_category,
        is_tax,
        sku_id,
        sku_meter,
        usage_type,
        charge_description,
        model_name,
        cast(null as {{ dbt.type_string() }}) as token_type,
        {# FOCUS lines carry no batch flag: they pool with non-batch calls (metrics.md 1) #}
        false as is_batch,
        consumed_quantity,
        consumed_unit,
        consumed_tokens as billed_tokens,
        amount,
        effective_cost,
        currency,
        invoice_id,
        invoice_date,
        meter,
        unexplained_reason
    from charges
    where quarantine_reason is null and not is_duplicate
)

select * from final
