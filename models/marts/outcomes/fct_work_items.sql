{#- One row per work item an AI run served: its outcome, AI cost across all attempts, human cost, value. -#}

with

outcomes as (
    select * from {{ ref('int_work_item_outcomes') }}
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
