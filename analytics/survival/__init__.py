"""Survival analysis of time to churn: Kaplan-Meier curves by group, log-rank tests, Cox hazard ratios.

Definitions (also on the page):

- **as-of date**: the latest transaction date, or the window end (``filters.end``) when that is earlier; only
  data up to it counts.
- **explicit churn**: a customer churns on ``churn_date`` (when it is on or before the as-of date); with no
  ``churn_date`` (or a later one) they are censored at the as-of date.
- **inactivity churn** (N days): last activity = the last transaction with a positive amount (signup date
  for a customer who never bought). The customer churned on their last activity date when last activity +
  N days <= as-of date; otherwise they are censored at the as-of date. Exactly N days of silence is churn.
- **duration** = churn (or censoring) date - ``signup_date``, in whole days; a same-day churn has duration 0.
  Customers who signed up after the as-of date are left out (and counted); so are explicit churn dates
  before the signup date (a data error).
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

Example::

    from analytics.filters import Filters
    from queries import DataSource
    source = DataSource.open("sample_data")
    curves = survival_curves(source, Filters(), "inactivity", 90, "segment")
    curves.summary.select("group", "customers", "churned", "median_days")
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import polars as pl
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter
from lifelines.utils import restricted_mean_survival_time
from scipy import sparse, stats

from analytics.filters import Filters
from analytics.scope import as_of_bound, in_dimensions
from analytics.survival.spans import (BY_LABELS, CHURN_DEFINITIONS, DEFAULT_INACTIVITY_DAYS, MAX_GROUPS, MIN_CHURNED,
                                      MIN_CUSTOMERS, SURVIVAL_BY, ChurnDefinition, SurvivalBy, analysis_as_of,
                                      cox_rows, default_churn_definition, followed, group_spans, left_out_counts,
                                      resolve_churn_definition, survival_spans)
from analytics.survival.kaplan_meier_fits import (AT_RISK_DAYS, HORIZONS, RMST_DAYS, GroupFits, at_risk_table,
                                                  curve_table, fit_groups, kaplan_meier, summary_table)
from analytics.survival.logrank import chance_text, logrank_tests, p_text
from analytics.survival.cox_engine import (TIGHT_CONVERGENCE, FrequencyWeightedCoxPHFitter, fit_cox,
                                           proportional_hazards_test)
from analytics.survival.design import (COX_DIMENSIONS, DIMENSION_LABELS, HAZARD_RATIO_SCHEMA, CoxDesign, cox_design,
                                       hazard_ratio_table)
from analytics.survival.curves import SurvivalCurves, survival_curve, survival_curves, survival_summary
from queries import DataSource


# ------------------------------------------------------------------------------------------------ page level

@dataclass(frozen=True)
class HazardModel:
    """The Cox half of the Survival page: hazard ratios, the proportional-hazards check, what was left out."""

    hazard_ratios: pl.DataFrame  # hazard_ratios.csv
    ph_check: pl.DataFrame  # covariate, test_statistic, p_value
    levels: pl.DataFrame  # dimension, level, customers, churned, role
    references: dict[str, str]
    customers: int
    churned: int
    headline: str
    ph_sentence: str
    error: str | None = None


def _ph_sentence(check: pl.DataFrame, design: CoxDesign) -> str:
    if check.height == 0:
        return ""
    changing = [DIMENSION_LABELS[dim] for p, (dim, _) in zip(check["p_value"].to_list(), design.covariates)
                if p < 0.05]
    if not changing:
        return ("Proportional-hazards check: no hazard ratio changes detectably with time since signup "
                "(every p ≥ 0.05), so each ratio can be read as holding over the whole customer lifetime.")
    dims = list(dict.fromkeys(changing))
    named = dims[0] if len(dims) == 1 else ", ".join(dims[:-1]) + " and " + dims[-1]
    return (f"Proportional-hazards check: the effect of {named} changes with time since signup (p < 0.05 for "
            f"{len(changing)} of {check.height} ratios, details below), so read those ratios as averages over "
            "the customer lifetime rather than constants. With many customers even small changes are detected.")


def _customers_in(dim: str, level: str) -> str:
    if dim == "value_band":
        return ("customers who never bought" if level == "never bought"
                else f"customers with a first order in the {level}")
    return f"{level} customers"


def _hr_headline(ratios: pl.DataFrame, design: CoxDesign) -> str:
    """The largest clear effect in words. 'never bought' is skipped: under the inactivity definition those
    customers churn on their signup day by definition, so their ratio says nothing new."""
    candidates = [(row, dim, level) for row, (dim, level) in zip(ratios.iter_rows(named=True), design.covariates)
                  if (row["ci_lower"] > 1 or row["ci_upper"] < 1) and level != "never bought"]
    if not candidates:
        return "No segment, channel, region or first-order value clearly changes how fast customers churn"
    row, dim, level = max(candidates, key=lambda c: abs(math.log(c[0]["hazard_ratio"])))
    who, reference, hr = _customers_in(dim, level), _customers_in(dim, design.references[dim]), row["hazard_ratio"]
    who = who[:1].upper() + who[1:]
    if hr >= 1:
        return f"{who} churn {hr:.1f}× as often as {reference}, other things equal"
    return f"{who} churn {1 - hr:.0%} less often than {reference}, other things equal"


def hazard_model(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                 inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> HazardModel:
    """Cox proportional hazards on segment, channel, region and first-order value band, with the
    proportional-hazards check. Example: ``hazard_model(source, Filters(), "explicit").hazard_ratios``.
    """
    design = cox_design(cox_rows(source, filters, churn_definition, inactivity_days))
    frame = design.frame
    customers = int(frame["customers"].sum()) if len(frame) else 0
    churned = int(frame.loc[frame["churned"] == 1, "customers"].sum()) if len(frame) else 0
    empty_ratios = pl.DataFrame(schema=HAZARD_RATIO_SCHEMA)
    empty_check = pl.DataFrame(schema={"covariate": pl.Utf8, "test_statistic": pl.Float64, "p_value": pl.Float64})

    def without(reason: str) -> HazardModel:
        return HazardModel(empty_ratios, empty_check, design.levels, design.references, customers, churned,
                           "No hazard ratios to show", "", reason)

    if not design.covariates:
        return without("No covariate has two or more groups with churns in this selection, so there is "
                       "nothing to compare.")
    if churned < MIN_CHURNED:
        return without(f"Only {churned} churns in this selection: too few for a hazard model.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = fit_cox(frame)
            check = proportional_hazards_test(cph, frame)
    except Exception as exc:  # lifelines raises ConvergenceError and linear-algebra errors on degenerate data
        return without(f"The hazard model could not be fitted on this selection ({type(exc).__name__}: "
                       f"{str(exc).splitlines()[0][:200]}).")
    ratios = hazard_ratio_table(cph, design)
    check = check.with_columns(covariate=pl.Series(ratios["covariate"].to_list(), dtype=pl.Utf8))
    return HazardModel(ratios, check, design.levels, design.references, customers, churned,
                       _hr_headline(ratios, design), _ph_sentence(check, design))


# ------------------------------------------------------------------------------------------------ export

def hazard_ratios(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                  inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> pl.DataFrame:
    """``hazard_ratios.csv``: covariate, hazard_ratio, ci_lower, ci_upper, p_value (empty when no model)."""
    definition = resolve_churn_definition(source, churn_definition)
    return hazard_model(source, filters, definition, inactivity_days).hazard_ratios
