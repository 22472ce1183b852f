{#- Current state of each ticket (the latest updated_at of its change data). -#}

with

tickets as (
    select * from {{ ref('base_helpdesk__tickets') }}
),

final as (
    select
        ticket_id,
        created_at,
        updated_at,
        solved_at,
        status,
        assignee_type,
        is_escalated,
        reopens,
        queue
    from tickets
    where quarantine_reason is null and not is_duplicate
)

select * from final
