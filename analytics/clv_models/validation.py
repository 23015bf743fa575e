"""The holdout check: fit on the purchases up to a calibration end, predict the purchases after it, compare.

The two standard charts of Fader, Hardie & Lee (2005):

- **weekly cumulative repeat purchases**, actual vs predicted, over the whole history (calibration and
  holdout): the actual counts every purchase day after a customer's first, by the week (Monday) it falls in,
  of the customers whose first purchase is on or before the calibration end; the predicted adds, for each of
  them, E[X(t)], the repeat purchases the model expects t weeks after a first purchase, at the end of every
  week (the as-of date for the last, partial week);
- **conditional expectation**: customers grouped by their repeat purchases in the calibration period (0, 1, ...,
  7 and more), the mean purchase days they actually made in the holdout against the mean the model predicted
  for them (E[Y(t*) | x, t_x, T], t* the holdout length).

Split: ``--calibration-end`` / the page's control when given; else the last 26 weeks are held out
(:func:`~analytics.clv_models.scores.default_calibration_end`), and the app's scores still use all the data.
The segment / channel / region filters choose the customers checked; the window's start does not apply to the
weekly chart (the weekly counts are kept per segment x channel x region, not per signup date).

>>> frequency_bucket(pl.DataFrame({"frequency": [0, 3, 9]}))["calibration_purchases"].to_list()
['0', '3', '7+']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from analytics.clv_models.bgnbd import expected_if_alive, expected_new_customer, p_alive
from analytics.clv_models.customers import calibration_end_for
from analytics.clv_models.inputs import (
    DAYS_PER_WEEK,
    calibration_inputs,
    customer_groups,
    holdout_purchases,
    weekly_repeat_purchases,
)
from analytics.clv_models.scores import ClvFit, ClvSettings, default_calibration_end, model_fit
from analytics.filters import Filters
from analytics.scope import in_dimensions
from queries import DataSource

TOP_BUCKET = 7


@dataclass(frozen=True)
class Validation:
    """The holdout check at one split: the fit, the two charts' tables, and an ``error`` sentence instead."""

    calibration_end: date
    holdout_end: date
    is_default_split: bool
    fit: ClvFit | None
    weekly: pl.DataFrame
    by_frequency: pl.DataFrame
    error: str | None = None


WEEKLY_SCHEMA = {"week": pl.Date, "actual_cumulative_repeat": pl.Int64, "predicted_cumulative_repeat": pl.Float64}
BY_FREQUENCY_SCHEMA = {"calibration_purchases": pl.String, "customers": pl.Int64, "actual_holdout": pl.Float64,
                       "predicted_holdout": pl.Float64}


def frequency_bucket(frame: pl.DataFrame) -> pl.DataFrame:
    """``calibration_purchases``: the repeat purchases as text, TOP_BUCKET and more pooled as '7+'."""
    return frame.with_columns(calibration_purchases=pl.when(pl.col("frequency") >= TOP_BUCKET)
                              .then(pl.lit(f"{TOP_BUCKET}+")).otherwise(pl.col("frequency").cast(pl.String)))


def predicted_cumulative(first_purchases: pl.DataFrame, week_ends: list[date], params: tuple[float, ...]) -> np.ndarray:
    """Sum over customers of E[X(t)] at each week end, t = weeks from their first purchase (0 before it).
    ``first_purchases``: first_purchase, customers (a count per day)."""
    days = np.array([(d - date(1970, 1, 1)).days for d in first_purchases["first_purchase"].to_list()], dtype=float)
    counts = first_purchases["customers"].to_numpy().astype(float)
    ends = np.array([(d - date(1970, 1, 1)).days for d in week_ends], dtype=float)
    elapsed = np.maximum(ends[:, None] - days[None, :], 0.0).astype(np.int64)
    # Whole days apart: E[X(t)] once per distinct number of days (a few thousand), not per week x first day.
    by_day = expected_new_customer(params, np.arange(int(elapsed.max()) + 1) / DAYS_PER_WEEK)
    return np.asarray(by_day[elapsed] @ counts)


def clv_validation(source: DataSource, filters: Filters, settings: ClvSettings) -> Validation:
    """The holdout check for the customers in the filters' scope (see the module docstring)."""
    holdout_end = calibration_end_for(source, filters, ClvSettings())
    is_default = settings.calibration_end is None
    end = default_calibration_end(holdout_end) if is_default else calibration_end_for(source, filters, settings)
    empty = (pl.DataFrame(schema=WEEKLY_SCHEMA), pl.DataFrame(schema=BY_FREQUENCY_SCHEMA))
    if end >= holdout_end:
        return Validation(end, holdout_end, is_default, None, *empty, error=(
            f"No holdout period: the calibration end {end.isoformat()} is on or after the last date "
            f"{holdout_end.isoformat()}. Choose an earlier calibration end to compare predictions with purchases."))
    fit = model_fit(source, end, settings.margin)
    if fit.bgnbd is None:
        return Validation(end, holdout_end, is_default, fit, *empty, error=fit.error)
    params = fit.bgnbd.params
    groups = customer_groups(source)
    horizon = (holdout_end - end).days / DAYS_PER_WEEK

    def every_customer() -> pl.DataFrame:
        # Per data version and split, for every customer: a filter change then only selects rows.
        inputs = calibration_inputs(source, end)
        actual = holdout_purchases(source, end + timedelta(days=1), holdout_end)
        x, age = inputs["frequency"].to_numpy(), inputs["age_days"].to_numpy()
        keys, inverse = np.unique(x.astype(np.int64) * (1 << 31) + age, return_inverse=True)
        if_alive = expected_if_alive(params, (keys >> 31).astype(float), (keys & ((1 << 31) - 1)) / DAYS_PER_WEEK,
                                     horizon)[inverse.ravel()]
        alive = p_alive(params, x, inputs["recency_days"].to_numpy() / DAYS_PER_WEEK, age / DAYS_PER_WEEK)
        return inputs.select("customer_key", "combo", "signup_date", "first_purchase", "frequency").join(
            actual, on="customer_key", how="left", maintain_order="left").with_columns(
            pl.col("holdout_purchases").fill_null(0), predicted=alive * if_alive).join(
            groups, on="combo", how="left", maintain_order="left")

    checked = in_dimensions(source.memo("clv_holdout_check", (end, holdout_end), every_customer), filters)
    # The weekly chart: no start filter. Sorted, so that the prediction sums in one order whatever the order of the
    # export's rows (clv_validation.csv is byte-identical run to run: tests/test_money.py).
    firsts = checked.group_by("first_purchase").agg(customers=pl.len()).sort("first_purchase")
    if filters.start:
        checked = checked.filter(pl.col("signup_date") >= filters.start)
    by_frequency = frequency_bucket(checked).group_by("calibration_purchases").agg(
        customers=pl.len(), actual_holdout=pl.col("holdout_purchases").mean(),
        predicted_holdout=pl.col("predicted").mean(), order=pl.col("frequency").min(),
    ).sort("order").select(list(BY_FREQUENCY_SCHEMA)).cast(BY_FREQUENCY_SCHEMA)  # type: ignore[arg-type]

    weekly_rows = weekly_repeat_purchases(source, end, holdout_end).join(groups, on="combo", how="left")
    weekly_rows = in_dimensions(weekly_rows, filters).group_by("week").agg(pl.col("repeat_purchases").sum())
    if firsts.height == 0:
        return Validation(end, holdout_end, is_default, fit, *empty,
                          error="No customer in the filters' scope bought by the calibration end.")
    first_week = firsts["first_purchase"].min()
    assert isinstance(first_week, date)
    weeks = pl.date_range(first_week - timedelta(days=first_week.weekday()), holdout_end, "1w", eager=True)
    week_ends = [min(w + timedelta(days=6), holdout_end) for w in weeks.to_list()]
    weekly = pl.DataFrame({"week": weeks}).join(weekly_rows, on="week", how="left").sort("week").select(
        "week", actual_cumulative_repeat=pl.col("repeat_purchases").fill_null(0).cum_sum().cast(pl.Int64),
    ).with_columns(predicted_cumulative_repeat=pl.Series(predicted_cumulative(firsts, week_ends, params)))
    return Validation(end, holdout_end, is_default, fit, weekly, by_frequency)
