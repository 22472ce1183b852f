with

invoices as (
    select * from {{ ref('base_accounts_payable__invoices') }}
),

final as (
    select
        invoice_id,
        provider,
        billing_account_id,
        period_start_date,
        period_end_date,
        currency,
        subtotal,
        tax,
        total,
        issued_at
    from invoices
    where quarantine_reason is null and not is_duplicate
)

select * from final
