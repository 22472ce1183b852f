{#- Landing rows of the Mistral export that could not be read, with the reason; money stays visible. -#}

with

costs as (
    select * from {{ ref('base_mistral__costs') }}
),

final as (
    {{ select_quarantined_rows(
        'costs', 'mistral_costs', 'meter', charge_date='charge_date', provider='provider',
        billing_account_id='billing_account_id', project_id='workspace_id', amount='amount', currency='currency',
        raw_values='landing_raw_values'
    ) }}
)

select * from final
