"""The KPI tiles (ui/kpi_format.py, analytics/formats.py): the change signed at the tile's precision, "no change"
when that rounds to 0; the sparkline coloured by whether the recent trend is good for the business."""

from __future__ import annotations

import polars as pl
import pytest

from analytics.executive import Kpi
from analytics.formats import NO_CHANGE, Formats
from ui.overview_charts import TREND_COLORS, sparkline, trend_quality


@pytest.mark.parametrize(("unit", "value", "previous", "shown"), [
    ("months", 5, 5, NO_CHANGE),              # was "+0 months", an up arrow in red on the payback tile
    ("months", 4, 5, "-1 month"),             # was "-1 months"
    ("months", 3, 5, "-2 months"),
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
    assert Formats(currency="EUR").change(unit, value, previous) == shown


def trend(values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"x": list(range(len(values))), "y": [float(v) for v in values]})


@pytest.mark.parametrize(("key", "values", "quality"), [
    ("revenue", [1, 2, 3, 2.9], "good"),                  # rising revenue, even if the last step fell
    ("active_customers", [10, 9, 8, 8.5], "bad"),         # falling, even if the last step rose
    ("payback_month", [3, 4, 5, 6], "bad"),               # lower is better
    ("existing_share", [0.9, 0.95, 0.97], "flat"),        # neither better: grey
    ("revenue", [100, 100.2, 99.9, 100.1], "flat"),       # under 1% over the window
])
def test_sparkline_colour_follows_the_trend_not_the_last_change(key, values, quality):
    kpi = Kpi(key, values[-1], values[-2], trend=trend(values))
    assert trend_quality(kpi) == quality
    svg = sparkline(kpi)
    assert f'stroke="{TREND_COLORS[quality]}"' in svg
    assert all(f'stroke="{other}"' not in svg for other in set(TREND_COLORS.values()) - {TREND_COLORS[quality]})


def test_sparkline_points_hover_text_and_scale():
    # Three points over the 240 x 64 box with 4 units of padding: x at 4, 120, 236; y from the top, the highest
    # value at 4 and the lowest at 60 (64 - 4), the middle one halfway (32).
    kpi = Kpi("revenue", 30.0, 20.0, trend=pl.DataFrame({"x": ["2024-01", "2024-02", "2024-03"],
                                                         "y": [10.0, 20.0, 30.0]}))
    svg = sparkline(kpi)
    assert 'points="4.0,60.0 120.0,32.0 236.0,4.0"' in svg
    assert svg.count("<circle") == 3 and "<title>2024-03: " in svg
    assert 'aria-label="' in svg and "trend from 2024-01: " in svg
    flat = sparkline(Kpi("revenue", 5.0, 5.0, trend=pl.DataFrame({"x": ["a", "b"], "y": [5.0, 5.0]})))
    assert 'points="4.0,32.0 236.0,32.0"' in flat  # a flat series across the middle, not on an edge
