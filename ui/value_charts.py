"""Figures of the Value & CAC page."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from analytics.formats import current
from ui import theme
from ui.format import label, money, plotly_text


def _name(channel: object) -> str:
    """A channel's display name, safe in a Plotly title or legend."""
    return plotly_text(label("channel", channel))


def _color(i: int) -> str:
    return theme.PALETTE[i % len(theme.PALETTE)]


def value_curves(curves: pl.DataFrame, channels: pl.DataFrame) -> go.Figure:
    """Cumulative margin per customer by month of life, each channel's CAC as a dashed line of its colour
    and its payback month marked."""
    fig = go.Figure()
    order = channels.sort("customers", descending=True)["channel"].to_list()
    for i, channel in enumerate(order):
        part = curves.filter(pl.col("channel") == channel).sort("months_since_signup")
        if part.height == 0:
            continue
        row = channels.filter(pl.col("channel") == channel).row(0, named=True)
        name = _name(channel)
        fig.add_scatter(x=part["months_since_signup"].to_list(), y=part["cumulative_margin_per_customer"].to_list(),
                        mode="lines", name=name, legendgroup=name, line=dict(width=3, color=_color(i)),
                        hovertemplate="Month %{x}: " + current().plotly_money() + " margin per customer<extra>" + name
                        + "</extra>")
        cac = row["cac"]
        if cac is not None and math.isfinite(cac) and cac > 0:
            fig.add_scatter(x=[1, part["months_since_signup"].max()], y=[cac, cac], mode="lines",
                            name=f"{name} CAC", legendgroup=name, showlegend=False,
                            line=dict(width=2, dash="dash", color=_color(i)),
                            hovertemplate=f"{name} CAC {money(cac)}<extra></extra>")
        if row["payback_month"] is not None:
            y = part.filter(pl.col("months_since_signup") == row["payback_month"])["cumulative_margin_per_customer"]
            fig.add_scatter(x=[row["payback_month"]], y=[y[0] if y.len() else cac], mode="markers",
                            legendgroup=name, showlegend=False,
                            marker=dict(size=14, symbol="star", color=_color(i), line=dict(width=1, color="#000")),
                            hovertemplate=f"{name} pays back in month {row['payback_month']}<extra></extra>")
    fig.update_xaxes(title_text="Month of life (1 = signup month)")
    fig.update_yaxes(title_text=current().with_currency("Cumulative gross margin per acquired customer"),
                     tickformat=",.0f")
    paid = channels.filter(pl.col("cac").is_not_null() & (pl.col("cac") > 0) & pl.col("cac").is_finite())
    if paid.height:
        fast = paid.filter(pl.col("payback_month").is_not_null()).sort("payback_month")
        slow = paid.filter(pl.col("payback_month").is_null())
        if fast.height and slow.height:
            title = (f"{_name(fast['channel'][0])} pays back its CAC in month {fast['payback_month'][0]}; "
                     f"{_name(slow['channel'][0])} has not yet")
        elif fast.height >= 2:
            title = (f"{_name(fast['channel'][0])} pays back in month {fast['payback_month'][0]}, "
                     f"{_name(fast['channel'][-1])} only in month {fast['payback_month'][-1]}")
        elif fast.height:
            title = f"{_name(fast['channel'][0])} pays back its CAC in month {fast['payback_month'][0]}"
        else:
            title = "No channel has paid back its acquisition cost yet"
    else:
        title = "Cumulative margin per customer (no acquisition cost in the data)"
    return theme.apply(fig, title, height=520)


def ltv_cac_bars(channels: pl.DataFrame, horizon: int, target: float) -> go.Figure:
    """LTV:CAC per channel against the target ratio."""
    rows = channels.filter(pl.col("ltv_cac").is_not_null()).sort("ltv_cac", descending=True)
    fig = go.Figure()
    if rows.height == 0:
        return theme.apply(fig, "LTV:CAC needs acquisition costs (marketing_spend or acquisition_cost)")
    colors = [theme.EXISTING_COLOR if v >= target else theme.NEW_COLOR for v in rows["ltv_cac"].to_list()]
    fig.add_bar(x=[_name(c) for c in rows["channel"].to_list()], y=rows["ltv_cac"].to_list(),
                marker_color=colors, text=[f"{v:.1f}×" for v in rows["ltv_cac"].to_list()], textposition="outside",
                hovertemplate="%{x}: %{y:.2f}× CAC<extra></extra>", name="LTV:CAC")
    fig.add_hline(y=target, line_dash="dash", line_color="#000000", annotation_text=f"target {target:g}×",
                  annotation_position="top right")
    fig.update_yaxes(title_text=f"Predicted {horizon}-month CLV / CAC (×)", rangemode="tozero")
    fig.update_xaxes(title_text="Acquisition channel")
    worst = rows.row(-1, named=True)
    best = rows.row(0, named=True)
    if worst["ltv_cac"] < target:
        title = (f"{_name(worst['channel'])} returns {worst['ltv_cac']:.1f}× its acquisition cost over "
                 f"{horizon} months, below the {target:g}× target")
    else:
        title = (f"Every paid channel clears the {target:g}× target; {_name(best['channel'])} leads at "
                 f"{best['ltv_cac']:.1f}×")
    return theme.apply(fig, title)


def survival_projection(projection: pl.DataFrame, order: list[str]) -> go.Figure:
    """S(t) per channel: Kaplan-Meier where observed, Weibull extension dashed."""
    fig = go.Figure()
    for i, channel in enumerate(order):
        part = projection.filter(pl.col("channel") == channel).sort("month_of_life")
        if part.height == 0:
            continue
        name = _name(channel)
        seen = part.filter(~pl.col("survival_extrapolated"))
        fig.add_scatter(x=seen["month_of_life"].to_list(), y=seen["survival"].to_list(), mode="lines", name=name,
                        legendgroup=name, line=dict(width=3, color=_color(i)),
                        hovertemplate="Month %{x}: %{y:.0%}<extra>" + name + "</extra>")
        tail = part.filter(pl.col("month_of_life") >= (seen["month_of_life"].max() or 1))
        if tail.height > 1:
            fig.add_scatter(x=tail["month_of_life"].to_list(), y=tail["survival"].to_list(), mode="lines",
                            legendgroup=name, showlegend=False, line=dict(width=3, dash="dash", color=_color(i)),
                            hovertemplate="Month %{x}: %{y:.0%} (Weibull extension)<extra>" + name + "</extra>")
    fig.update_xaxes(title_text="Month of life")
    fig.update_yaxes(title_text="Still a customer (%)", tickformat=".0%", range=[0, 1.02])
    return theme.apply(fig, "Survival used in the CLV: Kaplan-Meier, dashed where extended by a Weibull fit")


def cohort_ratio(table: pl.DataFrame, months: int) -> go.Figure:
    """12-month value : CAC by signup quarter."""
    rows = table.filter(pl.col("value_to_cac").is_not_null())
    fig = go.Figure()
    if rows.height == 0:
        return theme.apply(fig, f"No signup quarter has completed {months} months with a known CAC yet")
    fig.add_scatter(x=rows["signup_quarter"].to_list(), y=rows["value_to_cac"].to_list(), mode="lines+markers",
                    line=dict(width=3, color=theme.EXISTING_COLOR), name="value : CAC",
                    customdata=list(zip(rows["value_per_customer"].to_list(), rows["cac"].to_list(), strict=True)),
                    hovertemplate=("%{x|%Y-%m}: %{y:.2f}×<br>value %{customdata[0]:,.0f}" + current().suffix
                                   + " per customer, CAC %{customdata[1]:,.0f}" + current().suffix
                                   + "<extra></extra>"))
    fig.update_xaxes(title_text="Signup quarter")
    fig.update_yaxes(title_text=f"{months}-month margin per customer / CAC (×)", rangemode="tozero")
    first, last = rows["value_to_cac"][0], rows["value_to_cac"][-1]
    verb = "improved" if last > first * 1.05 else "worsened" if last < first * 0.95 else "held steady"
    return theme.apply(fig, f"{months}-month value per acquisition cost {verb}: {first:.1f}× to {last:.1f}×")


def cac_trend(monthly: pl.DataFrame) -> go.Figure:
    """CAC per channel and month, from the spend export."""
    rows = monthly.filter((pl.col("cac_source") == "spend") & pl.col("cac").is_not_null() & pl.col("cac").is_finite())
    fig = go.Figure()
    if rows.height == 0:
        return theme.apply(fig, "CAC trend needs a marketing_spend export")
    changes = []
    for i, channel in enumerate(sorted(rows["channel"].unique().to_list())):
        part = rows.filter(pl.col("channel") == channel).sort("month")
        name = _name(channel)
        fig.add_scatter(x=part["month"].to_list(), y=part["cac"].to_list(), mode="lines", name=name,
                        line=dict(width=3, color=_color(i)),
                        hovertemplate="%{x|%b %Y}: CAC " + current().plotly_money() + "<extra>" + name + "</extra>")
        head, tail = part.head(6)["cac"].mean(), part.tail(6)["cac"].mean()
        if head:
            changes.append((tail / head - 1, channel, head, tail))
    fig.update_xaxes(title_text="Signup month")
    fig.update_yaxes(title_text=current().with_currency("CAC (spend per acquired customer)"), tickformat=",.0f",
                     rangemode="tozero")
    if changes:
        change, channel, head, tail = max(changes)
        title = (f"{_name(channel)} CAC moved {change:+.0%}: {money(head)} to {money(tail)} "
                 "(first vs last 6 months)")
    else:
        title = "CAC by channel"
    return theme.apply(fig, title)
