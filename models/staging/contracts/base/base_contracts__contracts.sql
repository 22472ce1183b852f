{{ cdc_versions_config('contract_id') }}

{#-
    Every contract version, typed, with its quarantine reason; older CDC versions are duplicates. Incremental: the
    versions of the contracts updated in the window are re-read and ranked again (macros/incremental/cdc_versions.sql).
-#}

{%- set since = incremental_since('updated_at') %}

with

source as (
    {{ landing_source('contracts', 'contracts') }}
),

versions as (
    {{ cdc_versions_in_window('contract_id', since, 'contracts', 'contracts') }}
),

checked as (
    select
        {{ landing_row_columns('contracts', 'contracts') }},
        {{ landing_text('contract_id') }} as contract_id,
        {{ landing_value('submitted_at', 'timestamp') }} as submitted_at,
        {{ landing_value('updated_at', 'timestamp') }} as updated_at,
        {{ landing_value('reviewed_at', 'timestamp') }} as reviewed_at,
        lower({{ landing_text('review_status') }}) as review_status,
        {{ landing_text('contract_type') }} as contract_type,
        {{ landing_value('page_count', 'integer') }} as page_count,
        {{ landing_quarantine_reason('contracts', 'contracts') }} as quarantine_reason
    from versions
),

final as (
    select
        *,
        {{ landing_duplicate_flag('contract_id', 'updated_at desc') }} as is_duplicate
    from checked
)

select * from final
