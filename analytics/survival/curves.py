"""The curves half of the Survival page: Kaplan-Meier curves, summary, at-risk counts and log-rank tests by
group, with the takeaway and the test result in words; and the export's ``survival_curve.csv`` and
``survival_summary.csv``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analytics.filters import Filters
from analytics.formats import Formats
from analytics.survival.kaplan_meier_fits import HORIZONS, at_risk_table, curve_table, fit_groups, summary_table
from analytics.survival.logrank import chance_text, logrank_tests, p_text
from analytics.survival.spans import (
    BY_LABELS,
    DEFAULT_INACTIVITY_DAYS,
    MIN_CHURNED,
    MIN_CUSTOMERS,
    ChurnDefinition,
    SurvivalBy,
    analysis_as_of,
    group_spans,
    left_out_counts,
    resolve_churn_definition,
    survival_spans,
)
from queries import DataSource


@dataclass(frozen=True)
class SurvivalCurves:
    """Everything the curves half of the Survival page shows (frames and sentences; no lifelines objects)."""

    churn_definition: ChurnDefinition
    inactivity_days: int
    by: SurvivalBy
    as_of: date
    curve: pl.DataFrame  # survival_curve.csv
    summary: pl.DataFrame  # survival_summary.csv
    at_risk: pl.DataFrame
    pairwise: pl.DataFrame
    overall: dict[str, float] | None
    headline: str  # the takeaway, for the chart title
    comparison: str  # the plain-language test result
    too_small: list[str]  # groups with fewer than MIN_CUSTOMERS customers or MIN_CHURNED churns
    no_churn_recorded: list[str]  # explicit definition: groups where nobody has a churn date
    left_out: dict[str, int]

    @property
    def customers(self) -> int:
        return int(self.summary["customers"].sum()) if self.summary.height else 0


def _headline(summary: pl.DataFrame, by: SurvivalBy, eligible: list[str], pairwise: pl.DataFrame,
              overall: dict[str, float] | None, no_churn: list[str],
              formats: Formats | None = None) -> tuple[str, str]:
    label = BY_LABELS[by]
    fmt = formats or Formats()

    def shown(group: str) -> str:
        return fmt.label(by, group)
    if summary.height == 0:
        return "No customers to follow in the selected window", "There are no customers to compare."
    if len(no_churn) == summary.height:
        return ("No cancellation dates for these customers: under the explicit definition nobody churns",
                "Nothing to compare: switch the churn definition to combined (the default) or inactivity.")
    if len(eligible) < 2:
        row = summary.filter(~pl.col("group").is_in(no_churn)).sort("customers", descending=True).row(0, named=True)
        at = row["survival_365"] if row["survival_365"] is not None else row["survival_90"]
        when = "a year" if row["survival_365"] is not None else "90 days"
        title = (f"{row['customers']:,} customers followed; {at:.0%} still active after {when}" if at is not None
                 else f"{row['customers']:,} customers followed")
        return title, (f"Fewer than two {label}s have at least {MIN_CUSTOMERS} customers and {MIN_CHURNED} "
                       "churns: too few to compare.")
    rows = {r["group"]: r for r in summary.filter(pl.col("group").is_in(eligible)).iter_rows(named=True)}
    # Compare at the longest horizon every eligible group reaches (a year when they all do).
    horizon = next((day for day in reversed(HORIZONS) if all(rows[g][f"survival_{day}"] is not None
                                                             for g in eligible)), None)
    if horizon is None:
        return (f"Survival by {label}", f"The {label}s are not followed long enough (30 days) to compare.")
    key = f"survival_{horizon}"
    best_group = max(eligible, key=lambda g: (rows[g][key], g))
    worst_group = min(eligible, key=lambda g: (rows[g][key], g))
    best, worst = shown(best_group), shown(worst_group)
    when = "a year" if horizon == 365 else f"{horizon} days"
    # "2024 signups", "pro customers"; the sentence starts with the best group.
    noun = "signups" if by == "cohort_year" else "customers"
    leader = best[:1].upper() + best[1:]
    b, w = rows[best_group][key], rows[worst_group][key]
    title = f"{leader} {noun} stay longest: {b:.0%} still active after {when} vs {w:.0%} for {worst}"
    pair = pairwise.filter(((pl.col("group_a") == best_group) & (pl.col("group_b") == worst_group))
                           | ((pl.col("group_a") == worst_group) & (pl.col("group_b") == best_group)))
    # Best and worst are picked after looking: with more than two groups, their p-value is Holm-adjusted.
    p = float(pair["p_value_holm"][0])
    adjusted = " (log-rank test, adjusted for the number of pairs)" if len(rows) > 2 else " (log-rank test)"
    sentence = (f"{leader} {noun} stay longer than {worst} ({b:.0%} vs {w:.0%} "
                f"still active after {when}); the difference is {chance_text(p)}, {p_text(p)}{adjusted}.")
    if overall is not None and len(eligible) > 2:
        q = overall["p_value"]
        verdict = "churn differs between them" if q < 0.05 else "no clear difference in churn between them"
        sentence += (f" Across all {len(summary)} {label}s: {verdict} ({p_text(q)}, {chance_text(q)}).")
    if b == w:
        title = f"The {label}s keep customers equally well over {when}"
    return title, sentence


def survival_curves(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                    inactivity_days: int = DEFAULT_INACTIVITY_DAYS, by: SurvivalBy = "segment",
                    formats: Formats | None = None) -> SurvivalCurves:
    """Kaplan-Meier curves, summary, at-risk counts and log-rank tests by ``by`` (see the package docstring,
    :mod:`analytics.survival`, for the churn definitions). ``formats``: the display names the sentences use.

    Example::

        survival_curves(DataSource.open("sample_data"), Filters(), "inactivity", 60, "region").summary
    """
    spans = survival_spans(source, filters, churn_definition, inactivity_days, value_bands=False)
    grouped = group_spans(spans, by)
    fits = fit_groups(grouped, by)
    summary = summary_table(grouped, fits)
    small = summary.filter((pl.col("customers") < MIN_CUSTOMERS) | (pl.col("churned") < MIN_CHURNED))["group"]
    # Explicit: a group without a single churn date more likely lacks cancellation data than customers.
    no_churn = summary.filter(pl.col("churned") == 0)["group"].to_list() if churn_definition == "explicit" else []
    eligible = [g for g in fits.order if g not in set(small.to_list()) | set(no_churn)]
    overall, pairwise = logrank_tests(grouped, fits.order)
    headline, comparison = _headline(summary, by, eligible, pairwise, overall, no_churn, formats)
    return SurvivalCurves(
        churn_definition=churn_definition, inactivity_days=int(inactivity_days), by=by,
        as_of=analysis_as_of(source, filters), curve=curve_table(fits), summary=summary,
        at_risk=at_risk_table(grouped, fits.order), pairwise=pairwise, overall=overall, headline=headline,
        comparison=comparison, too_small=[g for g in small.to_list() if g not in no_churn],
        no_churn_recorded=no_churn, left_out=left_out_counts(spans),
    )


def survival_curve(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                   inactivity_days: int = DEFAULT_INACTIVITY_DAYS, by: SurvivalBy = "segment") -> pl.DataFrame:
    """``survival_curve.csv``: group, days, survival, ci_lower, ci_upper, at_risk (None = data's default)."""
    definition = resolve_churn_definition(source, churn_definition)
    return survival_curves(source, filters, definition, inactivity_days, by).curve


def survival_summary(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                     inactivity_days: int = DEFAULT_INACTIVITY_DAYS, by: SurvivalBy = "segment") -> pl.DataFrame:
    """``survival_summary.csv``: group, customers, churned, median_days, survival_30/90/180/365, rmst_365."""
    definition = resolve_churn_definition(source, churn_definition)
    return survival_curves(source, filters, definition, inactivity_days, by).summary
