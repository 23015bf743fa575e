"""Budget what-if: how much of the marketing budget should go to keeping customers rather than winning them?"""

from __future__ import annotations

import streamlit as st

from analytics.budget import CalibrationSettings, budget_report, calibrate, scenarios_table
from analytics.customer_base import base_context
from queries import DataUnavailable
from ui import budget_charts, budget_page, shell
from ui.format import money, percent

shell.ensure_shell()
st.title("Budget what-if: acquisition vs retention")
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_setting()
margin, window = budget_page.model_settings()
settings = CalibrationSettings(margin=round(margin, 4), calibration_months=window,
                               churn_definition=churn_definition, inactivity_days=inactivity_days)
try:
    calibration = shell.compute(calibrate, filters, settings)
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

# ------------------------------------------------------------------------------------------------ inputs
st.subheader("Your split")
assumptions = budget_page.split_inputs(calibration)
horizon = assumptions.horizon_months
saved = budget_page.saved_scenarios()
report = budget_report(calibration, assumptions, tuple(saved.values()))

# ------------------------------------------------------------------------------------------------ headline
st.subheader(f"Results over {horizon} months")
budget_page.headline_tiles(report, horizon)
st.caption(f"Today's split (the baseline): {money(report.baseline.budget)} a month, the recent average, all on "
           "acquisition: the spend export records acquisition channels only, so no retention spend is recorded. "
           f"Same horizon and response assumptions as your split. Recent actual existing-customer revenue share: "
           f"{percent(calibration.recent_existing_share, 1)}.")
acquisition_budget = (1 - report.current.retention_share) * (report.current.budget or 0.0)
if acquisition_budget > 1.5 * calibration.paid_spend:
    st.warning("The acquisition budget is more than 1.5× the recent spend: the response curve is extrapolated "
               "beyond what the data has seen.", icon=":material/warning:")
shell.chart(budget_charts.contribution_chart(report), key="budget_contribution")
shell.chart(budget_charts.customers_chart(report), key="budget_customers")

# ------------------------------------------------------------------------------------------------ scenarios
st.subheader("Scenarios")
st.caption("Baseline, your split, the best split and up to three saved scenarios. A saved scenario keeps its "
           "inputs in the URL (parameters s1–s3), so the page link carries them; its numbers are recomputed with "
           "the current data, filters and calibration.")
shell.table(report.summary, "budget_summary.csv")
budget_page.scenario_controls(saved, report)

# ------------------------------------------------------------------------------------------------ optimum
st.subheader("Which split pays best?")
shell.chart(budget_charts.split_curve_chart(report), key="budget_split_curve")
st.caption(f"Net contribution over {horizon} months for every retention share from 0% to 100% in 1% steps, at "
           f"the same budget, horizon and response assumptions. The star marks the best split; the dot yours.")
shell.chart(budget_charts.sensitivity_chart(report), key="budget_sensitivity")
st.caption("How the best split moves with the two assumptions the data cannot measure; the outlined cell is the "
           "current pair. Each cell is the best of the 101 splits above.")
with st.expander("Tables behind these two charts"):
    shell.table(report.curve, "budget_split_curve.csv")
    shell.table(report.sensitivity, "budget_sensitivity.csv")
st.markdown("**Acquisition budget by channel** (today's proportions of spend; each channel answers like the "
            "total, so these sum to the model's paid new customers)")
shell.table(report.channels, "budget_channels.csv")

# ------------------------------------------------------------------------------------------------ memo
st.subheader("Summary for a board memo")
st.code(budget_charts.memo_text(calibration, report, scope), language=None, wrap_lines=True)

with st.expander("Monthly projection of every scenario"):
    shell.table(report.projections, "budget_projection.csv")
    shell.download_csv(scenarios_table(calibration, assumptions), "budget_scenarios.csv",
                       "Download budget_scenarios.csv (baseline and best split, as the headless export)")

with st.expander("Definitions and assumptions"):
    st.markdown(budget_page.definitions(calibration, window, window_text, churn_text))
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
