"""argparse types of the export's flags: each checks one value and says what is allowed, as the app's
widgets do (the same ranges)."""

from __future__ import annotations

import argparse
from datetime import date

from analytics.budget import HORIZON_RANGE
from queries.as_of import parse_as_of
from report.links import check_base_url


def positive_days(text: str) -> int:
    """``--inactivity-days``: a whole number of days, at least 1. ``positive_days("90") == 90``."""
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, at least 1, not {text!r}")
    return days


def horizon_months(text: str) -> int:
    """``--horizon-months``: a whole number of months from 12 to 60, as on the Budget page."""
    value = int(text)
    if not HORIZON_RANGE[0] <= value <= HORIZON_RANGE[1]:
        raise ValueError(f"horizon must be {HORIZON_RANGE[0]} to {HORIZON_RANGE[1]} months, not {value}")
    return value


def margin_fraction(text: str) -> float:
    """``--margin``: a fraction from 0 to 1 (0.7 = 70%). ``margin_fraction("0.7") == 0.7``."""
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(f"margin must be a fraction between 0 and 1, not {value}")
    return value


def calibration_window(text: str) -> int:
    """``--calibration-months``: 1 to 120 complete months."""
    value = int(text)
    if not 1 <= value <= 120:
        raise ValueError(f"calibration months must be between 1 and 120, not {value}")
    return value


def currency_code(text: str) -> str:
    """``--currency``: a 3-letter ISO code (upper-cased) or a short symbol, as ``currency`` in retention.toml.
    ``currency_code("eur") == "EUR"``."""
    value = text.strip()
    if len(value) == 3 and value.isalpha() and value.isascii():
        return value.upper()
    if 1 <= len(value) <= 3 and not value.isalpha() and not any(ch.isspace() or ch.isdigit() for ch in value):
        return value
    raise argparse.ArgumentTypeError(f"must be a 3-letter ISO code such as EUR, or a short symbol such as €, not "
                                     f"{text!r}")


def as_of_date(text: str) -> date:
    """``--as-of``: a date written YYYY-MM-DD. ``as_of_date("2024-06-30") == date(2024, 6, 30)``."""
    try:
        return parse_as_of(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def base_url(text: str) -> str:
    """``--base-url``: an absolute http(s) address (report/links.py), without its trailing slash."""
    try:
        return check_base_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
