{#-
    Billed money the project could not allocate because its row was unreadable: rows of every registered
    costs export (var billing_exports) quarantined in staging, and billing lines with no FX rate on their
    charge date. The amount stays in its billing currency (NULL when the amount itself was unreadable),
    owned like untraced money. A FOCUS row's provider comes from its service (billing_services), as for a
    readable row. The key is the staging quarantine key (landing file and row), or the billing line id.
-#}

{%- set exports = billing_exports('costs') %}

with

{% for export in exports %}
{{ export.name }}_quarantine as (
    select * from {{ ref(export.quarantine_model) }}
    where landing_table = '{{ export.name }}'
),
{% endfor %}

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

staged_rows as (
    {%- for export in exports %}
    {%- set rows = export.name ~ '_quarantine' %}
    select
        {{ rows }}.landing_table,
        {{ rows }}.quarantine_key,
        {{ rows }}.quarantine_reason,
        {{ billing_service_provider(rows) }} as provider,
        coalesce({{ rows }}.billing_account_id, 'unknown') as billing_account_id,
        coalesce({{ rows }}.project_id, '') as project_id,
        {{ rows }}.charge_date,
        {{ rows }}.amount as billed_amount,
        {{ rows }}.currency,
        false as is_unconverted_line
    from {{ rows }}
    {{ join_billing_services(export.name ~ '_quarantine') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

unconverted_lines as (
    select
        {# the export the line came from, so a reader knows which file to fix #}
        billing_export as landing_table,
        {{ concat_text(["'line:'", 'billing_line_id']) }} as quarantine_key,
        quarantine_reason,
        provider,
        billing_account_id,
        project_id,
        charge_date,
        billed_amount,
        currency,
        true as is_unconverted_line
    from billing_lines
    where quarantine_reason is not null
),

unioned as (
    select * from staged_rows
    union all
    select * from unconverted_lines
),

final as (
    select
        unioned.landing_table,
        unioned.quarantine_key,
        unioned.is_unconverted_line,
        unioned.quarantine_reason,
        unioned.provider,
        unioned.billing_account_id,
        unioned.project_id,
        unioned.charge_date,
        cast({{ dbt.date_trunc('month', 'unioned.charge_date') }} as date) as charge_month,
        unioned.billed_amount,
        unioned.currency,
        {{ billing_owner_team_id('unioned') }} as owner_team_id
    from unioned
    {{ join_billing_owner('unioned') }}
)

select * from final
