{#-
    Every landing row the project could not use, with the reason (landing.md, "Bad input"), from every
    staging quarantine, plus billing lines that have no FX rate. Billing money stays visible here in its
    billing currency. Nothing here carries attribute text from spans.
-#}

with

{%- set staging_quarantines = [
    'stg_openai__quarantined_rows',
    'stg_anthropic__quarantined_rows',
    'stg_focus__quarantined_rows',
    'stg_accounts_payable__quarantined_rows',
    'stg_otel__quarantined_rows',
    'stg_helpdesk__quarantined_rows',
    'stg_claims__quarantined_rows',
    'stg_contracts__quarantined_rows',
] %}

{% for model_name in staging_quarantines %}
{{ model_name }} as (
    select * from {{ ref(model_name) }}
),
{% endfor %}

billing_quarantine as (
    select * from {{ ref('int_billing_quarantine') }}
),

unioned as (
    {%- for model_name in staging_quarantines %}
    select
        landing_table,
        landing_row_hash as quarantine_key,
        quarantine_reason,
        provider,
        billing_account_id,
        charge_date,
        record_key,
        amount,
        currency
    from {{ model_name }}
    union all
    {%- endfor %}
    select
        landing_table,
        quarantine_key,
        quarantine_reason,
        provider,
        billing_account_id,
        charge_date,
        quarantine_key as record_key,
        billed_amount as amount,
        currency
    from billing_quarantine
    where is_unconverted_line
),

final as (
    select
        concat(
            landing_table, ':', quarantine_key, ':',
            cast(
                row_number()
                    over (partition by landing_table, quarantine_key order by record_key)
                as {{ dbt.type_string() }}
            )
        ) as quarantined_row_id,
        landing_table,
        quarantine_reason,
        provider,
        billing_account_id,
        charge_date,
        record_key,
        amount,
        currency
    from unioned
)

select * from final
