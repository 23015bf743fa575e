"""Figures of the Overview page: revenue and active customers per period. A Polars frame in, a Plotly figure
out; no Streamlit here, so tests and the board pack can call them."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics import catalog
from analytics.catalog import trend_direction
from analytics.executive import Kpi
from analytics.formats import current
from ui import theme
from ui.format import money, period_label, plural


def activity_chart(frame: pl.DataFrame, grain: str, context: dict[str, str] | None = None,
                   surface: str = "overview chart") -> go.Figure:
    """Revenue bars (incomplete last period hatched) with active customers as a line on a second axis. The
    title's figures are noted in the ledger under ``surface`` (``context``: the filters' description)."""
    fmt = current()
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if frame.height == 0:
        return theme.apply(fig, "No activity in the selected window")
    complete = frame["is_complete"].to_list()
    # Periods as labels ("Mar 2024", "Q1 2024"): one tick per bar, no misleading daily date axis.
    labels = [period_label(p, grain, short=True) for p in frame["period"].to_list()]
    revenue, active = catalog.name("revenue"), catalog.name("active_customers")
    fig.add_bar(
        x=labels, y=frame["revenue"].to_list(), name=revenue,
        marker_color=theme.EXISTING_COLOR,
        marker_pattern_shape=["" if c else "/" for c in complete],
        hovertemplate=f"%{{x}}<br>{revenue} {fmt.plotly_money()}<extra></extra>",
    )
    fig.add_scatter(
        x=labels, y=frame["active_customers"].to_list(), name=active,
        mode="lines+markers", line=dict(color=theme.NEW_COLOR, width=3), secondary_y=True,
        hovertemplate=f"%{{x}}<br>%{{y:,}} {active.lower()}<extra></extra>",
    )
    done = frame.filter(pl.col("is_complete"))
    if done.height:
        last = done.row(-1, named=True)
        scope = catalog.context_of(period=last["period"], grain=grain, **(context or {}))
        catalog.note("revenue", last["revenue"], surface=surface, context=scope)
        catalog.note("active_customers", last["active_customers"], surface=surface, context=scope)
        title = (f"Revenue of {money(last['revenue'])} from {plural(last['active_customers'], 'active customer')} in "
                 f"{period_label(last['period'], grain)}")
    else:
        title = "Revenue and active customers (no complete period yet)"
    fig.update_yaxes(title_text=fmt.with_currency("Revenue, net of refunds"), secondary_y=False, rangemode="tozero",
                     tickformat=",.0f")
    fig.update_yaxes(title_text=active, secondary_y=True, rangemode="tozero", showgrid=False, tickformat=",d")
    fig.update_xaxes(title_text=f"{grain.capitalize()} (hatched bar = period not complete at the as-of date)",
                     type="category")
    return theme.apply(fig, title)


TREND_COLORS = {"good": "#009E73", "bad": "#D55E00", "flat": "#8C8C8C"}


def trend_quality(kpi: Kpi) -> str:
    """'good', 'bad' or 'flat': the direction of the recent trend read with the figure's higher_is_better."""
    direction = trend_direction(kpi.trend["y"].to_list())
    if direction == "flat" or kpi.higher_is_better is None:
        return "flat"
    return "good" if (direction == "up") == kpi.higher_is_better else "bad"


def sparkline(kpi: Kpi) -> go.Figure:
    """A tile's small trend line, green when the trend is good for the business, red when bad, grey when flat
    or neither (the hover names each point and its value in the figure's unit)."""
    fmt = current()
    trend = kpi.trend.drop_nulls("y")
    xs = [x.isoformat() if hasattr(x, "isoformat") else str(x) for x in trend["x"].to_list()]
    ys = trend["y"].to_list()
    color = TREND_COLORS[trend_quality(kpi)]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=2.5),
                               customdata=[fmt.value(kpi.unit, y) for y in ys],
                               hovertemplate="%{x}: %{customdata}<extra></extra>", name=kpi.figure.name))
    fig.update_layout(template=theme.TEMPLATE_NAME, height=64, margin=dict(l=2, r=2, t=2, b=2), showlegend=False,
                      xaxis=dict(visible=False), yaxis=dict(visible=False), hoverlabel=dict(font_size=13))
    return fig
