{#-
    CFO question: which workflows deliver a good outcome cheapest, and which dearest?
    Cost per successful outcome by workflow over the last completed months, with what it replaces
    (the BPO price) and how often it succeeds. Compile with `dbt compile -s cheapest_and_dearest_workflows_per_outcome`.
-#}

with

work_items as (
    select * from {{ ref('fct_work_items') }}
),

by_workflow as (
    select
        workflow_name,
        work_item_type,
        count(*) as completed_items,
        sum(case when outcome_class in ('automated', 'assisted') then 1 else 0 end) as successful_items,
        sum(ai_cost_usd) as ai_cost_usd,
        sum(ai_cost_usd + coalesce(human_cost_usd, 0)) as fully_loaded_cost_usd,
        avg(bpo_unit_price_usd) as bpo_unit_price_usd
    from work_items
    where outcome_class <> 'open'
    group by workflow_name, work_item_type
),

final as (
    select
        workflow_name,
        work_item_type,
        completed_items,
        successful_items,
        {{ round_money('ai_cost_usd / nullif(successful_items, 0)', 4) }} as cost_per_successful_usd,
        {{ round_money('fully_loaded_cost_usd / nullif(successful_items, 0)', 4) }}
            as fully_loaded_cost_per_successful_usd,
        {{ round_money('bpo_unit_price_usd', 2) }} as bpo_unit_price_usd,
        {{ round_money('cast(successful_items as ' ~ type_money() ~ ') / completed_items', 3) }} as success_rate,
        rank() over (order by ai_cost_usd / nullif(successful_items, 0)) as cheapest_rank
    from by_workflow
)

select * from final
order by cheapest_rank
