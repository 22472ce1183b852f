{#-
    Every provider export normalized to one grain, the billing line (metrics.md 1): provider, billing
    account, project, charge date, model, token type, batch flag, charge category (and currency). Rows of
    one export that fall on the same grain are one line. Billed quantity: FOCUS ConsumedQuantity, or the
    matched usage-export quantity for OpenAI and Anthropic. A line with no FX rate on its charge date has
    no USD amount and is quarantined (it stays in the ledger and the reconciliation in its currency).
-#}

with

openai_costs as (
    select * from {{ ref('stg_openai__costs') }}
),

anthropic_costs as (
    select * from {{ ref('stg_anthropic__costs') }}
),

focus_charges as (
    select * from {{ ref('stg_focus__charges') }}
),

usage_quantities as (
    select * from {{ ref('int_billing_usage_quantities') }}
),

model_names as (
    select * from {{ ref('int_model_names') }}
),

export_rows as (
    {%- for relation, quantity in [
        ('openai_costs', 'null'),
        ('anthropic_costs', 'null'),
        ('focus_charges', "case when charge_category = 'usage_tokens' then consumed_quantity end"),
    ] %}
    select
        provider,
        billing_account_id,
        project_id,
        charge_date,
        model_name,
        token_type,
        is_batch,
        charge_category,
        currency,
        amount,
        cast({{ quantity }} as {{ type_money() }}) as consumed_quantity
    from {{ relation }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
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
        provider,
        billing_account_id,
        project_id,
        charge_date,
        model,
        token_type,
        is_batch,
        charge_category,
        currency,
        sum(amount) as billed_amount,
        sum(consumed_quantity) as consumed_quantity,
        count(*) as export_rows
    from resolved
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

with_quantity as (
    select
        merged.*,
        coalesce(merged.consumed_quantity, usage_quantities.quantity) as billed_quantity
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
            "provider", "'|'", "billing_account_id", "'|'", "project_id", "'|'",
            "cast(charge_date as " ~ dbt.type_string() ~ ")", "'|'", "coalesce(model, '')", "'|'",
            "coalesce(token_type, '')", "'|'", "cast(is_batch as " ~ dbt.type_string() ~ ")", "'|'",
            "charge_category", "'|'", "currency",
        ])) }} as billing_line_id,
        provider,
        billing_account_id,
        project_id,
        charge_date,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as charge_month,
        model,
        token_type,
        is_batch,
        charge_category,
        currency,
        billed_amount,
        billed_quantity,
        billed_usd,
        export_rows,
        owner_team_id,
        case when billed_usd is null then 'no fx rate for currency' end as quarantine_reason
    from owned
)

select * from final
