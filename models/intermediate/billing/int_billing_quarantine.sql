{#-
    Billed money the project could not allocate because its row was unreadable: cost-export rows
    quarantined in staging, and billing lines with no FX rate on their charge date. The amount stays in
    its billing currency (NULL when the amount itself was unreadable), owned like untraced money.
-#}

with

openai_quarantine as (
    select * from {{ ref('stg_openai__quarantined_rows') }}
),

anthropic_quarantine as (
    select * from {{ ref('stg_anthropic__quarantined_rows') }}
),

focus_quarantine as (
    select * from {{ ref('stg_focus__quarantined_rows') }}
),

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

staged_rows as (
    {%- for relation, landing_table in [
        ('openai_quarantine', 'openai_costs'),
        ('anthropic_quarantine', 'anthropic_costs'),
        ('focus_quarantine', 'focus_charges'),
    ] %}
    select
        landing_table,
        landing_row_hash as quarantine_key,
        quarantine_reason,
        coalesce(provider, 'unknown') as provider,
        coalesce(billing_account_id, 'unknown') as billing_account_id,
        coalesce(project_id, '') as project_id,
        charge_date,
        amount as billed_amount,
        currency,
        false as is_unconverted_line
    from {{ relation }}
    where landing_table = '{{ landing_table }}'
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

unconverted_lines as (
    select
        {# the export the line came from, so a reader knows which file to fix #}
        case provider
            when 'openai' then 'openai_costs'
            when 'anthropic' then 'anthropic_costs'
            else 'focus_charges'
        end as landing_table,
        billing_line_id as quarantine_key,
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
