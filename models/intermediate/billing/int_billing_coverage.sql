{#-
    How far each provider's bills reach (real-inputs.md 5): per provider and billing account, the last
    charge date with a token bill. Spans arrive in minutes, an API bill a day or two later, a FOCUS
    month later still: calls after this date have no bill yet, so their allocated cost is 0 and their
    list cost is shown as provisional.
-#}

with

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

final as (
    select
        provider,
        billing_account_id,
        max(charge_date) as billed_through_date,
        min(charge_date) as billed_from_date
    from billing_lines
    where
        charge_category = 'usage_tokens' and quarantine_reason is null
        {#- a charge dated after the run's day (macros/run_date.sql) bills nothing yet #}
        and charge_date <= {{ sql_date(run_date()) }}
    group by 1, 2
)

select * from final
