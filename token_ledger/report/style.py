"""The report's look and its display helpers: colours, layout, rounding (for display only, never in the marts)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

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


@dataclass
class Chart:
    chart_id: str
    title: str
    caption: str
    figure: go.Figure
    table: dict[str, Any] | None = None


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
