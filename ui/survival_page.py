"""The Survival page's texts and reading tables: what the page says around its charts, built from the
analytics results (no Streamlit here, so the page script stays a description of the screen)."""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.filters import Filters
from analytics.survival import MIN_CHURNED, MIN_CUSTOMERS, ChurnDefinition, HazardModel, SurvivalCurves
from ui.format import escape_markdown, label, plural

CURVES_CAPTION = ("Shaded bands: 95% confidence intervals. A curve is drawn as far as its customers are followed; "
                  "the numbers under the chart are the customers still followed (at risk) on that day.")
SUMMARY_CAPTION = ("survival_N: share still active N days after signup (empty: nobody followed that long). "
                   "Median: the first day by which half have churned (“not reached”: more than half are still "
                   "active). Mean days active in the first year: the restricted mean lifetime up to day 365 (RMST).")
PAIRWISE_CAPTION = ("p_value_holm: adjusted for the number of pairs compared (Holm). Reading: the adjusted p-value "
                    "in words.")


def p_text(column: str) -> pl.Expr:
    """A p-value for reading: '< 0.001' rather than 0.0000000003 (the CSV keeps the number)."""
    return (pl.when(pl.col(column) < 0.001).then(pl.lit("< 0.001"))
            .otherwise(pl.col(column).round(3).cast(pl.Utf8)).alias(column))


def definition_in_force(churn: ChurnDefinition, inactivity_days: int, is_default: bool) -> str:
    """The churn rule the page uses, and whether it is the default or the sidebar's choice."""
    if churn == "explicit":
        rule = ("**cancellation date only**: a customer churns on their `churn_date`; without one they are still "
                "followed at the as-of date and never churn")
    elif churn == "inactivity":
        rule = (f"**inactivity, {inactivity_days} days**: a customer churned on their last purchase day once they "
                f"have not bought for {inactivity_days} days by the as-of date (`churn_date` ignored)")
    else:
        rule = (f"**combined**: a customer churns on their `churn_date` where one is recorded; customers without "
                f"one churn on their last purchase day once they have not bought for {inactivity_days} days by the "
                "as-of date")
    default_note = "the default" if is_default else "chosen in the sidebar"
    return f"Churn definition in force ({default_note}): {rule}."


def followed_caption(curves: SurvivalCurves, filters: Filters) -> str:
    """As-of date, customers followed, who is left out and why, and the filters in force."""
    left_out = curves.left_out
    left_text = (" · left out: " + ", ".join(f"{plural(n, 'customer')} ({reason})" for reason, n in left_out.items())
                 if left_out else " · nobody left out (no signup after the as-of date)")
    return (f"As of **{curves.as_of.isoformat()}** · {plural(curves.customers, 'customer')} followed{left_text} · "
            f"filters: {filters.describe().split(' · ', 1)[-1]}")


def no_churn_warning(groups: list[str], by: str = "") -> str:
    """Explicit definition: groups without a single churn date (display names of ``by``'s codes)."""
    names = ", ".join(escape_markdown(label(by, g)) for g in groups)
    return (f"**No cancellation dates for {names}.** Under the explicit definition these customers can never "
            "churn, so their curve stays at 100%: that means no cancellation was recorded, not that nobody "
            "left. They are left out of the chart and the comparison; switch the churn definition to "
            "*combined* (the default) in the sidebar to cover them by inactivity.")


def too_small_warning(groups: list[str], by: str = "") -> str:
    """Groups drawn but left out of the comparison."""
    names = ", ".join(escape_markdown(label(by, g)) for g in groups)
    return (f"Too few to say for {names} (fewer than {MIN_CUSTOMERS} customers or {MIN_CHURNED} churns): "
            "their curves are drawn but left out of the comparison.")


def summary_for_reading(curves: SurvivalCurves, label: str) -> pl.DataFrame:
    """survival_summary.csv as the page shows it: the median in words, the RMST in whole days, columns named
    for reading (the group column after ``label``)."""
    # Groups without any churn date (explicit) show no survival figures: 100% would read as "nobody leaves".
    unknown = pl.col("group").is_in(curves.no_churn_recorded)
    figures = ["survival_30", "survival_90", "survival_180", "survival_365", "rmst_365"]
    return curves.summary.with_columns(
        median=pl.when(unknown).then(pl.lit("no churn dates recorded"))
        .when(pl.col("median_days").is_null()).then(pl.lit("not reached"))
        .otherwise(pl.col("median_days").cast(pl.Int64).cast(pl.Utf8) + " days"),
        rmst_365=pl.col("rmst_365").round(0),
    ).with_columns(pl.when(~unknown).then(pl.col(figures)).otherwise(None)).select(
        "group", "customers", "churned", "median", "survival_30", "survival_90", "survival_180", "survival_365",
        "rmst_365").rename({"group": label, "median": "median time to churn",
                            "rmst_365": "mean days active in first year"})


def pairwise_for_reading(pairwise: pl.DataFrame) -> pl.DataFrame:
    """The pairwise log-rank tests with rounded statistics and p-values in words."""
    return pairwise.with_columns(pl.col("test_statistic").round(1), p_text("p_value"), p_text("p_value_holm"))


def hazard_ratios_for_reading(ratios: pl.DataFrame) -> pl.DataFrame:
    """hazard_ratios.csv rounded to two decimals, p-values for reading."""
    return ratios.with_columns(pl.col("hazard_ratio", "ci_lower", "ci_upper").round(2), p_text("p_value"))


def ph_check_for_reading(check: pl.DataFrame) -> pl.DataFrame:
    """The proportional-hazards check rounded, p-values for reading."""
    return check.with_columns(pl.col("test_statistic").round(2), p_text("p_value"))


def hazard_model_caption(model: HazardModel) -> str:
    """How the model was fitted, its reference groups, and how to read a ratio."""
    references = ", ".join(f"{dim.replace('_', ' ')}: {escape_markdown(level)}"
                           for dim, level in model.references.items())
    return (f"Cox proportional-hazards model on {plural(model.customers, 'customer')} "
            f"({plural(model.churned, 'churn')}), all covariates at once, so each ratio is “other things "
            f"equal”. Reference groups (ratio 1): {references}. A ratio of 2 means churning at twice the "
            "reference's rate at any point of the lifetime; 0.5, at half of it.")


def left_out_caption(model: HazardModel) -> str | None:
    """The levels left out of the model with their customers; None when none is."""
    left = model.levels.filter(pl.col("role") == "left out")
    if not left.height:
        return None
    return ("Left out of the model, with their customers (no churn at all in this selection, so no finite "
            "ratio): " + ", ".join(f"{r['dimension']} {escape_markdown(r['level'])} ({r['customers']:,} "
                                   "customers)" for r in left.iter_rows(named=True)) + ".")


def definitions(as_of: date, inactivity_days: int) -> str:
    """The page's Definitions (markdown): as-of date, both churn definitions, duration, and how to read the
    curves, the tests and the hazard ratios."""
    return f"""
- **As-of date** ({as_of.isoformat()}): the latest transaction date, or the window's end date when it is
  earlier; only data up to it counts. Every customer still active then is *censored* there: followed that long,
  outcome unknown after.
- **Churn, combined** (the default): on the customer's `churn_date` where one is recorded on or before the
  as-of date; customers without one (or with a later one) follow the inactivity rule below.
- **Churn, explicit**: on the customer's `churn_date` (if on or before the as-of date). Customers without one
  are censored at the as-of date. Under explicit and combined, a churn date before the signup date is a data
  error: left out and counted.
- **Churn, inactivity ({inactivity_days} days)**: last activity = the last transaction with a positive amount
  (the signup date for a customer who never bought), as of the as-of date. If last activity + {inactivity_days}
  days is on or before the as-of date, the customer churned on the last activity day (exactly
  {inactivity_days} days of silence counts); otherwise they are censored at the as-of date. A customer who came
  back after a long gap has not churned.
- **First churn**: the curves follow each customer to their first churn; a purchase after a recorded
  `churn_date` does not undo it (Data health counts such purchases; revenue movements call them reactivated).
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
"""


def drillable_groups(summary: pl.DataFrame, by: str) -> list[str]:
    """The groups of the summary a customer list can be opened for: a real segment / channel / region / signup
    year, not a pooled 'other (...)' or 'before YEAR' group."""
    groups = [str(g) for g in summary["group"].to_list()]
    if by == "cohort_year":
        return [g for g in groups if g.isdigit()]
    return [g for g in groups if not g.startswith("other (")]
