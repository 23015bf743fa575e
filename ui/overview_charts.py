"""Figures of the Overview page: revenue and active customers per period. A Polars frame in, a Plotly figure
out; no Streamlit here, so tests and the board pack can call them."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from ui import theme
from ui.format import money, period_label, plural


def activity_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Revenue bars (incomplete last period hatched) with active customers as a line on a second axis."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if frame.height == 0:
        return theme.apply(fig, "No activity in the selected window")
    complete = frame["is_complete"].to_list()
    # Periods as labels ("Mar 2024", "Q1 2024"): one tick per bar, no misleading daily date axis.
    labels = [period_label(p, grain, short=True) for p in frame["period"].to_list()]
    fig.add_bar(
        x=labels, y=frame["revenue"].to_list(), name="Revenue",
        marker_color=theme.EXISTING_COLOR,
        marker_pattern_shape=["" if c else "/" for c in complete],
        hovertemplate="%{x}<br>Revenue %{y:,.0f}<extra></extra>",
    )
    fig.add_scatter(
        x=labels, y=frame["active_customers"].to_list(), name="Active customers",
        mode="lines+markers", line=dict(color=theme.NEW_COLOR, width=3), secondary_y=True,
        hovertemplate="%{x}<br>%{y:,} active customers<extra></extra>",
    )
    done = frame.filter(pl.col("is_complete"))
    if done.height:
        last = done.row(-1, named=True)
        title = (f"Revenue of {money(last['revenue'])} from {plural(last['active_customers'], 'active customer')} in "
                 f"{period_label(last['period'], grain)}")
    else:
        title = "Revenue and active customers (no complete period yet)"
    fig.update_yaxes(title_text="Revenue (net of refunds)", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text="Active customers", secondary_y=True, rangemode="tozero", showgrid=False,
                     tickformat=",d")
    fig.update_xaxes(title_text=f"{grain.capitalize()} (hatched bar = period not complete at the as-of date)",
                     type="category")
    return theme.apply(fig, title)
