"""Budget what-if: how much of the marketing budget should go to keeping customers rather than winning them?"""

from __future__ import annotations

import streamlit as st

from analytics.budget import (
    CalibrationSettings,
    budget_report,
    calibrate,
    calibrate_targeted,
    scenarios_table,
    uncertainty_table,
)
from analytics.customer_base import base_context
from analytics.overview import filter_options
from analytics.retention_process import measured_responses
from queries import DataUnavailable
from report import links
from report.board_pack import BudgetInputs, board_pack
from ui import budget_charts, budget_page, shell
from ui.format import money, percent

shell.ensure_shell()
st.title("Budget what-if: acquisition vs retention")
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_setting()
margin, window = budget_page.model_settings()
settings = CalibrationSettings(margin=round(margin, 4), calibration_months=window,
                               churn_definition=churn_definition, inactivity_days=inactivity_days)
question = st.container()
st.subheader("Your inputs")
target = budget_page.target_input(shell.compute(filter_options))
try:
    calibration = (shell.compute(calibrate_targeted, filters, settings, *target) if target
                   else shell.compute(calibrate, filters, settings))
except DataUnavailable as exc:
    shell.show_unavailable(exc)

churn_text = budget_page.churn_text(churn_definition, inactivity_days)
window_text = budget_page.window_text(calibration)
scope = budget_page.scope_text(filters)
st.caption(f"Scope: {scope} · as of {calibration.as_of} (the To date sets it; the From date does not apply here: "
           f"the model needs the whole customer base) · calibrated on {window_text} · churn: {churn_text} · margin "
           f"{margin:.0%} where the export has no gross_margin")
if calibration.problem:
    st.info(calibration.problem, icon=":material/info:")
    st.stop()

assumptions = budget_page.split_inputs(calibration, shell.compute(measured_responses, filters, churn_definition,
                                                                   inactivity_days))
horizon = assumptions.horizon_months
saved = budget_page.saved_scenarios()
report = budget_report(calibration, assumptions, tuple(saved.values()))
aimed = (f" Retention is aimed at {calibration.target.label} only: the model projects that group and the rest "
         "of the base each with its own churn and margin, so even today's split comes out a little differently "
         "from the whole base projected as one." if calibration.target else "")

# ------------------------------------------------------------------------------------------------ the question
with question:
    st.subheader("What if we moved budget from acquisition to retention?")
    budget_page.question(report)
    shell.chart(budget_charts.split_curve_chart(report), key="budget_split_curve")
    u = report.uncertainty
    st.caption(
        f"Net contribution (gross margin − marketing spend) over {horizon} months for every retention share from "
        f"0% to 100% in 1% steps at {money(report.current.budget)} a month. The line uses your response "
        f"assumptions; the band holds 8 in 10 of {u.draws.height} seeded draws of the assumptions the data cannot "
        f"measure: beta {u.ranges['beta'][0]:g}–{u.ranges['beta'][1]:g} and r_max {percent(u.ranges['r_max'][0])}–"
        f"{percent(u.ranges['r_max'][1])} (± 0.2 and ± 10 points around yours, the sensitivity grid's ranges), "
        f"B_half {money(u.ranges['b_half'][0])}–{money(u.ranges['b_half'][1])} (half to twice yours). Dashed: "
        f"today's split ({money(report.baseline.budget)} a month, all on acquisition).{aimed}")
    shell.download_csv(uncertainty_table(calibration, assumptions), "budget_uncertainty.csv")

# ------------------------------------------------------------------------------------------------ calibration
st.subheader("Calibrated from the data")
budget_page.calibration_tiles(calibration, churn_text,
                              base_context(calibration.as_of, filters, churn_definition, inactivity_days))
for note in calibration.notes:
    st.warning(note, icon=":material/warning:")
with st.expander("Calibration details: spend and new customers by channel and month, churn by age"):
    shell.table(calibration.channels, "budget_calibration_channels.csv")
    shell.table(calibration.monthly, "budget_calibration_months.csv")
    shell.chart(budget_charts.hazard_chart(calibration), key="budget_hazard")
    st.caption("Bars: the churn hazard by age estimated from the Kaplan-Meier curve (grey where fewer than "
               "30 customers were followed through that month of age). Line: what the model uses, held at the "
               "last reliable value beyond the data.")
    shell.table(calibration.hazard_by_age, "budget_hazard_by_age.csv")

# ------------------------------------------------------------------------------------------------ headline
st.subheader(f"Your split against today's, over {horizon} months")
budget_page.headline_tiles(report, horizon)
st.caption(f"Today's split (the baseline): {money(report.baseline.budget)} a month, the recent average, all on "
           "acquisition: the spend export records acquisition channels only, so no retention spend is recorded. "
           f"Same horizon and response assumptions as your split. Recent actual existing-customer revenue share: "
           f"{percent(calibration.recent_existing_share, 1)}.{aimed}")
acquisition_budget = (1 - report.current.retention_share) * (report.current.budget or 0.0)
if acquisition_budget > 1.5 * calibration.paid_spend:
    st.warning("The acquisition budget is more than 1.5× the recent spend: the response curve is extrapolated "
               "beyond what the data has seen.", icon=":material/warning:")
shell.chart(budget_charts.contribution_chart(report), key="budget_contribution")
shell.chart(budget_charts.customers_chart(report), key="budget_customers")

# ------------------------------------------------------------------------------------------------ scenarios
st.subheader("Scenarios compared")
st.caption("Your split, the best split and up to three saved scenarios, each as a difference from today's split "
           "over its own horizon. A saved scenario keeps its inputs in the URL (parameters s1–s3), so the page "
           "link carries them; its numbers are recomputed with the current data, filters and calibration.")
shell.chart(budget_charts.scenarios_chart(report), key="budget_scenarios_chart")
budget_page.scenario_tables(report)
budget_page.scenario_controls(saved, report)

# ------------------------------------------------------------------------------------------------ optimum
st.subheader("How the best split moves with the assumptions")
shell.chart(budget_charts.sensitivity_chart(report), key="budget_sensitivity")
st.caption("How the best split moves with the two assumptions the data cannot measure; the outlined cell is the "
           "current pair. Each cell is the best of the 101 splits above.")
with st.expander("Tables behind the split curve (first chart) and this one"):
    shell.table(report.curve, "budget_split_curve.csv")
    shell.table(report.sensitivity, "budget_sensitivity.csv")
st.markdown("**Acquisition budget by channel** (today's proportions of spend; each channel answers like the "
            "total, so these sum to the model's paid new customers)")
shell.table(report.channels, "budget_channels.csv")

# ------------------------------------------------------------------------------------------------ memo
st.subheader("Summary for a board memo")
st.code(budget_charts.memo_text(calibration, report, scope, budget_page.measured_note(report.current)),
        language=None, wrap_lines=True)
if st.button("Prepare the board pack with these inputs and scenarios", icon=":material/slideshow:",
             key="budget_board_pack", help="The Overview's board pack, with this page's split, its uncertainty band "
                                           "and the saved scenarios compared with today's split."):
    st.session_state["budget_board_pack_ready"] = True
if st.session_state.get("budget_board_pack_ready"):
    base_url = links.app_base_url(st.context.url, st.get_option("server.baseUrlPath"))
    inputs = BudgetInputs(report.current, round(margin, 4), window, tuple(saved.values()), target)
    pack = shell.compute(board_pack, filters, churn_definition, inactivity_days, base_url, inputs, "previous",
                         shell.formats())
    st.download_button("Download board_pack.html", pack.encode(), file_name="board_pack.html", mime="text/html",
                       icon=":material/download:", key="download-budget-board-pack")

with st.expander("Monthly projection of every scenario"):
    shell.table(report.projections, "budget_projection.csv")
    shell.download_csv(scenarios_table(calibration, assumptions, tuple(saved.values())), "budget_scenarios.csv",
                       "Download budget_scenarios.csv (baseline, best split and saved scenarios, as the headless "
                       "export)")

with st.expander("Definitions and assumptions"):
    st.markdown(budget_page.definitions(calibration, window, window_text, churn_text))
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
