{#- One row per work item an AI run served: its outcome, AI cost across all attempts, human cost, value. -#}

{{ work_item_grain_config('opened_at', ['work_item_type', 'work_item_id'], on_schema_change='append_new_columns') }}

{#- A table kept up to date incrementally: the window's work items are replaced (macros/incremental). -#}

{%- set since = incremental_since('opened_at') %}

with

outcomes as (
    select * from {{ ref('int_work_item_outcomes') }}
    where {{ in_window_work_items(since) }}
),

final as (
    select
        work_item_type,
        work_item_id,
        team_id,
        workflow_name,
        system_status,
        outcome_class,
        opened_at,
        completed_at,
        completion_month,
        runs,
        ai_cost_usd,
        provisional_ai_cost_usd,
        human_minutes,
        human_cost_usd,
        bpo_unit_price_usd,
        value_usd,
        is_first_pass
    from outcomes
)

select * from final
