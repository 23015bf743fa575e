"""The models' inputs per customer, from the customer x month rollup.

A **purchase** is a day with a positive amount (as the rest of the app counts activity); its spend is the sum of
the positive amounts that day (refunds are left out of the models' spend). For a calibration end E (a day), each
customer whose first purchase is on or before E gets:

- ``frequency`` x = purchase days up to E - 1 (repeat purchases);
- ``recency_days`` = last purchase day - first purchase day; ``age_days`` = E - first purchase day (whole days;
  the models read weeks = days / 7, and customers with the same three integers are fitted once, weighted);
- ``mean_repeat_spend`` = (spend up to E - spend of the first purchase day) / x, for x > 0 (Gamma-Gamma).

Whole months come from the rollup; a month E cuts in two is read from the transactions of its days up to E
(``customer_months_between``), so any day is exact. The first purchase day's spend is one pass over the
transactions per data version (``queries/clv_first_purchase_spend.sql``).

>>> from datetime import date
>>> weeks(pl.DataFrame({"age_days": [273]}))["age_weeks"].to_list()
[39.0]
"""

from __future__ import annotations

from datetime import date

import polars as pl

from queries import DataSource

DAYS_PER_WEEK = 7.0


def weeks(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``recency_weeks`` / ``age_weeks`` (days / 7) for the day columns present."""
    return frame.with_columns(
        [(pl.col(f"{name}_days") / DAYS_PER_WEEK).alias(f"{name}_weeks") for name in ("recency", "age")
         if f"{name}_days" in frame.columns])


def calibration_inputs(source: DataSource, calibration_end: date) -> pl.DataFrame:
    """One row per customer with a purchase on or before ``calibration_end`` (every customer: the filters apply
    later, so that a filter change does not refit): customer_key, combo, signup_date, first_purchase,
    last_purchase, frequency, recency_days, age_days, spend (positive amounts up to the end),
    first_purchase_spend, mean_repeat_spend (null when x = 0)."""
    source.require("customers", "transactions")
    # Memoised per data version: the query results are cached already, but the join and columns cost ~0.5 s at
    # a million customers, and every part of the Customers page asks for them.
    return source.memo("clv_inputs", (calibration_end,), lambda: _inputs(source, calibration_end))


def _inputs(source: DataSource, calibration_end: date) -> pl.DataFrame:
    customers = source.run("clv_customers", {"calibration_end": calibration_end}, cache=False)
    first = source.run("clv_first_purchase_spend")
    return customers.join(first, on="customer_key", how="left").with_columns(
        frequency=(pl.col("purchase_days") - 1).cast(pl.Int32),
        recency_days=(pl.col("last_purchase") - pl.col("first_purchase")).dt.total_days().cast(pl.Int32),
        age_days=(pl.lit(calibration_end) - pl.col("first_purchase")).dt.total_days().cast(pl.Int32),
    ).with_columns(
        mean_repeat_spend=pl.when(pl.col("frequency") > 0).then(
            (pl.col("spend") - pl.col("first_purchase_spend").fill_null(0.0)) / pl.col("frequency")),
    ).select("customer_key", "combo", "signup_date", "first_purchase", "last_purchase", "frequency",
             "recency_days", "age_days", "spend", "first_purchase_spend", "mean_repeat_spend").sort("customer_key")


def margin_rate(source: DataSource, calibration_end: date, margin: float) -> float:
    """Gross margin per unit of revenue up to the calibration end, as the Value page counts margin: the
    export's ``gross_margin`` where given, else amount x ``margin`` (the setting). ``margin`` when no revenue."""
    row = source.run("clv_margin_rate", {"calibration_end": calibration_end}).row(0, named=True)
    revenue = row["revenue"] or 0.0
    if revenue <= 0:
        return margin
    return float(((row["known_margin"] or 0.0) + margin * (row["revenue_without_margin"] or 0.0)) / revenue)


def holdout_purchases(source: DataSource, start: date, end: date) -> pl.DataFrame:
    """customer_key, holdout_purchases: purchase days from ``start`` to ``end`` (inclusive)."""
    return source.run("clv_holdout_purchases", {"holdout_start": start, "holdout_end": end})


def weekly_repeat_purchases(source: DataSource, calibration_end: date, end: date) -> pl.DataFrame:
    """week, combo, repeat_purchases: repeat purchase days by week, up to ``end``, of the customers whose first
    purchase is on or before ``calibration_end``."""
    return source.run("clv_weekly_repeat_purchases", {"calibration_end": calibration_end, "end": end})


def customer_groups(source: DataSource) -> pl.DataFrame:
    """combo, segment, channel, region (the names of each customer's combination)."""
    return source.run("customer_groups")


def customer_ids(source: DataSource) -> pl.DataFrame:
    """customer_key, customer_id (text), signup_date."""
    return source.run("customer_ids")
