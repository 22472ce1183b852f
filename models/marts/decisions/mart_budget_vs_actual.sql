{#-
    Budget against actual spend, by team × calendar month, measured at an "as of" day: the latest charge
    date in the ledger that is not after the run's day (macros/run_date.sql; var budget_as_of_date pins
    another day). Months after the as-of month are not
    shown; months before it are closed (their forecast is their actual).
    Spend to date is every ledger dollar of the team in the month, by category. The month-end forecast
    extrapolates usage (allocated + untraced + usage_other) at its daily rate so far and carries the
    one-off charges (tax, credit, purchase, adjustment) as they are: a purchase on the 1st is not
    repeated every day. days_until_budget_exhausted divides what is left by that daily usage rate.
-#}

{%- set as_of_setting = decision_setting('budget_as_of_date') -%}
{#- usage accrues day by day and is extrapolated; one-off charges are carried once (spend CTE) -#}
{%- set usage_categories = ['allocated', 'untraced', 'usage_other'] -%}
{%- set one_off_categories = ['tax', 'credit', 'purchase', 'adjustment'] -%}

with

ledger as (
    select * from {{ ref('fct_spend_ledger') }}
),

budgets as (
    select * from {{ ref('budgets') }}
),

as_of as (
    {%- if as_of_setting %}
    select cast('{{ as_of_setting }}' as date) as as_of_date
    {%- else %}
    {#- a charge dated after the run's day (macros/run_date.sql) cannot be today -#}
    select max(charge_date) as as_of_date
    from ledger
    where category <> 'quarantined' and charge_date <= {{ sql_date(run_date()) }}
    {%- endif %}
),

{# quarantined money has no USD amount: it is counted, not summed; an unreadable date has no month.
   A pinned as-of day leaves out later charges. #}
monthly_spend as (
    select
        ledger.team_id,
        ledger.charge_month as month,
        {%- for category in usage_categories + one_off_categories %}
        sum(case when ledger.category = '{{ category }}' then ledger.amount_usd else 0.0 end) as {{ category }}_usd,
        {%- endfor %}
        sum(case when ledger.category = 'quarantined' then ledger.billing_lines else 0 end) as quarantined_lines
    from ledger
    cross join as_of
    where ledger.charge_date <= as_of.as_of_date
    group by 1, 2
),

cells as (
    select
        team_id,
        month
    from monthly_spend
    union
    select
        team_id,
        month
    from budgets
),

months as (
    select
        cells.team_id,
        cells.month,
        cast({{ dbt.dateadd('month', 1, 'cells.month') }} as date) as next_month,
        as_of.as_of_date
    from cells
    cross join as_of
    where cells.month <= as_of.as_of_date
),

month_days as (
    select
        *,
        {{ dbt.datediff('month', 'next_month', 'day') }}
            as days_in_month,
        {# the as-of day counts as elapsed: the bills are complete up to it #}
        {{ dbt.datediff('month', 'as_of_date', 'day') }}
        + 1 as days_to_as_of
    from months
),

measured as (
    select
        month_days.team_id,
        month_days.month,
        month_days.as_of_date,
        month_days.days_in_month,
        least(month_days.days_to_as_of, month_days.days_in_month) as days_elapsed,
        budgets.budget_usd,
        {%- for category in usage_categories + one_off_categories %}
        coalesce(monthly_spend.{{ category }}_usd, 0.0) as {{ category }}_usd,
        {%- endfor %}
        coalesce(monthly_spend.quarantined_lines, 0) as quarantined_lines
    from month_days
    left join monthly_spend
        on
            month_days.team_id = monthly_spend.team_id
            and month_days.month = monthly_spend.month
    left join budgets
        on
            month_days.team_id = budgets.team_id
            and month_days.month = budgets.month
),

spend as (
    select
        *,
        days_elapsed = days_in_month as is_month_closed,
        allocated_usd + untraced_usd + usage_other_usd as usage_usd,
        tax_usd + credit_usd + purchase_usd + adjustment_usd as one_off_usd
    from measured
),

forecast as (
    select
        *,
        usage_usd + one_off_usd as spend_to_date_usd,
        usage_usd / days_elapsed as daily_usage_rate_usd,
        usage_usd / days_elapsed * days_in_month + one_off_usd as forecast_month_end_usd
    from spend
),

runway as (
    select
        *,
        case
            when is_month_closed or budget_usd is null then null
            when spend_to_date_usd >= budget_usd then 0.0
            when daily_usage_rate_usd > 0 then (budget_usd - spend_to_date_usd) / daily_usage_rate_usd
        end as days_until_budget_exhausted
    from forecast
),

final as (
    select
        team_id,
        month,
        as_of_date,
        is_month_closed,
        cast(days_in_month as bigint) as days_in_month,
        cast(days_elapsed as bigint) as days_elapsed,
        budget_usd,
        allocated_usd,
        untraced_usd,
        usage_other_usd,
        tax_usd,
        credit_usd,
        purchase_usd,
        adjustment_usd,
        cast(quarantined_lines as bigint) as quarantined_lines,
        usage_usd,
        one_off_usd,
        spend_to_date_usd,
        daily_usage_rate_usd,
        forecast_month_end_usd,
        budget_usd - spend_to_date_usd as remaining_budget_usd,
        case when budget_usd > 0 then spend_to_date_usd / budget_usd end as budget_burn,
        case when budget_usd > 0 then forecast_month_end_usd / budget_usd end as forecast_burn,
        days_until_budget_exhausted,
        case
            when days_until_budget_exhausted > 0
                then cast(
                    {{ dbt.dateadd('day', 'cast(ceil(days_until_budget_exhausted) as integer)', 'as_of_date') }}
                    as date
                )
        end as projected_exhaustion_date,
        case
            when budget_usd is null then 'no_budget'
            when spend_to_date_usd > budget_usd then 'over_budget'
            when forecast_month_end_usd > budget_usd then 'forecast_over_budget'
            else 'within_budget'
        end as budget_status
    from runway
)

select * from final
