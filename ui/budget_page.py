"""The Budget what-if page's widgets and texts, drawn in order by pages/budget.py: the model settings in the
sidebar, the calibration tiles, the inputs of a split (bound to the URL), the headline tiles, the saved
scenarios (URL parameters s1..s3) and the definitions."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from analytics import catalog
from analytics.budget import (
    BASELINE,
    BEST,
    CURRENT,
    HORIZON_RANGE,
    MAX_SCENARIOS,
    TARGET_DIMENSIONS,
    Assumptions,
    BudgetReport,
    Calibration,
    MeasuredResponse,
    Scenario,
    TargetDimension,
    clean_name,
    decode_scenario,
    encode_scenario,
    response_from_hazard_ratio,
    unique_name,
)
from analytics.filters import Filters
from analytics.formats import current
from analytics.survival import ChurnDefinition, describe_churn
from ui import budget_charts, shell
from ui.format import escape_markdown, money, percent, period_label

SLOTS = tuple(f"s{i}" for i in range(1, MAX_SCENARIOS + 1))


# ------------------------------------------------------------------------------------------------ settings, scope
def model_settings() -> tuple[float, int]:
    """The sidebar's model settings, bound to the URL: the gross margin where the export has none (a fraction)
    and the calibration window (complete months)."""
    with st.sidebar:
        st.subheader("Budget model")
        margin = st.slider("Gross margin (where the export has none)", 0.05, 1.0, 0.70, 0.05, key="margin",
                           bind="query-params", help="Applied to amount for transactions without gross_margin, as "
                                                     "on the Value & CAC page.")
        window = int(st.number_input("Calibration window (complete months)", 3, 36, 12, 1, key="calibration_months",
                                     bind="query-params",
                                     help="Spend, new customers and revenue per active customer are averaged over "
                                          "this many complete months before the as-of date."))
    return margin, window


def churn_text(churn_definition: ChurnDefinition, inactivity_days: int) -> str:
    return describe_churn(churn_definition, inactivity_days)


def window_text(calibration: Calibration) -> str:
    if not calibration.window_start:
        return "–"
    return (f"{period_label(calibration.window_start, 'month', short=True)} – "
            f"{period_label(calibration.window_end, 'month', short=True)}")


def scope_text(filters: Filters) -> str:
    return " · ".join(f"{name}: {', '.join(getattr(filters, name))}" for name in ("segment", "channel", "region")
                      if getattr(filters, name)) or "all customers"


# ------------------------------------------------------------------------------------------------ calibration
def calibration_tiles(calibration: Calibration, churn: str, context: catalog.Context = ()) -> None:
    """Two rows of three tiles: B0, n0, CAC of the paid channels; organic new customers, the customer base now
    (the figure the Overview shows), margin per customer in the base. ``context``: the ledger's, for the base."""
    def figure_tile(column, key: str, value: float | None, surface: str | None = None, **extra: object) -> None:
        shown = (catalog.show(key, value, surface=surface, context=context) if surface
                 else current().value(catalog.figure(key).unit, value))
        column.metric(catalog.name(key) + extra.pop("suffix", ""), shown,
                      help=str(extra.pop("help", catalog.figure(key).definition)))

    tiles = [column for _ in range(2) for column in st.columns(3)]
    figure_tile(tiles[0], "recent_spend", calibration.paid_spend, suffix=" (B0)")
    figure_tile(tiles[1], "paid_new_customers", calibration.paid_new, suffix=" (n0)")
    figure_tile(tiles[2], "cac_paid", calibration.cac,
                help=catalog.figure("cac_paid").definition + " The Value & CAC page's blended CAC also counts "
                     "organic customers, over the whole window.")
    figure_tile(tiles[3], "organic_new_customers", calibration.organic_new)
    figure_tile(tiles[4], "customer_base", calibration.customer_base, surface="budget tile", suffix=", now",
                help=f"{catalog.figure('customer_base').definition} On {calibration.as_of} ({churn}): the model's "
                     "starting base, as on the Overview.")
    figure_tile(tiles[5], "margin_per_customer", calibration.margin_per_active,
                help=f"{catalog.figure('margin_per_customer').definition} Revenue "
                     f"{money(calibration.revenue_per_active)} per customer in the base and month.")


# ------------------------------------------------------------------------------------------------ the question
def question(report: BudgetReport) -> None:
    """The first screen: today's split beside the best split (three tiles: the best split's value and its
    difference from today's) and the verdict in words; the page draws the split curve with its band below."""
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    today, best = rows[BASELINE], rows[BEST]
    h = report.current.horizon_months
    st.markdown(f"**Today's split** ({money(today['budget'])} a month, all on acquisition) **against the best "
                f"split** ({percent(best['retention_share'])} of {money(best['budget'])} a month to retention), "
                f"over {h} months:")
    tiles = st.columns(3)
    for column, key, label, kind in ((tiles[0], "net_contribution", f"Net contribution over {h} months", "money"),
                                     (tiles[1], "customer_base_end", "Customer base at the end", "count"),
                                     (tiles[2], "revenue", f"Revenue over {h} months", "money")):
        diff = best[key] - today[key]
        shown = money(best[key]) if kind == "money" else f"{best[key]:,.0f}"
        delta = money(diff, signed=True) if kind == "money" else f"{diff:+,.0f}"
        before = money(today[key]) if kind == "money" else f"{today[key]:,.0f}"
        column.metric(f"Best split: {label.lower()}", shown, delta=_delta(diff, delta),
                      delta_description=f"vs today's split ({before})")
    text = budget_charts.verdict(report)
    (st.success if report.uncertainty.clear else st.info)(text, icon=":material/balance:")


def scenario_tables(report: BudgetReport) -> None:
    """The scenarios' inputs and results as two formatted tables (money with the currency, counts, percent),
    narrow enough for every column to show; the CSV below keeps the raw numbers."""
    summary = report.summary
    inputs = pl.DataFrame({
        "Scenario": summary["scenario"],
        "Budget a month": [money(v) for v in summary["budget"]],
        "To retention": [percent(v) for v in summary["retention_share"]],
        "Horizon": [f"{v} months" for v in summary["horizon_months"]],
        "beta": [f"{v:g}" for v in summary["beta"]],
        "r_max": [percent(v) for v in summary["r_max"]],
        "B_half a month": [money(v) for v in summary["b_half"]],
    })
    diffs = {r["scenario"]: r for r in report.differences.iter_rows(named=True)}
    zero = {"net_contribution": 0.0, "customer_base_end": 0.0, "revenue": 0.0}
    results = pl.DataFrame({
        "Scenario": summary["scenario"],
        "Net contribution": [money(v) for v in summary["net_contribution"]],
        "vs today": [money(diffs.get(n, zero)["net_contribution"], signed=True) for n in summary["scenario"]],
        "Base at the end": [f"{v:,.0f}" for v in summary["customer_base_end"]],
        "vs today ": [f"{diffs.get(n, zero)['customer_base_end']:+,.0f}" for n in summary["scenario"]],
        "Revenue": [money(v) for v in summary["revenue"]],
        "vs today  ": [money(diffs.get(n, zero)["revenue"], signed=True) for n in summary["scenario"]],
    })
    st.markdown("**Inputs**")
    st.dataframe(inputs, hide_index=True, width="stretch")
    st.markdown("**Results over each scenario's horizon** (customer base: projected customers at the end; "
                "existing-customer revenue share and gross margin in budget_summary.csv)")
    st.dataframe(results, hide_index=True, width="stretch")
    shell.download_csv(summary, "budget_summary.csv")


# ------------------------------------------------------------------------------------------------ inputs
WHOLE_BASE = "Whole customer base"


def target_input(options: dict[str, list[str]]) -> tuple[TargetDimension, str] | None:
    """Where retention spend goes: the whole customer base, or one segment, channel or region (bound to the
    URL as ``target=segment: pro``)."""
    # The URL holds the option as shown (Streamlit matches a bound selectbox's URL value to its shown labels), so
    # the options are the codes, as in the sidebar filters: "segment: pro".
    choices = [WHOLE_BASE] + [f"{dim}: {value}" for dim in TARGET_DIMENSIONS for value in options.get(dim, [])]
    choice = st.selectbox("Aim retention at", choices, key="target", bind="query-params",
                          help="Retention spend aimed at one group: its churn reduction applies to that group's "
                               "customers only, on the group's own churn and margin; the rest of the base keeps "
                               "its own, without retention spend.")
    if not choice or choice == WHOLE_BASE:
        return None
    dim, value = choice.split(": ", 1)
    return dim, value  # type: ignore[return-value]


def split_inputs(calibration: Calibration, measured: list[MeasuredResponse] | None = None) -> Assumptions:
    """The budget, its split and the response assumptions, each bound to its URL parameter (defaults from the
    calibration: the recent spend and 10% of it); ``measured``: the touchpoints export's measured responses, offered
    as a calibration of r_max and B_half."""
    default_budget = int(calibration.default_budget)
    step = int(10 ** max(0, math.floor(math.log10(max(default_budget, 1))) - 1))
    row = st.columns(3)
    budget = row[0].number_input(
        "Total marketing budget a month", min_value=0, value=default_budget, step=step, key="budget",
        bind="query-params", help=f"Default: the recent average monthly spend ({money(calibration.paid_spend)}).")
    share = row[1].slider("Share to retention (%)", 0, 100, 0, 1, key="retention_share", bind="query-params",
                          help="The rest goes to acquisition, split across paid channels in today's proportions.")
    horizon = row[2].slider("Horizon (months)", HORIZON_RANGE[0], HORIZON_RANGE[1], 24, 1, key="horizon_months",
                            bind="query-params",
                            help="Months projected; totals are summed over them (not discounted).")
    st.markdown("**Response assumptions** (not measured in the data: set them from experience or experiments)")
    measured_response(calibration, measured or [])
    row = st.columns(3)
    beta = row[0].slider(
        "beta: returns on acquisition spend", 0.1, 1.0, 0.7, 0.05, key="beta", bind="query-params",
        help="New paid customers a month = n0 × (acquisition budget / B0)^beta. 1 = every extra unit buys "
             "customers at today's CAC; lower = diminishing returns (doubling spend gives 2^beta times the "
             "customers: 0.7 → 1.6×).")
    r_max = row[1].slider(
        "r_max: largest churn reduction (%)", 0, 60, 25, 1, key="rmax", bind="query-params",
        help="Retention spend B lowers every monthly churn hazard by r(B) = r_max × (1 − exp(−B / B_half)): "
             "r_max is the most it can ever achieve.")
    default_b_half = int(calibration.default_b_half)
    b_half = row[2].number_input(
        "B_half: retention spend scale a month", min_value=1, value=default_b_half, step=max(1, step // 10),
        key="bhalf", bind="query-params",
        help=f"Retention spend of B_half reaches 63% of r_max (half of it at 0.69 × B_half). Default: 10% of "
             f"recent spend ({money(default_b_half)}).")
    return Assumptions(budget=float(budget), retention_share=share / 100, horizon_months=int(horizon),
                       beta=round(float(beta), 2), r_max=r_max / 100, b_half=float(b_half))


def _apply_measured(customers: float) -> None:
    try:
        measured = MeasuredResponse(
            (st.session_state.get("measured_action") or "").strip() or "a retention action",
            float(st.session_state.get("measured_hr") or 0), float(st.session_state.get("measured_cost") or 0),
            (st.session_state.get("measured_source") or "").strip() or "entered on this page")
        fitted = response_from_hazard_ratio(measured, customers)
    except ValueError as exc:
        st.session_state["measured_note"] = ("error", str(exc))
        return
    # The sliders take whole percent and whole currency units: the note gives the exact figures.
    st.session_state["rmax"] = max(0, min(60, round(fitted.r_max * 100)))
    st.session_state["bhalf"] = max(1, round(fitted.b_half))
    st.session_state["measured_note"] = ("ok", fitted.note)
    st.session_state["measured_applied"] = (st.session_state["rmax"], st.session_state["bhalf"], fitted.note)


def measured_note(assumptions: Assumptions) -> str | None:
    """The measured response's note while r_max and B_half are still the ones it set, else None."""
    applied = st.session_state.get("measured_applied")
    if applied and round(assumptions.r_max * 100) == applied[0] and assumptions.b_half == applied[1]:
        return str(applied[2])
    return None


def _fill_measured(measured: list[MeasuredResponse]) -> None:
    chosen = next((m for m in measured if m.action == st.session_state.get("measured_pick")), None)
    if chosen is not None:
        st.session_state["measured_action"] = chosen.action
        st.session_state["measured_hr"] = round(chosen.hazard_ratio, 2)
        st.session_state["measured_cost"] = round(chosen.cost_per_customer, 2)
        st.session_state["measured_source"] = chosen.source


def measured_response(calibration: Calibration, measured: list[MeasuredResponse]) -> None:
    """Set r_max and B_half from a measured response (a hazard ratio and its cost, e.g. from a holdout test, or
    one of ``measured``: the touchpoints export's landmark analysis on the Retention process page), saying where
    the figure came from."""
    target = calibration.target
    customers = target.group.customer_base if target else calibration.customer_base
    who = (f"the {customers:,.0f} customers of {target.label}" if target
           else f"the {customers:,.0f} customers in the base")
    with st.expander("Calibrate r_max and B_half from a measured response (a hazard ratio and its cost)"):
        if measured:
            pick = st.columns([3, 1], vertical_alignment="bottom")
            pick[0].selectbox("Measured in your touchpoints export", [m.action for m in measured], key="measured_pick",
                              help="Touchpoints whose landmark hazard ratio (Retention process page) is below 1 with "
                                   "its 95% interval, and whose cost the export gives.")
            pick[1].button("Fill in its figures", key="measured_fill", on_click=_fill_measured, args=(measured,))
        row = st.columns([2, 1, 1, 2])
        row[0].text_input("Retention action", key="measured_action", placeholder="e.g. win-back call")
        row[1].number_input("Hazard ratio", 0.01, 0.99, 0.8, 0.01, key="measured_hr",
                            help="Churn hazard of customers who got the action / of comparable ones who did not "
                                 "(a holdout test or a Cox model). 0.8 = churn 20% lower.")
        row[2].number_input("Cost a month per customer", 0.0, None, 5.0, 0.5, key="measured_cost")
        row[3].text_input("Where the figure came from", key="measured_source",
                          placeholder="e.g. Q3 holdout test, 1,200 customers")
        st.button("Use it for r_max and B_half", key="measured_apply", icon=":material/science:",
                  on_click=_apply_measured, args=(customers,))
        st.caption(f"The action for {who} costs S = cost × customers a month; r_max = (1 − hazard ratio) / 0.95 and "
                   "B_half = S / ln 20, so that spending S lowers churn by exactly the measured amount "
                   "(analytics/budget/response.py).")
        note = st.session_state.get("measured_note")
        if note:
            (st.success if note[0] == "ok" else st.error)(note[1])


def saved_scenarios() -> dict[str, Scenario]:
    """The scenarios saved in the URL by slot (s1..s3); a malformed one is ignored with a warning.

    One URL parameter each, written through ``st.query_params`` (see :func:`scenario_controls`), not widgets."""
    saved: dict[str, Scenario] = {}
    for slot in SLOTS:
        text = st.query_params.get(slot)
        if not text:
            continue
        try:
            saved[slot] = decode_scenario(text)
        except ValueError as exc:
            st.warning(f"Scenario `{slot}` in the URL is ignored: {escape_markdown(str(exc))}",
                       icon=":material/warning:")
    return saved


# ------------------------------------------------------------------------------------------------ headline
def _delta(diff: float, text: str, tolerance: float = 0.5) -> float | str:
    # A number 0 shows a grey, arrowless delta; a string would show a green arrow for "0".
    return 0 if abs(diff) < tolerance else text


def headline_tiles(report: BudgetReport, horizon: int) -> None:
    """Four tiles: the current split's horizon totals, each with its change against today's split."""
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    current, baseline = rows[CURRENT], rows[BASELINE]
    tiles = st.columns(4)
    versus = "vs today's split"

    tiles[0].metric(f"Net contribution over {horizon} months", money(current["net_contribution"]),
                    delta=_delta(current["net_contribution"] - baseline["net_contribution"],
                                 money(current["net_contribution"] - baseline["net_contribution"])),
                    delta_description=versus,
                    help="Gross margin − marketing spend, summed over the horizon (not discounted).")
    tiles[1].metric(f"{catalog.name('projected_customer_base')} at the end", f"{current['customer_base_end']:,.0f}",
                    delta=_delta(current["customer_base_end"] - baseline["customer_base_end"],
                                 f"{current['customer_base_end'] - baseline['customer_base_end']:+,.0f}"),
                    delta_description=versus)
    tiles[2].metric(f"Revenue over {horizon} months", money(current["revenue"]),
                    delta=_delta(current["revenue"] - baseline["revenue"],
                                 money(current["revenue"] - baseline["revenue"])),
                    delta_description=versus)
    existing_delta = (current["existing_share"] or 0) - (baseline["existing_share"] or 0)
    tiles[3].metric("Existing-customer revenue share", percent(current["existing_share"], 1),
                    delta=_delta(existing_delta, f"{existing_delta * 100:+.1f} pp", 0.0005), delta_color="off",
                    delta_description=versus,
                    help="Revenue from customers acquired before the month / all revenue, over the horizon.")


# ------------------------------------------------------------------------------------------------ scenarios
def _save(slot: str, encoded: str, taken: list[str]) -> None:
    name = (st.session_state.get("scenario_name") or "").strip() or f"Scenario {slot[1:]}"
    # A repeated name gets a suffix: two scenarios called "Push" could not be told apart in the table or chart.
    name = unique_name(clean_name(name) or f"Scenario {slot[1:]}", taken + [BASELINE, CURRENT, BEST])
    st.query_params[slot] = f"{name}|{encoded.split('|', 1)[1]}"
    st.session_state["scenario_name"] = ""


def _remove(slot: str) -> None:
    if slot in st.query_params:
        del st.query_params[slot]


def _link(scenario: Scenario) -> str:
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    params.update(budget_charts.budget_query(scenario.assumptions))
    return "budget?" + urlencode(params, doseq=True)


def scenario_controls(saved: dict[str, Scenario], report: BudgetReport) -> None:
    """Save the current inputs as a named scenario in a free slot; one line per saved scenario, with a link
    that opens it and a button that removes it."""
    free = [slot for slot in SLOTS if slot not in saved]
    save_row = st.columns([3, 2])
    save_row[0].text_input("Scenario name", key="scenario_name", max_chars=40,
                           placeholder=f"Scenario {len(saved) + 1}",
                           help="Saves the inputs above as a named scenario in the URL.")
    save_row[1].button("Save as scenario", key="save_scenario", icon=":material/bookmark_add:", disabled=not free,
                       on_click=_save, args=(free[0] if free else "s1", encode_scenario("x", report.current),
                                             [scenario.name for scenario in saved.values()]),
                       help="Up to three; remove one to save another." if not free else None)
    for slot, scenario in saved.items():
        line = st.columns([4, 2, 2])
        a = scenario.assumptions
        line[0].markdown(f"**{escape_markdown(scenario.name)}** — {money(a.budget)} a month, "
                         f"{percent(a.retention_share)} to retention, {a.horizon_months} months, beta {a.beta:g}, "
                         f"r_max {percent(a.r_max)}, B_half {money(a.b_half)}")
        line[1].link_button("Open this scenario", _link(scenario), icon=":material/open_in_new:")
        line[2].button("Remove", key=f"remove_{slot}", icon=":material/delete:", on_click=_remove, args=(slot,))


# ------------------------------------------------------------------------------------------------ definitions
def definitions(calibration: Calibration, window: int, window_text: str, churn_text: str) -> str:
    """The "Definitions and assumptions" text (Markdown), with this calibration's numbers."""
    return f"""
**Calibrated from the data** ({window_text}: the last {window} complete months before the as-of date
{calibration.as_of}, or fewer when the data starts later):
- **Recent spend B0** = mean monthly acquisition cost of the paid channels ({money(calibration.paid_spend)}):
  `marketing_spend`, else the customers' `acquisition_cost`. **Paid channels**: channels with any cost in the
  window. **n0** = their mean monthly new customers ({calibration.paid_new:,.1f}); **CAC, paid channels** = B0 /
  n0 (the Value & CAC page's *blended CAC incl. organic* divides all cost by all customers, organic included). With a
  segment or region filter, each channel's spend is shared out by the customers it acquired in that scope.
- **Organic new customers** ({calibration.organic_new:,.1f} a month): channels without cost. They keep arriving
  at this rate whatever the budget.
- **Churn hazard h(a)** for a customer aged a whole months (0 = signup month) = 1 − S(a+1) / S(a), with S the
  Kaplan-Meier survival at day 30.4375 × a under the churn definition in the sidebar ({churn_text}), from every
  customer's history. Ages with fewer than 30 customers followed through them are not used: h is held at the
  last reliable value beyond.
- **Customer base** = signed up and not churned (same definition). **Revenue / gross margin per customer in the
  base** = revenue (net of refunds) / gross margin in the window ÷ customer-months in the base in the window
  ({money(calibration.revenue_per_active)} / {money(calibration.margin_per_active)} a month). One mean for every
  age: the model does not know that newer customers may spend differently.
- **Customer base now**: the {calibration.customer_base:,.0f} customers not churned on the as-of date, by age (the
  Overview's customer base).

**Model**, month by month for a budget B a month with a share s to retention:
- **Acquisition**: new paid customers a month = n0 × ((1 − s) B / B0)^beta. beta < 1: diminishing returns.
  Split across paid channels in today's proportions of spend (table above).
- **Retention**: every churn hazard becomes h(a) × (1 − r), r = r_max × (1 − exp(−s B / B_half)).
- Each month the base and every new cohort age by a month; a customer churns at the end of a month with the
  adjusted hazard of their age. New customers are active in their signup month. Counts are expected values.
- **Revenue / gross margin** = active customers × the per-active means. **Spend** = B every month.
  **Net contribution** = gross margin − spend, summed over the horizon, not discounted.
- **Existing-customer revenue share** = revenue from customers acquired before the month / all revenue.
- **Baseline (today's split)**: the recent spend B0, all on acquisition (the data records no retention spend).
- **Best split**: the retention share, in 1% steps, with the highest net contribution at your budget.
- **Retention aimed at a group** (segment, channel or region): the churn reduction applies to that group's
  customers only (its base now and the new customers who join it, in its recent share of new paid and organic
  customers), on the group's own churn hazard and margin per customer; the rest of the base keeps its own churn
  and margin, without retention spend. Aimed at the whole base, this is the model above exactly.

**Uncertainty**: beta, r_max and B_half are not measured. The band on the first chart is the 10th to 90th
percentile of the net contribution over 300 seeded draws: beta ± 0.2 (within 0.1–1) and r_max ± 10 points
(within 0–90%), the sensitivity grid's ranges, and B_half from half to twice yours (log-uniform: the scale of
retention spend is at best known within a factor of two before a test). The **range of best splits** is the 10th
to 90th percentile of each draw's best share. The best split's **gain** over today's split is compared draw by
draw: it is clear when it stays above zero in at least 9 draws in 10; otherwise there is **no clear winner**
between today's split and the best one.

**Measured response**: a hazard ratio HR of a retention action at a cost c a month per customer reached,
for the N customers retention is aimed at, sets r_max = (1 − HR) / 0.95 and B_half = S / ln 20 with S = c × N:
spending S lowers churn by exactly 1 − HR (the curve is then nearly flat beyond S).

**What the model leaves out**: the value of customers still active after the horizon (a longer horizon credits
both the customers retained and those won), seasonality and trends in sign-ups or spending, differences between
segments or channels in churn and value unless retention is aimed at one group (filter to look at one),
customers who come back, effects of spend that last beyond the month, and the uncertainty of the calibrated
numbers themselves (the band covers the response assumptions only). beta, r_max and B_half are assumptions: the
data records no retention spend, so the retention effect is not measured; test it before moving budget.
"""
