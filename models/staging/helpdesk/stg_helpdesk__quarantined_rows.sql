{#- Tickets rows that could not be read, with the reason. -#}

with

tickets as (
    select * from {{ ref('base_helpdesk__tickets') }}
),

final as (
    {{ select_quarantined_rows(
        'tickets', 'tickets', 'ticket_id', charge_date='updated_at', raw_values='landing_raw_values'
    ) }}
)

select * from final
