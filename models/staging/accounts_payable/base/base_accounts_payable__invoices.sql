{{ config(materialized='table') }}

{#- Every landing row of invoices, typed, with its quarantine reason (NULL for a good row). -#}

with

source as (
    {{ landing_source('accounts_payable', 'invoices') }}
),

typed as (
    select
        {{ landing_row_columns('accounts_payable', 'invoices') }},
        {{ landing_text('invoice_id') }} as invoice_id,
        lower({{ landing_text('provider') }}) as provider,
        {{ landing_text('billing_account_id') }} as billing_account_id,
        {{ landing_value('period_start', 'date') }} as period_start_date,
        {{ landing_value('period_end', 'date') }} as period_end_date,
        upper({{ landing_text('currency') }}) as currency,
        {{ landing_value('subtotal', 'decimal') }} as subtotal,
        coalesce({{ landing_value('tax', 'decimal') }}, 0) as tax,
        {{ landing_value('total', 'decimal') }} as total,
        {{ landing_value('issued_at', 'timestamp') }} as issued_at,
        {{ landing_quarantine_reason('accounts_payable', 'invoices') }} as landing_reason
    from source
),

checked as (
    select
        *,
        coalesce(
            landing_reason,
            case when period_end_date < period_start_date then 'period_end before period_start' end
        ) as quarantine_reason
    from typed
),

final as (
    select
        *,
        {# an invoice re-exported later supersedes the earlier copy #}
        {{ landing_duplicate_flag('invoice_id', 'issued_at desc nulls last') }} as is_duplicate
    from checked
)

select * from final
