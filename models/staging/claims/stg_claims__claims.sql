{#- Current state of each claim (the latest updated_at of its change data). -#}

with

claims as (
    select * from {{ ref('base_claims__claims') }}
),

final as (
    select
        claim_id,
        received_at,
        updated_at,
        decided_at,
        decision,
        has_manual_correction,
        is_exception_docs_required,
        line_of_business,
        claimed_amount,
        currency
    from claims
    where quarantine_reason is null and not is_duplicate
)

select * from final
