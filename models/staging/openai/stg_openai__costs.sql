with

costs as (
    select * from {{ ref('base_openai__costs') }}
),

final as (
    select
        landing_row_hash,
        provider,
        billing_account_id,
        project_id,
        charge_date,
        bucket_start_at,
        bucket_end_at,
        line_item,
        model_name,
        token_type,
        is_batch,
        'usage_tokens' as charge_category,
        amount,
        currency
    from costs
    where quarantine_reason is null and not is_duplicate
)

select * from final
