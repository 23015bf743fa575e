"""Survival analysis of time to churn: Kaplan-Meier curves by group, log-rank tests, Cox hazard ratios.

Definitions (also on the page):

- **as-of date**: the latest transaction date, or the window end (``filters.end``) when that is earlier; only
  data up to it counts.
- **combined churn** (the default everywhere): a recorded ``churn_date`` on or before the as-of date decides;
  customers without one (or with a later one) follow the inactivity rule. Customers without cancellation
  dates (a whole segment, often) still churn, by inactivity.
- **explicit churn**: a customer churns on ``churn_date`` (when it is on or before the as-of date); with no
  ``churn_date`` (or a later one) they are censored at the as-of date.
- **inactivity churn** (N days): last activity = the last transaction with a positive amount (signup date
  for a customer who never bought), as of the as-of date: a customer who came back after a long gap has not
  churned. The customer churned on their last activity date when last activity + N days <= as-of date;
  otherwise they are censored at the as-of date. Exactly N days of silence is churn.
- **first churn**: survival is the time to the first churn; a purchase after a recorded ``churn_date`` does not
  undo it (Data health counts such purchases; the revenue movements call them a reactivation).
- **duration** = churn (or censoring) date - ``signup_date``, in whole days; a same-day churn has duration 0.
  Customers who signed up after the as-of date are left out (and counted); so are churn dates before the
  signup date under explicit and combined (a data error).
- the shared filters apply: segment / channel / region lists, and ``start`` = customers who signed up on or
  after it.

Every fit runs on aggregated rows with frequency weights (one row per duration x churned x covariates,
counted in SQL), never on a row per customer: the bundled generator's million customers come back as about
260,000 rows (8,000 once summed to one grouping for the curves).
Kaplan-Meier and the log-rank test take weights as case counts (exact). lifelines' Cox model handles tied
churn days with Efron's method but counts a tie by rows, not by weight, so an aggregated fit would differ
slightly from the row-level one; :class:`FrequencyWeightedCoxPHFitter` counts tied churns by their weight,
which makes the aggregated fit equal the row-level fit (tests/test_survival.py shows it).

Confidence intervals are 95%: Kaplan-Meier bands are lifelines' exponential Greenwood ("log(-log)")
intervals; hazard-ratio intervals are Wald intervals exp(coef ± 1.96 se). p-values of the pairwise log-rank
tests are also given Holm-adjusted for the number of pairs.

The package, one module per job (each re-exported here, so ``from analytics.survival import X`` is the
import to use):

- :mod:`~analytics.survival.spans`: the churn definitions and the aggregated spans every fit reads.
- :mod:`~analytics.survival.kaplan_meier_fits`: weighted Kaplan-Meier fits and the tables read off them.
- :mod:`~analytics.survival.logrank`: the weighted log-rank tests, across all groups and pairwise (Holm).
- :mod:`~analytics.survival.cox_engine`: the frequency-weighted Cox fit and proportional-hazards test.
- :mod:`~analytics.survival.design`: the Cox model's covariates and its hazard-ratio table.
- :mod:`~analytics.survival.curves` and :mod:`~analytics.survival.hazards`: the two halves of the Survival
  page (frames and sentences) and the export's CSVs.

Example::

    from analytics.filters import Filters
    from queries import DataSource
    source = DataSource.open("sample_data")
    curves = survival_curves(source, Filters(), "inactivity", 90, "segment")
    curves.summary.select("group", "customers", "churned", "median_days")
"""

from __future__ import annotations

from analytics.survival.cox_engine import (
    TIGHT_CONVERGENCE,
    FrequencyWeightedCoxPHFitter,
    fit_cox,
    proportional_hazards_test,
)
from analytics.survival.curves import SurvivalCurves, survival_curve, survival_curves, survival_summary
from analytics.survival.design import (
    COX_DIMENSIONS,
    DIMENSION_LABELS,
    HAZARD_RATIO_SCHEMA,
    CoxDesign,
    cox_design,
    hazard_ratio_table,
)
from analytics.survival.hazards import HazardModel, hazard_model, hazard_ratios
from analytics.survival.kaplan_meier_fits import (
    AT_RISK_DAYS,
    HORIZONS,
    RMST_DAYS,
    GroupFits,
    at_risk_table,
    curve_table,
    fit_groups,
    kaplan_meier,
    summary_table,
)
from analytics.survival.logrank import chance_text, logrank_tests, p_text
from analytics.survival.spans import (
    BY_LABELS,
    CHURN_DEFINITIONS,
    DEFAULT_CHURN_DEFINITION,
    DEFAULT_INACTIVITY_DAYS,
    MAX_GROUPS,
    MIN_CHURNED,
    MIN_CUSTOMERS,
    SURVIVAL_BY,
    ChurnDefinition,
    SurvivalBy,
    analysis_as_of,
    cox_rows,
    default_churn_definition,
    describe_churn,
    followed,
    group_spans,
    left_out_counts,
    resolve_churn_definition,
    survival_spans,
)

__all__ = [
    # spans: definitions and the aggregated rows
    "BY_LABELS", "CHURN_DEFINITIONS", "DEFAULT_CHURN_DEFINITION", "DEFAULT_INACTIVITY_DAYS", "MAX_GROUPS",
    "MIN_CHURNED", "MIN_CUSTOMERS",
    "SURVIVAL_BY", "ChurnDefinition", "SurvivalBy", "analysis_as_of", "cox_rows", "default_churn_definition",
    "describe_churn",
    "followed", "group_spans", "left_out_counts", "resolve_churn_definition", "survival_spans",
    # Kaplan-Meier
    "AT_RISK_DAYS", "HORIZONS", "RMST_DAYS", "GroupFits", "at_risk_table", "curve_table", "fit_groups",
    "kaplan_meier", "summary_table",
    # log-rank
    "chance_text", "logrank_tests", "p_text",
    # Cox engine and design
    "TIGHT_CONVERGENCE", "FrequencyWeightedCoxPHFitter", "fit_cox", "proportional_hazards_test",
    "COX_DIMENSIONS", "DIMENSION_LABELS", "HAZARD_RATIO_SCHEMA", "CoxDesign", "cox_design", "hazard_ratio_table",
    # the page's two halves and the export
    "SurvivalCurves", "survival_curve", "survival_curves", "survival_summary",
    "HazardModel", "hazard_model", "hazard_ratios",
]
