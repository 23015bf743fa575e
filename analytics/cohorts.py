"""Cohort retention: do the customers we win keep buying?

Definitions (also on the Cohorts page):

- A customer's **cohort** is the period (week / month / quarter) containing their ``signup_date``. The
  **cohort size** counts every customer who signed up in it, whether or not they ever bought.
- **Period index** k = whole calendar periods between the cohort's period and the activity's period
  (month: difference of ``year*12 + month``; quarter: that difference / 3; week: days / 7, weeks on Monday).
- A customer is **active** in a period with at least one transaction of positive amount in it (a refund
  alone does not make anyone active).
- **Retention(k)** = active customers in period k / cohort size. Retention(0) is the share of sign-ups who
  bought in their signup period: it is 1 only when every customer buys at once.
- **Unbounded retention(k)** ("k or later") = customers active in period k or any later period (up to the
  as-of date) / cohort size. Never below retention(k), and never rising with k.
- **Revenue retention(k)** = cohort revenue in period k / cohort revenue in period 0 (net of refunds; may
  exceed 100%; empty when period-0 revenue is not positive).
- A cell is **complete** when its period ends on or before the as-of date (the latest transaction date, or
  the window's end if earlier). Incomplete cells are shown distinctly and left out of every average.
- The **average curve** weights cohorts by size over complete cells: sum of active customers / sum of cohort
  sizes, over the cohorts whose cell k is complete.
- The window's start is applied at period level: cohorts whose period starts on or after the period of the
  start date. Transactions after the window's end are ignored.

Example::

    table = cohort_retention(DataSource.open("sample_data"), Filters(grain="month"))
    table.filter(pl.col("period_index") == 0)["retention"]
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from analytics.filters import Filters, Grain
from analytics.money import money_sum
from analytics.periods import period_start
from analytics.scope import as_of_bound, in_dimensions
from queries import DataSource

Dimension = Literal["segment", "channel", "region"]
RetentionMetric = Literal["retention", "retention_unbounded", "revenue_retention"]
DIMENSIONS: tuple[Dimension, ...] = ("segment", "channel", "region")
_INTERVAL = {"week": "1w", "month": "1mo", "quarter": "1q"}


def period_index_expr(cohort: str, period: str, grain: Grain) -> pl.Expr:
    """Whole calendar periods between two period-start date columns."""
    if grain == "week":
        return ((pl.col(period) - pl.col(cohort)).dt.total_days() // 7).cast(pl.Int32)
    months = (pl.col(period).dt.year().cast(pl.Int32) * 12 + pl.col(period).dt.month().cast(pl.Int32)) - (
        pl.col(cohort).dt.year().cast(pl.Int32) * 12 + pl.col(cohort).dt.month().cast(pl.Int32))
    return (months // 3).cast(pl.Int32) if grain == "quarter" else months.cast(pl.Int32)


def _in_scope(frame: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    frame = in_dimensions(frame, filters)
    if filters.start is not None:
        frame = frame.filter(pl.col("cohort") >= period_start(filters.start, filters.grain))
    return frame


def _cubes(source: DataSource, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two cohort cubes for the grain and window end; dimension filters are applied here, in Polars,
    so that changing a segment or channel never runs SQL again."""
    source.require("customers", "transactions")
    params = {"grain": filters.grain, "end": filters.end}
    activity = _in_scope(source.run("cohort_activity", params), filters)
    sizes = _in_scope(source.run("cohort_sizes", params), filters)
    return activity, sizes


def _retention_cells(activity: pl.DataFrame, sizes: pl.DataFrame, keys: list[str], grain: Grain,
                     as_of: date) -> pl.DataFrame:
    """Every cell (keys x cohort x period up to the as-of period) with its counts and rates."""
    cohort_sizes = sizes.group_by([*keys, "cohort"]).agg(cohort_size=pl.col("customers").sum())
    last_period = period_start(as_of, grain)
    grid = cohort_sizes.filter(pl.col("cohort") <= last_period).with_columns(
        period=pl.date_ranges(pl.col("cohort"), pl.lit(last_period), interval=_INTERVAL[grain])
    ).explode("period")
    active = activity.group_by([*keys, "cohort", "period"]).agg(
        active_customers=pl.col("active_customers").sum(), revenue=money_sum("revenue"))
    # Unbounded: customers whose last active period is p or later = suffix sum over last_active.
    last = sizes.filter(pl.col("last_active").is_not_null()).group_by([*keys, "cohort", "last_active"]).agg(
        pl.col("customers").sum())
    cells = (
        grid.join(active, on=[*keys, "cohort", "period"], how="left")
        .join(last.rename({"last_active": "period", "customers": "last_here"}), on=[*keys, "cohort", "period"],
              how="left")
        .with_columns(pl.col("active_customers", "last_here").fill_null(0), pl.col("revenue").fill_null(0.0))
        .sort([*keys, "cohort", "period"])
        .with_columns(
            active_or_later=pl.col("last_here").cum_sum(reverse=True).over([*keys, "cohort"]),
            period_index=period_index_expr("cohort", "period", grain),
        )
    )
    period_ends = pl.col("period").dt.offset_by(_INTERVAL[grain]).dt.offset_by("-1d")
    base_revenue = pl.col("revenue").filter(pl.col("period_index") == 0).first().over([*keys, "cohort"])
    return cells.with_columns(
        retention=pl.col("active_customers") / pl.col("cohort_size"),
        retention_unbounded=pl.col("active_or_later") / pl.col("cohort_size"),
        revenue_retention=pl.when(base_revenue > 0).then(pl.col("revenue") / base_revenue),
        is_complete=period_ends <= pl.lit(as_of),
    )


def cohort_retention(source: DataSource, filters: Filters) -> pl.DataFrame:
    """One row per cohort x period: cohort, period, period_index, cohort_size, active_customers, retention,
    retention_unbounded, revenue, revenue_retention, is_complete (the ``cohort_retention.csv`` export).

    Cohort and period are the first days of their periods. Rates are fractions (0.25 = 25%).
    """
    as_of = as_of_bound(source, filters)
    activity, sizes = _cubes(source, filters)
    if as_of is None or sizes.height == 0:
        return _empty_table()
    cells = _retention_cells(activity, sizes, [], filters.grain, as_of)
    return cells.select(
        "cohort", "period", "period_index", "cohort_size", "active_customers", "retention",
        "retention_unbounded", "revenue", "revenue_retention", "is_complete",
    )


def _empty_table() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "cohort": pl.Date, "period": pl.Date, "period_index": pl.Int32, "cohort_size": pl.Int64,
        "active_customers": pl.Int64, "retention": pl.Float64, "retention_unbounded": pl.Float64,
        "revenue": pl.Float64, "revenue_retention": pl.Float64, "is_complete": pl.Boolean,
    })


def average_curve(table: pl.DataFrame, keys: tuple[str, ...] = ()) -> pl.DataFrame:
    """Cohort-size-weighted average of each metric by period index, over complete cells only.

    Returns keys..., period_index, cohorts, customers, retention, retention_unbounded, revenue_retention.
    Revenue retention is weighted by period-0 revenue (cohorts with positive period-0 revenue only).
    """
    done = table.filter(pl.col("is_complete"))
    with_base = done.with_columns(
        base_revenue=pl.col("revenue").filter(pl.col("period_index") == 0).first().over([*keys, "cohort"]))
    return (
        with_base.group_by([*keys, "period_index"])
        .agg(
            cohorts=pl.len(),
            customers=pl.col("cohort_size").sum(),
            retention=pl.col("active_customers").sum() / pl.col("cohort_size").sum(),
            # rate x size is a count of customers (active then or later): summed as the whole number it is,
            # so that the average does not depend on the order the group-by adds the cells in.
            retention_unbounded=(pl.col("retention_unbounded") * pl.col("cohort_size")).round().cast(pl.Int64).sum()
            / pl.col("cohort_size").sum(),
            revenue_retention=money_sum(pl.col("revenue").filter(pl.col("base_revenue") > 0))
            / money_sum(pl.col("base_revenue").filter(pl.col("base_revenue") > 0)),
        )
        .sort([*keys, "period_index"])
    )


def retention_by_group(source: DataSource, filters: Filters, dimension: Dimension) -> pl.DataFrame:
    """One average curve per value of ``dimension``: group, period_index, cohorts, customers and the three
    metrics, each weighted by cohort size over complete cells (as :func:`average_curve`)."""
    as_of = as_of_bound(source, filters)
    activity, sizes = _cubes(source, filters)
    if as_of is None or sizes.height == 0:
        return pl.DataFrame(schema={"group": pl.String, "period_index": pl.Int32, "cohorts": pl.UInt32,
                                    "customers": pl.Int64, "retention": pl.Float64,
                                    "retention_unbounded": pl.Float64, "revenue_retention": pl.Float64})
    cells = _retention_cells(activity, sizes, [dimension], filters.grain, as_of)
    return average_curve(cells, (dimension,)).rename({dimension: "group"})


def retention_trend(table: pl.DataFrame, period_index: int,
                    metric: RetentionMetric = "retention") -> pl.DataFrame:
    """The chosen period's metric for each cohort whose cell is complete: cohort, cohort_size, value."""
    return (
        table.filter((pl.col("period_index") == period_index) & pl.col("is_complete"))
        .select("cohort", "cohort_size", pl.col(metric).alias("value"))
        .sort("cohort")
    )


def default_period_index(grain: Grain) -> int:
    """The conventional headline cell: month 3, quarter 1, week 4."""
    return {"week": 4, "month": 3, "quarter": 1}[grain]

