"""Number and label formatting shared by charts, tiles and sentences: thin wrappers of the formats in force
(:mod:`analytics.formats`, set per run by the shell and per export by report/), plus what only a screen needs."""

from __future__ import annotations

import html
from datetime import date

from analytics.formats import Formats, current


def money(value: float | None, signed: bool = False) -> str:
    """A compact amount with the data's currency: 2_500_000 -> '2.5M EUR' (analytics.formats: the one convention
    for money everywhere)."""
    return current().money(value, signed=signed)


def compact_count(value: float | None) -> str:
    """A count in few characters, without a currency: 12_345 -> '12k' (at-risk rows under a chart)."""
    return Formats().money(value)


def percent(value: float | None, digits: int = 0) -> str:
    """A fraction as a percentage: 0.714 -> '71%'."""
    return current().percent(value, digits)


def label(dimension: str, code: object) -> str:
    """The display name of a segment / channel / region code (``paid_social`` -> 'Paid social')."""
    return current().label(dimension, code)


def period_label(start: date, grain: str, short: bool = False) -> str:
    """How a period is named: 'March 2024' / 'Mar 2024', 'Q2 2024', 'week of 2024-03-04' / 'wk 2024-03-04'."""
    if grain == "month":
        return start.strftime("%b %Y" if short else "%B %Y")
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{'wk' if short else 'week of'} {start.isoformat()}"


_MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:"


def escape_markdown(text: str) -> str:
    """Show ``text`` (file names, column names, data values) literally in ``st.markdown``: never as markup."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """'1 active customer', '2,000 active customers'."""
    return f"{count:,} {noun if count == 1 else (plural_noun or noun + 's')}"


def plotly_text(value: object) -> str:
    """A data value (segment, channel...) for a Plotly title, legend or label: Plotly renders a subset of
    HTML there, so ``<``, ``>`` and ``&`` are escaped and data always shows as text."""
    return html.escape(str(value), quote=False)
