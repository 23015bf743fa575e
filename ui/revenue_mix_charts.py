"""Figures of the Revenue mix page: new vs existing revenue, acquisition-year layers, revenue movements and
their waterfall, the Lorenz curve of concentration. A Polars frame in, a Plotly figure out; no Streamlit here,
so tests and the board pack can call them."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics import catalog
from analytics.formats import current
from analytics.periods import period_start
from ui import theme
from ui.format import money, percent, period_label

#: Movement column -> its catalog figure; the legend and the waterfall take the catalog's names.
MOVEMENT_FIGURES = {"new": "movement_new", "expansion": "movement_expansion", "resumed": "movement_resumed",
                    "reactivated": "movement_reactivated", "contraction": "movement_contraction",
                    "paused": "movement_paused", "churned": "movement_churned", "net_refunds": "movement_net_refunds"}
MOVEMENT_LABELS = {column: catalog.name(key) for column, key in MOVEMENT_FIGURES.items()}
#: Gains in greens and blues, temporary losses (paused) in a light shade of the churn colour.
MOVEMENT_COLORS = {
    "new": theme.NEW_COLOR, "expansion": "#009E73", "resumed": "#A6D9F7", "reactivated": "#56B4E9",
    "contraction": "#CC79A7", "paused": "#F4B183", "churned": "#D55E00", "net_refunds": theme.MUTED,
}
_SHORT = {"churned": "Churned"}
_INCOMPLETE_AXIS = "{grain} (hatched = period not complete at the as-of date)"


def _hatch(frame: pl.DataFrame) -> list[str]:
    return ["" if c else "/" for c in frame["is_complete"].to_list()]


def _period_axis(fig: go.Figure, grain: str) -> None:
    fig.update_xaxes(title_text=_INCOMPLETE_AXIS.format(grain=grain.capitalize()), type="category")


def _last_complete(frame: pl.DataFrame, column: str | None = None) -> dict | None:
    done = frame.filter(pl.col("is_complete"))
    if column:
        done = done.filter(pl.col(column).is_not_null())
    return done.row(-1, named=True) if done.height else None


def revenue_mix_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Existing and new customers' revenue stacked per period (incomplete period hatched), with the existing
    share on a second axis (%). The title states the existing share of the last complete period."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if frame.height == 0:
        return theme.apply(fig, "No revenue in the selected window")
    labels = [period_label(p, grain, short=True) for p in frame["period"].to_list()]
    hatch = _hatch(frame)
    for column, name, color in (("existing_revenue", catalog.name("existing_customer_revenue"), theme.EXISTING_COLOR),
                                ("new_revenue", catalog.name("new_customer_revenue"), theme.NEW_COLOR)):
        fig.add_bar(x=labels, y=frame[column].to_list(), name=name, marker_color=color,
                    marker_pattern_shape=hatch,
                    hovertemplate=f"%{{x}}<br>{name}: {current().plotly_money()}<extra></extra>")
    share = catalog.name("existing_share")
    fig.add_scatter(x=labels, y=frame["existing_share"].to_list(), name=f"{share} (right axis)",
                    mode="lines+markers", line=dict(color="#000000", width=2), marker=dict(size=5),
                    secondary_y=True, hovertemplate=f"%{{x}}<br>{share} %{{y:.1%}}<extra></extra>")
    last = _last_complete(frame, "existing_share")
    if last:
        title = (f"Existing customers brought {percent(last['existing_share'])} of revenue in "
                 f"{period_label(last['period'], grain)}")
    else:
        title = "Revenue from new and existing customers (no complete period with revenue yet)"
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=current().with_currency("Revenue, net of refunds"), secondary_y=False,
                     tickformat=",.0f")
    fig.update_yaxes(title_text="Existing-customer share (%)", secondary_y=True, range=[0, 1.02], dtick=0.2,
                     tickformat=".0%", showgrid=False)
    _period_axis(fig, grain)
    return theme.apply(fig, title)


def revenue_layer_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """The layer cake: revenue per period stacked by the customers' acquisition year, oldest at the bottom.
    The title states how much of the last complete period's revenue came from earlier years' customers."""
    fig = go.Figure()
    if frame.height == 0:
        return theme.apply(fig, "No revenue in the selected window")
    years = sorted(frame["acquisition_year"].unique().to_list())
    order = [period_label(p, grain, short=True) for p in frame["period"].unique(maintain_order=True).to_list()]
    for i, year in enumerate(years):
        part = frame.filter(pl.col("acquisition_year") == year)
        fig.add_bar(x=[period_label(p, grain, short=True) for p in part["period"].to_list()],
                    y=part["revenue"].to_list(), name=f"Acquired in {year}",
                    marker_color=theme.PALETTE[i % len(theme.PALETTE)], marker_pattern_shape=_hatch(part),
                    hovertemplate=f"%{{x}}<br>Acquired in {year}: {current().plotly_money()}<extra></extra>")
    title = "Revenue by the year customers were acquired"
    last = _last_complete(frame)
    if last:
        rows = frame.filter(pl.col("period") == last["period"])
        year = last["period"].year
        total = rows["revenue"].sum()
        earlier = rows.filter(pl.col("acquisition_year") < year)["revenue"].sum()
        if total > 0 and earlier >= 0:
            title = (f"Customers acquired before {year} brought {percent(min(earlier / total, 1.0))} of revenue in "
                     f"{period_label(last['period'], grain)}")
    fig.update_layout(barmode="relative", bargap=0.08, legend_traceorder="reversed")
    fig.update_yaxes(title_text=current().with_currency("Revenue, net of refunds"), tickformat=",.0f")
    _period_axis(fig, grain)
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    return theme.apply(fig, title)


def revenue_movements_chart(frame: pl.DataFrame, grain: str) -> go.Figure:
    """Revenue movements per period as relative bars (gains up, losses down), net change as a line.
    Movements that are zero in every period are left out of the legend."""
    fig = go.Figure()
    if frame.height == 0:
        return theme.apply(fig, "No revenue movements in the selected window")
    labels = [period_label(p, grain, short=True) for p in frame["period"].to_list()]
    hatch = _hatch(frame)
    for column, name in MOVEMENT_LABELS.items():
        if not frame[column].abs().sum():
            continue
        fig.add_bar(x=labels, y=frame[column].to_list(), name=name, marker_color=MOVEMENT_COLORS[column],
                    marker_pattern_shape=hatch,
                    hovertemplate=f"%{{x}}<br>{name}: {current().plotly_money(signed=True)}<extra></extra>")
    net = catalog.name("net_change")
    fig.add_scatter(x=labels, y=frame["net_change"].to_list(), name=net, mode="lines+markers",
                    line=dict(color="#000000", width=2), marker=dict(size=5),
                    hovertemplate=f"%{{x}}<br>{net} {current().plotly_money(signed=True)}<extra></extra>")
    last = _last_complete(frame)
    if last:
        verb = "grew" if last["net_change"] >= 0 else "fell"
        title = (f"Revenue {verb} by {money(abs(last['net_change']))} in {period_label(last['period'], grain)}<br>"
                 f"churn took {money(-last['churned'])}, pauses {money(-last['paused'])}; first-time payers added "
                 f"{money(last['new'])}")
    else:
        title = "Revenue movements (no complete period yet)"
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=current().with_currency("Change in revenue vs the previous period"),
                     tickformat=",.0f")
    _period_axis(fig, grain)
    return theme.apply(fig, title)


def revenue_waterfall_chart(movements: pl.DataFrame, mix: pl.DataFrame, grain: str) -> go.Figure:
    """From the previous period's revenue to the last complete period's, movement by movement."""
    fig = go.Figure()
    last = _last_complete(movements)
    if last is None:
        return theme.apply(fig, "No complete period to explain yet", height=420)
    fmt = current()
    period = last["period"]
    totals = mix.filter(pl.col("period") == period)
    closing = float((totals["new_revenue"] + totals["existing_revenue"]).sum())
    opening = closing - last["net_change"]
    previous = period_label(period_start(period - timedelta(days=1), grain), grain, short=True)
    this = period_label(period, grain, short=True)
    # Every movement that moved something (new, churned and paused always: what a reader looks for).
    steps = [c for c in MOVEMENT_LABELS if last[c] or c in ("new", "paused", "churned")]
    fig.add_waterfall(
        x=[f"Revenue {previous}"] + [_SHORT.get(c, MOVEMENT_LABELS[c]) for c in steps] + [f"Revenue {this}"],
        y=[opening] + [last[c] for c in steps] + [closing],
        measure=["absolute"] + ["relative"] * len(steps) + ["total"],
        increasing=dict(marker_color="#009E73"), decreasing=dict(marker_color="#D55E00"),
        totals=dict(marker_color=theme.EXISTING_COLOR), connector=dict(line=dict(color=theme.MUTED)),
        text=[money(opening)] + [("+" if last[c] > 0 else "") + money(last[c]) for c in steps] + [money(closing)],
        textposition="outside", hovertemplate=f"%{{x}}: {fmt.plotly_money()}<extra></extra>", showlegend=False,
    )
    change = (closing / opening - 1) if opening > 0 else None
    title = (f"{previous} → {this}: revenue {money(opening)} → {money(closing)}"
             + (f" ({'+' if change >= 0 else ''}{percent(change, 1)})" if change is not None else ""))
    fig.update_yaxes(title_text=fmt.with_currency("Revenue, net of refunds"), tickformat=",.0f")
    fig.update_xaxes(title_text=f"Movements of the last complete {grain}")
    return theme.apply(fig, title, height=420)


def lorenz_chart(points: pl.DataFrame, summary: pl.DataFrame) -> go.Figure:
    """Lorenz curve of trailing-12-month revenue (customers sorted ascending) against the line of equality,
    the gap shaded, and the top-20% point marked. The title states the top 20%'s share and the Gini."""
    fig = go.Figure()
    row = summary.row(0, named=True) if summary.height else None
    if row is None or not points.height or row["top_20_share"] is None:
        end = f" in the 12 months to {row['window_end']:%d %b %Y}" if row else ""
        return theme.apply(fig, f"No customer revenue{end}")
    fig.add_scatter(x=[0, 1], y=[0, 1], name="Equal revenue per customer", mode="lines",
                    line=dict(color=theme.MUTED, dash="dash"), hoverinfo="skip")
    fig.add_scatter(x=points["customer_share"].to_list(), y=points["revenue_share"].to_list(),
                    name="Lorenz curve", mode="lines", line=dict(color=theme.EXISTING_COLOR, width=3),
                    fill="tonexty", fillcolor="rgba(0, 114, 178, 0.12)",
                    hovertemplate="The %{x:.0%} of customers with the least revenue brought %{y:.1%}<extra></extra>")
    top = row["top_20_share"]
    # The top 20%'s share is the gap between the curve at 80% of customers and 100%: draw that gap, so the
    # point on the curve (what the other 80% brought) is not read as the top 20%'s share.
    fig.add_scatter(x=[0.8, 0.8], y=[1 - top, 1], name="Top 20% of customers' share", mode="lines+markers",
                    line=dict(color=theme.NEW_COLOR, width=4), marker=dict(size=9, color=theme.NEW_COLOR),
                    hovertemplate=f"The top 20% of customers brought {percent(top, 1)}<extra></extra>")
    fig.add_annotation(x=0.8, y=1 - top / 2, xanchor="right", showarrow=False, align="right",
                       text=f"Top 20% of customers:<br><b>{percent(top)}</b> of revenue ", font=dict(size=14),
                       bgcolor="rgba(255, 255, 255, 0.85)")
    fig.add_annotation(x=0.8, y=1 - top, xanchor="left", yanchor="top", showarrow=False, align="left",
                       text=f" the other 80%: {percent(1 - top)}", font=dict(size=13, color=theme.MUTED))
    title = (f"The top 20% of customers brought {percent(top)} of revenue in the 12 months to "
             f"{row['window_end']:%d %b %Y} (Gini {row['gini']:.2f})")
    fig.update_xaxes(title_text="Customers, least T12M revenue first (cumulative %)", tickformat=".0%",
                     range=[0, 1], dtick=0.2)
    fig.update_yaxes(title_text="T12M revenue (cumulative %)", tickformat=".0%", range=[0, 1.02], dtick=0.2)
    return theme.apply(fig, title, height=520)
