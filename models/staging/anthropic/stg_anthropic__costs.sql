{#- Anthropic cost rows as billed (the billing-export interface, macro billing_export_columns), good rows
    only, duplicates and superseded pulls removed; amounts in the currency's major unit. -#}

with

costs as (
    select * from {{ ref('base_anthropic__costs') }}
),

final as (
    select
        landing_row_hash,
        provider,
        cast(null as {{ dbt.type_string() }}) as service_provider_name,
        cast(null as {{ dbt.type_string() }}) as service_name,
        billing_account_id,
        workspace_id as project_id,
        charge_date,
        bucket_start_at,
        bucket_end_at,
        cost_type,
        description,
        case when charge_category = 'usage_tokens' then model_name end as model_name,
        anthropic_token_type,
        case when charge_category = 'usage_tokens' then token_type end as token_type,
        service_tier,
        is_batch,
        context_window,
        inference_geo,
        charge_category,
        false as is_tax,
        amount_minor_units,
        amount,
        currency,
        cast(null as {{ type_money() }}) as billed_tokens,
        extracted_at,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        charge_date as invoice_date,
        coalesce(description, cost_type, 'cost report row without description') as meter,
        unexplained_reason
    from costs
    where quarantine_reason is null and not is_duplicate
)

select * from final
