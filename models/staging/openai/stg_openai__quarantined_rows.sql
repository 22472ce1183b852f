{#- Landing rows of the OpenAI exports that could not be read, with the reason; money stays visible. -#}

with

costs as (
    select * from {{ ref('base_openai__costs') }}
),

usage as (
    select * from {{ ref('base_openai__usage') }}
),

quarantined_costs as (
    {{ select_quarantined_rows(
        'costs', 'openai_costs', 'line_item', charge_date='charge_date', provider='provider',
        billing_account_id='billing_account_id', project_id='project_id', amount='amount', currency='currency',
        raw_values='landing_raw_values'
    ) }}
),

quarantined_usage as (
    {{ select_quarantined_rows(
        'usage', 'openai_usage', 'model_name', charge_date='usage_date', provider='provider', project_id='project_id',
        raw_values='landing_raw_values'
    ) }}
),

final as (
    select * from quarantined_costs
    union all
    select * from quarantined_usage
)

select * from final
