"""Net revenue retention and logo retention over trailing 12 months, at given month ends.

Definitions (also on the Overview page, in the KPI help):

- **Net revenue retention (12 months)** at month end e: the revenue in the 12 months ending at e of the
  customers who had positive revenue in the 12 months before those, divided by their revenue in those prior 12
  months. Expansion raises it; contraction and churn lower it; new customers do not count.
- **Logo retention (12 months)** at e: of those customers (positive revenue in the prior 12 months), the share
  with positive revenue in the 12 months ending at e.

Revenue is net of refunds; transactions of unknown customers are left out. Months are calendar months, so e
is a month's last day.

How: the customer x month rollup of the months needed goes, a block of customers at a time, into a dense
customers x months matrix, whose column slices give every customer's 12-month sums at each month end (no
customer x month-end join, which cost ~8 s at 10M transactions; one matrix for all customers spent ~0.5 s in
page faults). Revenue goes into the matrix as whole millionths of the currency unit (int64): every sum is exact,
so it does not depend on the order of the customers (analytics/money.py). The result per month end x segment x
channel x region is kept per data version (:meth:`DataSource.memo`), so a filter change only filters and sums
it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from analytics.filters import Filters
from analytics.money import money_sum
from analytics.periods import period_index, period_of
from analytics.scalars import as_int
from analytics.scope import in_dimensions
from queries import DataSource

WINDOW_MONTHS = 12


def net_revenue_retention(source: DataSource, filters: Filters, month_ends: list[date]) -> pl.DataFrame:
    """One row per month end: month_end, prior_customers, prior_revenue, retained_revenue, retained_customers,
    net_revenue_retention, logo_retention (null where no customer had prior revenue).

    ``filters``' segment / channel / region apply; its window does not (the windows are the trailing months).
    Example: ``net_revenue_retention(source, Filters(), [date(2025, 12, 31)])``.
    """
    source.require("customers", "transactions")
    ends = tuple(sorted(set(month_ends)))
    cells = source.memo("net_revenue_retention", ends, lambda: _retention_cells(source, ends))
    totals = (in_dimensions(cells, filters)
              .group_by("month_end")
              .agg(pl.col("prior_customers").sum(), money_sum("prior_revenue"), money_sum("retained_revenue"),
                   pl.col("retained_customers").sum()))
    frame = (pl.DataFrame({"month_end": list(ends)}, schema={"month_end": pl.Date})
             .join(totals, on="month_end", how="left")
             .with_columns(pl.col("prior_customers", "retained_customers").fill_null(0).cast(pl.Int64),
                           pl.col("prior_revenue", "retained_revenue").fill_null(0.0)))
    return frame.with_columns(
        net_revenue_retention=pl.when(pl.col("prior_revenue") > 0)
        .then(pl.col("retained_revenue") / pl.col("prior_revenue")),
        logo_retention=pl.when(pl.col("prior_customers") > 0)
        .then(pl.col("retained_customers") / pl.col("prior_customers")),
    ).sort("month_end")


#: Customers per block of the customers x months matrix (by customer key). A block is ~19 MB at 36 months; one
#: matrix for all customers (~270 MB at 1M customers) spent most of its time in page faults on first touch.
BLOCK_CUSTOMERS = 1 << 16


#: Revenue in the matrix is in whole units of 10^-MONEY_DIGITS (millionths), as money is summed elsewhere.
MONEY_DIGITS = 6


def _window_sum(revenue: np.ndarray, start: int, stop: int, out: np.ndarray) -> np.ndarray:
    """Each row's sum of columns start..stop-1 into ``out``, added column by column (faster than ``sum(axis=1)``
    on a slice; ``out`` is reused, as fresh memory costs page faults)."""
    np.add(revenue[:, start], revenue[:, start + 1], out=out)
    for column in range(start + 2, stop):
        out += revenue[:, column]
    return out


def _retention_cells(source: DataSource, ends: tuple[date, ...]) -> pl.DataFrame:
    """Per month end x segment x channel x region: the four sums of :func:`net_revenue_retention`."""
    schema = {"month_end": pl.Date, "segment": pl.String, "channel": pl.String, "region": pl.String,
              "prior_customers": pl.Int64, "prior_revenue": pl.Float64, "retained_revenue": pl.Float64,
              "retained_customers": pl.Int64}
    if not ends:
        return pl.DataFrame(schema=schema)
    first = period_index(ends[0], "month") - 2 * WINDOW_MONTHS + 1
    last = period_index(ends[-1], "month")
    rows = source.run("customer_month_revenue", {
        "first_month": period_of(first, "month"),
        "last_month": period_of(last, "month"),
    }, cache=False)
    customers = source.run("customer_dimensions")
    combos = source.run("customer_groups")
    n_keys = as_int(customers["customer_key"].max(), default=0) + 1
    combo = np.zeros(n_keys, dtype=np.int64)
    combo[customers["customer_key"].to_numpy()] = customers["combo"].to_numpy()
    size = as_int(combos["combo"].max(), default=0) + 1

    keys = rows["customer_key"].to_numpy()
    months = rows["month_index"].to_numpy()
    # Exact: the rollup's revenue is a sum of decimals with 6 places, so this recovers it as an integer.
    # (A month whose amounts are all null has a null sum: it adds nothing, as in SQL.)
    revenue = np.rint(rows["revenue"].fill_null(0.0).to_numpy() * 10.0**MONEY_DIGITS).astype(np.int64)
    if keys.size > 1 and (keys[1:] < keys[:-1]).any():  # the saved rollup is in customer order; others may not be
        order = np.argsort(keys, kind="stable")
        keys, months, revenue = keys[order], months[order], revenue[order]

    # Blocks of customers by key: each block's customers x months matrix (column-major, so that a window's 12
    # columns are contiguous) reuses one buffer; its rows are the block's keys, all-zero for keys without revenue.
    # Every 12-month window a month end needs is summed once per block, into a reused buffer.
    columns = last - first + 1
    ends_at = [period_index(end, "month") - first + 1 for end in ends]  # the column after each end month
    stops = sorted({stop for e in ends_at for stop in (e, e - WINDOW_MONTHS)})
    block = min(BLOCK_CUSTOMERS, n_keys)
    matrix = np.zeros((block, columns), dtype=np.int64, order="F")
    flat = matrix.reshape(-1, order="F")  # a view: the matrix is column-major
    sums = np.empty((len(stops), block), dtype=np.int64)
    totals = np.zeros((len(ends), 4, size), dtype=np.int64)
    bounds = np.searchsorted(keys, np.arange(0, n_keys + block, block))
    for lo, a, b in zip(range(0, n_keys, block), bounds[:-1], bounds[1:], strict=True):
        if a == b:
            continue
        height = min(block, n_keys - lo)
        matrix.fill(0)
        cell = months[a:b] - first
        cell *= block
        cell += keys[a:b]
        cell -= lo
        flat[cell] = revenue[a:b]
        window = {stop: _window_sum(matrix[:height], stop - WINDOW_MONTHS, stop, sums[j, :height])
                  for j, stop in enumerate(stops)}
        block_combo = combo[lo:lo + height]
        for i, e in enumerate(ends_at):
            current, prior = window[e], window[e - WINDOW_MONTHS]
            kept = prior > 0
            group = block_combo[kept]
            totals[i, 0] += np.bincount(group, minlength=size)
            np.add.at(totals[i, 1], group, prior[kept])  # integers: bincount's weights would be floats
            np.add.at(totals[i, 2], group, current[kept])
            totals[i, 3] += np.bincount(group[current[kept] > 0], minlength=size)

    frames = [pl.DataFrame({
        "combo": np.arange(size, dtype=np.int32),
        "prior_customers": totals[i, 0],
        "prior_revenue": totals[i, 1] / 10.0**MONEY_DIGITS,
        "retained_revenue": totals[i, 2] / 10.0**MONEY_DIGITS,
        "retained_customers": totals[i, 3],
    }).with_columns(month_end=pl.lit(end, dtype=pl.Date)) for i, end in enumerate(ends)]
    return (pl.concat(frames).join(combos, on="combo").select(schema.keys())
            .filter(pl.col("prior_customers") > 0))
