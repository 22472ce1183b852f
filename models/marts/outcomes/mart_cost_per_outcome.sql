{#-
    Cost per outcome (metrics.md 6) by work item type × team × completion month, over completed work
    items: the true cost of one good outcome, with the retry tail and the failures paid for.
-#}

with

work_items as (
    select * from {{ ref('int_work_item_outcomes') }}
),

cells as (
    select
        work_item_type,
        team_id,
        completion_month,
        count(*) as completed_items,
        sum(case when outcome_class = 'automated' then 1 else 0 end) as automated_items,
        sum(case when outcome_class = 'assisted' then 1 else 0 end) as assisted_items,
        sum(case when outcome_class = 'failed' then 1 else 0 end) as failed_items,
        sum(case when is_first_pass then 1 else 0 end) as first_pass_items,
        sum(runs) as runs,
        sum(ai_cost_usd) as ai_cost_usd,
        sum(provisional_ai_cost_usd) as provisional_ai_cost_usd,
        sum(human_cost_usd) as human_cost_usd,
        sum(case when outcome_class = 'failed' then ai_cost_usd else 0.0 end) as failed_ai_cost_usd,
        sum(value_usd) as value_usd,
        avg(bpo_unit_price_usd) as bpo_unit_price_usd
    from work_items
    where outcome_class <> 'open'
    group by 1, 2, 3
),

final as (
    select
        work_item_type,
        team_id,
        completion_month,
        cast(completed_items as bigint) as completed_items,
        cast(automated_items as bigint) as automated_items,
        cast(assisted_items as bigint) as assisted_items,
        cast(failed_items as bigint) as failed_items,
        cast(first_pass_items as bigint) as first_pass_items,
        cast(runs as bigint) as runs,
        ai_cost_usd,
        provisional_ai_cost_usd,
        human_cost_usd,
        failed_ai_cost_usd,
        value_usd,
        ai_cost_usd / completed_items as cost_per_completed_usd,
        case
            when automated_items + assisted_items > 0 then ai_cost_usd / (automated_items + assisted_items)
        end as cost_per_successful_usd,
        case
            when automated_items + assisted_items > 0
                then (ai_cost_usd + human_cost_usd) / (automated_items + assisted_items)
        end as fully_loaded_cost_per_successful_usd,
        cast(first_pass_items as {{ type_money() }}) / completed_items as first_pass_rate,
        cast(automated_items + assisted_items as {{ type_money() }}) / completed_items as success_rate,
        bpo_unit_price_usd,
        value_usd - ai_cost_usd as net_value_usd
    from cells
)

select * from final
