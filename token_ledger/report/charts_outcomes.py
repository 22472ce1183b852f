"""Charts of what the spending bought: cost per successful outcome, value against spend, leaks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from token_ledger.report.style import (
    LEAK_SERIES,
    PALETTE,
    Chart,
    base_layout,
    month_label,
    no_data,
    num,
    pct,
    plot_text,
    team_names,
    usd,
)


def chart_cost_per_outcome(data: dict[str, Any]) -> Chart:
    by_workflow: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in data["weekly_outcomes"]:
        by_workflow[row["workflow_name"] or "unlinked"].append(row)
    figure = go.Figure()
    for index, (workflow, rows) in enumerate(sorted(by_workflow.items())):
        color = PALETTE[index % len(PALETTE)]
        points = [row for row in rows if row["successes"]]
        # weeks whose calls are not all billed yet: their unbilled calls at list price, dashed, never as $0
        billed = [row for row in points if not row["provisional_ai_cost_usd"]]
        provisional = [row for row in points if row["provisional_ai_cost_usd"]]
        figure.add_trace(
            go.Scatter(
                x=[row["week_start"] for row in billed],
                y=[row["ai_cost_usd"] / row["successes"] for row in billed],
                mode="lines+markers",
                name=workflow,
                line={"color": color, "width": 2},
                customdata=[[row["successes"], row["completed_items"], row["ai_cost_usd"]] for row in billed],
                hovertemplate=(
                    "%{x|%d %b %Y}<br>$%{y:.4f} per success<br>%{customdata[0]} successes of "
                    "%{customdata[1]} completed<br>AI cost $%{customdata[2]:.2f}"
                    "<extra>" + plot_text(workflow) + "</extra>"
                ),
            )
        )
        if provisional:
            figure.add_trace(
                go.Scatter(
                    x=[row["week_start"] for row in provisional],
                    y=[(row["ai_cost_usd"] + row["provisional_ai_cost_usd"]) / row["successes"] for row in provisional],
                    mode="lines+markers",
                    name=f"{workflow} (provisional)",
                    line={"color": color, "width": 2, "dash": "dot"},
                    marker={"symbol": "circle-open", "size": 9},
                    customdata=[
                        [row["successes"], row["ai_cost_usd"], row["provisional_ai_cost_usd"]] for row in provisional
                    ],
                    hovertemplate=(
                        "%{x|%d %b %Y}<br>$%{y:.4f} per success, provisional<br>%{customdata[0]} successes<br>"
                        "billed $%{customdata[1]:.2f} + not billed yet (list price) $%{customdata[2]:.2f}"
                        "<extra>" + plot_text(workflow) + "</extra>"
                    ),
                )
            )
    base_layout(figure, 380, yaxis_title="USD per successful outcome (log scale)", xaxis_title="ISO week of completion")
    values = [trace.y[index] for trace in figure.data for index in range(len(trace.y))]
    ticks = [m * 10.0**e for e in range(-4, 4) for m in (1, 2, 5)]
    if values:
        ticks = [t for t in ticks if min(values) / 2 <= t <= max(values) * 2]
    figure.update_yaxes(type="log", tickvals=ticks, ticktext=[f"${tick:g}" for tick in ticks])
    # ticks on Mondays, every other week, like the ISO weeks they stand for
    weeks = sorted({row["week_start"] for rows in by_workflow.values() for row in rows})
    if weeks:
        figure.update_xaxes(tick0=weeks[0].isoformat(), dtick=14 * 86_400_000, tickformat="%d %b")
    if not by_workflow:
        no_data(figure)
    table_rows = [
        [
            month_label(row["completion_month"]),
            row["work_item_type"],
            row["team_id"],
            f"{row['completed_items']:,}",
            pct(row["success_rate"], 1),
            usd(row["cost_per_successful_usd"], 4),
            usd(row["fully_loaded_cost_per_successful_usd"], 2),
            usd(row["bpo_unit_price_usd"], 2),
            usd(row["net_value_usd"], 0),
            usd(row["provisional_ai_cost_usd"], 2) if row["provisional_ai_cost_usd"] else "–",
        ]
        for row in data["cost_per_outcome"]
    ]
    return Chart(
        "cost_per_outcome",
        "Cost per successful outcome, by workflow, week by week",
        "All AI cost of the week's completed work — retries and failed attempts included — divided by the "
        "outcomes that succeeded (automated or assisted). Log scale: the workflows differ by an order of "
        "magnitude. Weeks whose calls are not all billed yet are dotted: their unbilled calls count at list "
        "price (provisional), since a bill arrives days after the work. The table gives the monthly figures of "
        "mart_cost_per_outcome, with the fully loaded cost (AI + reviewers) next to the BPO price it competes "
        "with, and the provisional cost not yet billed (never added to the billed figures).",
        figure,
        {
            "columns": [
                "Month",
                "Type",
                "Team",
                "Completed",
                "Success rate",
                "Cost / success",
                "Fully loaded / success",
                "BPO price",
                "Net value",
                "Provisional (not billed)",
            ],
            "rows": table_rows,
        },
    )


def least_squares(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return slope, mean_y - slope * mean_x


def chart_value_vs_spend(data: dict[str, Any]) -> Chart:
    names = team_names(data)
    by_team: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in data["utility"]:
        by_team[row["team_id"]].append(row)
    teams = [team for team, rows in sorted(by_team.items()) if any(row["spend_usd"] > 0 for row in rows)]
    columns = max(len(teams), 1)
    titles = []
    for team in teams:
        latest = [row for row in by_team[team] if row["marginal_token_utility"] is not None]
        slope = latest[-1]["marginal_token_utility"] if latest else None
        titles.append(f"{names.get(team, team)} · marginal utility {num(slope, 1)}")
    figure = make_subplots(rows=1, cols=columns, subplot_titles=titles or [""], horizontal_spacing=0.07)
    for column, team in enumerate(teams, start=1):
        rows = by_team[team]
        color = PALETTE[(column - 1) % len(PALETTE)]
        with_spend = [row for row in rows if row["spend_usd"] > 0]
        last_week = rows[-1]["week_start"]
        window_start = last_week - dt.timedelta(weeks=7)
        window = [row for row in with_spend if row["week_start"] >= window_start]
        earlier = [row for row in with_spend if row["week_start"] < window_start]
        for subset, label, marker in (
            (earlier, "earlier weeks", {"color": "#bbbbbb", "size": 8}),
            (window, "last 8 weeks", {"color": color, "size": 10}),
        ):
            if not subset:
                continue
            figure.add_trace(
                go.Scatter(
                    x=[row["spend_usd"] for row in subset],
                    y=[row["value_usd"] for row in subset],
                    mode="markers",
                    marker=marker,
                    name=f"{team}: {label}",
                    showlegend=False,
                    text=[row["week_start"].isoformat() for row in subset],
                    hovertemplate=(
                        "week of %{text}<br>spend $%{x:.2f}<br>value $%{y:,.0f}<extra>" + plot_text(team) + "</extra>"
                    ),
                ),
                row=1,
                col=column,
            )
        latest = [row for row in rows if row["marginal_token_utility"] is not None]
        fit = least_squares([(row["spend_usd"], row["value_usd"]) for row in window])
        if latest and fit:
            slope = latest[-1]["marginal_token_utility"]
            mean_x = sum(row["spend_usd"] for row in window) / len(window)
            mean_y = sum(row["value_usd"] for row in window) / len(window)
            xs = [min(row["spend_usd"] for row in window), max(row["spend_usd"] for row in window)]
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=[mean_y + slope * (x - mean_x) for x in xs],
                    mode="lines",
                    line={"color": color, "width": 2, "dash": "dash"},
                    name=f"{team}: marginal utility",
                    showlegend=False,
                    hovertemplate=(
                        "slope %{customdata:.1f} $ of value per $ of inference<extra>" + plot_text(team) + "</extra>"
                    ),
                    customdata=[slope, slope],
                ),
                row=1,
                col=column,
            )
        figure.update_xaxes(title_text="weekly AI spend (USD)", row=1, col=column)
    figure.update_yaxes(title_text="weekly value (USD)", row=1, col=1)
    base_layout(figure, 380)
    if not teams:
        no_data(figure)
    return Chart(
        "value_vs_spend",
        "Value against spend, team by team, with the marginal utility slope",
        "Each point is one ISO week of a team's completed work: what it cost in inference and the value it "
        "created against the BPO baseline. The dashed line has the team's latest marginal token utility as "
        "its slope (least squares over its last 8 weeks with spend, in colour): how many dollars of value one "
        "more dollar of inference has lately returned. A slope below 1 means extra spend no longer pays.",
        figure,
    )


def chart_leaks(data: dict[str, Any]) -> Chart:
    names = team_names(data)
    totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    unlinked: dict[str, float] = defaultdict(float)
    for row in data["leaks"]:
        if row["workflow_name"] == "unlinked":
            unlinked[row["team_id"]] += row["spend_usd"]
            continue
        cell = totals[(row["team_id"], row["workflow_name"])]
        cell["spend_usd"] += row["spend_usd"]
        for column, _, _ in LEAK_SERIES:
            cell[column] += row[column]
    labels = [f"{workflow}<br>({team})" for team, workflow in totals]
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.62, 0.38],
        subplot_titles=["Leak estimates as a share of the workflow's spend", "Spend that bought no outcome (USD)"],
        horizontal_spacing=0.16,
    )
    for column, label, color in LEAK_SERIES:
        values = [cell[column] / cell["spend_usd"] if cell["spend_usd"] else 0.0 for cell in totals.values()]
        figure.add_trace(
            go.Bar(
                y=labels,
                x=values,
                orientation="h",
                name=label,
                marker_color=color,
                customdata=[cell[column] for cell in totals.values()],
                hovertemplate="%{x:.1%} of spend · $%{customdata:.2f}<extra>" + plot_text(label) + "</extra>",
            ),
            row=1,
            col=1,
        )
    untraced = {row["team_id"]: row["untraced_usd"] or 0.0 for row in data["untraced_by_team"]}
    teams = sorted(set(untraced) | set(unlinked))
    team_labels = [names.get(team, team) for team in teams]
    for values, label, color in (
        ([untraced.get(team, 0.0) for team in teams], "Untraced (billed, no trace)", "#7f7f7f"),
        ([unlinked.get(team, 0.0) for team in teams], "Unlinked (traced, no work item)", "#2aa198"),
    ):
        figure.add_trace(
            go.Bar(
                y=team_labels,
                x=values,
                orientation="h",
                name=label,
                marker_color=color,
                hovertemplate="$%{x:.2f}<extra>" + plot_text(label) + "</extra>",
            ),
            row=1,
            col=2,
        )
    base_layout(figure, 420, barmode="group")
    figure.update_layout(legend={"y": -0.18, "yanchor": "top"}, margin={"b": 90})
    figure.update_xaxes(tickformat=".0%", row=1, col=1)
    figure.update_xaxes(tickprefix="$", row=1, col=2)
    if not totals and not teams:
        no_data(figure)
    table_rows = [
        [
            team,
            workflow,
            usd(cell["spend_usd"]),
            *[
                f"{usd(cell[column])} ({pct(cell[column] / cell['spend_usd'] if cell['spend_usd'] else None)})"
                for column, _, _ in LEAK_SERIES
            ],
        ]
        for (team, workflow), cell in totals.items()
    ]
    return Chart(
        "spend_leaks",
        "Where the money leaks",
        "Left: per workflow over the whole period, spend on retries (superseded attempts and errored calls), "
        "on work items that failed anyway, and the list-price savings a cheaper model at each step's minimum "
        "tier (routing) or a prompt near the step's median size (context) would have made. These are "
        "estimates and overlap (a retry can also be on a failed item): compare them, do not add them. "
        "Right: billed token usage no trace explains, and traced spend that served no known work item.",
        figure,
        {
            "columns": ["Team", "Workflow", "Spend", *[label for _, label, _ in LEAK_SERIES]],
            "rows": table_rows,
        },
    )
