"""Figures of the Cohorts page: heatmap, curves, trend of one period's retention, curves by group."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from analytics.formats import current
from ui import theme
from ui.format import label, percent, period_label, plotly_text

METRIC_LABELS = {
    "retention": "Customers active in the period",
    "retention_unbounded": "Customers active in the period or later",
    "revenue_retention": "Revenue vs. the signup period",
}
AXIS_TITLES = {
    "retention": "Active customers (% of cohort)",
    "retention_unbounded": "Active then or later (% of cohort)",
    "revenue_retention": "Revenue (% of the signup period's)",
}


def _since(grain: str) -> str:
    return {"week": "Weeks", "month": "Months", "quarter": "Quarters"}[grain] + " since signup"


def _cohort_name(cohort, grain: str, small: bool) -> str:
    return period_label(cohort, grain, short=True) + (" ◦" if small else "")


def heatmap(table: pl.DataFrame, metric: str, grain: str, min_cohort: int, average: pl.DataFrame,
            headline_k: int) -> go.Figure:
    """Cohort x period index; complete cells coloured by the metric, incomplete cells grey with '…'."""
    fig = go.Figure()
    if table.height == 0:
        return theme.apply(fig, "No cohorts in the selected window")
    sizes = table.group_by("cohort").agg(pl.col("cohort_size").first()).sort("cohort")
    names = {r["cohort"]: _cohort_name(r["cohort"], grain, r["cohort_size"] < min_cohort)
             for r in sizes.iter_rows(named=True)}
    order = [names[c] for c in sizes["cohort"].to_list()]
    # Percentages in the cells only while they stay legible; the hover always has them.
    legible = table["period_index"].max() <= 18 and len(order) <= 30
    for complete, colorscale in ((True, "Blues"), (False, [[0, "#D9D9D9"], [1, "#D9D9D9"]])):
        part = table.filter(pl.col("is_complete") == complete)
        if part.height == 0:
            continue
        values = part[metric].to_list()
        fig.add_heatmap(
            x=part["period_index"].to_list(), y=[names[c] for c in part["cohort"].to_list()], z=values,
            text=[("…" if not complete else percent(v) if legible else "") if v is not None else ""
                  for v in values],
            texttemplate="%{text}", textfont=dict(size=11), colorscale=colorscale,
            zmin=0, zmax=1 if metric != "revenue_retention" else 1.5, showscale=complete,
            colorbar=dict(title=dict(text="%"), tickformat=".0%") if complete else None,
            customdata=list(zip(part["active_customers"].to_list(), part["cohort_size"].to_list(),
                                part["revenue"].to_list(), strict=True)),
            hovertemplate=("Cohort %{y}, " + grain + " %{x}<br>%{z:.1%}<br>%{customdata[0]:,} of "
                           "%{customdata[1]:,} customers active<br>Revenue %{customdata[2]:,.0f}" + current().suffix
                           + ("" if complete else "<br><b>period not complete</b>") + "<extra></extra>"),
            name="complete" if complete else "incomplete", xgap=1, ygap=1,
        )
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], title_text="Signup cohort", type="category")
    fig.update_xaxes(title_text=_since(grain), dtick=1 if table["period_index"].max() <= 24 else None)
    row = average.filter(pl.col("period_index") == headline_k)
    if row.height == 0:
        title = "Retention by signup cohort"
    elif metric == "revenue_retention":
        title = (f"By {grain} {headline_k}, cohorts bring {percent(row[metric][0])} of their first {grain}'s "
                 "revenue")
    else:
        later = " or later" if metric == "retention_unbounded" else ""
        title = f"{percent(row[metric][0])} of customers are active in {grain} {headline_k}{later} on average"
    return theme.apply(fig, title, height=max(460, 22 * len(order) + 160))


def heatmap_phone_width(table: pl.DataFrame) -> int:
    """Width in pixels of the heatmap on a phone, where it scrolls sideways: 30 pixels per period column (a cell
    stays readable) beside the cohort labels and the colour bar, and never narrower than a phone's screen."""
    periods = int(table["period_index"].max() or 0) + 1 if table.height else 1
    return max(390, 150 + 30 * periods)


def curves(table: pl.DataFrame, average: pl.DataFrame, cohorts: list, metric: str, grain: str) -> go.Figure:
    """Selected cohorts (complete cells) as thin lines, the size-weighted average as a thick black line."""
    fig = go.Figure()
    for i, cohort in enumerate(cohorts):
        part = table.filter((pl.col("cohort") == cohort) & pl.col("is_complete")).sort("period_index")
        if part.height == 0:
            continue
        fig.add_scatter(x=part["period_index"].to_list(), y=part[metric].to_list(), mode="lines",
                        name=period_label(cohort, grain, short=True),
                        line=dict(width=2, color=theme.PALETTE[i % (len(theme.PALETTE) - 1)]),
                        hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>")
    # The tail of the average rests on one or two old cohorts: drawn only where 3 or more contribute.
    average = average.filter(pl.col("cohorts") >= 3)
    fig.add_scatter(x=average["period_index"].to_list(), y=average[metric].to_list(), mode="lines+markers",
                    name="Average (weighted by cohort size)", line=dict(width=5, color="#000000"),
                    customdata=average["cohorts"].to_list(),
                    hovertemplate="%{x}: %{y:.1%} over %{customdata} cohorts<extra>Average</extra>")
    fig.update_yaxes(title_text=AXIS_TITLES[metric], tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text=_since(grain))
    horizon = {"week": 26, "month": 12, "quarter": 4}[grain]
    reached = average.filter(pl.col("period_index") <= horizon)
    if reached.height > 1:
        first = reached.filter(pl.col("period_index") == 1)[metric][0]
        last = reached.row(-1, named=True)
        if metric == "revenue_retention":
            title = (f"Cohort revenue is {percent(last[metric])} of the first {grain}'s by {grain} "
                     f"{last['period_index']}")
        else:
            later = " or later" if metric == "retention_unbounded" else ""
            title = (f"{percent(first)} are active in {grain} 1{later}; {percent(last[metric])} in {grain} "
                     f"{last['period_index']}{later}")
    else:
        title = "Not enough complete periods for a curve yet"
    return theme.apply(fig, title)


def trend(points: pl.DataFrame, k: int, metric: str, grain: str, min_cohort: int) -> go.Figure:
    """One period's metric for each cohort, over signup time; small cohorts as hollow markers."""
    fig = go.Figure()
    if points.height == 0:
        return theme.apply(fig, f"No cohort has a complete {grain} {k} yet")
    small = [s < min_cohort for s in points["cohort_size"].to_list()]
    fig.add_scatter(
        x=points["cohort"].to_list(), y=points["value"].to_list(), mode="lines+markers",
        name=f"{grain.capitalize()}-{k} value", line=dict(width=3, color=theme.EXISTING_COLOR),
        marker=dict(size=9, symbol=["circle-open" if s else "circle" for s in small]),
        customdata=points["cohort_size"].to_list(),
        hovertemplate="Cohort %{x|%Y-%m-%d}: %{y:.1%}<br>%{customdata:,} customers<extra></extra>",
    )
    fig.update_yaxes(title_text=AXIS_TITLES[metric], tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text="Signup cohort")
    n = max(1, min(3, points.height // 2))
    early, late = points.head(n)["value"].mean(), points.tail(n)["value"].mean()
    if early is None or late is None:
        return theme.apply(fig, f"{grain.capitalize()}-{k} retention by signup cohort")
    change = late - early
    verb = "rose" if change > 0.01 else "fell" if change < -0.01 else "held steady"
    title = (f"{grain.capitalize()}-{k} retention {verb}: {percent(early)} for the first cohorts, "
             f"{percent(late)} for the latest")
    return theme.apply(fig, title)


def by_group(groups: pl.DataFrame, dimension: str, metric: str, grain: str, k: int) -> go.Figure:
    """One weighted-average curve per group of ``dimension``."""
    fig = go.Figure()
    names = groups.group_by("group").agg(pl.col("customers").max()).sort("customers", descending=True)["group"]
    for i, name in enumerate(names.to_list()):
        part = groups.filter(pl.col("group") == name).sort("period_index")
        fig.add_scatter(x=part["period_index"].to_list(), y=part[metric].to_list(), mode="lines",
                        name=plotly_text(label(dimension, name)),
                        line=dict(width=3, color=theme.PALETTE[i % len(theme.PALETTE)]),
                        hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>")
    fig.update_yaxes(title_text=AXIS_TITLES[metric], tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text=_since(grain))
    at_k = groups.filter(pl.col("period_index") == k).sort(metric, descending=True)
    if at_k.height >= 2:
        best, worst = at_k.row(0, named=True), at_k.row(-1, named=True)
        best_name = plotly_text(label(dimension, best["group"]))
        worst_name = plotly_text(label(dimension, worst["group"]))
        title = (f"{best_name} retains best: {percent(best[metric])} in {grain} {k}, vs {percent(worst[metric])} for "
                 f"{worst_name}")
    else:
        title = f"Retention by {dimension}"
    return theme.apply(fig, title)
