"""Figures of the Overview page: revenue and active customers per period (a Polars frame in, a Plotly figure out)
and the KPI tiles' sparklines (inline SVG); no Streamlit here, so tests and the board pack can call them."""

from __future__ import annotations

from html import escape

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


#: The sparkline's drawing box (SVG user units; the image stretches to the tile's width, the line keeps its width).
_SPARK_WIDTH, _SPARK_HEIGHT, _SPARK_PAD = 240.0, 64.0, 4.0


def sparkline(kpi: Kpi) -> str:
    """A tile's small trend line as an inline SVG image: green when the trend is good for the business, red when
    bad, grey when flat or neither; hovering a point names its period and value in the figure's unit (each point's
    ``<title>``), and the image's label reads the first and last of them.

    Inline SVG rather than a Plotly chart: the Overview showed eight of these beside two real charts, and in the
    browser each Plotly chart costs its own layout and drawing (about 1 s of the Overview's drawing at any data size,
    docs/performance.md); a line of a few dozen points needs neither axes nor zoom.

    >>> svg = sparkline(Kpi("revenue", 3.0, 2.0, trend=pl.DataFrame({"x": ["2024-01", "2024-02"], "y": [2.0, 3.0]})))
    >>> svg.startswith("<svg") and 'stroke="#009E73"' in svg and "<title>2024-02: " in svg
    True
    """
    fmt = current()
    trend = kpi.trend.drop_nulls("y")
    xs = [x.isoformat() if hasattr(x, "isoformat") else str(x) for x in trend["x"].to_list()]
    ys = [float(y) for y in trend["y"].to_list()]
    color = TREND_COLORS[trend_quality(kpi)]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    step = (_SPARK_WIDTH - 2 * _SPARK_PAD) / max(len(ys) - 1, 1)
    inner = _SPARK_HEIGHT - 2 * _SPARK_PAD
    # A flat series is drawn across the middle rather than along the bottom edge.
    points = [(_SPARK_PAD + i * step,
               _SPARK_PAD + (inner / 2 if high == low else (high - y) / span * inner)) for i, y in enumerate(ys)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    labels = [f"{x}: {fmt.value(kpi.unit, y)}" for x, y in zip(xs, ys, strict=True)]
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="transparent"><title>{escape(label)}</title></circle>'
                   for (x, y), label in zip(points, labels, strict=True))
    aria = escape(f"{kpi.figure.name}, trend from {labels[0]} to {labels[-1]}") if labels else ""
    return (f'<svg class="kpi-sparkline" role="img" aria-label="{aria}" viewBox="0 0 {_SPARK_WIDTH:.0f} '
            f'{_SPARK_HEIGHT:.0f}" preserveAspectRatio="none" width="100%" height="{_SPARK_HEIGHT:.0f}" '
            f'xmlns="http://www.w3.org/2000/svg"><polyline points="{line}" fill="none" stroke="{color}" '
            f'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke"/>'
            f"{dots}</svg>")
