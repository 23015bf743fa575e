"""The KPI tiles' change text (ui/kpi_format.py): signed at the tile's precision, "no change" when that rounds to 0."""

from __future__ import annotations

import pytest

from analytics.executive import Kpi
from ui.kpi_format import NO_CHANGE, format_change


def kpi(unit: str, value: float | None, previous: float | None) -> Kpi:
    return Kpi("k", "K", value, previous, unit, "cohorts", "help")  # type: ignore[arg-type]


@pytest.mark.parametrize(("unit", "value", "previous", "shown"), [
    ("months", 5, 5, NO_CHANGE),              # was "+0 months", an up arrow in red on the payback tile
    ("months", 4, 5, "-1 months"),
    ("percent", 0.9644, 0.9633, "+0.1 pts"),  # 0.11 points
    ("percent", 0.9634, 0.9633, NO_CHANGE),   # 0.01 points shows as +0.0
    ("percent", 0.9630, 0.9633, NO_CHANGE),   # -0.03 points shows as -0.0
    ("count", 6636, 6680, "-44"),
    ("count", 6636.4, 6636, NO_CHANGE),
    ("money", 105.0, 100.0, "+5.0%"),
    ("money", 100.04, 100.0, NO_CHANGE),      # +0.04% shows as +0.0%
    ("ratio", 4.7028, 4.6767, "+0.03×"),
    ("ratio", 4.701, 4.700, NO_CHANGE),
    ("days", 120, 110, "+10 days"),
    ("days", 120, None, None),                # no previous value: no change shown
])
def test_change_text_at_the_tiles_precision(unit, value, previous, shown):
    assert format_change(kpi(unit, value, previous)) == shown
