{#-
    CFO question: how much spend would move if each step ran on the smallest model tier good enough
    for it? Routing excess (an estimate at list price) by team and workflow, next to what was spent,
    and the share it represents; context excess alongside, as the other lever.
-#}

with

leaks as (
    select * from {{ ref('mart_spend_leaks') }}
),

by_workflow as (
    select
        team_id,
        workflow_name,
        sum(spend_usd) as spend_usd,
        sum(routing_excess_usd) as routing_excess_usd,
        sum(context_excess_usd) as context_excess_usd
    from leaks
    group by team_id, workflow_name
),

final as (
    select
        team_id,
        workflow_name,
        {{ round_money('spend_usd') }} as spend_usd,
        {{ round_money('routing_excess_usd') }} as routing_excess_list_usd,
        {{ round_money('context_excess_usd') }} as context_excess_list_usd,
        {{ round_money('routing_excess_usd / nullif(spend_usd, 0)', 3) }} as routing_excess_per_dollar_spent
    from by_workflow
    where routing_excess_usd > 0
)

select * from final
order by routing_excess_list_usd desc
