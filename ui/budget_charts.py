"""Figures and the board-memo text of the Budget what-if page."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics.budget import BASELINE, BEST, CURRENT, Assumptions, BudgetReport, Calibration
from analytics.formats import current as current_formats
from analytics.survival import describe_churn
from ui import theme
from ui.format import money, percent, period_label, plotly_text

_STYLE = {
    BASELINE: dict(color=theme.MUTED, dash="dash", width=3),
    CURRENT: dict(color=theme.EXISTING_COLOR, dash="solid", width=4),
    BEST: dict(color=theme.PALETTE[2], dash="dot", width=3),
}
_SAVED_COLORS = [theme.NEW_COLOR, theme.PALETTE[3], theme.PALETTE[5]]


def budget_query(assumptions: Assumptions) -> dict[str, str]:
    """The Budget page's URL parameters for ``assumptions``, as its widgets take them (shares and r_max in whole
    percent, money in whole units); a field left to the data's default (None) is left out."""
    a = assumptions
    params = {"budget": None if a.budget is None else f"{a.budget:.0f}",
              "retention_share": f"{round(a.retention_share * 100):d}", "horizon_months": str(a.horizon_months),
              "beta": f"{a.beta:g}", "rmax": f"{round(a.r_max * 100):d}",
              "bhalf": None if a.b_half is None else f"{a.b_half:.0f}"}
    return {key: value for key, value in params.items() if value is not None}


def _style(name: str, saved_index: int) -> dict:
    return _STYLE.get(name, dict(color=_SAVED_COLORS[saved_index % len(_SAVED_COLORS)], dash="solid", width=2))


def _signed_money(value: float) -> str:
    return ("+" if value > 0 else "") + money(value)


def hazard_chart(calibration: Calibration) -> go.Figure:
    """Monthly churn hazard by age as estimated, and the value the model uses (held beyond the reliable ages)."""
    table = calibration.hazard_by_age
    fig = go.Figure()
    if table.height == 0:
        return theme.apply(fig, "No churn curve to show", height=380)
    seen = table.filter(pl.col("is_reliable"))
    thin = table.filter(~pl.col("is_reliable"))
    fig.add_bar(x=seen["age"].to_list(), y=seen["hazard"].to_list(), name="Estimated (reliable)",
                marker_color=theme.EXISTING_COLOR,
                customdata=seen["followed_through"].to_list(),
                hovertemplate="Age %{x} months: %{y:.2%} churn that month<br>%{customdata:,} customers followed "
                              "through it<extra></extra>")
    if thin.height:
        fig.add_bar(x=thin["age"].to_list(), y=thin["hazard"].to_list(), name="Estimated (too few customers)",
                    marker_color="#C9CED6", customdata=thin["followed_through"].to_list(),
                    hovertemplate="Age %{x} months: %{y:.2%}<br>only %{customdata:,} customers followed through "
                                  "it: not used<extra></extra>")
    fig.add_scatter(x=table["age"].to_list(), y=table["hazard_used"].to_list(), mode="lines", name="Used by the model",
                    line=dict(color="#000000", width=2, shape="hv"),
                    hovertemplate="Age %{x}: model uses %{y:.2%}<extra></extra>")
    fig.update_xaxes(title_text="Customer age (whole months since signup; 0 = signup month)")
    fig.update_yaxes(title_text="Monthly churn hazard (% of active customers)", tickformat=".1%", rangemode="tozero")
    used = calibration.hazard
    first = float(used[0])
    year = float(used[min(12, len(used) - 1)])
    title = (f"Monthly churn: {first:.1%} in the signup month, {year:.1%} at one year"
             if len(used) > 12 else f"Monthly churn: {first:.1%} in the signup month, {float(used[-1]):.1%} later")
    return theme.apply(fig, title, height=420)


def _lines(report: BudgetReport, column: str, cumulative: bool, relative: bool = False) -> go.Figure:
    fig = go.Figure()
    saved = 0
    reference = report.projections.filter(pl.col("scenario") == BASELINE).sort("month_index")[column]
    for name in report.summary["scenario"].to_list():
        part = report.projections.filter(pl.col("scenario") == name).sort("month_index")
        values = part[column].cum_sum() if cumulative else part[column]
        if relative:
            # Months beyond the baseline's horizon (a saved scenario's longer one) have no reference: cut.
            part = part.head(reference.len())
            values = values.head(reference.len()) - (reference.cum_sum() if cumulative else reference).head(
                part.height)
        style = _style(name, saved)
        saved += name not in _STYLE
        label = plotly_text(name)
        fig.add_scatter(x=part["month"].to_list(), y=values.to_list(), mode="lines", name=label,
                        line=dict(color=style["color"], dash=style["dash"], width=style["width"]),
                        hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra>" + label + "</extra>")
    fig.update_xaxes(title_text="Projected month")
    return fig


def customers_chart(report: BudgetReport) -> go.Figure:
    """Active customers month by month, one line per scenario."""
    fig = _lines(report, "customer_base", cumulative=False)
    fig.update_yaxes(title_text="Customer base (model, expected)", tickformat=",.0f")
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    current, baseline = rows[CURRENT], rows[BASELINE]
    h = report.current.horizon_months
    diff = current["customer_base_end"] - baseline["customer_base_end"]
    if abs(diff) < 0.5:
        title = (f"A customer base of {current['customer_base_end']:,.0f} after {h} months, as at today's split")
    else:
        title = (f"This split ends with a customer base of {current['customer_base_end']:,.0f} after {h} months, "
                 f"{abs(diff):,.0f} {'more' if diff > 0 else 'fewer'} than today's split")
    return theme.apply(fig, title, height=440)


def contribution_chart(report: BudgetReport) -> go.Figure:
    """Cumulative net contribution (gross margin - marketing spend) of each scenario minus today's split's:
    the differences are small next to the totals, so the totals would draw as one line."""
    fig = _lines(report, "net_contribution", cumulative=True, relative=True)
    fig.update_yaxes(title_text="Cumulative gain vs today's split", tickformat=",.0f",
                     zeroline=True, zerolinewidth=2)
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    if all(abs(r["net_contribution"] - rows[BASELINE]["net_contribution"]) < 1 for r in rows.values()):
        # Every line on zero: a fixed range keeps the axis from inventing ticks at +-0.5 shown as "1" and "-1".
        fig.update_yaxes(range=[-1000, 1000])
    current, baseline = rows[CURRENT], rows[BASELINE]
    h = report.current.horizon_months
    diff = current["net_contribution"] - baseline["net_contribution"]
    if abs(diff) < 0.5:
        title = f"Net contribution over {h} months: {money(current['net_contribution'])}, as at today's split"
    else:
        title = (f"This split makes {money(abs(diff))} {'more' if diff > 0 else 'less'} net contribution over "
                 f"{h} months than today's split ({money(current['net_contribution'])} vs "
                 f"{money(baseline['net_contribution'])})")
    return theme.apply(fig, title, height=440)


def verdict(report: BudgetReport) -> str:
    """In plain words: the best split against today's, and whether the uncertainty band leaves a clear winner."""
    u = report.uncertainty
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    best, today = rows[BEST], rows[BASELINE]
    h = report.current.horizon_months
    gain = best["net_contribution"] - today["net_contribution"]
    spread = (f"the best split moves between {percent(u.best_low)} and {percent(u.best_high)}"
              if u.best_low != u.best_high else f"the best split stays at {percent(u.best_low)}")
    if abs(gain) < 0.5:
        return (f"Today's split is the best at these assumptions; over plausible ones {spread} to retention.")
    if u.clear and u.gain_p10 > 0:
        return (f"{percent(best['retention_share'])} to retention beats today's split by {money(gain)} over {h} "
                f"months, and still wins in {u.wins:.0%} of plausible response assumptions ({spread}).")
    low = min(0.0, u.best_low)
    return (f"No clear winner between {percent(low)} and {percent(max(u.best_high, best['retention_share']))} to "
            f"retention: the best split's gain of {money(gain)} over {h} months is inside the uncertainty band "
            f"(from {money(u.gain_p10, signed=True)} to {money(u.gain_p90, signed=True)} over plausible "
            f"response assumptions; it wins in {u.wins:.0%} of them).")


def split_curve_chart(report: BudgetReport) -> go.Figure:
    """Horizon net contribution against the retention share, with its p10-p90 band over plausible response
    assumptions, the best, the current and today's split."""
    curve = report.curve
    fig = go.Figure()
    band = report.uncertainty.band
    fig.add_scatter(x=band["retention_share"].to_list(), y=band["net_contribution_p90"].to_list(), mode="lines",
                    line=dict(width=0), showlegend=False, hoverinfo="skip", name="p90")
    fig.add_scatter(x=band["retention_share"].to_list(), y=band["net_contribution_p10"].to_list(), mode="lines",
                    line=dict(width=0), fill="tonexty", fillcolor="rgba(31, 119, 180, 0.18)",
                    name="8 in 10 plausible assumptions (p10–p90)",
                    customdata=band["net_contribution_p90"].to_list(),
                    hovertemplate="%{x:.0%} to retention: %{y:,.0f} to %{customdata:,.0f}<extra>p10–p90</extra>")
    fig.add_scatter(x=curve["retention_share"].to_list(), y=curve["net_contribution"].to_list(), mode="lines",
                    name="Net contribution", line=dict(color=theme.EXISTING_COLOR, width=3),
                    hovertemplate="%{x:.0%} to retention: %{y:,.0f}<extra></extra>")
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    best = rows[BEST]
    current = rows[CURRENT]
    fig.add_scatter(x=[best["retention_share"]], y=[best["net_contribution"]], mode="markers+text",
                    name="Best split", marker=dict(size=16, symbol="star", color=theme.PALETTE[2],
                                                   line=dict(width=1, color="#000")),
                    text=[f"best: {percent(best['retention_share'])}"],
                    # Near either end the label leans inwards, so the plot area does not cut it.
                    textposition=("top right" if best["retention_share"] < 0.15
                                  else "top left" if best["retention_share"] > 0.85 else "top center"),
                    hovertemplate="Best: %{x:.0%} to retention, %{y:,.0f}<extra></extra>")
    fig.add_scatter(x=[current["retention_share"]], y=[current["net_contribution"]], mode="markers",
                    name="This split",
                    marker=dict(size=12, color=theme.EXISTING_COLOR, line=dict(width=2, color="#fff")),
                    hovertemplate="This split: %{x:.0%} to retention, %{y:,.0f}<extra></extra>")
    today = rows[BASELINE]
    fig.add_hline(y=today["net_contribution"], line=dict(color=theme.MUTED, dash="dash", width=2),
                  annotation_text=f"today's split: {money(today['net_contribution'])}",
                  annotation_position="bottom right")
    fig.update_xaxes(title_text="Share of the monthly budget to retention", tickformat=".0%", range=[-0.02, 1.02])
    fig.update_yaxes(title_text=f"Net contribution over {report.current.horizon_months} months"
                     f"{_currency_unit()}", tickformat="~s")
    h = report.current.horizon_months
    budget = money(report.current.budget)
    u = report.uncertainty
    gain = best["net_contribution"] - today["net_contribution"]
    if not u.clear and abs(gain) >= 0.5:
        # The takeaway is the uncertainty: the best split does not reliably beat today's.
        title = (f"No clear winner between {percent(min(0.0, u.best_low))} and "
                 f"{percent(max(u.best_high, best['retention_share']))} to retention at {budget} a month: "
                 f"{percent(best['retention_share'])} is best only at your assumptions")
    elif best["retention_share"] == 0:
        title = (f"At {budget} a month, all of it to acquisition pays best: "
                 f"{money(best['net_contribution'])} over {h} months")
    elif best["retention_share"] == 1:
        title = (f"At {budget} a month, all of it to retention pays best: "
                 f"{money(best['net_contribution'])} over {h} months")
    else:
        title = (f"At {budget} a month, {percent(best['retention_share'])} to retention pays best: "
                 f"{money(best['net_contribution'])} over {h} months")
    return theme.apply(fig, title, height=480)


def _currency_unit() -> str:
    suffix = current_formats().suffix.strip()
    return f" ({suffix})" if suffix else ""


def scenarios_chart(report: BudgetReport) -> go.Figure:
    """Every scenario but today's split as its difference from today's split: net contribution, customer base
    at the end and revenue over the horizon, one panel each (their units differ)."""
    table = report.differences
    titles = ("Net contribution", "Customer base at the end", "Revenue")
    fig = make_subplots(rows=1, cols=3, subplot_titles=[f"{t}<br>vs today's split" for t in titles],
                        horizontal_spacing=0.12)
    names = table["scenario"].to_list()
    labels = [plotly_text(n) for n in names]
    saved = 0
    colors = []
    for name in names:
        colors.append(_style(name, saved)["color"])
        saved += name not in _STYLE
    for column, (key, unit) in enumerate((("net_contribution", "money"), ("customer_base_end", "count"),
                                          ("revenue", "money")), start=1):
        values = table[key].to_list()
        text = [_signed_money(v) if unit == "money" else f"{v:+,.0f}" for v in values]
        fig.add_bar(y=labels, x=values, orientation="h", marker_color=colors, text=text, textposition="outside",
                    cliponaxis=False, showlegend=False, row=1, col=column,
                    hovertemplate="%{y}: %{text}<extra>" + titles[column - 1] + "</extra>")
        # Room for the labels outside the bars on both sides of zero.
        reach = max([abs(v) for v in values] + [1.0])
        low, high = min(values + [0.0]), max(values + [0.0])
        fig.update_xaxes(range=[low - 0.9 * reach if low < 0 else -0.05 * reach,
                                high + 0.9 * reach if high > 0 else 0.05 * reach],
                         tickformat="~s", zeroline=True, zerolinewidth=2, row=1, col=column,
                         title_text=("difference" + (_currency_unit() if unit == "money" else ", customers")))
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_yaxes(showticklabels=True, row=1, col=1)
    best = table.filter(pl.col("scenario") != CURRENT).sort("net_contribution", descending=True)
    if best.height == 0:
        title = "No scenario to compare"
    else:
        top = best.row(0, named=True)
        diff = top["net_contribution"]
        title = (f"{plotly_text(top['scenario'])} adds the most net contribution: {_signed_money(diff)} vs today's "
                 "split" if diff > 0.5 else "No scenario beats today's split on net contribution")
    return theme.apply(fig, title, height=160 + 60 * max(1, len(names)))


def sensitivity_chart(report: BudgetReport) -> go.Figure:
    """Best retention share on a grid of beta x r_max (the current cell outlined)."""
    table = report.sensitivity
    betas = sorted(table["beta"].unique().to_list())
    r_maxes = sorted(table["r_max"].unique().to_list())
    lookup = {(r["beta"], r["r_max"]): r["best_share"] for r in table.iter_rows(named=True)}
    z = [[lookup[(b, r)] for b in betas] for r in r_maxes]
    text = [[percent(v) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        x=[f"{b:g}" for b in betas], y=[percent(r) for r in r_maxes], z=z, text=text, texttemplate="%{text}",
        textfont=dict(size=16), colorscale="Blues", zmin=0, zmax=1,
        colorbar=dict(title=dict(text="Best share<br>to retention"), tickformat=".0%"),
        hovertemplate="beta %{x}, r_max %{y}: best %{z:.0%} to retention<extra></extra>"))
    current = table.filter(pl.col("is_current"))
    if current.height:
        row = current.row(0, named=True)
        fig.add_shape(type="rect", xref="x", yref="y", x0=betas.index(row["beta"]) - 0.5,
                      x1=betas.index(row["beta"]) + 0.5, y0=r_maxes.index(row["r_max"]) - 0.5,
                      y1=r_maxes.index(row["r_max"]) + 0.5, line=dict(color="#000000", width=3))
    fig.update_xaxes(title_text="beta: acquisition returns (1 = constant CAC)", type="category")
    fig.update_yaxes(title_text="r_max: largest churn reduction", type="category")
    low, high = float(table["best_share"].min()), float(table["best_share"].max())
    if low == high:
        title = f"The best split stays at {percent(low)} to retention across these assumptions"
    else:
        title = f"The best share to retention ranges from {percent(low)} to {percent(high)} across these assumptions"
    return theme.apply(fig, title, height=460)


def _when(calibration: Calibration) -> str:
    if calibration.window_start is None or calibration.window_end is None:
        return "the calibration window"
    return (f"{period_label(calibration.window_start, 'month', short=True)} to "
            f"{period_label(calibration.window_end, 'month', short=True)}")


def _range(report: BudgetReport, name: str, kind: str) -> str:
    low, high = report.uncertainty.ranges[name]
    if kind == "percent":
        return f"{percent(low)}–{percent(high)}"
    if kind == "money":
        return f"{money(low)}–{money(high)}"
    return f"{low:g}–{high:g}"


def memo_text(calibration: Calibration, report: BudgetReport, scope: str, response_note: str | None = None) -> str:
    """A plain-language summary for a board memo, computed from the numbers; it says what the model assumes."""
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    current, baseline, best = rows[CURRENT], rows[BASELINE], rows[BEST]
    a = report.current
    h = a.horizon_months
    hazard = calibration.hazard
    churn = (f"monthly churn {hazard[0]:.1%} in the signup month and {hazard[min(12, len(hazard) - 1)]:.1%} at one "
             "year" if len(hazard) > 12 else f"monthly churn {hazard[0]:.1%} in the signup month")
    definition = describe_churn(calibration.churn_definition, calibration.inactivity_days)
    cac = calibration.cac
    lines = [
        f"Marketing budget: acquisition vs retention — model projection over {h} months",
        "",
        f"Basis: {scope}; calibrated on {_when(calibration)} ({calibration.months} complete months). Marketing "
        f"spend averaged {money(calibration.paid_spend)} a month and won {calibration.paid_new:,.0f} paid new "
        f"customers a month (CAC, paid channels {money(cac)}); another {calibration.organic_new:,.0f} a month came "
        "without spend. "
        f"The customer base was {calibration.customer_base:,.0f} on {calibration.as_of}, each customer bringing "
        f"{money(calibration.revenue_per_active)} revenue and {money(calibration.margin_per_active)} gross margin a "
        f"month on average; {churn} (churn = {definition}).",
        "",
    ]
    acquisition = a.budget * (1 - a.retention_share)
    retention = a.budget * a.retention_share
    diff = current["net_contribution"] - baseline["net_contribution"]
    same = abs(diff) < 0.5 and abs(current["customer_base_end"] - baseline["customer_base_end"]) < 0.5
    proposal = (f"Proposal: {money(a.budget)} a month, {percent(a.retention_share)} to retention "
                f"({money(retention)}) and {percent(1 - a.retention_share)} to acquisition ({money(acquisition)}). ")
    if same:
        proposal += (f"This is today's split. The model projects a net contribution (gross margin minus marketing "
                     f"spend) of {money(current['net_contribution'])} over {h} months and "
                     f"a customer base of {current['customer_base_end']:,.0f} at the end.")
    else:
        proposal += (f"Under the model's assumptions this gives a net contribution (gross margin minus marketing "
                     f"spend) of {money(current['net_contribution'])} over {h} months, {money(abs(diff))} "
                     f"{'more' if diff >= 0 else 'less'} than today's split ({money(baseline['budget'])} a month, "
                     f"all on acquisition: {money(baseline['net_contribution'])}), and "
                     f"a customer base of {current['customer_base_end']:,.0f} at the end versus "
                     f"{baseline['customer_base_end']:,.0f}.")
    lines.append(proposal)
    low = float(report.sensitivity["best_share"].min())
    high = float(report.sensitivity["best_share"].max())
    betas, r_maxes = report.sensitivity["beta"], report.sensitivity["r_max"]
    spread = (f"it stays at {percent(low)}" if low == high else f"it moves between {percent(low)} and "
              f"{percent(high)}")
    lines.append("")
    lines.append(
        f"With the same budget and assumptions, the split with the highest net contribution puts "
        f"{percent(best['retention_share'])} into retention ({money(best['net_contribution'])} over {h} months); "
        f"{spread} when beta ranges {betas.min():g}–{betas.max():g} and r_max {percent(r_maxes.min())}–"
        f"{percent(r_maxes.max())}.")
    lines.append("")
    lines.append(verdict(report) + f" (Plausible: beta {_range(report, 'beta', '{:g}')}, r_max "
                 f"{_range(report, 'r_max', 'percent')}, B_half {_range(report, 'b_half', 'money')}; "
                 f"{report.uncertainty.draws.height} seeded draws.)")
    if calibration.target is not None:
        t = calibration.target
        lines.append("")
        lines.append(f"Retention spend is aimed at {t.label} only ({t.group.customer_base:,.0f} customers in the "
                     f"base now, monthly churn {t.group.hazard[0]:.1%} in the signup month, "
                     f"{money(t.group.margin_per_active)} gross margin a month each); the rest of the base "
                     f"({t.rest.customer_base:,.0f}) keeps its own churn and margin, without retention spend.")
    caveats = [
        "This is a model with assumptions, not a forecast. New paid customers are assumed to follow "
        f"n0 × (acquisition budget / {money(calibration.paid_spend)})^{a.beta:g} (diminishing returns; beta is "
        "an assumption, not measured here). Retention spend is assumed to lower every churn rate by up to "
        f"{percent(a.r_max)}, half of that reached at about {money(a.b_half * 0.693)} a month "
        f"(r = {percent(a.r_max)} × (1 − exp(−spend / {money(a.b_half)}))); the data records no retention spend, "
        "so this effect is not measured and should be tested (for example with a holdout group) before budget "
        "moves. Every active customer is assumed to earn the recent average whatever their age; organic "
        "sign-ups continue at the recent rate; amounts are not discounted, and customers still active at the end "
        f"are not valued beyond the {h} months."
    ]
    if response_note:
        caveats.append(response_note)
    caveats.extend(calibration.notes)
    if calibration.paid_spend > 0 and acquisition > 1.5 * calibration.paid_spend:
        caveats.append(f"The acquisition budget is {acquisition / calibration.paid_spend:.1f} times recent spend: "
                       "the response is extrapolated beyond anything the data has seen.")
    lines.append("")
    lines.extend(caveats)
    return "\n".join(lines)
