with

charges as (
    select * from {{ ref('base_focus__charges') }}
),

final as (
    select
        landing_row_hash,
        provider,
        billing_account_id,
        cast('' as {{ dbt.type_string() }}) as project_id,
        charge_date,
        charge_period_start_at,
        charge_period_end_at,
        billing_period_start_at,
        service_provider_name,
        service_name,
        focus_charge_category,
        charge_class,
        charge_category,
        sku_id,
        sku_meter,
        model_name,
        token_type,
        {# FOCUS lines carry no batch flag: they pool with non-batch calls (metrics.md 1) #}
        false as is_batch,
        consumed_quantity,
        consumed_unit,
        charge_description,
        amount,
        effective_cost,
        currency,
        invoice_id
    from charges
    where quarantine_reason is null and not is_duplicate
)

select * from final
