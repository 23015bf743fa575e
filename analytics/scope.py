"""What every page shares about scope: the date its tables end at, and the segment / channel / region filter
applied in Polars to a cube that carries those columns (so a filter change runs no SQL)."""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.filters import Filters
from queries import DataSource

DIMENSION_COLUMNS = ("segment", "channel", "region")


def as_of_bound(source: DataSource, filters: Filters) -> date | None:
    """The date every table ends at: ``min(filters.end, source.as_of)`` (``source.as_of`` when no end).

    Periods that end after it are incomplete; durations are measured to it.
    """
    if source.as_of is None:
        return filters.end
    return min(filters.end, source.as_of) if filters.end else source.as_of


def in_dimensions(frame: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Keep the rows of the selected segments / channels / regions (an empty selection keeps all)."""
    for name in DIMENSION_COLUMNS:
        values = getattr(filters, name)
        if values:
            frame = frame.filter(pl.col(name).is_in(list(values)))
    return frame
