{#-
    Invoice reconciliation (metrics.md 8), one row per invoice, in the invoice currency: what the
    invoice says against its billing lines: a line whose export names an invoice (FOCUS InvoiceId) that
    the invoices table holds belongs to it; any other line to the invoice of the same provider and billing
    account whose period holds its invoice date (its charge date; FOCUS: BillingPeriodStart, so a
    correction counts toward the invoice that carries it). Every line counts, the out_of_scope services of
    a cloud bill included (an AWS invoice bills EC2 too). Lines no invoice covers appear per provider, account and month as `uninvoiced`.
    Alongside, in USD, what became of those lines: allocated, untraced, non-token; and, in the billing
    currency, what is quarantined; lines in another currency than the invoice's are shown apart, with their
    currency and amount (other_currency, other_currency_amount), so a currency_mismatch says what the
    invoice does not count (issue 16: a line in a currency without an FX rate). A line without an FX rate is still a billing line (metrics.md 12): it
    counts in lines_subtotal (no rate is needed in its own currency) and in the currency check. A row
    that could not be read at all is not a billing line: only its readable amount shows, as quarantined.
-#}

with

invoices as (
    select * from {{ ref('stg_accounts_payable__invoices') }}
),

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

quarantine as (
    select * from {{ ref('int_billing_quarantine') }}
),

lines as (
    select
        billing_line_id as line_key,
        provider,
        billing_account_id,
        charge_date,
        invoice_id as named_invoice_id,
        invoice_date,
        charge_category,
        is_tax,
        currency,
        billed_amount,
        allocated_usd,
        untraced_usd,
        other_usd,
        out_of_scope_usd,
        quarantine_reason is not null as is_quarantined,
        false as is_unreadable
    from line_allocations
    union all
    {# rows quarantined in staging: not billing lines; their readable amount shows as quarantined_amount #}
    select
        quarantine_key as line_key,
        provider,
        billing_account_id,
        charge_date,
        cast(null as {{ dbt.type_string() }}) as named_invoice_id,
        charge_date as invoice_date,
        'unreadable' as charge_category,
        false as is_tax,
        currency,
        billed_amount,
        null as allocated_usd,
        null as untraced_usd,
        null as other_usd,
        null as out_of_scope_usd,
        true as is_quarantined,
        true as is_unreadable
    from quarantine
    where not is_unconverted_line
),

{# the invoice a line names, when the invoices table has it #}
named as (
    select
        lines.*,
        invoices.invoice_id as named_match_invoice_id
    from lines
    left join invoices
        on lines.named_invoice_id = invoices.invoice_id
),

{# else by period; a line whose date two overlapping invoices cover belongs to the latest issued one only #}
matched as (
    select
        named.*,
        coalesce(named.named_match_invoice_id, invoices.invoice_id) as invoice_id,
        row_number() over (
            partition by named.line_key
            order by invoices.issued_at desc, invoices.invoice_id asc
        ) as invoice_rank
    from named
    left join invoices
        on
            named.named_match_invoice_id is null
            and named.provider = invoices.provider
            and named.billing_account_id = invoices.billing_account_id
            and named.invoice_date >= invoices.period_start_date
            and named.invoice_date <= invoices.period_end_date
),

line_invoice as (
    select
        matched.*,
        coalesce(
            matched.invoice_id,
            {{ concat_text([
                'matched.provider', "'|'", 'matched.billing_account_id', "'|'",
                "cast(cast(" ~ dbt.date_trunc('month', 'matched.invoice_date') ~ " as date) as " ~ dbt.type_string() ~ ")",
            ]) }}
        ) as reconciliation_key,
        cast({{ dbt.date_trunc('month', 'matched.invoice_date') }} as date) as charge_month
    from matched
),

{# an invoice's lines in currencies other than its own: one row per invoice and currency #}
other_currency_lines as (
    select
        line_invoice.reconciliation_key,
        line_invoice.currency,
        sum(line_invoice.billed_amount) as billed_amount
    from line_invoice
    inner join invoices
        on line_invoice.invoice_id = invoices.invoice_id
    where
        line_invoice.invoice_rank = 1
        and not line_invoice.is_unreadable
        and line_invoice.currency <> invoices.currency
    group by 1, 2
),

other_currency_totals as (
    select
        reconciliation_key,
        {{ dbt.listagg('currency', "', '", 'order by currency') }} as other_currency,
        {# an amount only when the other lines share one currency: amounts in two do not add up #}
        case when count(*) = 1 then sum(billed_amount) end as other_currency_amount
    from other_currency_lines
    group by 1
),

invoiced_totals as (
    select
        line_invoice.reconciliation_key,
        sum(case
            when
                not line_invoice.is_unreadable and not line_invoice.is_tax
                and line_invoice.currency = invoices.currency
                then line_invoice.billed_amount
            else 0
        end) as lines_subtotal,
        sum(case
            when
                not line_invoice.is_unreadable and line_invoice.is_tax
                and line_invoice.currency = invoices.currency
                then line_invoice.billed_amount
            else 0
        end) as lines_tax,
        sum(case
            when not line_invoice.is_unreadable and line_invoice.currency <> invoices.currency then 1 else 0
        end) as other_currency_lines,
        sum(line_invoice.allocated_usd) as allocated_usd,
        sum(line_invoice.untraced_usd) as untraced_usd,
        sum(line_invoice.other_usd) as non_token_usd,
        sum(line_invoice.out_of_scope_usd) as out_of_scope_usd,
        {# in the invoice currency only: amounts in other currencies do not add up with it #}
        sum(
            case
                when line_invoice.is_quarantined and line_invoice.currency = invoices.currency
                    then line_invoice.billed_amount
            end
        ) as quarantined_amount,
        cast(sum(case when line_invoice.is_quarantined then 1 else 0 end) as bigint) as quarantined_lines,
        count(*) as billing_lines
    from line_invoice
    inner join invoices
        on line_invoice.invoice_id = invoices.invoice_id
    where line_invoice.invoice_rank = 1
    group by 1
),

invoice_rows as (
    select
        invoices.invoice_id as reconciliation_key,
        invoices.invoice_id,
        invoices.provider,
        invoices.billing_account_id,
        invoices.period_start_date,
        invoices.period_end_date,
        cast({{ dbt.date_trunc('month', 'invoices.period_start_date') }} as date) as month,
        invoices.currency,
        invoices.subtotal as invoice_subtotal,
        invoices.tax as invoice_tax,
        invoices.total as invoice_total,
        coalesce(invoiced_totals.lines_subtotal, 0.0) as lines_subtotal,
        coalesce(invoiced_totals.lines_tax, 0.0) as lines_tax,
        invoices.subtotal - coalesce(invoiced_totals.lines_subtotal, 0.0) as variance,
        coalesce(invoiced_totals.other_currency_lines, 0) > 0 as has_currency_mismatch,
        other_currency_totals.other_currency,
        other_currency_totals.other_currency_amount,
        coalesce(invoiced_totals.allocated_usd, 0.0) as allocated_usd,
        coalesce(invoiced_totals.untraced_usd, 0.0) as untraced_usd,
        coalesce(invoiced_totals.non_token_usd, 0.0) as non_token_usd,
        coalesce(invoiced_totals.out_of_scope_usd, 0.0) as out_of_scope_usd,
        coalesce(invoiced_totals.quarantined_amount, 0.0) as quarantined_amount,
        coalesce(invoiced_totals.quarantined_lines, 0) as quarantined_lines,
        coalesce(invoiced_totals.billing_lines, 0) as billing_lines
    from invoices
    left join invoiced_totals
        on invoices.invoice_id = invoiced_totals.reconciliation_key
    left join other_currency_totals
        on invoices.invoice_id = other_currency_totals.reconciliation_key
),

uninvoiced_rows as (
    select
        reconciliation_key,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        provider,
        billing_account_id,
        cast(null as date) as period_start_date,
        cast(null as date) as period_end_date,
        charge_month as month,
        case when count(distinct currency) = 1 then min(currency) end as currency,
        cast(null as {{ type_money() }}) as invoice_subtotal,
        cast(null as {{ type_money() }}) as invoice_tax,
        cast(null as {{ type_money() }}) as invoice_total,
        case
            when count(distinct currency) = 1
                then sum(case when not is_unreadable and not is_tax then billed_amount else 0 end)
        end as lines_subtotal,
        case
            when count(distinct currency) = 1
                then sum(case when not is_unreadable and is_tax then billed_amount else 0 end)
        end as lines_tax,
        cast(null as {{ type_money() }}) as variance,
        count(distinct currency) > 1 as has_currency_mismatch,
        {# no invoice, so no currency of its own to differ from: the lines' currencies are in currency #}
        cast(null as {{ dbt.type_string() }}) as other_currency,
        cast(null as {{ type_money() }}) as other_currency_amount,
        coalesce(sum(allocated_usd), 0.0) as allocated_usd,
        coalesce(sum(untraced_usd), 0.0) as untraced_usd,
        coalesce(sum(other_usd), 0.0) as non_token_usd,
        coalesce(sum(out_of_scope_usd), 0.0) as out_of_scope_usd,
        coalesce(sum(case when is_quarantined then billed_amount end), 0.0) as quarantined_amount,
        cast(sum(case when is_quarantined then 1 else 0 end) as bigint) as quarantined_lines,
        count(*) as billing_lines
    from line_invoice
    where invoice_id is null
    group by 1, 2, 3, 4, 5, 6, 7
),

unioned as (
    select * from invoice_rows
    union all
    select * from uninvoiced_rows
),

final as (
    select
        *,
        case
            when invoice_id is null then 'uninvoiced'
            when has_currency_mismatch then 'currency_mismatch'
            {# a cent of tolerance, plus float noise: 25.01 - 25.00 is 0.010000000000001563 #}
            when abs(variance) <= 0.01 + 1e-9 then 'matched'
            else 'variance'
        end as status
    from unioned
)

select * from final
