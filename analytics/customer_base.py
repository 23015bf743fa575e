"""The customer base: customers who signed up on or before a date and have not churned by it, under the churn
definition in force (combined, explicit or inactivity; :mod:`analytics.survival`).

Not the same figure as *active customers* (customers with a positive transaction in a period): a customer who
skipped a month is in the base and not active that month; a customer who bought once and went silent is active
that month and leaves the base N days later (inactivity) or on their churn_date.

Scope: the segment / channel / region filters apply; the window's start does not (the base at a date counts every
customer who signed up by it); the window's end (or the data's as-of date) is the date. The Overview, the Budget
page (its model's starting base) and the board pack show it from :func:`customer_base`, the survival spans'
customers not churned at the as-of date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from analytics.filters import Filters
from analytics.periods import last_complete_month, period_end
from analytics.scope import as_of_bound, in_dimensions
from analytics.survival import ChurnDefinition, followed, survival_spans
from queries import DataSource


def base_scope(filters: Filters) -> Filters:
    """The filters the customer base reads: the dimensions and the end date; never the window's start."""
    return replace(filters, start=None)


def base_context(as_of: date | None, filters: Filters, churn_definition: ChurnDefinition,
                 inactivity_days: int) -> tuple[tuple[str, str], ...]:
    """The ledger context of the customer base (:mod:`analytics.catalog`): the date, the churn setting and the
    filters it reads. The Overview, the Budget page and the board pack note it under this context."""
    from analytics.catalog import context_of

    return context_of(as_of=as_of, churn=churn_definition, inactivity_days=inactivity_days,
                      filters=base_scope(filters).describe())


def customer_base(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                  inactivity_days: int = 90) -> int:
    """Customers in the base at the as-of bound (``filters.end`` or the data's as-of date): the followed survival
    spans that are not churned. Example: ``customer_base(DataSource.open("sample_data"), Filters(), "combined")``.
    """
    spans = followed(survival_spans(source, base_scope(filters), churn_definition, inactivity_days,
                                    value_bands=False))
    return int(spans.filter(~pl.col("churned"))["customers"].sum())


def month_ends_before(as_of: date, months: int) -> list[date]:
    """The last ``months`` month ends on or before ``as_of``, oldest first.

    >>> month_ends_before(date(2025, 12, 31), 3)
    [datetime.date(2025, 10, 31), datetime.date(2025, 11, 30), datetime.date(2025, 12, 31)]
    >>> month_ends_before(date(2025, 12, 30), 2)
    [datetime.date(2025, 10, 31), datetime.date(2025, 11, 30)]
    """
    last = period_end(last_complete_month(as_of), "month")
    ends = [last]
    for _ in range(months - 1):
        ends.append(ends[-1].replace(day=1) - timedelta(days=1))
    return ends[::-1]


def customer_base_by_month(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                           inactivity_days: int = 90, months: int = 12) -> pl.DataFrame:
    """The customer base at each of the last ``months`` month ends up to the as-of bound, each judged as if it
    were the as-of date (``queries/customer_base_by_month.sql``): month_end, customer_base. The trend behind the
    Overview's tile; equal to :func:`customer_base` with ``filters.end`` at that month end."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    schema = {"month_end": pl.Date, "customer_base": pl.Int64}
    if as_of is None:
        return pl.DataFrame(schema=schema)
    ends = month_ends_before(as_of, months)
    cells = source.run("customer_base_by_month", {"churn_definition": churn_definition,
                                                  "inactivity_days": int(inactivity_days), "month_ends": ends})
    cells = in_dimensions(cells.join(source.run("customer_groups"), on="combo"), filters)
    sums = cells.group_by("month_end").agg(pl.col("customer_base").sum())
    return (pl.DataFrame({"month_end": ends}, schema={"month_end": pl.Date}).join(sums, on="month_end", how="left")
            .with_columns(pl.col("customer_base").fill_null(0).cast(pl.Int64)).sort("month_end"))
