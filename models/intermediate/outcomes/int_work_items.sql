{#-
    The current state of every work item in the outcome systems (tickets, claims, contracts) at one grain,
    with what the outcome-class rules of metrics.md 5 need from the outcome system itself: whether the
    item is still open, failed or needed a person, and its completion time. Review spans add to this in
    fct_work_items. `updated_at` (of the current version) tells the incremental models which items changed.
-#}

{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key=['work_item_type', 'work_item_id'],
) }}

{#- Incremental: the items whose current version was written in the window replace theirs (by key). -#}
{%- set since = incremental_since('updated_at') %}

with

tickets as (
    select * from {{ ref('stg_helpdesk__tickets') }}
    {%- if since %}
    where updated_at >= {{ sql_date(since) }}
    {%- endif %}
),

claims as (
    select * from {{ ref('stg_claims__claims') }}
    {%- if since %}
    where updated_at >= {{ sql_date(since) }}
    {%- endif %}
),

contracts as (
    select * from {{ ref('stg_contracts__contracts') }}
    {%- if since %}
    where updated_at >= {{ sql_date(since) }}
    {%- endif %}
),

ticket_items as (
    select
        'ticket' as work_item_type,
        ticket_id as work_item_id,
        status as system_status,
        created_at as opened_at,
        {# a closed ticket is completed; one closed without solved_at completes at its last update #}
        case when status in ('solved', 'closed') then coalesce(solved_at, updated_at) end as completed_at,
        status not in ('solved', 'closed') as is_open,
        is_escalated as is_failed_in_system,
        coalesce(assignee_type = 'human', false) or reopens > 0 as is_assisted_in_system,
        updated_at
    from tickets
),

claim_items as (
    select
        'claim' as work_item_type,
        claim_id as work_item_id,
        coalesce(decision, 'undecided') as system_status,
        received_at as opened_at,
        decided_at as completed_at,
        decided_at is null or decision is null or decision = 'pended' as is_open,
        coalesce(decision = 'withdrawn', false) as is_failed_in_system,
        has_manual_correction as is_assisted_in_system,
        updated_at
    from claims
),

contract_items as (
    select
        'contract' as work_item_type,
        contract_id as work_item_id,
        review_status as system_status,
        submitted_at as opened_at,
        reviewed_at as completed_at,
        review_status = 'in_review' or reviewed_at is null as is_open,
        false as is_failed_in_system,
        false as is_assisted_in_system,
        updated_at
    from contracts
),

final as (
    select * from ticket_items
    union all
    select * from claim_items
    union all
    select * from contract_items
)

select * from final
