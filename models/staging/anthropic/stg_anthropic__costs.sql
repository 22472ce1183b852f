with

costs as (
    select * from {{ ref('base_anthropic__costs') }}
),

final as (
    select
        landing_row_hash,
        provider,
        billing_account_id,
        workspace_id as project_id,
        charge_date,
        bucket_start_at,
        bucket_end_at,
        cost_type,
        model_name,
        anthropic_token_type,
        token_type,
        service_tier,
        is_batch,
        charge_category,
        amount_minor_units,
        amount,
        currency
    from costs
    where quarantine_reason is null and not is_duplicate
)

select * from final
