"""Figure builders: a Polars frame in, a Plotly figure out. No Streamlit here, so tests can call them."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics.periods import period_start
from ui import theme
from ui.format import money, percent, period_label, plural


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


# ---------------------------------------------------------------------------------------------- revenue mix
MOVEMENT_LABELS = {
    "new": "New (first paying period)",
    "expansion": "Expansion",
    "reactivated": "Reactivated",
    "contraction": "Contraction",
    "churned": "Churned",
    "net_refunds": "Net refunds",
}
MOVEMENT_COLORS = {
    "new": theme.NEW_COLOR, "expansion": "#009E73", "reactivated": "#56B4E9",
    "contraction": "#CC79A7", "churned": "#D55E00", "net_refunds": theme.MUTED,
}
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
    for column, name, color in (("existing_revenue", "Existing customers", theme.EXISTING_COLOR),
                                ("new_revenue", "New customers (acquired in the period)", theme.NEW_COLOR)):
        fig.add_bar(x=labels, y=frame[column].to_list(), name=name, marker_color=color,
                    marker_pattern_shape=hatch, hovertemplate=f"%{{x}}<br>{name}: %{{y:,.0f}}<extra></extra>")
    fig.add_scatter(x=labels, y=frame["existing_share"].to_list(), name="Existing share (right axis)",
                    mode="lines+markers", line=dict(color="#000000", width=2), marker=dict(size=5),
                    secondary_y=True, hovertemplate="%{x}<br>Existing share %{y:.1%}<extra></extra>")
    last = _last_complete(frame, "existing_share")
    if last:
        title = (f"Existing customers brought {percent(last['existing_share'])} of revenue in "
                 f"{period_label(last['period'], grain)}")
    else:
        title = "Revenue from new and existing customers (no complete period with revenue yet)"
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text="Revenue (net of refunds)", secondary_y=False)
    fig.update_yaxes(title_text="Existing customers' share (%)", secondary_y=True, range=[0, 1.02], dtick=0.2,
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
                    hovertemplate=f"%{{x}}<br>Acquired in {year}: %{{y:,.0f}}<extra></extra>")
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
    fig.update_yaxes(title_text="Revenue (net of refunds)")
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
                    marker_pattern_shape=hatch, hovertemplate=f"%{{x}}<br>{name}: %{{y:+,.0f}}<extra></extra>")
    fig.add_scatter(x=labels, y=frame["net_change"].to_list(), name="Net change", mode="lines+markers",
                    line=dict(color="#000000", width=2), marker=dict(size=5),
                    hovertemplate="%{x}<br>Net change %{y:+,.0f}<extra></extra>")
    last = _last_complete(frame)
    if last:
        verb = "grew" if last["net_change"] >= 0 else "fell"
        title = (f"Revenue {verb} by {money(abs(last['net_change']))} in {period_label(last['period'], grain)}: "
                 f"churn took {money(-last['churned'])}, first-time payers added {money(last['new'])}")
    else:
        title = "Revenue movements (no complete period yet)"
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text="Change vs previous period (revenue)")
    _period_axis(fig, grain)
    return theme.apply(fig, title)


def revenue_waterfall_chart(movements: pl.DataFrame, mix: pl.DataFrame, grain: str) -> go.Figure:
    """From the previous period's revenue to the last complete period's, movement by movement."""
    fig = go.Figure()
    last = _last_complete(movements)
    if last is None:
        return theme.apply(fig, "No complete period to explain yet", height=420)
    period = last["period"]
    totals = mix.filter(pl.col("period") == period)
    closing = float((totals["new_revenue"] + totals["existing_revenue"]).sum())
    opening = closing - last["net_change"]
    previous = period_label(period_start(period - timedelta(days=1), grain), grain, short=True)
    current = period_label(period, grain, short=True)
    steps = [c for c in MOVEMENT_LABELS if c != "net_refunds" or last[c]]
    fig.add_waterfall(
        x=[f"Revenue {previous}"] + [MOVEMENT_LABELS[c].split(" (")[0] for c in steps] + [f"Revenue {current}"],
        y=[opening] + [last[c] for c in steps] + [closing],
        measure=["absolute"] + ["relative"] * len(steps) + ["total"],
        increasing=dict(marker_color="#009E73"), decreasing=dict(marker_color="#D55E00"),
        totals=dict(marker_color=theme.EXISTING_COLOR), connector=dict(line=dict(color=theme.MUTED)),
        text=[money(opening)] + [("+" if last[c] > 0 else "") + money(last[c]) for c in steps] + [money(closing)],
        textposition="outside", hovertemplate="%{x}: %{y:,.0f}<extra></extra>", showlegend=False,
    )
    change = (closing / opening - 1) if opening > 0 else None
    title = (f"{previous} → {current}: revenue {money(opening)} → {money(closing)}"
             + (f" ({'+' if change >= 0 else ''}{percent(change, 1)})" if change is not None else ""))
    fig.update_yaxes(title_text="Revenue (net of refunds)")
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


# ---------------------------------------------------------------------------------------------- survival
from ui.format import plotly_text  # noqa: E402  (this section was appended; the imports above are shared)

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


def survival_chart(curve: pl.DataFrame, at_risk: pl.DataFrame, title: str, by_label: str) -> go.Figure:
    """Kaplan-Meier step curves with 95% bands (filled), one colour per group, and the at-risk table under
    the x-axis (customers still followed on the days of ``at_risk``). ``curve`` is survival_curve.csv;
    groups are drawn in the order they come in."""
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
        name = plotly_text(group)
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
                        text=[money(n) for n in counts["at_risk"].to_list()], textfont=dict(size=13, color=color),
                        legendgroup=name, showlegend=False, hoverinfo="skip", name=f"{name} at risk", row=2, col=1)
    ticks = sorted({*at_risk["days"].to_list(), *(d for d in (365, 730, 1095, 1460, 1825, 2190))})
    ticks = [d for d in ticks if d <= last_day]
    fig.update_xaxes(range=[-0.045 * last_day, last_day * 1.03], zeroline=False)
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_xaxes(title_text="Days since signup", tickvals=ticks, showline=False, ticks="", row=2, col=1)
    fig.update_yaxes(title_text="Customers still active (%)", tickformat=".0%", range=[0, 1.03], row=1, col=1)
    # First group on top, with half a row of room above and below so no count touches the day labels.
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=[plotly_text(g) for g in groups],
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
                                ["< 0.001" if p < 0.001 else f"{p:.3f}" for p in part["p_value"].to_list()])),
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
