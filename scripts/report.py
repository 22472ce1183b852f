#!/usr/bin/env python3
"""Write the CFO report: one self-contained HTML file drawn from the token_ledger marts.

    python scripts/report.py [--database target/token_ledger.duckdb] [--out target/report/token_ledger_report.html]

(``make report`` runs it on the demo warehouse.) The charts are Plotly figures; plotly.js is inlined
once in the page, so the file opens offline, from a mail attachment or a file share, with no network.
The report reads the marts only (the exposure ``cfo_report`` in models/exposures.yml lists them) and
rounds for display only. The page carries a JSON manifest (``#report-manifest``) naming every chart, so
the browser test (tests/pytest/test_report.py) can check that each one rendered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import plotly.graph_objects as go
import plotly.offline
from plotly.subplots import make_subplots

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = Path(__file__).resolve().parent / "report"
DEFAULT_DATABASE = Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_ROOT / "target" / "token_ledger.duckdb"))
DEFAULT_OUT = PROJECT_ROOT / "target" / "report" / "token_ledger_report.html"

# The relations the report reads (keep in step with the exposure cfo_report).
REQUIRED_RELATIONS = (
    "fct_spend_ledger",
    "fct_work_items",
    "dim_teams",
    "mart_cost_per_outcome",
    "mart_marginal_token_utility",
    "mart_spend_leaks",
    "mart_invoice_reconciliation",
    "mart_budget_vs_actual",
    "mart_allocation_signals",
)

PALETTE = ["#1f4e79", "#c0504d", "#2f6f4f", "#b58900", "#6c4f9c", "#2aa198", "#7f7f7f"]
STATUS_COLORS = {
    "matched": "#2f6f4f",
    "variance": "#d08c00",
    "currency_mismatch": "#c0504d",
    "uninvoiced": "#8c8c8c",
}
SIGNAL_COLORS = {
    "scale_up": "#2f6f4f",
    "cap": "#c0504d",
    "route_cheaper": "#1f77b4",
    "fix_retries": "#d08c00",
    "return_to_humans": "#6c4f9c",
    "hold": "#b0b0b0",
}
LEAK_SERIES = (
    ("retry_spend_usd", "Retries and errored calls", "#d08c00"),
    ("failed_outcome_spend_usd", "Spend on failed outcomes", "#c0504d"),
    ("routing_excess_usd", "Routing excess (estimate)", "#1f77b4"),
    ("context_excess_usd", "Context excess (estimate)", "#6c4f9c"),
)
FONT = "Inter, 'Segoe UI', Helvetica, Arial, sans-serif"
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}


class ReportError(RuntimeError):
    """The warehouse cannot feed the report (missing file or mart)."""


@dataclass
class Chart:
    chart_id: str
    title: str
    caption: str
    figure: go.Figure
    table: dict[str, Any] | None = None


# ---------------------------------------------------------------------------------------------
# reading the marts


def query(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def load(database: Path) -> dict[str, Any]:
    if not database.exists():
        raise ReportError(f"{database} does not exist: run `make build` first")
    connection = duckdb.connect(str(database), read_only=True)
    try:
        present = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [name for name in REQUIRED_RELATIONS if name not in present]
        if missing:
            raise ReportError(f"{database} has no marts.{', marts.'.join(missing)}: run `make build` first")
        data = {
            "ledger_totals": query(
                connection,
                """
                select category, sum(amount_usd) as amount_usd, count(*) as cells
                from marts.fct_spend_ledger group by 1
                """,
            ),
            "teams": query(connection, "select team_id, team_name from marts.dim_teams order by team_id"),
            "weekly_outcomes": query(
                connection,
                """
                select
                    workflow_name,
                    work_item_type,
                    cast(date_trunc('week', completed_at) as date) as week_start,
                    count(*) as completed_items,
                    sum(case when outcome_class in ('automated', 'assisted') then 1 else 0 end) as successes,
                    sum(ai_cost_usd) as ai_cost_usd,
                    sum(value_usd) as value_usd
                from marts.fct_work_items
                where outcome_class <> 'open'
                group by 1, 2, 3
                order by 1, 3
                """,
            ),
            "cost_per_outcome": query(
                connection,
                "select * from marts.mart_cost_per_outcome order by completion_month, work_item_type, team_id",
            ),
            "utility": query(
                connection, "select * from marts.mart_marginal_token_utility order by team_id, week_start"
            ),
            "leaks": query(connection, "select * from marts.mart_spend_leaks order by team_id, workflow_name, month"),
            "untraced_by_team": query(
                connection,
                """
                select team_id, sum(amount_usd) as untraced_usd
                from marts.fct_spend_ledger where category = 'untraced' group by 1 order by 1
                """,
            ),
            "invoices": query(
                connection,
                "select * from marts.mart_invoice_reconciliation order by provider, month nulls first, invoice_id",
            ),
            "budgets": query(connection, "select * from marts.mart_budget_vs_actual order by month, team_id"),
            "signals": query(
                connection, "select * from marts.mart_allocation_signals order by team_id, workflow_name, month"
            ),
        }
    finally:
        connection.close()
    return data


# ---------------------------------------------------------------------------------------------
# display helpers (rounding happens here, never in the marts)


def usd(value: float | None, places: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.{places}f}"


def pct(value: float | None, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{places}f}%"


def num(value: float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def month_label(value: dt.date | None) -> str:
    return value.strftime("%b %Y") if value else "no date"


def base_layout(figure: go.Figure, height: int, **extra: Any) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        font={"family": FONT, "size": 12, "color": "#222"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT}},
        **extra,
    )
    figure.update_xaxes(showgrid=True, gridcolor="#ececec", zeroline=False, linecolor="#999")
    figure.update_yaxes(showgrid=True, gridcolor="#ececec", zeroline=False, linecolor="#999")
    return figure


def no_data(figure: go.Figure, message: str = "No data in this warehouse") -> go.Figure:
    figure.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return figure


def team_names(data: dict[str, Any]) -> dict[str, str]:
    return {row["team_id"]: row["team_name"] for row in data["teams"]}


# ---------------------------------------------------------------------------------------------
# the charts


def chart_cost_per_outcome(data: dict[str, Any]) -> Chart:
    by_workflow: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in data["weekly_outcomes"]:
        by_workflow[row["workflow_name"] or "unlinked"].append(row)
    figure = go.Figure()
    for index, (workflow, rows) in enumerate(sorted(by_workflow.items())):
        points = [row for row in rows if row["successes"]]
        figure.add_trace(
            go.Scatter(
                x=[row["week_start"] for row in points],
                y=[row["ai_cost_usd"] / row["successes"] for row in points],
                mode="lines+markers",
                name=workflow,
                line={"color": PALETTE[index % len(PALETTE)], "width": 2},
                customdata=[[row["successes"], row["completed_items"], row["ai_cost_usd"]] for row in points],
                hovertemplate=(
                    "%{x|%d %b %Y}<br>$%{y:.4f} per success<br>%{customdata[0]} successes of "
                    "%{customdata[1]} completed<br>AI cost $%{customdata[2]:.2f}<extra>" + workflow + "</extra>"
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
        ]
        for row in data["cost_per_outcome"]
    ]
    return Chart(
        "cost_per_outcome",
        "Cost per successful outcome, by workflow, week by week",
        "All AI cost of the week's completed work — retries and failed attempts included — divided by the "
        "outcomes that succeeded (automated or assisted). Log scale: the workflows differ by an order of "
        "magnitude. The table gives the monthly figures of mart_cost_per_outcome, with the fully loaded "
        "cost (AI + reviewers) next to the BPO price it competes with.",
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
                    hovertemplate="week of %{text}<br>spend $%{x:.2f}<br>value $%{y:,.0f}<extra>" + team + "</extra>",
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
                    hovertemplate="slope %{customdata:.1f} $ of value per $ of inference<extra>" + team + "</extra>",
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
                hovertemplate="%{x:.1%} of spend · $%{customdata:.2f}<extra>" + label + "</extra>",
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
                hovertemplate="$%{x:.2f}<extra>" + label + "</extra>",
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


def category_grid(
    cells: dict[tuple[str, str], dict[str, Any]],
    xs: Sequence[str],
    ys: Sequence[str],
    colors: dict[str, str],
) -> go.Figure:
    """A heatmap of categories: one coloured cell per (x, y) with its label; a legend entry per category."""
    categories = list(colors)
    steps = []
    for index, category in enumerate(categories):
        steps += [(index / len(categories), colors[category]), ((index + 1) / len(categories), colors[category])]
    z, text, hover = [], [], []
    for y in ys:
        z.append([categories.index(cells[(x, y)]["category"]) if (x, y) in cells else None for x in xs])
        text.append([cells[(x, y)]["label"] if (x, y) in cells else "" for x in xs])
        hover.append([cells[(x, y)]["hover"] if (x, y) in cells else "" for x in xs])
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(xs),
            y=list(ys),
            text=text,
            texttemplate="%{text}",
            textfont={"color": "white", "size": 12},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=steps,
            zmin=-0.5,
            zmax=len(categories) - 0.5,
            showscale=False,
            xgap=4,
            ygap=4,
        )
    )
    # heatmaps have no legend: one empty marker trace per category that occurs stands in for it
    used = {cell["category"] for cell in cells.values()}
    for category in categories:
        if category in used:
            figure.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    marker={"symbol": "square", "size": 12, "color": colors[category]},
                    name=category.replace("_", " "),
                )
            )
    figure.update_xaxes(type="category", showgrid=False)
    figure.update_yaxes(type="category", showgrid=False, autorange="reversed")
    return figure


STATUS_PRIORITY = ("currency_mismatch", "variance", "uninvoiced", "matched")


def chart_invoices(data: dict[str, Any]) -> Chart:
    rows = data["invoices"]
    providers = sorted({row["provider"] for row in rows})
    months = sorted({row["month"] for row in rows if row["month"]})
    xs = (["no date"] if any(row["month"] is None for row in rows) else []) + [month_label(m) for m in months]
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(month_label(row["month"]), row["provider"])].append(row)
    cells = {}
    for key, members in grouped.items():
        status = min((row["status"] for row in members), key=STATUS_PRIORITY.index)
        labels, hovers = [], []
        for row in members:
            if row["status"] == "variance":
                labels.append(f"{row['variance']:+.2f} {row['currency']}")
            elif row["status"] == "currency_mismatch":
                labels.append(f"{row['variance']:+.2f} {row['currency']} · other currency")
            elif row["status"] == "uninvoiced":
                amount = (row["lines_subtotal"] or 0.0) + (row["lines_tax"] or 0.0)
                labels.append(f"{amount:.2f} {row['currency'] or ''}".strip() if amount else "quarantined")
            hovers.append(
                f"{row['invoice_id'] or '(no invoice)'}: {row['status'].replace('_', ' ')}<br>"
                f"invoice subtotal {num(row['invoice_subtotal'], 2)} · billing lines {num(row['lines_subtotal'], 2)}"
                f" · quarantined {num(row['quarantined_amount'], 2)} {row['currency'] or ''}"
            )
        cells[key] = {"category": status, "label": " / ".join(labels) or "✓", "hover": "<br>".join(hovers)}
    figure = category_grid(cells, xs, providers, STATUS_COLORS)
    figure.update_xaxes(title_text="invoice month")
    base_layout(figure, 120 + 56 * max(len(providers), 1))
    if not rows:
        no_data(figure)
    table_rows = [
        [
            row["invoice_id"] or "(no invoice)",
            row["provider"],
            month_label(row["month"]),
            row["currency"] or "",
            num(row["invoice_subtotal"], 2),
            num(row["lines_subtotal"], 2),
            num(row["variance"], 2),
            num(row["quarantined_amount"], 2) if row["quarantined_lines"] else "",
            row["status"].replace("_", " "),
        ]
        for row in rows
        if row["status"] != "matched"
    ]
    matched = sum(1 for row in rows if row["status"] == "matched")
    return Chart(
        "invoice_reconciliation",
        "Invoice reconciliation",
        f"One cell per provider and invoice month ({matched} of {len(rows)} rows match their billing lines to "
        "the cent, ✓). Variance: the invoice subtotal minus the billing lines it covers, in the invoice "
        "currency. Currency mismatch: a line is billed in another currency than the invoice. Uninvoiced: "
        "billing lines no invoice covers yet, or money whose date could not be read (no date). The table lists "
        "every row that does not match.",
        figure,
        {
            "columns": [
                "Invoice",
                "Provider",
                "Month",
                "Currency",
                "Invoice subtotal",
                "Billing lines",
                "Variance",
                "Quarantined",
                "Status",
            ],
            "rows": table_rows,
        },
    )


def chart_budget(data: dict[str, Any]) -> tuple[Chart, str | None]:
    names = team_names(data)
    rows = data["budgets"]
    as_of = rows[0]["as_of_date"] if rows else None
    current = [row for row in rows if not row["is_month_closed"]] or rows
    current_month = max((row["month"] for row in current), default=None)
    current = [row for row in current if row["month"] == current_month]
    current.sort(key=lambda row: -(row["forecast_burn"] or 0))
    labels = [names.get(row["team_id"], row["team_id"]) for row in current]
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        subplot_titles=[
            f"{month_label(current_month)} as of {as_of.isoformat() if as_of else '–'} (USD)",
            "Budget burn by month (spend / budget)",
        ],
        horizontal_spacing=0.17,
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=[row["forecast_month_end_usd"] for row in current],
            orientation="h",
            name="forecast to month end",
            marker_color="#a9c4e0",
            offsetgroup="open_month",
            hovertemplate="forecast $%{x:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=[row["spend_to_date_usd"] for row in current],
            orientation="h",
            name="spent to date",
            marker_color="#1f4e79",
            offsetgroup="open_month",
            hovertemplate="spent $%{x:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    budgeted = [row for row in current if row["budget_usd"] is not None]
    figure.add_trace(
        go.Scatter(
            y=[names.get(row["team_id"], row["team_id"]) for row in budgeted],
            x=[row["budget_usd"] for row in budgeted],
            mode="markers",
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#c0504d"}},
            name="budget",
            hovertemplate="budget $%{x:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    months = sorted({row["month"] for row in rows})
    teams = sorted({row["team_id"] for row in rows if row["budget_usd"]})
    for index, team in enumerate(teams):
        team_rows = {row["month"]: row for row in rows if row["team_id"] == team}
        figure.add_trace(
            go.Bar(
                x=[month_label(month) for month in months],
                y=[team_rows[month]["budget_burn"] if month in team_rows else None for month in months],
                name=names.get(team, team),
                marker_color=PALETTE[index % len(PALETTE)],
                legendgroup="burn",
                hovertemplate="%{y:.0%} of budget<extra>" + names.get(team, team) + "</extra>",
            ),
            row=1,
            col=2,
        )
    figure.add_hline(y=1.0, line={"color": "#c0504d", "dash": "dot"}, row=1, col=2)
    # grouped bars on the right (one per team and month); on the left, spend and forecast share an
    # offset group, so spend is drawn over its forecast
    base_layout(figure, 420, barmode="group")
    figure.update_layout(legend={"orientation": "h", "y": -0.12, "yanchor": "top"}, margin={"b": 80})
    figure.update_yaxes(tickformat=".0%", row=1, col=2)
    figure.update_xaxes(tickprefix="$", row=1, col=1)
    if not rows:
        no_data(figure)
    table_rows = [
        [
            names.get(row["team_id"], row["team_id"]),
            usd(row["budget_usd"]),
            usd(row["spend_to_date_usd"]),
            usd(row["forecast_month_end_usd"]),
            pct(row["budget_burn"]),
            pct(row["forecast_burn"]),
            num(row["days_until_budget_exhausted"], 1),
            row["projected_exhaustion_date"].isoformat() if row["projected_exhaustion_date"] else "–",
            row["budget_status"].replace("_", " "),
        ]
        for row in current
    ]
    chart = Chart(
        "budget_burn",
        "Budget burn",
        "Left: the open month — what each team has spent so far (dark), its month-end forecast at the current "
        "daily usage rate (light; one-off charges such as tax, credits and purchases are counted once) and its "
        "budget (red tick). Right: spend against budget in every month (the dotted line is 100%). "
        "Days left: at the current daily rate, how long the rest of the budget lasts.",
        figure,
        {
            "columns": [
                "Team",
                "Budget",
                "Spent to date",
                "Forecast",
                "Burn",
                "Forecast burn",
                "Days left",
                "Runs out",
                "Status",
            ],
            "rows": table_rows,
        },
    )
    return chart, as_of.isoformat() if as_of else None


def chart_signals(data: dict[str, Any]) -> Chart:
    rows = [row for row in data["signals"] if row["workflow_name"] != "unlinked"]
    months = sorted({row["month"] for row in rows})
    cells_keys = sorted({(row["team_id"], row["workflow_name"]) for row in rows})
    labels = {cell: f"{cell[1]}<br>({cell[0]})" for cell in cells_keys}
    cells = {
        (month_label(row["month"]), labels[(row["team_id"], row["workflow_name"])]): {
            "category": row["recommendation"],
            "label": row["recommendation"].replace("_", " "),
            "hover": (
                f"<b>{row['recommendation'].replace('_', ' ')}</b>: {row['decision_rule']}<br>"
                f"rules matched: {row['signals_triggered'] or 'none'}<br>"
                f"marginal utility {num(row['marginal_token_utility'], 1)} · retry share "
                f"{pct(row['retry_spend_share'], 1)} · routing share {pct(row['routing_excess_share'], 1)}<br>"
                f"success rate {pct(row['success_rate'], 1)} · fully loaded / BPO "
                f"{num(row['fully_loaded_cost_to_bpo_ratio'], 2)}"
            ),
        }
        for row in rows
    }
    figure = category_grid(
        cells, [month_label(month) for month in months], [labels[cell] for cell in cells_keys], SIGNAL_COLORS
    )
    base_layout(figure, 120 + 64 * max(len(cells_keys), 1))
    if not rows:
        no_data(figure)
    table_rows = [
        [
            row["team_id"],
            row["workflow_name"],
            month_label(row["month"]),
            row["recommendation"].replace("_", " "),
            num(row["marginal_token_utility"], 1),
            pct(row["success_rate"], 1),
            pct(row["success_rate_change"], 1),
            pct(row["retry_spend_share"], 1),
            pct(row["routing_excess_share"], 1),
            num(row["fully_loaded_cost_to_bpo_ratio"], 2),
            row["signals_triggered"] or "–",
        ]
        for row in rows
    ]
    return Chart(
        "allocation_signals",
        "Allocation signals: what to do next, per workflow and month",
        "One recommendation per team, workflow and month, from the evidence in mart_allocation_signals "
        "(hover a cell for it). First match wins: return to humans (fully loaded cost per success above the "
        "BPO price), cap (marginal utility below 1), fix retries (retry spend at least 15% of spend), route "
        "cheaper (routing excess at least 25%), scale up (marginal utility at least 2 with a success rate of "
        "at least 85% that fell by at most 3 points), else hold. Those are the default thresholds "
        "(macros/decisions/decision_settings.sql).",
        figure,
        {
            "columns": [
                "Team",
                "Workflow",
                "Month",
                "Recommendation",
                "Marginal utility",
                "Success rate",
                "Change",
                "Retry share",
                "Routing share",
                "Fully loaded / BPO",
                "Rules matched",
            ],
            "rows": table_rows,
        },
    )


# ---------------------------------------------------------------------------------------------
# the page


def headline(data: dict[str, Any]) -> list[dict[str, str]]:
    totals = {row["category"]: row["amount_usd"] or 0.0 for row in data["ledger_totals"]}
    billed = sum(totals.values())
    token_usage = totals.get("allocated", 0.0) + totals.get("untraced", 0.0)
    value = sum(row["value_usd"] or 0.0 for row in data["cost_per_outcome"])
    ai_cost = sum(row["ai_cost_usd"] or 0.0 for row in data["cost_per_outcome"])
    invoices = data["invoices"]
    not_matched = sum(1 for row in invoices if row["status"] != "matched")
    open_rows = [row for row in data["budgets"] if not row["is_month_closed"] and row["budget_usd"] is not None]
    over = sum(1 for row in open_rows if row["budget_status"] in ("over_budget", "forecast_over_budget"))
    signals = [row for row in data["signals"] if row["workflow_name"] != "unlinked"]
    latest_month = max((row["month"] for row in signals), default=None)
    acting = sum(1 for row in signals if row["month"] == latest_month and row["recommendation"] != "hold")
    return [
        {"label": "Billed (all providers, USD)", "value": usd(billed), "note": "every ledger dollar with a USD amount"},
        {
            "label": "Value created",
            "value": usd(value, 0),
            "note": f"against the BPO baseline · {usd(value - ai_cost, 0)} net of AI cost",
        },
        {
            "label": "Untraced share of token usage",
            "value": pct(totals.get("untraced", 0.0) / token_usage if token_usage else None, 1),
            "note": f"{usd(totals.get('untraced', 0.0))} billed that no trace explains",
        },
        {
            "label": "Invoice rows not matched",
            "value": f"{not_matched} of {len(invoices)}",
            "note": "variance, currency mismatch or uninvoiced",
        },
        {
            "label": "Teams over budget this month",
            "value": f"{over} of {len(open_rows)}",
            "note": "of the teams with a budget: spent or forecast above it",
        },
        {
            "label": "Workflows with a signal",
            "value": f"{acting} of {sum(1 for row in signals if row['month'] == latest_month)}",
            "note": f"in {month_label(latest_month)} (not hold)",
        },
    ]


def render(data: dict[str, Any], generated_at: dt.datetime | None = None) -> str:
    budget_chart, as_of = chart_budget(data)
    charts = [
        chart_cost_per_outcome(data),
        chart_value_vs_spend(data),
        chart_leaks(data),
        chart_invoices(data),
        budget_chart,
        chart_signals(data),
    ]
    sections = [
        {
            "id": chart.chart_id,
            "title": chart.title,
            "caption": chart.caption,
            "table": chart.table,
            "html": chart.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                div_id=f"chart-{chart.chart_id}",
                config=PLOTLY_CONFIG,
            ),
        }
        for chart in charts
    ]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    manifest = {"charts": [f"chart-{chart.chart_id}" for chart in charts], "as_of_date": as_of}
    return template.render(
        plotly_js=plotly.offline.get_plotlyjs(),
        sections=sections,
        kpis=headline(data),
        as_of=as_of or "–",
        generated_at=(generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        manifest=json.dumps(manifest),
    )


def write_report(database: Path, out: Path) -> Path:
    html = render(load(database))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE, help="the DuckDB warehouse (dbt build)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the HTML file to write")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        path = write_report(args.database, args.out)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return 2
    print(f"report: wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
