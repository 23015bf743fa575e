"""The Cox half of the Survival page: hazard ratios on segment, channel, region and first-order value band,
the proportional-hazards check, the takeaway and the check in words; and the export's ``hazard_ratios.csv``."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import polars as pl

from analytics.filters import Filters
from analytics.survival.cox_engine import fit_cox, proportional_hazards_test
from analytics.survival.design import DIMENSION_LABELS, HAZARD_RATIO_SCHEMA, CoxDesign, cox_design, hazard_ratio_table
from analytics.survival.spans import (
    DEFAULT_INACTIVITY_DAYS,
    MIN_CHURNED,
    ChurnDefinition,
    cox_rows,
    resolve_churn_definition,
)
from queries import DataSource


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
    changing = [DIMENSION_LABELS[dim] for p, (dim, _) in zip(check["p_value"].to_list(), design.covariates, strict=True)
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
    candidates = [(row, dim, level)
                  for row, (dim, level) in zip(ratios.iter_rows(named=True), design.covariates, strict=True)
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
    proportional-hazards check.

    Example::

        hazard_model(DataSource.open("sample_data"), Filters(), "combined").hazard_ratios
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


def hazard_ratios(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                  inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> pl.DataFrame:
    """``hazard_ratios.csv``: covariate, hazard_ratio, ci_lower, ci_upper, p_value (empty when no model)."""
    definition = resolve_churn_definition(source, churn_definition)
    return hazard_model(source, filters, definition, inactivity_days).hazard_ratios
