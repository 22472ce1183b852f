{#- Claims rows that could not be read, with the reason. -#}

with

claims as (
    select * from {{ ref('base_claims__claims') }}
),

final as (
    {{ select_quarantined_rows(
        'claims', 'claims', 'claim_id', charge_date='updated_at', raw_values='landing_raw_values'
    ) }}
)

select * from final
