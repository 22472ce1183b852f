{#- Contracts rows that could not be read, with the reason. -#}

with

contracts as (
    select * from {{ ref('base_contracts__contracts') }}
),

final as (
    {{ select_quarantined_rows(
        'contracts', 'contracts', 'contract_id', charge_date='updated_at', raw_values='landing_raw_values'
    ) }}
)

select * from final
