{#-
    Real money the project keeps but does not understand (real-inputs.md 3 and 4), per export, provider,
    billing account, month, reason and meter, so a data team knows what to map next:
    - AI usage charges no billing_meters row explains (a FOCUS meter, an OpenAI line item outside the
      grammar, an Anthropic cost row without cost_type): kept as usage_other in the ledger;
    - usage the cost export never bills (Anthropic's priority tier): its tokens are left out of the
      billed quantities.
    Warned on with the meters named (has_no_rows_named); never breaks the build.
-#}

{%- set usage_exports = billing_exports('usage') %}

with

export_rows as (
    select * from {{ ref('int_billing_export_rows') }}
),

{% for export in usage_exports %}
{{ export.name }} as (
    select * from {{ ref(export.staging_model) }}
),
{% endfor %}

unexplained_costs as (
    select
        billing_export,
        provider,
        billing_account_id,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as charge_month,
        unexplained_reason,
        meter,
        currency,
        count(*) as export_rows,
        sum(amount) as amount,
        cast(null as {{ type_money() }}) as tokens
    from export_rows
    where unexplained_reason is not null
    group by 1, 2, 3, 4, 5, 6, 7
),

uncosted_usage as (
    {%- for export in usage_exports %}
    select
        '{{ export.name }}' as billing_export,
        provider,
        cast('' as {{ dbt.type_string() }}) as billing_account_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as charge_month,
        uncosted_reason as unexplained_reason,
        model_name as meter,
        cast(null as {{ dbt.type_string() }}) as currency,
        count(*) as export_rows,
        cast(null as {{ type_money() }}) as amount,
        cast(sum({{ export.quantities.values() | join(' + ') }}) as {{ type_money() }}) as tokens
    from {{ export.name }}
    where uncosted_reason is not null
    group by 1, 2, 3, 4, 5, 6, 7
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select * from unexplained_costs
    union all
    select * from uncosted_usage
)

select * from final
