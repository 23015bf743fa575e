"""How numbers and dimension values read on screen, in sentences, in the board pack and in the CLI: pure
functions of a :class:`Formats` (the data's currency and display names), below ``ui/`` so that the headless
board pack and the export share them with the app.

Conventions (one for each kind of number, everywhere):

- **money**: compact, then the currency after a space: ``5.3M EUR``, ``188k EUR``, ``-867k EUR``, ``1,234 EUR``.
  The currency is ``currency`` in the data folder's ``retention.toml`` (a 3-letter ISO code such as ``EUR``, or
  a short symbol such as ``€``), or the export's ``--currency``; without one, amounts show without a currency.
- **percent**: a fraction as a percentage, no decimals from 10% up, one below (``71%``, ``4.5%``); changes of a
  percentage in points (``+1.2 pts``; in sentences ``up 1 point``).
- **counts**: whole numbers with thousands separators (``6,636``); **days** ``369 days``; **ratios** ``4.7×``;
  **months** ``month 5``.
- **dimension values** (segment, channel, region codes): a display name, ``paid_social`` -> ``Paid social`` by
  default (first letter capitalised, underscores as spaces), overridable under ``[labels.<dimension>]`` in
  ``retention.toml``. Codes stay in the URL, the filters and the CSV downloads.

The formats in force are per thread of work (:func:`using` / :func:`current`): the app's shell sets them on every
run from the data folder, the export and the board pack from the data folder and ``--currency``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["count", "money", "percent", "ratio", "days", "months", "number", "text"]
DIMENSIONS = ("segment", "channel", "region")


def default_label(code: str) -> str:
    """A dimension value's default display name: underscores as spaces, first letter capitalised.

    >>> default_label("paid_social"), default_label("pro"), default_label("north_america")
    ('Paid social', 'Pro', 'North america')
    """
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else str(code)


def capitalise(sentence: str) -> str:
    """A sentence starting with a capital letter (the rest untouched).

    >>> capitalise("referral customers return 14.8×")
    'Referral customers return 14.8×'
    """
    return sentence[:1].upper() + sentence[1:]


def _compact(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}{value / 1e9:.1f}B"
    if value >= 1e6:
        return f"{sign}{value / 1e6:.1f}M"
    if value >= 1e4:
        return f"{sign}{value / 1e3:.0f}k"
    return f"{sign}{value:,.0f}"


@dataclass(frozen=True)
class Formats:
    """The data's currency and display names; hashable, so cached computations may take it as an argument.

    >>> f = Formats(currency="EUR", labels=(("channel", (("paid_social", "Paid social (Meta)"),)),))
    >>> f.money(5_269_093.85), f.money(-867_000), f.money(921.3466), f.money(None)
    ('5.3M EUR', '-867k EUR', '921 EUR', '–')
    >>> f.label("channel", "paid_social"), f.label("segment", "starter")
    ('Paid social (Meta)', 'Starter')
    >>> Formats().money(1234.5), f.with_currency("Revenue")
    ('1,234', 'Revenue (EUR)')
    """

    currency: str | None = None
    #: (dimension, ((code, display name), ...)) pairs: the ``[labels]`` overrides of retention.toml.
    labels: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = field(default=())

    @classmethod
    def of(cls, currency: str | None = None, labels: Mapping[str, Mapping[str, str]] | None = None) -> Formats:
        """Formats from plain values (the data source's settings)."""
        frozen = tuple(sorted((dim, tuple(sorted(values.items()))) for dim, values in (labels or {}).items()))
        return cls(currency=currency, labels=frozen)

    # ------------------------------------------------------------------ dimension values
    def label(self, dimension: str, code: object) -> str:
        """The display name of a segment / channel / region code (``cohort_year`` and others: as they are)."""
        text = "" if code is None else str(code)
        for dim, values in self.labels:
            if dim == dimension:
                for known, shown in values:
                    if known == text:
                        return shown
        return default_label(text) if dimension in DIMENSIONS else text

    # ------------------------------------------------------------------ money
    @property
    def suffix(self) -> str:
        """What follows an amount: ``" EUR"``, or nothing without a currency."""
        return f" {self.currency}" if self.currency else ""

    def money(self, value: float | None, signed: bool = False) -> str:
        """A compact amount with the currency (see the module docstring); ``signed``: ``+`` before gains."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if math.isinf(value):
            return "∞"
        text = _compact(value)
        return ("+" if signed and value > 0 else "") + text + self.suffix

    def with_currency(self, title: str) -> str:
        """An axis or column title for money: ``Revenue (EUR)``; the title alone without a currency."""
        return f"{title} ({self.currency})" if self.currency else title

    def plotly_money(self, field_: str = "y", signed: bool = False) -> str:
        """A Plotly hover format for money: ``%{y:,.0f} EUR``."""
        return "%{" + field_ + (":+,.0f" if signed else ":,.0f") + "}" + self.suffix

    # ------------------------------------------------------------------ the other units
    @staticmethod
    def percent(value: float | None, digits: int | None = None) -> str:
        """A fraction as a percentage: no decimal from 10% up, one below, unless ``digits`` says.

        >>> Formats.percent(0.714), Formats.percent(0.045), Formats.percent(0.2, 1), Formats.percent(None)
        ('71%', '4.5%', '20.0%', '–')
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if digits is None:
            digits = 0 if abs(value) >= 0.1 else 1
        return f"{value * 100:.{digits}f}%"

    @staticmethod
    def points(change: float) -> str:
        """A change of a percentage in words: 'up 1 point', 'down 3 points', 'unchanged'.

        >>> Formats.points(0.012), Formats.points(-0.031), Formats.points(0.001)
        ('up 1 point', 'down 3 points', 'unchanged')
        """
        whole = round(change * 100)
        if whole == 0:
            return "unchanged"
        return f"{'up' if whole > 0 else 'down'} {abs(whole)} point{'s' if abs(whole) != 1 else ''}"

    @staticmethod
    def count(value: float | None) -> str:
        """A whole number with thousands separators.

        >>> Formats.count(6636.0), Formats.count(None)
        ('6,636', '–')
        """
        return "–" if value is None else f"{value:,.0f}"

    def value(self, unit: Unit, value: float | None) -> str:
        """``value`` in ``unit`` as a tile or a sentence shows it.

        >>> f = Formats(currency="EUR")
        >>> f.value("money", 5_269_093.85), f.value("percent", 0.9644), f.value("days", 369.0)
        ('5.3M EUR', '96%', '369 days')
        >>> f.value("ratio", 4.7028), f.value("months", 5), f.value("days", None), f.value("count", 16928)
        ('4.7×', 'month 5', 'not reached', '16,928')
        """
        if value is None:
            return "not reached" if unit == "days" else "–"
        if unit == "count":
            return self.count(value)
        if unit == "money":
            return self.money(value)
        if unit == "percent":
            return self.percent(value)
        if unit == "days":
            return f"{value:,.0f} days"
        if unit == "ratio":
            return f"{value:.1f}×"
        if unit == "months":
            return f"month {value:.0f}"
        return f"{value:,.2f}" if isinstance(value, float) else str(value)

    def change(self, unit: Unit, value: float | None, previous: float | None) -> str | None:
        """The change from ``previous`` to ``value`` as a tile shows it; None without both; ``NO_CHANGE`` when
        it rounds to zero at the shown precision.

        >>> f = Formats(currency="EUR")
        >>> f.change("money", 105.0, 100.0), f.change("percent", 0.9644, 0.9633), f.change("months", 4, 5)
        ('+5.0%', '+0.1 pts', '-1 month')
        >>> f.change("count", 6636, 6680), f.change("count", 6636.4, 6636), f.change("days", 1, None)
        ('-44', 'no change', None)
        """
        text = _signed_change(unit, value, previous)
        if text is not None and not any(digit in text for digit in "123456789"):
            return NO_CHANGE
        return text


#: The change of a tile whose shown change rounds to zero: no arrow and no colour, rather than "↑ +0" in red.
NO_CHANGE = "no change"


def _signed_change(unit: Unit, value: float | None, previous: float | None) -> str | None:
    if value is None or previous is None:
        return None
    change = value - previous
    if unit == "percent":
        return f"{change * 100:+.1f} pts"
    if unit == "count":
        return f"{change:+,.0f}"
    if unit == "money":
        return f"{change / previous:+.1%}" if previous else None
    if unit == "ratio":
        return f"{change:+.2f}×"
    if unit == "days":
        return f"{change:+,.0f} day{'s' if abs(round(change)) != 1 else ''}"
    if unit == "months":
        return f"{change:+.0f} month{'s' if abs(round(change)) != 1 else ''}"
    return f"{change:+,.2f}"


_CURRENT: ContextVar[Formats | None] = ContextVar("formats", default=None)
#: Used where no :func:`using` is in force (a thread of its own, a test calling a figure builder).
_FALLBACK = Formats()


def current() -> Formats:
    """The formats in force in this thread of work (the fallback: no currency, default display names)."""
    return _CURRENT.get() or _FALLBACK


def set_current(formats: Formats) -> None:
    """Put ``formats`` in force for the rest of this thread's work (the app's shell, on every run)."""
    _CURRENT.set(formats)


@contextmanager
def using(formats: Formats) -> Iterator[Formats]:
    """``formats`` in force inside the block (the export and the board pack)."""
    token = _CURRENT.set(formats)
    try:
        yield formats
    finally:
        _CURRENT.reset(token)
