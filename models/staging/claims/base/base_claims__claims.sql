{{ cdc_versions_config('claim_id') }}

{#-
    Every claim version, typed, with its quarantine reason; older CDC versions are duplicates. Incremental: the
    versions of the claims updated in the window are re-read and ranked again (macros/incremental/cdc_versions.sql).
-#}

{%- set since = incremental_since('updated_at') %}

with

source as (
    {{ landing_source('claims', 'claims') }}
),

versions as (
    {{ cdc_versions_in_window('claim_id', since, 'claims', 'claims') }}
),

checked as (
    select
        {{ landing_row_columns('claims', 'claims') }},
        {{ landing_text('claim_id') }} as claim_id,
        {{ landing_value('received_at', 'timestamp') }} as received_at,
        {{ landing_value('updated_at', 'timestamp') }} as updated_at,
        {{ landing_value('decided_at', 'timestamp') }} as decided_at,
        lower({{ landing_text('decision') }}) as decision,
        coalesce({{ landing_value('manual_correction', 'boolean') }}, false) as has_manual_correction,
        coalesce({{ landing_value('exception_docs_required', 'boolean') }}, false) as is_exception_docs_required,
        {{ landing_text('line_of_business') }} as line_of_business,
        {{ landing_value('claimed_amount', 'decimal') }} as claimed_amount,
        upper({{ landing_text('currency') }}) as currency,
        {{ landing_quarantine_reason('claims', 'claims') }} as quarantine_reason
    from versions
),

final as (
    select
        *,
        {{ landing_duplicate_flag('claim_id', 'updated_at desc') }} as is_duplicate
    from checked
)

select * from final
