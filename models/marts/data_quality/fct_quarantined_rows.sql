{#-
    Every landing row the project could not use, with the reason (landing.md, "Bad input"), from every
    staging quarantine (the billing exports' from the registry, var billing_exports; spans, invoices and
    the outcome systems'), plus billing lines that have no FX rate. The key is where the row is (landing
    file and data row, unique by construction), kept with the row's declared values as read (raw_values,
    JSON; span attributes and other JSON columns left out) so a person can find and fix it. Billing money
    stays visible here in its billing currency.
-#}

{%- set staging_quarantines = billing_quarantine_models() + [
    'stg_accounts_payable__quarantined_rows',
    'stg_otel__quarantined_rows',
    'stg_helpdesk__quarantined_rows',
    'stg_claims__quarantined_rows',
    'stg_contracts__quarantined_rows',
] %}

with

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
    {%- set is_billing = model_name in billing_quarantine_models() %}
    select
        {{ model_name }}.landing_table,
        {{ model_name }}.quarantine_key,
        {{ model_name }}.quarantine_reason,
        {# a FOCUS row names its provider through its service, as a readable row does #}
        {{ billing_service_provider(model_name) if is_billing else model_name ~ '.provider' }} as provider,
        {{ model_name }}.billing_account_id,
        {{ model_name }}.charge_date,
        {{ model_name }}.record_key,
        {{ model_name }}.amount,
        {{ model_name }}.currency,
        {{ model_name }}.landing_file,
        {{ model_name }}.landing_row,
        {{ model_name }}.raw_values
    from {{ model_name }}
    {{ join_billing_services(model_name) if is_billing }}
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
        currency,
        cast(null as {{ dbt.type_string() }}) as landing_file,
        cast(null as {{ dbt.type_bigint() }}) as landing_row,
        cast(null as {{ dbt.type_string() }}) as raw_values
    from billing_quarantine
    where is_unconverted_line
),

final as (
    select
        {{ concat_text(['landing_table', "':'", 'quarantine_key']) }} as quarantined_row_id,
        landing_table,
        quarantine_key,
        landing_file,
        landing_row,
        quarantine_reason,
        provider,
        billing_account_id,
        charge_date,
        record_key,
        amount,
        currency,
        raw_values
    from unioned
)

select * from final
