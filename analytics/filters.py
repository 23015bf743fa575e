"""The filters every page shares, as one small hashable value.

The same names are the URL parameters of the app and the flags of ``python -m analytics export``.

- ``start`` / ``end``: the reporting window (inclusive dates; None = open). Period charts show periods
  inside it; transactions outside it are ignored; customers count when they signed up inside it.
- ``grain``: the period of every period chart: ``week`` (Monday to Sunday), ``month`` or ``quarter``.
- ``segment`` / ``channel`` / ``region``: keep only customers in these groups (empty = all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

Grain = Literal["week", "month", "quarter"]
GRAINS: tuple[Grain, ...] = get_args(Grain)


@dataclass(frozen=True)
class Filters:
    """Shared filters.

    >>> Filters(grain="quarter", segment=("pro",)).sql_params()["segments"]
    ['pro']
    >>> Filters(grain="quarter", segment=("pro", "starter", "pro")).describe()
    'quarterly · all dates · segment: pro, starter'
    """

    start: date | None = None
    end: date | None = None
    grain: Grain = "month"
    segment: tuple[str, ...] = field(default_factory=tuple)
    channel: tuple[str, ...] = field(default_factory=tuple)
    region: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {self.grain!r}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        for name in ("segment", "channel", "region"):
            # Sorted so that the same selection in another order is the same cache key.
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))

    def sql_params(self) -> dict[str, Any]:
        """The values the queries bind as ``$start, $end, $grain, $segments, $channels, $regions``."""
        return {
            "start": self.start,
            "end": self.end,
            "grain": self.grain,
            "segments": list(self.segment),
            "channels": list(self.channel),
            "regions": list(self.region),
        }

    def describe(self) -> str:
        """The filters in force, in words (for captions, exports and the board pack)."""
        parts = [f"{self.grain}ly"]
        if self.start or self.end:
            parts.append(f"{self.start or 'first date'} to {self.end or 'as-of date'}")
        else:
            parts.append("all dates")
        for name in ("segment", "channel", "region"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}: {', '.join(values)}")
        return " · ".join(parts)
