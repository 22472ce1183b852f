{#-
    The end-to-end invariant of metrics.md 6: AI cost of completed work items + AI cost of open work
    (work in progress) + unlinked spend + untraced spend + non-token charges = total billed AI USD (the
    out_of_scope services of a cloud bill are not AI spend), to within 1e-6 USD. One row when it does not hold.
-#}

with

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

line_allocations as (
    select * from {{ ref('int_billing_line_allocations') }}
),

work_items as (
    select * from {{ ref('fct_work_items') }}
),

cost_per_outcome as (
    select * from {{ ref('mart_cost_per_outcome') }}
),

calls as (
    select * from {{ ref('fct_model_calls') }}
),

totals as (
    select
        (
            select sum(billed_usd) from billing_lines
            where quarantine_reason is null and charge_category <> 'out_of_scope'
        ) as billed_usd,
        (select sum(ai_cost_usd) from cost_per_outcome) as completed_ai_cost_usd,
        (
            select coalesce(sum(ai_cost_usd), 0) from work_items
            where outcome_class = 'open'
        ) as open_ai_cost_usd,
        (
            select coalesce(sum(allocated_cost_usd), 0) from calls
            where not is_linked_to_work_item
        ) as unlinked_usd,
        (
            select sum(untraced_usd) from line_allocations
            where quarantine_reason is null
        ) as untraced_usd,
        (
            select sum(other_usd) from line_allocations
            where quarantine_reason is null
        ) as non_token_usd,
        (select sum(allocated_cost_usd) from calls) as allocated_usd
),

final as (
    select *
    from totals
    where abs(
        billed_usd
        - (completed_ai_cost_usd + open_ai_cost_usd + unlinked_usd + untraced_usd + non_token_usd)
    ) > 1e-6
)

select * from final
