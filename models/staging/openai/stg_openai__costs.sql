{#- OpenAI cost rows as billed (the billing-export interface, macro billing_export_columns), good rows only,
    duplicates and superseded pulls removed. -#}

with

costs as (
    select * from {{ ref('base_openai__costs') }}
),

final as (
    select
        landing_row_hash,
        provider,
        cast(null as {{ dbt.type_string() }}) as service_provider_name,
        cast(null as {{ dbt.type_string() }}) as service_name,
        billing_account_id,
        project_id,
        charge_date,
        bucket_start_at,
        bucket_end_at,
        line_item,
        line_item_prefix,
        model_name,
        line_item_modality,
        token_type,
        line_item_qualifiers,
        is_batch,
        charge_category,
        false as is_tax,
        amount,
        currency,
        cast(null as {{ type_money() }}) as billed_tokens,
        quantity,
        api_key_id,
        extracted_at,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        charge_date as invoice_date,
        line_item as meter,
        unexplained_reason
    from costs
    where quarantine_reason is null and not is_duplicate
)

select * from final
