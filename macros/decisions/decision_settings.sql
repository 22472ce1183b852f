{#-
    Every setting of the decision marts (mart_budget_vs_actual, mart_allocation_signals), in one place.
    Each is a dbt var with the default below: override one with
    `dbt build --vars '{signal_fix_retries_min_share: 0.2}'` (or in dbt_project.yml `vars:`).

    budget_as_of_date (default: none)
        The day budgets are measured at. none: the latest charge date in fct_spend_ledger (the bills
        are complete up to that day, for every team). A 'YYYY-MM-DD' string pins it.
    signal_min_completed_items (30)
        A cell needs at least this many completed work items in the month before an outcome-based
        signal (return_to_humans, cap, scale_up) may fire: below it a success rate or a cost per
        success is noise.
    signal_return_to_humans_cost_ratio (1.0)
        return_to_humans when fully_loaded_cost_per_successful_usd > this × bpo_unit_price_usd (or the
        month had completed items and no success): one good outcome costs more through the AI path,
        reviewers included, than buying it from the BPO.
    signal_cap_max_marginal_utility (1.0)
        cap when the team's marginal token utility < this: lately one more dollar of inference has
        returned less than a dollar of value.
    signal_fix_retries_min_share (0.15)
        fix_retries when retry_spend_usd / spend_usd >= this: superseded attempts and errored calls
        are that share of the cell's spend.
    signal_route_cheaper_min_share (0.25)
        route_cheaper when routing_excess_usd / spend_usd >= this: a cheaper model at the step's minimum
        tier would have saved that share (list-price estimate against allocated spend).
    signal_scale_up_min_marginal_utility (2.0)
        scale_up needs the team's marginal token utility >= this (well above 1) ...
    signal_scale_up_min_success_rate (0.85)
        ... and the cell's success rate >= this ...
    signal_scale_up_max_success_rate_drop (0.03)
        ... and the success rate fell by at most this much (absolute) since the cell's previous month
        (no previous month: only the level above counts).

    Boundaries: "at least" thresholds (>=) fire on equality; "above" / "below" thresholds (>, <) do not.
    The unit tests in models/marts/decisions/_decisions__unit_tests.yml pin every boundary.
-#}
{% macro decision_setting(name) -%}
    {%- set defaults = {
        'budget_as_of_date': none,
        'signal_min_completed_items': 30,
        'signal_return_to_humans_cost_ratio': 1.0,
        'signal_cap_max_marginal_utility': 1.0,
        'signal_fix_retries_min_share': 0.15,
        'signal_route_cheaper_min_share': 0.25,
        'signal_scale_up_min_marginal_utility': 2.0,
        'signal_scale_up_min_success_rate': 0.85,
        'signal_scale_up_max_success_rate_drop': 0.03,
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("decision_setting: unknown setting '" ~ name ~ "'") }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}
