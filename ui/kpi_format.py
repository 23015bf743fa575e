"""How a KPI's value and its change read on a tile, in the KPI table and in the board pack (no Streamlit, so
the headless board pack shares it)."""

from __future__ import annotations

import polars as pl

from analytics.executive import ExecutiveSummary, Kpi
from ui.format import money


def format_value(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "not reached" if kpi.unit == "days" else "–"
    if kpi.unit == "count":
        return f"{value:,.0f}"
    if kpi.unit == "money":
        return money(value)
    if kpi.unit == "percent":
        return f"{value:.0%}" if value >= 0.1 else f"{value:.1%}"
    if kpi.unit == "days":
        return f"{value:,.0f} days"
    if kpi.unit == "ratio":
        return f"{value:.1f}×"
    return f"month {value:.0f}" if kpi.unit == "months" else f"{value:,.2f}"


#: The change of a tile whose shown change rounds to zero: no arrow and no colour, rather than "↑ +0" in red.
NO_CHANGE = "no change"


def format_change(kpi: Kpi) -> str | None:
    """The change on the previous period as the tile shows it; None without a previous value; NO_CHANGE when
    it rounds to zero at the shown precision."""
    text = _signed_change(kpi)
    if text is not None and not any(digit in text for digit in "123456789"):
        return NO_CHANGE
    return text


def _signed_change(kpi: Kpi) -> str | None:
    change = kpi.change
    if change is None:
        return None
    if kpi.unit == "percent":
        return f"{change * 100:+.1f} pts"
    if kpi.unit == "count":
        return f"{change:+,.0f}"
    if kpi.unit == "money":
        return f"{change / kpi.previous:+.1%}" if kpi.previous else None
    if kpi.unit == "ratio":
        return f"{change:+.2f}×"
    if kpi.unit == "days":
        return f"{change:+,.0f} days"
    return f"{change:+.0f} months"


def kpi_table(summary: ExecutiveSummary) -> pl.DataFrame:
    """The KPIs as a table (``overview_kpis.csv``): each tile's value and change as shown, then the exact
    numbers (kpi, value, previous, change, unit)."""
    shown = pl.Series("shown", [format_value(k, k.value) for k in summary.kpis], dtype=pl.String)
    change = pl.Series("shown_change", [format_change(k) for k in summary.kpis], dtype=pl.String)
    return summary.table().insert_column(1, shown).insert_column(2, change)
