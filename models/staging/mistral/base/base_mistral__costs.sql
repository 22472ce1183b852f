{{ config(materialized='table') }}

{#-
    Every landing row of mistral_costs, typed, with where it ends (staged, duplicate, quarantined): the
    registry's shared rules (select_billing_deliveries), Mistral's own reading (a completion's input and
    output metrics are token lines; anything else is real money kept as usage_other and flagged).
-#}

with

source as (
    {{ landing_source('mistral', 'costs') }}
),

typed as (
    select
        {{ landing_row_columns('mistral', 'costs') }},
        {{ landing_value('start_date', 'date') }} as period_start_date,
        {{ landing_value('end_date', 'date') }} as period_end_date,
        {{ landing_text('organization_id') }} as billing_account_id,
        coalesce({{ landing_text('workspace_id') }}, '') as workspace_id,
        lower({{ landing_text('category') }}) as category,
        {{ landing_text('model') }} as model_name,
        lower({{ landing_text('metric') }}) as metric,
        {{ landing_value('quantity', 'decimal') }} as quantity,
        {{ landing_value('amount', 'decimal') }} as amount,
        upper({{ landing_text('currency') }}) as currency,
        {{ landing_value('extracted_at', 'timestamp') }} as extracted_at,
        {{ billing_raw_key('mistral_costs', landing_value('start_date', 'date')) }} as raw_key,
        {{ billing_bucket_key('mistral_costs', landing_value('start_date', 'date')) }} as bucket_key,
        {{ landing_quarantine_reason('mistral', 'costs') }} as landing_reason
    from source
),

checked as (
    select
        {{ billing_delivery_columns() }},
        'mistral' as provider,
        billing_account_id,
        workspace_id,
        period_start_date as charge_date,
        period_end_date,
        category,
        metric,
        case when category = 'completion' and metric in ('input', 'output') then model_name end as model_name,
        case when category = 'completion' and metric in ('input', 'output') then metric end as token_type,
        case
            when category = 'completion' and metric in ('input', 'output') and model_name is not null
                then 'usage_tokens'
            else 'usage_other'
        end as charge_category,
        case
            when not (category = 'completion' and metric in ('input', 'output') and model_name is not null)
                then 'not a token metric'
        end as unexplained_reason,
        quantity,
        amount,
        currency,
        {{ concat_non_null("', '", ['category', 'model_name', 'metric']) }} as meter,
        coalesce(
            landing_reason,
            case when quantity < 0 and category = 'completion' then 'negative token count' end
        ) as row_reason
    from typed
),

final as (
    {{ select_billing_deliveries('checked') }}
)

select * from final
