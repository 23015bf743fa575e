"""Figures of the Retention process page: coverage of each touchpoint by signup cohort against a target, the
time-to-touch distribution, the landmark Kaplan-Meier curves, and offer acceptance beside lead conversion.
A Polars frame in, a Plotly figure out; no Streamlit here."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from analytics import catalog
from ui import theme
from ui.format import percent, period_label

WITH_COLOR, WITHOUT_COLOR = "#0072B2", "#D55E00"
AUDIENCE = {"existing": ("Offers to existing customers", "#0072B2"), "leads": ("Leads (prospects)", "#E69F00")}


def touch_label(name: str) -> str:
    """'handoff_package' -> 'handoff package'."""
    return name.replace("_", " ")


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def coverage_chart(coverage: pl.DataFrame, grain: str, target: float, surface: str = "process coverage") -> go.Figure:
    """Coverage per signup cohort, one line per touchpoint, with the target as a dashed line; the title names
    the touchpoint furthest below target in the latest cohort."""
    fig = go.Figure()
    if coverage.height == 0:
        return theme.apply(fig, "No cohort has completed a touchpoint window yet")
    for i, (name, part) in enumerate(sorted(coverage.partition_by("touchpoint", as_dict=True).items())):
        part = part.sort("cohort")
        fig.add_scatter(x=part["cohort"].to_list(), y=part["coverage"].to_list(), mode="lines+markers",
                        name=f"{touch_label(str(name[0]))} (≤ {part['window_days'][0]} days)",
                        line=dict(color=theme.PALETTE[i % len(theme.PALETTE)], width=3),
                        customdata=list(zip(part["covered"].to_list(), part["new_customers"].to_list(), strict=True)),
                        hovertemplate="%{x|%b %Y}: %{y:.0%} (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>")
    fig.add_hline(y=target, line_dash="dash", line_color="#000000",
                  annotation_text=f"target {percent(target)}", annotation_position="top left")
    latest = coverage.filter(pl.col("cohort") == coverage["cohort"].max()).sort("coverage")
    worst = latest.row(0, named=True)
    catalog.note("touch_coverage", worst["coverage"], surface=surface,
                 context=catalog.context_of(touchpoint=worst["touchpoint"], cohort=worst["cohort"], grain=grain))
    title = (f"The {touch_label(worst['touchpoint'])} reached {percent(worst['coverage'])} of "
             f"{period_label(worst['cohort'], grain)}'s new customers (target {percent(target)})")
    fig.update_yaxes(title_text="Share of new customers touched in the window", tickformat=".0%", range=[0, 1.05])
    fig.update_xaxes(title_text=f"Signup cohort ({grain})")
    return theme.apply(fig, title)


def delay_chart(delays: pl.DataFrame, touchpoint: str, window_days: int | None) -> go.Figure:
    """Customers by days from signup to their first touch of one kind (0-180), the window marked; the title gives
    the share within the window and the share later than 180 days (not drawn: it would flatten the bars)."""
    part = delays.filter(pl.col("touchpoint") == touchpoint).sort("days")
    fig = go.Figure()
    if part.height == 0:
        return theme.apply(fig, f"No {touch_label(touchpoint)} on record")
    total = int(part["customers"].sum())
    later = int(part.filter(pl.col("days") > 180)["customers"].sum())
    shown = part.filter(pl.col("days") <= 180)
    fig.add_bar(x=shown["days"].to_list(), y=shown["customers"].to_list(), marker_color=theme.EXISTING_COLOR,
                name="Customers", hovertemplate="day %{x}: %{y:,} customers<extra></extra>")
    tail = f"; {percent(later / total)} after more than 180 days" if later else ""
    if window_days is not None:
        inside = int(part.filter(pl.col("days") <= window_days)["customers"].sum())
        fig.add_vline(x=window_days + 0.5, line_dash="dash", line_color="#000000",
                      annotation_text=f"window: {window_days} days", annotation_position="top right")
        title = (f"{percent(inside / total)} of the customers who got the {touch_label(touchpoint)} got it within "
                 f"{window_days} days of signup{tail}")
    else:
        title = f"Days from signup to the {touch_label(touchpoint)}{tail}"
    fig.update_xaxes(title_text="Days from signup to the first touch", range=[-1, 181])
    fig.update_yaxes(title_text="Customers", tickformat=",d")
    return theme.apply(fig, title)


def landmark_chart(curves: pl.DataFrame, effect: dict[str, object]) -> go.Figure:
    """Kaplan-Meier curves from the landmark for customers with and without the touch by then, 95% bands; the
    title states the adjusted hazard ratio and its interval."""
    name = str(effect["touchpoint"])
    fig = go.Figure()
    for group, color in (("with", WITH_COLOR), ("without", WITHOUT_COLOR)):
        part = curves.filter((pl.col("touchpoint") == name) & (pl.col("group") == group)).sort("days")
        if part.height == 0:
            continue
        label = f"{'With' if group == 'with' else 'Without'} the {touch_label(name)} by day {effect['landmark_days']}"
        x = part["days"].to_list()
        fig.add_scatter(x=x + x[::-1], y=part["ci_upper"].to_list() + part["ci_lower"].to_list()[::-1],
                        fill="toself", fillcolor=_rgba(color, 0.15), line=dict(width=0), hoverinfo="skip",
                        showlegend=False)
        fig.add_scatter(x=x, y=part["survival"].to_list(), mode="lines", line=dict(color=color, width=3, shape="hv"),
                        name=label, hovertemplate="day %{x:.0f} after the landmark: %{y:.1%}<extra></extra>")
    ratio = effect.get("hazard_ratio")
    if isinstance(ratio, float):
        catalog.note("touch_hazard_ratio", ratio, surface="process landmark",
                     context=catalog.context_of(touchpoint=name))
        low, high = float(effect["ci_lower"]), float(effect["ci_upper"])  # type: ignore[arg-type]
        reached = f"With the {touch_label(name)} by day {effect['landmark_days']}, customers churned"
        verdict = "no differently" if low <= 1 <= high else ("more slowly" if ratio < 1 else "faster")
        title = f"{reached} {verdict}: hazard ratio {ratio:.2f} (95% CI {low:.2f}–{high:.2f})"
    else:
        title = f"Too few customers on one side to compare the {touch_label(name)}"
    fig.update_xaxes(title_text=f"Days after the landmark (day {effect['landmark_days']} after signup)")
    fig.update_yaxes(title_text="Still a customer", tickformat=".0%", range=[0, 1.02])
    return theme.apply(fig, title)


def offer_chart(rates: pl.DataFrame, grain: str) -> go.Figure:
    """Offer acceptance of existing customers and lead conversion per period, with 95% bands; the title gives
    both over the window."""
    fig = go.Figure()
    totals = {r["audience"]: r for r in rates.filter(pl.col("period").is_null()).iter_rows(named=True)}
    for audience, (label, color) in AUDIENCE.items():
        part = rates.filter((pl.col("audience") == audience) & pl.col("period").is_not_null()).sort("period")
        if part.height == 0:
            continue
        x = part["period"].to_list()
        fig.add_scatter(x=x + x[::-1], y=part["ci_upper"].to_list() + part["ci_lower"].to_list()[::-1],
                        fill="toself", fillcolor=_rgba(color, 0.15), line=dict(width=0), hoverinfo="skip",
                        showlegend=False)
        fig.add_scatter(x=x, y=part["rate"].to_list(), mode="lines+markers", name=label,
                        line=dict(color=color, width=3), customdata=list(zip(
                            part["accepted"].to_list(), part["offers"].to_list(), strict=True)),
                        hovertemplate="%{x|%b %Y}: %{y:.0%} (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>")
    parts = []
    if "existing" in totals:
        catalog.note("offer_acceptance", totals["existing"]["rate"], surface="process offers")
        parts.append(f"Existing customers accepted {percent(totals['existing']['rate'])} of offers")
    if "leads" in totals:
        catalog.note("lead_conversion", totals["leads"]["rate"], surface="process offers")
        parts.append(f"leads converted at {percent(totals['leads']['rate'])}")
    title = "; ".join(parts) if parts else "No offers or leads in the window"
    fig.update_yaxes(title_text="Accepted / converted", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text=f"{grain.capitalize()} of the offer or of the lead's creation")
    return theme.apply(fig, title[:1].upper() + title[1:])


def offer_channel_chart(by_channel: pl.DataFrame) -> go.Figure:
    """Acceptance and conversion per channel, grouped bars with 95% error bars."""
    fig = go.Figure()
    for audience, (label, color) in AUDIENCE.items():
        part = by_channel.filter(pl.col("audience") == audience).sort("channel")
        if part.height == 0:
            continue
        fig.add_bar(x=part["channel"].to_list(), y=part["rate"].to_list(), name=label, marker_color=color,
                    error_y=dict(type="data", symmetric=False,
                                 array=(part["ci_upper"] - part["rate"]).to_list(),
                                 arrayminus=(part["rate"] - part["ci_lower"]).to_list()),
                    hovertemplate="%{x}: %{y:.0%}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Accepted / converted", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text="Channel (the customer's acquisition channel; the lead's channel)")
    return theme.apply(fig, "Selling to existing customers beats converting leads in every channel"
                       if _beats_everywhere(by_channel) else "Offer acceptance and lead conversion by channel")


def _beats_everywhere(by_channel: pl.DataFrame) -> bool:
    wide = by_channel.pivot(on="audience", index="channel", values="rate")
    if not {"existing", "leads"} <= set(wide.columns) or wide.height == 0:
        return False
    both = wide.drop_nulls()
    return both.height > 0 and bool((both["existing"] > both["leads"]).all())
