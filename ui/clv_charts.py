"""Figures of the Customers page (the holdout check, value at risk) and the Value page's model CLV."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from analytics.formats import current
from ui import theme
from ui.format import label, money, plotly_text


def tracking(weekly: pl.DataFrame, calibration_end: date) -> go.Figure:
    """Weekly cumulative repeat purchases, actual vs predicted, the calibration end marked."""
    fig = go.Figure()
    if weekly.height == 0:
        return theme.apply(fig, "No repeat purchases to check the model against")
    weeks = weekly["week"].to_list()
    fig.add_scatter(x=weeks, y=weekly["actual_cumulative_repeat"].to_list(), mode="lines", name="Actual",
                    line=dict(width=3, color=theme.EXISTING_COLOR),
                    hovertemplate="Week of %{x|%Y-%m-%d}: %{y:,.0f} repeat purchases<extra>actual</extra>")
    fig.add_scatter(x=weeks, y=weekly["predicted_cumulative_repeat"].to_list(), mode="lines", name="BG/NBD",
                    line=dict(width=3, dash="dash", color=theme.NEW_COLOR),
                    hovertemplate="Week of %{x|%Y-%m-%d}: %{y:,.0f} predicted<extra>BG/NBD</extra>")
    fig.add_vline(x=calibration_end.isoformat(), line_dash="dot", line_color="#000000")
    fig.add_annotation(x=calibration_end.isoformat(), y=1, yref="paper", text="calibration end", showarrow=False,
                       xanchor="right", yanchor="top", font=dict(size=14))
    fig.update_xaxes(title_text="Week")
    fig.update_yaxes(title_text="Cumulative repeat purchases (purchase days)", tickformat=",.0f", rangemode="tozero")
    holdout = weekly.filter(pl.col("week") > calibration_end)
    start = weekly.filter(pl.col("week") <= calibration_end).tail(1)
    if holdout.height and start.height:
        actual = holdout["actual_cumulative_repeat"][-1] - start["actual_cumulative_repeat"][0]
        predicted = holdout["predicted_cumulative_repeat"][-1] - start["predicted_cumulative_repeat"][0]
        gap = predicted / actual - 1 if actual else 0.0
        title = (f"After the calibration end the model predicted {predicted:,.0f} repeat purchases; "
                 f"{actual:,.0f} happened ({gap:+.0%})")
    else:
        title = "Cumulative repeat purchases, actual vs BG/NBD"
    return theme.apply(fig, title)


def conditional_expectation(by_frequency: pl.DataFrame, holdout_weeks: float) -> go.Figure:
    """Mean holdout purchases by calibration purchases, actual vs predicted."""
    fig = go.Figure()
    if by_frequency.height == 0:
        return theme.apply(fig, "No customers to check the model against")
    x = by_frequency["calibration_purchases"].to_list()
    fig.add_bar(x=x, y=by_frequency["actual_holdout"].to_list(), name="Actual", marker_color=theme.EXISTING_COLOR,
                customdata=by_frequency["customers"].to_list(),
                hovertemplate="%{x} repeat purchases: %{y:.2f} actual (%{customdata:,} customers)<extra></extra>")
    fig.add_scatter(x=x, y=by_frequency["predicted_holdout"].to_list(), name="BG/NBD", mode="lines+markers",
                    line=dict(width=3, color=theme.NEW_COLOR), marker=dict(size=10),
                    hovertemplate="%{x} repeat purchases: %{y:.2f} predicted<extra></extra>")
    fig.update_xaxes(title_text="Repeat purchases in the calibration period", type="category")
    fig.update_yaxes(title_text=f"Mean purchases in the {holdout_weeks:.0f}-week holdout", rangemode="tozero")
    error = (by_frequency["predicted_holdout"] - by_frequency["actual_holdout"]).abs()
    weights = by_frequency["customers"]
    mean_actual = float((by_frequency["actual_holdout"] * weights).sum() / weights.sum())
    mean_error = float((error * weights).sum() / weights.sum())
    title = (f"Per customer the model is off by {mean_error:.2f} purchases on average, on {mean_actual:.2f} "
             f"actual, over {holdout_weeks:.0f} weeks")
    return theme.apply(fig, title)


def value_at_risk(groups: pl.DataFrame, dimension: str) -> go.Figure:
    """Value at risk by segment / channel / region, with the customers at risk in the hover."""
    fig = go.Figure()
    rows = groups.filter(pl.col("value_at_risk") > 0)
    if rows.height == 0:
        return theme.apply(fig, f"No value at risk in any {dimension}")
    names = [plotly_text(label(dimension, v)) for v in rows[dimension].to_list()]
    fig.add_bar(x=names, y=rows["value_at_risk"].to_list(), marker_color=theme.NEW_COLOR, name="Value at risk",
                customdata=list(zip(rows["at_risk_customers"].to_list(), rows["customers"].to_list(), strict=True)),
                text=[money(v) for v in rows["value_at_risk"].to_list()], textposition="outside",
                hovertemplate="%{x}: %{y:,.0f} at risk<br>%{customdata[0]:,} of %{customdata[1]:,} customers at "
                              "risk<extra></extra>")
    fig.update_xaxes(title_text=dimension.capitalize())
    fig.update_yaxes(title_text=current().with_currency("Value at risk, next 12 months"), tickformat=",.0f",
                     rangemode="tozero")
    top = rows.row(0, named=True)
    share = top["value_at_risk"] / float(rows["value_at_risk"].sum())
    return theme.apply(fig, f"{plotly_text(label(dimension, top[dimension]))} holds {share:.0%} of the value at risk: "
                            f"{money(top['value_at_risk'])} from {top['at_risk_customers']:,} customers")


def model_vs_survival(comparison: pl.DataFrame, horizon: int) -> go.Figure:
    """Survival-based and model CLV per channel, side by side."""
    fig = go.Figure()
    rows = comparison.filter(pl.col("customers") > 0).sort("customers", descending=True)
    names = [plotly_text(label("channel", c)) for c in rows["channel"].to_list()]
    fig.add_bar(x=names, y=rows["survival_clv"].to_list(), name="Survival (Kaplan-Meier)",
                marker_color=theme.EXISTING_COLOR, hovertemplate="%{x}: %{y:,.0f}<extra>survival</extra>")
    fig.add_bar(x=names, y=rows["model_clv"].to_list(), name="BG/NBD + Gamma-Gamma", marker_color=theme.NEW_COLOR,
                hovertemplate="%{x}: %{y:,.0f}<extra>model</extra>")
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Acquisition channel")
    fig.update_yaxes(title_text=f"Predicted {horizon}-month CLV per customer", tickformat=",.0f")
    both = rows.filter(pl.col("model_clv").is_not_null() & (pl.col("survival_clv") > 0))
    if both.height:
        ratio = float(both["model_clv"].sum() / both["survival_clv"].sum())
        title = (f"The purchase model values customers at {ratio:.0%} of the survival-based CLV over {horizon} "
                 "months")
    else:
        title = f"Predicted {horizon}-month CLV per channel"
    return theme.apply(fig, title)
