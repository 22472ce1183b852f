"""Charts of the money itself: invoice reconciliation, budgets, allocation signals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from token_ledger.report.style import (
    PALETTE,
    SIGNAL_COLORS,
    STATUS_COLORS,
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
                Markup("{}: {}<br>invoice subtotal {} · billing lines {} · quarantined {} {}").format(
                    row["invoice_id"] or "(no invoice)",
                    row["status"].replace("_", " "),
                    num(row["invoice_subtotal"], 2),
                    num(row["lines_subtotal"], 2),
                    num(row["quarantined_amount"], 2),
                    row["currency"] or "",
                )
            )
        cells[key] = {"category": status, "label": " / ".join(labels) or "✓", "hover": Markup("<br>").join(hovers)}
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
                hovertemplate="%{y:.0%} of budget<extra>" + plot_text(names.get(team, team)) + "</extra>",
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
    labels = {cell: Markup("{}<br>({})").format(cell[1], cell[0]) for cell in cells_keys}
    cells = {
        (month_label(row["month"]), labels[(row["team_id"], row["workflow_name"])]): {
            "category": row["recommendation"],
            "label": row["recommendation"].replace("_", " "),
            "hover": Markup(
                "<b>{}</b>: {}<br>rules matched: {}<br>marginal utility {} · retry share {} · routing share {}"
                "<br>success rate {} · fully loaded / BPO {}"
            ).format(
                row["recommendation"].replace("_", " "),
                row["decision_rule"],
                row["signals_triggered"] or "none",
                num(row["marginal_token_utility"], 1),
                pct(row["retry_spend_share"], 1),
                pct(row["routing_excess_share"], 1),
                pct(row["success_rate"], 1),
                num(row["fully_loaded_cost_to_bpo_ratio"], 2),
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
