{{ cdc_versions_config('ticket_id') }}

{#-
    Every ticket version, typed, with its quarantine reason; older CDC versions are duplicates. Incremental: the
    versions of the tickets updated in the window are re-read and ranked again (macros/incremental/cdc_versions.sql).
-#}

{%- set since = incremental_since('updated_at') %}

with

source as (
    {{ landing_source('helpdesk', 'tickets') }}
),

versions as (
    {{ cdc_versions_in_window('ticket_id', since, 'helpdesk', 'tickets') }}
),

checked as (
    select
        {{ landing_row_columns('helpdesk', 'tickets') }},
        {{ landing_text('ticket_id') }} as ticket_id,
        {{ landing_value('created_at', 'timestamp') }} as created_at,
        {{ landing_value('updated_at', 'timestamp') }} as updated_at,
        {{ landing_value('solved_at', 'timestamp') }} as solved_at,
        lower({{ landing_text('status') }}) as status,
        lower({{ landing_text('assignee_type') }}) as assignee_type,
        coalesce({{ landing_value('escalated', 'boolean') }}, false) as is_escalated,
        coalesce({{ landing_value('reopens', 'integer') }}, 0) as reopens,
        {{ landing_text('queue') }} as queue,
        {{ landing_quarantine_reason(
            'helpdesk', 'tickets', [[landing_value('reopens', 'integer') ~ ' < 0', 'negative reopens']]
        ) }} as quarantine_reason
    from versions
),

final as (
    select
        *,
        {{ landing_duplicate_flag('ticket_id', 'updated_at desc') }} as is_duplicate
    from checked
)

select * from final
