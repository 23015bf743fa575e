"""The customer list behind the numbers: every customer in the filters' scope with their model scores, the
value at risk by segment and channel, and the list's own filters (cohort, P(alive) below, value above).

The shared filters apply as on every page: segment / channel / region lists, and the window (customers who
signed up from ``start``; purchases up to ``end``, which is the calibration end unless one is given). The
definitions of the scores are in :mod:`analytics.clv_models.scores`.

>>> cohort_bounds("2024-03"), cohort_bounds("2024-Q2")[1], cohort_bounds("2023")[1]
((datetime.date(2024, 3, 1), datetime.date(2024, 3, 31)), datetime.date(2024, 6, 30), datetime.date(2023, 12, 31))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analytics.clv_models.inputs import DAYS_PER_WEEK
from analytics.clv_models.scores import ClvFit, ClvSettings, all_scores
from analytics.filters import Filters
from analytics.money import money_sum
from analytics.periods import period_end
from analytics.scope import as_of_bound, in_dimensions
from queries import DataSource

#: customer_scores.csv, in this order.
SCORE_COLUMNS = ("customer_id", "segment", "channel", "region", "frequency", "recency_weeks", "t_weeks", "p_alive",
                 "expected_purchases_90d", "expected_spend", "predicted_value_12m")
_COHORT_RE = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4]))(?:-(\d{2}))?)?$")


def cohort_bounds(text: str) -> tuple[date, date]:
    """The signup dates a cohort names (first and last day): ``2024`` (a year), ``2024-Q1`` (a quarter),
    ``2024-03`` (a month) or ``2024-03-04`` (the week starting that Monday, as on the Cohorts page's weekly
    grain). Raises ValueError with the forms allowed."""
    match = _COHORT_RE.match(text.strip())
    try:
        if not match:
            raise ValueError
        year, month, quarter, day = match.groups()
        if day is not None and quarter is None:
            start = date(int(year), int(month), int(day))
            return start, start + timedelta(days=6)
        if day is not None:
            raise ValueError
        if quarter is not None:
            start = date(int(year), 3 * int(quarter) - 2, 1)
            return start, period_end(start, "quarter")
        if month is not None:
            start = date(int(year), int(month), 1)
            return start, period_end(start, "month")
        return date(int(year), 1, 1), date(int(year), 12, 31)
    except ValueError:
        raise ValueError(f"cohort {text!r} is not a signup period: write 2024 (a year), 2024-Q1 (a quarter), "
                         "2024-03 (a month) or 2024-03-04 (the week starting that Monday)") from None


@dataclass(frozen=True)
class CustomerList:
    """The Customers page: the fit, every customer in scope with their scores, and the calibration end."""

    fit: ClvFit
    customers: pl.DataFrame
    calibration_end: date


def calibration_end_for(source: DataSource, filters: Filters, settings: ClvSettings) -> date:
    """``settings.calibration_end`` (no later than the as-of date), else the as-of date of the filters."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    assert as_of is not None
    return min(settings.calibration_end, as_of) if settings.calibration_end else as_of


def customer_list(source: DataSource, filters: Filters, settings: ClvSettings) -> CustomerList:
    """Every customer in the filters' scope who bought by the calibration end, with customer_id (text),
    segment, channel, region, signup_date, first_purchase, last_purchase, frequency, recency_weeks, t_weeks,
    p_alive, expected_purchases_90d, expected_spend, predicted_value_12m, value_if_active_12m, value_at_risk
    and at_risk (P(alive) below ``settings.at_risk_below``), in customer order."""
    end = calibration_end_for(source, filters, settings)
    fit, scores = all_scores(source, end, settings)
    scores = in_dimensions(scores, filters)
    if filters.start:
        scores = scores.filter(pl.col("signup_date") >= filters.start)
    listed = scores.with_columns(
        recency_weeks=pl.col("recency_days") / DAYS_PER_WEEK, t_weeks=pl.col("age_days") / DAYS_PER_WEEK,
        at_risk=pl.col("p_alive") < settings.at_risk_below,
    )
    columns = ["customer_id", "segment", "channel", "region", "signup_date", "first_purchase", "last_purchase",
               "frequency", "recency_weeks", "t_weeks", "p_alive", "expected_purchases_90d", "expected_spend",
               "predicted_value_12m", "value_if_active_12m", "value_at_risk", "at_risk"]
    # In customer order: the page sorts by the column chosen (one sort of a million rows, not two).
    return CustomerList(fit, listed.select(columns), end)


def customer_scores(source: DataSource, filters: Filters, settings: ClvSettings) -> pl.DataFrame:
    """customer_scores.csv: one row per customer in scope, by customer_id (the columns of SCORE_COLUMNS)."""
    return customer_list(source, filters, settings).customers.select(SCORE_COLUMNS).sort("customer_id")


def narrow(customers: pl.DataFrame, cohort: str | None = None, p_alive_below: float | None = None,
           value_above: float | None = None, at_risk_only: bool = False) -> pl.DataFrame:
    """The list's own filters on top of the shared ones: signup cohort (see :func:`cohort_bounds`), P(alive)
    strictly below a fraction, value if still active at or above an amount, only customers at risk."""
    if cohort:
        first, last = cohort_bounds(cohort)
        customers = customers.filter(pl.col("signup_date").is_between(first, last))
    if p_alive_below is not None:
        customers = customers.filter(pl.col("p_alive") < p_alive_below)
    if value_above is not None:
        customers = customers.filter(pl.col("value_if_active_12m") >= value_above)
    if at_risk_only:
        customers = customers.filter(pl.col("at_risk"))
    return customers


def risk_by_group(customers: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """Per segment / channel / region: customers, customers at risk, their share, the value at risk of the
    customers at risk, and the predicted 12-month value of all; most value at risk first."""
    if dimension not in ("segment", "channel", "region"):
        raise ValueError(f"dimension must be segment, channel or region, not {dimension!r}")
    risky = pl.col("at_risk")
    return customers.group_by(dimension).agg(
        customers=pl.len(), at_risk_customers=risky.sum().cast(pl.Int64),
        value_at_risk=money_sum(pl.col("value_at_risk").filter(risky)),
        predicted_value_12m=money_sum("predicted_value_12m"),
    ).with_columns(at_risk_share=pl.col("at_risk_customers") / pl.col("customers")).select(
        dimension, "customers", "at_risk_customers", "at_risk_share", "value_at_risk", "predicted_value_12m",
    ).sort(["value_at_risk", dimension], descending=[True, False], nulls_last=True)
