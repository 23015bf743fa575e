"""Survival: how long do customers stay, and who leaves sooner?"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.survival import (BY_LABELS, MIN_CHURNED,
                                MIN_CUSTOMERS, SURVIVAL_BY, default_churn_definition, hazard_model,
                                survival_curves)
from queries import DataUnavailable
from ui import shell, survival_charts
from ui.format import escape_markdown, plural


def p_text(column: str) -> pl.Expr:
    """A p-value for reading: '< 0.001' rather than 0.0000000003 (the CSV keeps the number)."""
    return (pl.when(pl.col(column) < 0.001).then(pl.lit("< 0.001"))
            .otherwise(pl.col(column).round(3).cast(pl.Utf8)).alias(column))


shell.ensure_shell()
st.title("Survival: how long do customers stay?")
filters = shell.current_filters()
churn, inactivity_days = shell.churn_controls()
by = st.segmented_control("Compare by", SURVIVAL_BY, default="segment", key="survival_by",
                          bind="query-params") or "segment"

try:
    # The curves and the hazard model (below) are computed side by side; each is cached on its own, so
    # changing "Compare by" refits only the curves.
    curves, model = shell.compute_side_by_side((survival_curves, filters, churn, inactivity_days, by),
                                               (hazard_model, filters, churn, inactivity_days))
except DataUnavailable as exc:
    shell.show_unavailable(exc)

if churn == "explicit":
    rule = ("**cancellation date**: a customer churns on their `churn_date`; without one they are still followed "
            "at the as-of date")
else:
    rule = (f"**inactivity, {inactivity_days} days**: a customer churned on their last purchase day once they "
            f"have not bought for {inactivity_days} days by the as-of date")
default_note = ("the default for this data" if churn == shell.compute(default_churn_definition)
                else "chosen in the sidebar")
left_out = curves.left_out
left_text = (" · left out: " + ", ".join(f"{plural(n, 'customer')} ({reason})" for reason, n in left_out.items())
             if left_out else " · nobody left out (no signup after the as-of date)")
st.markdown(f"Churn definition in force ({default_note}): {rule}.")
st.caption(f"As of **{curves.as_of.isoformat()}** · {plural(curves.customers, 'customer')} followed{left_text} · "
           f"filters: {filters.describe().split(' · ', 1)[-1]}")

label = BY_LABELS[by]
if curves.no_churn_recorded:
    names = ", ".join(escape_markdown(g) for g in curves.no_churn_recorded)
    st.warning(f"**No cancellation dates for {names}.** Under the explicit definition these customers can never "
               "churn, so their curve stays at 100%: that means no cancellation was recorded, not that nobody "
               "left. They are left out of the chart and the comparison; switch the churn definition to "
               "*inactivity* in the sidebar to compare them.", icon=":material/warning:")
if curves.too_small:
    names = ", ".join(escape_markdown(g) for g in curves.too_small)
    st.warning(f"Too few to say for {names} (fewer than {MIN_CUSTOMERS} customers or {MIN_CHURNED} churns): "
               "their curves are drawn but left out of the comparison.", icon=":material/info:")

# A group without a single churn date (explicit) would draw a flat 100% line that reads as "nobody leaves".
drawn = ~pl.col("group").is_in(curves.no_churn_recorded)
shell.chart(survival_charts.survival_chart(curves.curve.filter(drawn), curves.at_risk.filter(drawn), curves.headline,
                                           label), key="survival_curves")
st.markdown(escape_markdown(curves.comparison))
st.caption("Shaded bands: 95% confidence intervals. A curve is drawn as far as its customers are followed; "
           "the numbers under the chart are the customers still followed (at risk) on that day.")

st.subheader(f"By {label}")
# Groups without any churn date (explicit) show no survival figures: 100% would read as "nobody leaves".
unknown = pl.col("group").is_in(curves.no_churn_recorded)
figures = ["survival_30", "survival_90", "survival_180", "survival_365", "rmst_365"]
summary = curves.summary.with_columns(
    median=pl.when(unknown).then(pl.lit("no churn dates recorded"))
    .when(pl.col("median_days").is_null()).then(pl.lit("not reached"))
    .otherwise(pl.col("median_days").cast(pl.Int64).cast(pl.Utf8) + " days"),
    rmst_365=pl.col("rmst_365").round(0),
).with_columns(pl.when(~unknown).then(pl.col(figures)).otherwise(None)).select("group", "customers", "churned", "median", "survival_30", "survival_90", "survival_180", "survival_365",
         "rmst_365").rename({"group": label, "median": "median time to churn",
                             "rmst_365": "mean days active in first year"})
shell.table(summary)
shell.download_csv(curves.summary, "survival_summary.csv")
st.caption("survival_N: share still active N days after signup (empty: nobody followed that long). Median: "
           "the first day by which half have churned (“not reached”: more than half are still active). Mean days "
           "active in the first year: the restricted mean lifetime up to day 365 (RMST).")

with st.expander("Pairwise log-rank tests"):
    shell.table(curves.pairwise.with_columns(pl.col("test_statistic").round(1), p_text("p_value"),
                                             p_text("p_value_holm")))
    shell.download_csv(curves.pairwise, "survival_logrank_pairwise.csv")
    st.caption("p_value_holm: adjusted for the number of pairs compared (Holm). Reading: the adjusted p-value "
               "in words.")
with st.expander("Curve data (one row per group and day)"):
    shell.table(curves.curve, "survival_curve.csv")

st.subheader("What drives churn: hazard ratios")
if model.error:
    st.info(model.error)
else:
    shell.chart(survival_charts.hazard_ratio_chart(model.hazard_ratios, model.headline), key="hazard_ratios")
    references = ", ".join(f"{dim.replace('_', ' ')}: {escape_markdown(level)}"
                           for dim, level in model.references.items())
    st.caption(f"Cox proportional-hazards model on {plural(model.customers, 'customer')} "
               f"({plural(model.churned, 'churn')}), all covariates at once, so each ratio is “other things "
               f"equal”. Reference groups (ratio 1): {references}. A ratio of 2 means churning at twice the "
               "reference's rate at any point of the lifetime; 0.5, at half of it.")
    left = model.levels.filter(pl.col("role") == "left out")
    if left.height:
        st.caption("Left out of the model, with their customers (no churn at all in this selection, so no finite "
                   "ratio): " + ", ".join(f"{r['dimension']} {escape_markdown(r['level'])} ({r['customers']:,} "
                                          "customers)" for r in left.iter_rows(named=True)) + ".")
    st.markdown(model.ph_sentence)
    shell.table(model.hazard_ratios.with_columns(pl.col("hazard_ratio", "ci_lower", "ci_upper").round(2),
                                                 p_text("p_value")))
    shell.download_csv(model.hazard_ratios, "hazard_ratios.csv")
    with st.expander("Proportional-hazards check and who is in the model"):
        shell.table(model.ph_check.with_columns(pl.col("test_statistic").round(2), p_text("p_value")))
        shell.download_csv(model.ph_check, "proportional_hazards_check.csv")
        shell.table(model.levels, "hazard_model_groups.csv")

with st.expander("Definitions"):
    st.markdown(f"""
- **As-of date** ({curves.as_of.isoformat()}): the latest transaction date, or the window's end date when it is
  earlier; only data up to it counts. Every customer still active then is *censored* there: followed that long,
  outcome unknown after.
- **Churn, explicit**: on the customer's `churn_date` (if on or before the as-of date). Customers without one
  are censored at the as-of date. A churn date before the signup date is a data error: left out and counted.
- **Churn, inactivity ({inactivity_days} days)**: last activity = the last transaction with a positive amount
  (the signup date for a customer who never bought). If last activity + {inactivity_days} days is on or before
  the as-of date, the customer churned on the last activity day (exactly {inactivity_days} days of silence
  counts); otherwise they are censored at the as-of date.
- **Duration**: churn (or censoring) date − signup date, in days (0 = churned on the signup day). Customers who
  signed up after the as-of date are left out (counted above). The window's start keeps customers who signed
  up on or after it; the segment / channel / region filters apply.
- **Kaplan-Meier curve**: share still active after each day (product of 1 − churned / at risk over the days
  so far), with 95% confidence bands (exponential Greenwood). **At risk**: customers not yet churned or
  censored at the start of the day.
- **Median time to churn**: the first day the curve is at or below 50%: half have churned (“not reached”
  while more than half are still active). **Mean days active in
  the first year** (RMST 365): the area under the curve up to day 365.
- **Log-rank test**: are the curves different beyond chance? Across all groups and for each pair; groups with
  fewer than {MIN_CUSTOMERS} customers or {MIN_CHURNED} churns are left out of the sentence.
- **Hazard ratio** (Cox proportional-hazards model): how fast a group churns relative to its reference group,
  holding the other covariates fixed: segment, acquisition channel, region (reference: the largest group) and
  first-order value band (quarters of the first positive transaction's amount; reference: the lowest quarter).
  95% Wald intervals. **Proportional-hazards check**: Grambsch-Therneau test on scaled Schoenfeld residuals
  (time scale 1 − Kaplan-Meier, as R's classic `cox.zph`).
- All fits run on counts of customers per duration, outcome and group (frequency weights), which give the same
  numbers as one row per customer.
""")
