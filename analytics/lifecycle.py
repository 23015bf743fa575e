"""Customer lifecycle per period: who bought for the first time, who kept buying, who came back, who stopped.

Definitions (also on the Overview page and in the metric catalog):

- A customer is **active** in a period (week / month / quarter) with at least one transaction of positive amount in
  it (a refund alone is not activity), as for "Active customers".
- **New buyers**: active customers whose first active period ever is this one (their first purchase). This is not
  the catalog's "New customers" (signed up in the period): a customer who signs up in March and first buys in May
  is a new customer in March and a new buyer in May; one who never buys is never a new buyer.
- **Returning**: active in this period and in the previous one.
- **Resurrected**: active in this period, not in the previous one, and active in some earlier one.
- **Dormant**: active in the previous period, not in this one. Shown below zero on the chart; a positive count in
  the table.
- new + returning + resurrected = active customers of the period; returning + dormant = active customers of the
  previous period (the first period of the data has no previous one: everyone in it is new).
- "New" means new ever: the window's start selects the periods shown, not the history looked at. Transactions
  after the window's end are ignored. A period is complete when it ends on or before the as-of date; in an
  incomplete period some "dormant" customers may still buy before it ends.

Example::

    table = lifecycle(DataSource.open("sample_data"), Filters(grain="month"))
    table.select("period", "new", "returning", "resurrected", "dormant", "is_complete")
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.filters import Filters
from analytics.periods import is_complete_expr, period_start
from analytics.scope import as_of_bound, in_dimensions
from queries import DataSource

STATES = ("new", "returning", "resurrected", "dormant")
_EVERY = {"week": "1w", "month": "1mo", "quarter": "1q"}


def lifecycle(source: DataSource, filters: Filters) -> pl.DataFrame:
    """One row per period in the window up to the as-of date: period (first day), new, returning, resurrected,
    dormant (customer counts, dormant positive), active_customers (new + returning + resurrected), is_complete
    (the ``lifecycle.csv`` export has period, new, returning, resurrected, dormant, is_complete)."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    cells = in_dimensions(source.run("lifecycle_states", {"grain": filters.grain, "end": filters.end}), filters)
    if as_of is None or cells.height == 0:
        return _empty()
    last = period_start(as_of, filters.grain)
    first_period = cells["period"].min()
    assert isinstance(first_period, date)
    first = max(first_period, period_start(filters.start, filters.grain)) if filters.start else first_period
    counts = (cells.filter(pl.col("period").is_between(first, last))
              .pivot(on="state", index="period", values="customers", aggregate_function="sum"))
    grid = pl.DataFrame({"period": pl.date_range(first, last, _EVERY[filters.grain], eager=True)}) \
        if first <= last else pl.DataFrame({"period": []}, schema={"period": pl.Date})
    table = grid.join(counts, on="period", how="left")
    for state in STATES:
        table = (table.with_columns(pl.col(state).fill_null(0).cast(pl.Int64)) if state in table.columns
                 else table.with_columns(pl.lit(0, dtype=pl.Int64).alias(state)))
    return table.select(
        "period", *STATES,
        active_customers=pl.col("new") + pl.col("returning") + pl.col("resurrected"),
        is_complete=is_complete_expr("period", filters.grain, as_of),
    ).sort("period")


def quick_ratio(table: pl.DataFrame) -> pl.DataFrame:
    """The lifecycle table with ``quick_ratio`` = (new + resurrected) / dormant per period: above 1 the active
    base grows (more customers arrive or come back than go quiet); null when nobody went dormant.

    >>> t = pl.DataFrame({"new": [3], "returning": [5], "resurrected": [1], "dormant": [2]})
    >>> quick_ratio(t)["quick_ratio"].to_list()
    [2.0]
    """
    return table.with_columns(quick_ratio=pl.when(pl.col("dormant") > 0)
                              .then((pl.col("new") + pl.col("resurrected")) / pl.col("dormant")))


def export_table(table: pl.DataFrame) -> pl.DataFrame:
    """The ``lifecycle.csv`` columns: period, new, returning, resurrected, dormant, is_complete."""
    return table.select("period", *STATES, "is_complete")


def _empty() -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"period": pl.Date()}
    schema.update({state: pl.Int64() for state in STATES})
    schema.update({"active_customers": pl.Int64(), "is_complete": pl.Boolean()})
    return pl.DataFrame(schema=schema)
