{#- Mistral cost rows as billed (the billing-export interface, macro billing_export_columns): good rows,
    duplicates and superseded pulls removed. -#}

with

costs as (
    select * from {{ ref('base_mistral__costs') }}
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
        period_end_date,
        category,
        metric,
        model_name,
        token_type,
        false as is_batch,
        charge_category,
        false as is_tax,
        amount,
        currency,
        case when charge_category = 'usage_tokens' then quantity end as billed_tokens,
        quantity,
        extracted_at,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        charge_date as invoice_date,
        meter,
        unexplained_reason
    from costs
    where quarantine_reason is null and not is_duplicate
)

select * from final
