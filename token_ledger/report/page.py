"""The page: headline figures, the charts, the template; one self-contained HTML file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jinja2
import plotly.offline

from token_ledger.report.charts_finance import chart_budget, chart_invoices, chart_signals
from token_ledger.report.charts_outcomes import chart_cost_per_outcome, chart_leaks, chart_value_vs_spend
from token_ledger.report.data import load
from token_ledger.report.style import PLOTLY_CONFIG, clean, month_label, pct, sanitize_figure, usd

TEMPLATE_DIR = Path(__file__).resolve().parent


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
            "table": (
                {**chart.table, "rows": [[clean(cell) for cell in row] for row in chart.table["rows"]]}
                if chart.table
                else None
            ),
            "html": sanitize_figure(chart.figure).to_html(
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
