{#- Landing rows of the Anthropic exports that could not be read, with the reason; money stays visible. -#}

with

costs as (
    select * from {{ ref('base_anthropic__costs') }}
),

usage as (
    select * from {{ ref('base_anthropic__usage') }}
),

quarantined_costs as (
    {{ select_quarantined_rows(
        'costs', 'anthropic_costs', concat_non_null("', '", ['cost_type', 'model_name', 'anthropic_token_type']),
        charge_date='charge_date', provider='provider', billing_account_id='billing_account_id',
        project_id='workspace_id', amount='amount', currency='currency', raw_values='landing_raw_values'
    ) }}
),

quarantined_usage as (
    {{ select_quarantined_rows(
        'usage', 'anthropic_usage', 'model_name', charge_date='usage_date', provider='provider',
        project_id='workspace_id', raw_values='landing_raw_values'
    ) }}
),

final as (
    select * from quarantined_costs
    union all
    select * from quarantined_usage
)

select * from final
