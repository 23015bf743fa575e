"""Figures of the Survival page: Kaplan-Meier curves with their at-risk table, and the hazard-ratio forest
plot. A Polars frame in, a Plotly figure out; no Streamlit here, so tests and the board pack can call them."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics.formats import current
from ui import theme
from ui.format import compact_count, plotly_text

#: Direction colours of the forest plot (Okabe-Ito): vermillion = churns sooner, blue = stays longer.
SOONER_COLOR = "#D55E00"
LONGER_COLOR = "#0072B2"


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _wrapped(title: str, width: int = 88) -> str:
    """A long takeaway title on two lines (Plotly does not wrap titles), escaped for Plotly."""
    if len(title) <= width:
        return plotly_text(title)
    cut = title.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    return plotly_text(title[:cut]) + "<br>" + plotly_text(title[cut:].strip())


def survival_chart(curve: pl.DataFrame, at_risk: pl.DataFrame, title: str, by_label: str,
                   dimension: str = "") -> go.Figure:
    """Kaplan-Meier step curves with 95% bands (filled), one colour per group, and the at-risk table under
    the x-axis (customers still followed on the days of ``at_risk``). ``curve`` is survival_curve.csv;
    groups are drawn in the order they come in, named by their display names (``dimension``: segment, channel or
    region; other groups as they are)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.8, 0.2], vertical_spacing=0.07)
    groups = list(dict.fromkeys(curve["group"].to_list()))
    if not groups:
        return theme.apply(fig, plotly_text(title))
    last_day = int(curve["days"].max())
    for i, group in enumerate(groups):
        color = theme.PALETTE[i % len(theme.PALETTE)]
        part = curve.filter(pl.col("group") == group).sort("days")
        # Every curve starts at 100% just before day 0, so a same-day churn shows as a drop at 0.
        days = [0, *part["days"].to_list()]
        name = plotly_text(current().label(dimension, group))
        fig.add_scatter(x=days, y=[1.0, *part["ci_upper"].to_list()], mode="lines", line_shape="hv",
                        line=dict(width=0, color=color), legendgroup=name, showlegend=False, hoverinfo="skip",
                        name=f"{name} 95% upper", row=1, col=1)
        fig.add_scatter(x=days, y=[1.0, *part["ci_lower"].to_list()], mode="lines", line_shape="hv",
                        line=dict(width=0, color=color), fill="tonexty", fillcolor=_rgba(color, 0.16),
                        legendgroup=name, showlegend=False, hoverinfo="skip", name=f"{name} 95% band",
                        row=1, col=1)
        fig.add_scatter(x=days, y=[1.0, *part["survival"].to_list()], mode="lines", line_shape="hv",
                        line=dict(width=3, color=color), legendgroup=name, name=name,
                        customdata=[part["at_risk"][0], *part["at_risk"].to_list()],
                        hovertemplate="Day %{x}: %{y:.1%} still active (%{customdata:,} followed)"
                                      f"<extra>{name}</extra>", row=1, col=1)
        counts = at_risk.filter((pl.col("group") == group) & (pl.col("days") <= last_day)).sort("days")
        # Compact counts ("12k") so that neighbouring days do not run into each other.
        fig.add_scatter(x=counts["days"].to_list(), y=[name] * counts.height, mode="text",
                        text=[compact_count(n) for n in counts["at_risk"].to_list()],
                        textfont=dict(size=13, color=color),
                        legendgroup=name, showlegend=False, hoverinfo="skip", name=f"{name} at risk", row=2, col=1)
    ticks = sorted({*at_risk["days"].to_list(), *(d for d in (365, 730, 1095, 1460, 1825, 2190))})
    ticks = [d for d in ticks if d <= last_day]
    fig.update_xaxes(range=[-0.045 * last_day, last_day * 1.03], zeroline=False)
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_xaxes(title_text="Days since signup", tickvals=ticks, showline=False, ticks="", row=2, col=1)
    fig.update_yaxes(title_text="Customers still active (%)", tickformat=".0%", range=[0, 1.03], row=1, col=1)
    # First group on top, with half a row of room above and below so no count touches the day labels.
    names = [plotly_text(current().label(dimension, g)) for g in groups]
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names,
                     range=[len(groups) - 0.4, -0.6], showgrid=False, zeroline=False, tickfont=dict(size=12),
                     ticklabelstandoff=28, row=2, col=1)
    fig.add_annotation(text=f"Customers still followed (at risk) on that day, by {by_label}", xref="paper",
                       yref="paper", x=0, y=0.2, xanchor="left", yanchor="bottom", showarrow=False,
                       font=dict(size=13, color=theme.MUTED))
    theme.apply(fig, _wrapped(title), height=640)
    if "<br>" in fig.layout.title.text:
        fig.update_layout(margin=dict(t=110))
    return fig


def hazard_ratio_chart(ratios: pl.DataFrame, title: str) -> go.Figure:
    """Forest plot: one row per covariate, hazard ratio with its 95% interval on a log axis, a line at 1.
    Vermillion = churns sooner than its reference, blue = stays longer, grey = interval includes 1."""
    fig = go.Figure()
    if ratios.height == 0:
        return theme.apply(fig, plotly_text(title))
    table = ratios.with_columns(
        label=pl.col("covariate").str.split(" vs ").list.first(),
        reference=pl.col("covariate").str.split(" vs ").list.last(),
        kind=pl.when(pl.col("ci_lower") > 1).then(pl.lit("Churn sooner than the reference"))
        .when(pl.col("ci_upper") < 1).then(pl.lit("Stay longer than the reference"))
        .otherwise(pl.lit("No clear difference (interval includes 1)")),
    )
    order = [plotly_text(label) for label in table["label"].to_list()]
    colors = {"Churn sooner than the reference": SOONER_COLOR, "Stay longer than the reference": LONGER_COLOR,
              "No clear difference (interval includes 1)": theme.MUTED}
    for kind, color in colors.items():
        part = table.filter(pl.col("kind") == kind)
        if part.height == 0:
            continue
        hr = part["hazard_ratio"].to_numpy()
        fig.add_scatter(
            x=hr, y=[plotly_text(label) for label in part["label"].to_list()], mode="markers", name=kind,
            marker=dict(size=11, color=color, symbol="square"),
            error_x=dict(type="data", symmetric=False, array=part["ci_upper"].to_numpy() - hr,
                         arrayminus=hr - part["ci_lower"].to_numpy(), color=color, thickness=2.5, width=6),
            customdata=list(zip(part["ci_lower"].to_list(), part["ci_upper"].to_list(),
                                [plotly_text(r) for r in part["reference"].to_list()],
                                ["< 0.001" if p < 0.001 else f"{p:.3f}" for p in part["p_value"].to_list()],
                                strict=True)),
            hovertemplate="%{y}: hazard ratio %{x:.2f} (95% CI %{customdata[0]:.2f}–%{customdata[1]:.2f}) vs "
                          "%{customdata[2]}, p %{customdata[3]}<extra></extra>")
    fig.add_vline(x=1, line=dict(color="#1F2933", width=1.5, dash="dash"))
    # Labelled ticks only: Plotly's own log ticks label 0.3 as "3".
    low, high = float(table["ci_lower"].min()), float(table["ci_upper"].max())
    ticks = [t for t in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50, 100)
             if low / 1.3 <= t <= high * 1.3] or [1]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks],
                     title_text="Hazard ratio vs the reference group (log scale): above 1 = churns sooner, "
                                "below 1 = stays longer")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order, autorange="reversed",
                     showgrid=True)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0.0))
    theme.apply(fig, _wrapped(title), height=max(380, 170 + 34 * ratios.height))
    if "<br>" in fig.layout.title.text:
        fig.update_layout(margin=dict(t=110))
    return fig
