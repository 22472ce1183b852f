"""The report's look and its display helpers: colours, layout, rounding (for display only, never in the marts)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup

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


# C0 control characters but tab and line feed, and DEL: never shown, never passed to the page
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# trace fields that carry data values plotly renders as text (its labels accept <a>, <b>, <br>, ...)
DATA_FIELDS = ("name", "text", "hovertext", "legendgroup", "ids", "labels", "x", "y", "customdata")


def clean(value: Any) -> Any:
    """A data value with its control characters removed (strings only)."""
    return CONTROL.sub("", value) if isinstance(value, str) else value


def plot_text(value: Any) -> Any:
    """A data value as plotly must get it: plotly renders a subset of HTML in every label and hover text,
    so <, > and & become entities (it shows them as the characters) and control characters go. Text built
    as markupsafe.Markup (our markup, data joined with Markup.format, which escapes it) passes as it is."""
    if isinstance(value, Markup):
        return clean(str(value))
    if not isinstance(value, str):
        return value
    return clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return plot_text(value)
    if isinstance(value, list | tuple):
        return [_escaped(item) for item in value]
    return value


def sanitize_figure(figure: go.Figure) -> go.Figure:
    """Every data value of a figure's traces and its annotations (subplot titles) as plotly text: no element,
    link or markup can come from data (text of our own markup is markupsafe.Markup, its data escaped when
    it was joined). Hover templates are written with plot_text where data joins them."""
    for trace in figure.data:
        for field in DATA_FIELDS:
            value = getattr(trace, field, None) if field in trace else None
            if value is not None:
                trace[field] = _escaped(list(value) if not isinstance(value, str) else value)
    for annotation in figure.layout.annotations or ():
        annotation.text = plot_text(annotation.text)
    return figure


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
