{#- Current state of each contract (the latest updated_at of its change data). -#}

with

contracts as (
    select * from {{ ref('base_contracts__contracts') }}
),

final as (
    select
        contract_id,
        submitted_at,
        updated_at,
        reviewed_at,
        review_status,
        contract_type,
        page_count
    from contracts
    where quarantine_reason is null and not is_duplicate
)

select * from final
