{#-
    Every registered costs export normalized to one grain, the billing line (metrics.md 1): provider,
    billing account, project, charge date, model, token type, batch flag, charge category, currency; and,
    so that a line belongs to one invoice, the export, the invoice it names (FOCUS InvoiceId) and the date
    whose invoice period holds it (FOCUS BillingPeriodStart: a correction counts toward the invoice that
    carries it, and toward the period it corrects for cost reporting, its charge date). Rows of one export
    with different raw keys that fall on the same grain are one line (re-deliveries never reach here).
    Billed quantity: the tokens the export counts (FOCUS ConsumedQuantity), else the matched usage-export
    quantity. A line with no FX rate on its charge date has no USD amount and is quarantined (it stays in
    the ledger and the reconciliation in its currency).
-#}

with

export_rows as (
    select * from {{ ref('int_billing_export_rows') }}
),

usage_quantities as (
    select * from {{ ref('int_billing_usage_quantities') }}
),

model_names as (
    select * from {{ ref('int_model_names') }}
),

resolved as (
    select
        export_rows.*,
        case
            when export_rows.model_name is not null then coalesce(model_names.model, export_rows.model_name)
        end as model
    from export_rows
    left join model_names
        on
            export_rows.provider = model_names.provider
            and export_rows.model_name = model_names.model_name
),

merged as (
    select
        billing_export,
        provider,
        billing_account_id,
        project_id,
        charge_date,
        model,
        token_type,
        is_batch,
        charge_category,
        is_tax,
        currency,
        invoice_id,
        invoice_date,
        sum(amount) as billed_amount,
        sum(billed_tokens) as billed_tokens,
        count(*) as export_rows
    from resolved
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
),

with_quantity as (
    select
        merged.*,
        coalesce(merged.billed_tokens, usage_quantities.quantity) as billed_quantity
    from merged
    left join usage_quantities
        on
            merged.charge_category = 'usage_tokens'
            and merged.provider = usage_quantities.provider
            and merged.project_id = usage_quantities.project_id
            and merged.charge_date = usage_quantities.usage_date
            and merged.model = usage_quantities.model
            and merged.is_batch = usage_quantities.is_batch
            and merged.token_type = usage_quantities.token_type
),

converted as (
    select
        with_quantity.*,
        {{ usd_amount('with_quantity.billed_amount', 'fx') }} as billed_usd
    from with_quantity
    {{ join_fx_rate('fx', 'with_quantity.currency', 'with_quantity.charge_date') }}
),

owned as (
    select
        converted.*,
        {{ billing_owner_team_id('converted') }} as owner_team_id
    from converted
    {{ join_billing_owner('converted') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "billing_export", "'|'", "provider", "'|'", "billing_account_id", "'|'", "project_id", "'|'",
            "cast(charge_date as " ~ dbt.type_string() ~ ")", "'|'", "coalesce(model, '')", "'|'",
            "coalesce(token_type, '')", "'|'", "cast(is_batch as " ~ dbt.type_string() ~ ")", "'|'",
            "charge_category", "'|'", "cast(is_tax as " ~ dbt.type_string() ~ ")", "'|'", "currency", "'|'",
            "coalesce(invoice_id, '')", "'|'", "cast(invoice_date as " ~ dbt.type_string() ~ ")",
        ])) }} as billing_line_id,
        billing_export,
        provider,
        billing_account_id,
        project_id,
        charge_date,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as charge_month,
        model,
        token_type,
        is_batch,
        charge_category,
        is_tax,
        currency,
        invoice_id,
        invoice_date,
        billed_amount,
        billed_quantity,
        billed_usd,
        export_rows,
        owner_team_id,
        case when billed_usd is null then 'no fx rate for currency' end as quarantine_reason
    from owned
)

select * from final
