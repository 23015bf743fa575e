"""Calendar periods: a period is named by its first day (weeks start on Monday, as in ISO 8601)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from analytics.filters import Grain

_POLARS_EVERY = {"week": "1w", "month": "1mo", "quarter": "1q"}
_WEEK_ZERO = date(1970, 1, 5)  # a Monday: week numbers count from it, as queries/customer_period_revenue.sql does


def period_start(day: date, grain: Grain) -> date:
    """First day of the period containing ``day``.

    >>> period_start(date(2024, 5, 17), "quarter"), period_start(date(2024, 5, 17), "week")
    (datetime.date(2024, 4, 1), datetime.date(2024, 5, 13))
    """
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_end(start: date, grain: Grain) -> date:
    """Last day of the period that starts on ``start``.

    >>> period_end(date(2024, 2, 1), "month"), period_end(date(2024, 4, 1), "quarter")
    (datetime.date(2024, 2, 29), datetime.date(2024, 6, 30))
    """
    if grain == "week":
        return start + timedelta(days=6)
    months = 1 if grain == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1) - timedelta(days=1)


def period_index(day: date, grain: Grain) -> int:
    """The period containing ``day`` as a whole number, consecutive periods differing by 1 (month: year * 12 +
    month; quarter: year * 4 + quarter; week: weeks since Monday 1970-01-05), as the SQL numbers them.

    >>> period_index(date(2024, 5, 17), "month") - period_index(date(2023, 12, 1), "month")
    5
    >>> period_index(date(1970, 1, 11), "week"), period_index(date(1970, 1, 12), "week")
    (0, 1)
    """
    if grain == "month":
        return day.year * 12 + day.month
    if grain == "quarter":
        return day.year * 4 + (day.month - 1) // 3 + 1
    return (day - _WEEK_ZERO).days // 7


def period_of(index: int, grain: Grain) -> date:
    """The first day of the period numbered ``index`` (the inverse of :func:`period_index`).

    >>> period_of(period_index(date(2024, 5, 17), "quarter"), "quarter")
    datetime.date(2024, 4, 1)
    """
    if grain == "month":
        return date((index - 1) // 12, (index - 1) % 12 + 1, 1)
    if grain == "quarter":
        return date((index - 1) // 4, ((index - 1) % 4) * 3 + 1, 1)
    return _WEEK_ZERO + timedelta(weeks=index)


def last_complete_month(as_of: date) -> date:
    """First day of the last calendar month that has ended on or before ``as_of``.

    >>> last_complete_month(date(2024, 3, 31)), last_complete_month(date(2024, 3, 30))
    (datetime.date(2024, 3, 1), datetime.date(2024, 2, 1))
    """
    if (as_of + timedelta(days=1)).day == 1:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)


def period_index_expr(column: str, grain: Grain) -> pl.Expr:
    """Polars expression: :func:`period_index` of the date column ``column``."""
    day = pl.col(column)
    if grain == "month":
        return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64)
    if grain == "quarter":
        return day.dt.year().cast(pl.Int64) * 4 + day.dt.quarter().cast(pl.Int64)
    return (day - pl.lit(_WEEK_ZERO)).dt.total_days().cast(pl.Int64) // 7


def period_end_expr(column: str, grain: Grain) -> pl.Expr:
    """Polars expression: last day of the period starting at date column ``column``."""
    return pl.col(column).dt.offset_by(_POLARS_EVERY[grain]).dt.offset_by("-1d")


def is_complete_expr(column: str, grain: Grain, as_of: date | None) -> pl.Expr:
    """True where the whole period is on or before the as-of date (a partial last period is not complete)."""
    if as_of is None:
        return pl.lit(True)
    return period_end_expr(column, grain) <= pl.lit(as_of)
