"""Which day the data is read as of, and what "today" is.

The as-of date is the latest transaction date that is not after a cutoff: today, or the date asked for
(``--as-of DATE`` on the command line, ``as_of=`` in the URL). Transactions after it are left out of every
figure (the normalised ``transactions`` view, :mod:`queries.validation`) and counted on the Data health page,
so that one transaction dated 2099 cannot move every curve's end to 2099. "Today" is read here only, from
``RETENTION_TODAY`` when it is set (tests, reproducible reports), else the machine's calendar.
"""

from __future__ import annotations

import os
from datetime import date

TODAY_ENV = "RETENTION_TODAY"


def today() -> date:
    """``RETENTION_TODAY`` (YYYY-MM-DD) when set, else the local calendar date."""
    value = os.environ.get(TODAY_ENV, "").strip()
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # an unusable override must not take the app down: the calendar applies
    return date.today()


def parse_as_of(text: str) -> date:
    """An as-of date given as text (the command line, the URL): ``YYYY-MM-DD``.

    >>> parse_as_of("2024-06-30")
    datetime.date(2024, 6, 30)
    >>> parse_as_of("June")
    Traceback (most recent call last):
    ...
    ValueError: the as-of date must be a date written YYYY-MM-DD, not 'June'
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"the as-of date must be a date written YYYY-MM-DD, not {text!r}") from None
