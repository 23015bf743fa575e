"""Python values of Polars aggregates, with their type checked.

Polars types ``Series.min()`` and ``Series.max()`` as any Python scalar (a number, a date, a string, a list...),
whatever the column holds. These narrow such a value to what the column is known to hold, and fail loudly when
it holds something else, instead of letting a wrong type travel on.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def as_int(value: object, default: int | None = None) -> int:
    """A whole number (an integer column's min or max); ``default`` when the column was empty (None).

    >>> as_int(3), as_int(None, default=0)
    (3, 0)
    >>> as_int(2.5)
    Traceback (most recent call last):
    ...
    TypeError: expected a whole number, got 2.5
    """
    if value is None and default is not None:
        return default
    if isinstance(value, int):
        return value
    raise TypeError(f"expected a whole number, got {value!r}")


def as_float(value: object) -> float:
    """A number (a numeric column's min, max or sum) as a float.

    >>> as_float(3), as_float(2.5), as_float(Decimal("1.25"))
    (3.0, 2.5, 1.25)
    """
    if isinstance(value, int | float | Decimal):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def as_date(value: object) -> date:
    """A calendar date (a date column's min or max).

    >>> as_date(date(2024, 3, 1))
    datetime.date(2024, 3, 1)
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise TypeError(f"expected a date, got {value!r}")
