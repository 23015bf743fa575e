"""Activity per period (the Overview's activity chart, beside the KPIs of :mod:`analytics.executive`), and the
data's filter options and date bounds that the shell's filters offer.

Definitions (also on the page):

- new customers: customers whose ``signup_date`` falls in the period;
- active customers: distinct customers with at least one transaction of positive amount in the period;
- revenue: sum of ``amount`` in the period, net of refunds;
- a period is complete when its last day is on or before the as-of date (the latest transaction date).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.filters import Filters
from analytics.money import money_sum
from analytics.periods import is_complete_expr
from analytics.scope import in_dimensions
from queries import DataSource


def activity_by_period(source: DataSource, filters: Filters) -> pl.DataFrame:
    """One row per period: period (first day), new_customers, active_customers, revenue, transactions,
    is_complete. Example: ``activity_by_period(DataSource.open("sample_data"), Filters(grain="quarter"))``.
    """
    source.require("customers", "transactions")
    cells = source.run("activity_by_period", {"grain": filters.grain, "start": filters.start, "end": filters.end})
    # The query answers per segment x channel x region, so a filter change sums a few hundred rows in Polars.
    frame = (in_dimensions(cells, filters)
             .group_by("period")
             .agg(pl.col("new_customers", "active_customers").sum(), money_sum("revenue"),
                  pl.col("transactions").sum())
             .sort("period"))
    return frame.with_columns(is_complete=is_complete_expr("period", filters.grain, source.as_of))


def filter_options(source: DataSource) -> dict[str, list[str]]:
    """Values offered by the segment / channel / region filters, largest group first."""
    if not source.has("customers"):
        return {"segment": [], "channel": [], "region": []}
    values = source.run("dimension_values")
    return {name: values.filter(pl.col("dimension") == name)["value"].to_list()
            for name in ("segment", "channel", "region")}


def date_bounds(source: DataSource) -> tuple[date, date] | None:
    """(first signup or transaction date, as-of date), or None when transactions are unusable."""
    if not (source.has("transactions") and source.as_of):
        return None
    if not source.has("customers"):
        return source.run("coverage_transactions")["first_date"][0], source.as_of
    # Not the coverage queries: they also count rows and distinct customers (~1 s at 10M transactions).
    row = source.run("first_dates").row(0, named=True)
    firsts = [d for d in (row["first_transaction"], row["first_signup"]) if d is not None]
    return min(firsts), source.as_of
