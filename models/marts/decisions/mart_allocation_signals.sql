{#-
    One allocation recommendation per team × workflow × month, with the evidence it rests on in the same
    row. Rules, first match wins (thresholds: macros/decisions/decision_settings.sql):
      1. return_to_humans  enough outcomes, and one good outcome costs more than the BPO price, fully
                           loaded (AI + reviewers), or the month had no success at all
      2. cap               enough outcomes, and the team's marginal token utility is below 1
      3. fix_retries       retry spend is a large share of the cell's spend
      4. route_cheaper     routing excess is a large share of the cell's spend
      5. scale_up          enough outcomes, marginal utility well above 1, success rate high and holding
      6. hold              none of the above
    Spend and leaks are by month of the call (mart_spend_leaks); outcomes by month of completion
    (fct_work_items); marginal utility is the team's (mart_marginal_token_utility: the slope is defined
    per team) as of the last ISO week that ends in the month.
-#}

{%- set min_completed_items = decision_setting('signal_min_completed_items') -%}
{%- set return_to_humans_cost_ratio = decision_setting('signal_return_to_humans_cost_ratio') -%}
{%- set cap_max_marginal_utility = decision_setting('signal_cap_max_marginal_utility') -%}
{%- set fix_retries_min_share = decision_setting('signal_fix_retries_min_share') -%}
{%- set route_cheaper_min_share = decision_setting('signal_route_cheaper_min_share') -%}
{%- set scale_up_min_marginal_utility = decision_setting('signal_scale_up_min_marginal_utility') -%}
{%- set scale_up_min_success_rate = decision_setting('signal_scale_up_min_success_rate') -%}
{%- set scale_up_max_success_rate_drop = decision_setting('signal_scale_up_max_success_rate_drop') -%}

with

leaks as (
    select * from {{ ref('mart_spend_leaks') }}
),

work_items as (
    select * from {{ ref('fct_work_items') }}
),

utility as (
    select * from {{ ref('mart_marginal_token_utility') }}
),

outcomes as (
    select
        team_id,
        coalesce(workflow_name, 'unlinked') as workflow_name,
        completion_month as month,
        count(*) as completed_items,
        sum(case when outcome_class in ('automated', 'assisted') then 1 else 0 end) as successful_items,
        sum(ai_cost_usd) as ai_cost_usd,
        sum(human_cost_usd) as human_cost_usd,
        avg(bpo_unit_price_usd) as bpo_unit_price_usd
    from work_items
    where outcome_class <> 'open'
    group by 1, 2, 3
),

{# the team's marginal utility as of the month's last complete ISO week (the week ends in the month) #}
utility_weeks as (
    select
        team_id,
        week_start,
        marginal_token_utility,
        cast({{ dbt.date_trunc('month', dbt.dateadd('day', 6, 'week_start')) }} as date) as month,
        row_number() over (
            partition by team_id, {{ dbt.date_trunc('month', dbt.dateadd('day', 6, 'week_start')) }}
            order by week_start desc
        ) as week_rank
    from utility
),

month_end_utility as (
    select
        team_id,
        month,
        week_start as marginal_utility_week_start,
        marginal_token_utility
    from utility_weeks
    where week_rank = 1
),

cells as (
    select
        team_id,
        workflow_name,
        month
    from leaks
    union
    select
        team_id,
        workflow_name,
        month
    from outcomes
),

evidence as (
    select
        cells.team_id,
        cells.workflow_name,
        cells.month,
        coalesce(leaks.spend_usd, 0.0) as spend_usd,
        coalesce(leaks.retry_spend_usd, 0.0) as retry_spend_usd,
        coalesce(leaks.routing_excess_usd, 0.0) as routing_excess_usd,
        coalesce(leaks.failed_outcome_spend_usd, 0.0) as failed_outcome_spend_usd,
        case when leaks.spend_usd > 0 then leaks.retry_spend_usd / leaks.spend_usd end as retry_spend_share,
        case when leaks.spend_usd > 0 then leaks.routing_excess_usd / leaks.spend_usd end as routing_excess_share,
        coalesce(outcomes.completed_items, 0) as completed_items,
        coalesce(outcomes.successful_items, 0) as successful_items,
        case
            when outcomes.completed_items > 0
                then cast(outcomes.successful_items as {{ type_money() }}) / outcomes.completed_items
        end as success_rate,
        outcomes.ai_cost_usd,
        outcomes.human_cost_usd,
        case
            when outcomes.successful_items > 0
                then (outcomes.ai_cost_usd + outcomes.human_cost_usd) / outcomes.successful_items
        end as fully_loaded_cost_per_successful_usd,
        outcomes.bpo_unit_price_usd,
        month_end_utility.marginal_token_utility,
        month_end_utility.marginal_utility_week_start
    from cells
    left join leaks
        on
            cells.team_id = leaks.team_id
            and cells.workflow_name = leaks.workflow_name
            and cells.month = leaks.month
    left join outcomes
        on
            cells.team_id = outcomes.team_id
            and cells.workflow_name = outcomes.workflow_name
            and cells.month = outcomes.month
    left join month_end_utility
        on
            cells.team_id = month_end_utility.team_id
            and cells.month = month_end_utility.month
),

{# the success rate of the cell's previous calendar month, when that month had completions #}
with_previous as (
    select
        evidence.*,
        previous.success_rate as previous_success_rate,
        evidence.success_rate - previous.success_rate as success_rate_change,
        case
            when evidence.bpo_unit_price_usd > 0
                then evidence.fully_loaded_cost_per_successful_usd / evidence.bpo_unit_price_usd
        end as fully_loaded_cost_to_bpo_ratio,
        evidence.completed_items >= {{ min_completed_items }} as has_enough_outcomes
    from evidence
    left join evidence as previous
        on
            evidence.team_id = previous.team_id
            and evidence.workflow_name = previous.workflow_name
            and evidence.month = cast({{ dbt.dateadd('month', 1, 'previous.month') }} as date)
            and previous.completed_items > 0
),

rules as (
    select
        *,
        coalesce(
            has_enough_outcomes
            and (
                successful_items = 0
                or fully_loaded_cost_per_successful_usd > {{ return_to_humans_cost_ratio }} * bpo_unit_price_usd
            ),
            false
        ) as has_return_to_humans_evidence,
        coalesce(
            has_enough_outcomes and marginal_token_utility < {{ cap_max_marginal_utility }},
            false
        ) as has_cap_evidence,
        coalesce(retry_spend_share >= {{ fix_retries_min_share }}, false) as has_fix_retries_evidence,
        coalesce(routing_excess_share >= {{ route_cheaper_min_share }}, false) as has_route_cheaper_evidence,
        coalesce(
            has_enough_outcomes
            and marginal_token_utility >= {{ scale_up_min_marginal_utility }}
            and success_rate >= {{ scale_up_min_success_rate }}
            and (success_rate_change is null or success_rate_change >= -{{ scale_up_max_success_rate_drop }}),
            false
        ) as has_scale_up_evidence
    from with_previous
),

final as (
    select
        team_id,
        workflow_name,
        month,
        case
            when has_return_to_humans_evidence then 'return_to_humans'
            when has_cap_evidence then 'cap'
            when has_fix_retries_evidence then 'fix_retries'
            when has_route_cheaper_evidence then 'route_cheaper'
            when has_scale_up_evidence then 'scale_up'
            else 'hold'
        end as recommendation,
        case
            when has_return_to_humans_evidence
                then
                    'completed_items >= {{ min_completed_items }} and (successful_items = 0 or '
                    || 'fully_loaded_cost_per_successful_usd > {{ return_to_humans_cost_ratio }} * bpo_unit_price_usd)'
            when has_cap_evidence
                then
                    'completed_items >= {{ min_completed_items }} and '
                    || 'marginal_token_utility < {{ cap_max_marginal_utility }}'
            when has_fix_retries_evidence
                then 'retry_spend_share >= {{ fix_retries_min_share }}'
            when has_route_cheaper_evidence
                then 'routing_excess_share >= {{ route_cheaper_min_share }}'
            when has_scale_up_evidence
                then
                    'completed_items >= {{ min_completed_items }} and '
                    || 'marginal_token_utility >= {{ scale_up_min_marginal_utility }} and '
                    || 'success_rate >= {{ scale_up_min_success_rate }} and '
                    || '(success_rate_change >= -{{ scale_up_max_success_rate_drop }} or no previous month)'
            else 'no rule fired'
        end as decision_rule,
        {{ concat_non_null("', '", [
            "case when has_return_to_humans_evidence then 'return_to_humans' end",
            "case when has_cap_evidence then 'cap' end",
            "case when has_fix_retries_evidence then 'fix_retries' end",
            "case when has_route_cheaper_evidence then 'route_cheaper' end",
            "case when has_scale_up_evidence then 'scale_up' end",
        ]) }} as signals_triggered,
        spend_usd,
        retry_spend_usd,
        retry_spend_share,
        routing_excess_usd,
        routing_excess_share,
        failed_outcome_spend_usd,
        cast(completed_items as bigint) as completed_items,
        cast(successful_items as bigint) as successful_items,
        success_rate,
        previous_success_rate,
        success_rate_change,
        ai_cost_usd,
        human_cost_usd,
        fully_loaded_cost_per_successful_usd,
        bpo_unit_price_usd,
        fully_loaded_cost_to_bpo_ratio,
        marginal_token_utility,
        marginal_utility_week_start,
        has_enough_outcomes,
        has_return_to_humans_evidence,
        has_cap_evidence,
        has_fix_retries_evidence,
        has_route_cheaper_evidence,
        has_scale_up_evidence
    from rules
)

select * from final
