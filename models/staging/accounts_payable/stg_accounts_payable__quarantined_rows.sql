{#- Invoice rows that could not be read, with the reason. -#}

with

invoices as (
    select * from {{ ref('base_accounts_payable__invoices') }}
),

final as (
    {{ select_quarantined_rows(
        'invoices', 'invoices', 'invoice_id', charge_date='period_start_date', provider='provider',
        billing_account_id='billing_account_id', amount='subtotal', currency='currency',
        raw_values='landing_raw_values'
    ) }}
)

select * from final
