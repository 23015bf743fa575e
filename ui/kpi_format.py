"""How a KPI's value and its change read on a tile, in the KPI table and in the board pack: the catalog's units
through :mod:`analytics.formats` (no Streamlit, so the headless board pack shares it)."""

from __future__ import annotations

import polars as pl

from analytics.executive import ExecutiveSummary, Kpi
from analytics.formats import NO_CHANGE, Formats, current

__all__ = ["NO_CHANGE", "format_change", "format_value", "kpi_table"]


def format_value(kpi: Kpi, value: float | None, formats: Formats | None = None) -> str:
    return (formats or current()).value(kpi.unit, value)


def format_change(kpi: Kpi, formats: Formats | None = None) -> str | None:
    """The change against the comparison as the tile shows it; None without a previous value; NO_CHANGE when it
    rounds to zero at the shown precision."""
    return (formats or current()).change(kpi.unit, kpi.value, kpi.previous)


def kpi_table(summary: ExecutiveSummary, formats: Formats | None = None) -> pl.DataFrame:
    """``overview_kpis.csv``: kpi, value, previous, change, unit, text (the tile's text)."""
    return summary.table(formats or current())


def kpi_table_for_reading(summary: ExecutiveSummary, formats: Formats | None = None) -> pl.DataFrame:
    """The KPI table as the Overview shows it: each row in its own unit, as text (the CSV keeps the numbers)."""
    fmt = formats or current()
    against = summary.comparison_label() or "–"
    return pl.DataFrame({
        "KPI": [k.label for k in summary.kpis],
        "Value": [fmt.value(k.unit, k.value) for k in summary.kpis],
        f"At the comparison ({against})": [fmt.value(k.unit, k.previous) if k.previous is not None else "–"
                                           for k in summary.kpis],
        "Change": [fmt.change(k.unit, k.value, k.previous) or "–" for k in summary.kpis],
        "Definition": [k.figure.definition for k in summary.kpis],
    })
