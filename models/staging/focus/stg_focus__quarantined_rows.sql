{#- Landing rows of the FOCUS export that could not be read, with the reason; money stays visible. -#}

with

charges as (
    select * from {{ ref('base_focus__charges') }}
),

final as (
    {{ select_quarantined_rows(
        'charges', 'focus_charges', concat_non_null("', '", ['service_name', 'focus_charge_category', 'coalesce(usage_type, sku_meter)']),
        charge_date='charge_date', service_provider_name='service_provider_name', service_name='service_name',
        billing_account_id='billing_account_id', project_id="''", amount='amount', currency='currency',
        raw_values='landing_raw_values'
    ) }}
)

select * from final
