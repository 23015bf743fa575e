"""The budget model's inputs, checked on construction: the calibration settings, a split of the budget with its
response assumptions (:class:`Assumptions`) and a named scenario, with the defaults and ranges they share with
the page and the command line."""

from __future__ import annotations

import math
from dataclasses import dataclass

from analytics.survival import ChurnDefinition

HORIZON_RANGE = (12, 60)
DEFAULT_HORIZON = 24
DEFAULT_BETA = 0.7
DEFAULT_R_MAX = 0.25
#: B_half defaults to this fraction of the recent monthly spend.
DEFAULT_B_HALF_SHARE = 0.10
MAX_SCENARIOS = 3


@dataclass(frozen=True)
class CalibrationSettings:
    """What the calibration depends on besides the shared filters (page settings, export flags)."""

    margin: float = 0.7
    calibration_months: int = 12
    churn_definition: ChurnDefinition = "combined"
    inactivity_days: int = 90
    #: An age (month since signup) is reliable when at least this many customers were followed through it.
    reliable_at_risk: int = 30

    def __post_init__(self) -> None:
        if not 0 <= self.margin <= 1:
            raise ValueError(f"margin must be a fraction between 0 and 1, not {self.margin}")
        if not 1 <= self.calibration_months <= 120:
            raise ValueError(f"calibration months must be between 1 and 120, not {self.calibration_months}")


@dataclass(frozen=True)
class Assumptions:
    """One split of the budget and the response assumptions: a scenario's inputs.

    Money is per month in the data's currency; shares and rates are fractions. ``budget`` / ``b_half`` None
    mean the data's defaults (recent monthly spend; 10% of it): see :meth:`Calibration.resolve`.
    """

    budget: float | None = None
    retention_share: float = 0.0
    horizon_months: int = DEFAULT_HORIZON
    beta: float = DEFAULT_BETA
    r_max: float = DEFAULT_R_MAX
    b_half: float | None = None

    def __post_init__(self) -> None:
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget >= 0):
            raise ValueError(f"budget must be a non-negative amount, not {self.budget}")
        if not 0 <= self.retention_share <= 1:
            raise ValueError(f"retention share must be a fraction between 0 and 1, not {self.retention_share}")
        if not 1 <= self.horizon_months <= 240:
            raise ValueError(f"horizon must be between 1 and 240 months, not {self.horizon_months}")
        if not 0 < self.beta <= 1:
            raise ValueError(f"beta must be above 0 and at most 1 (diminishing returns), not {self.beta}")
        if not 0 <= self.r_max < 1:
            raise ValueError(f"r_max must be a fraction from 0 to below 1, not {self.r_max}")
        if self.b_half is not None and not (math.isfinite(self.b_half) and self.b_half > 0):
            raise ValueError(f"B_half must be a positive amount, not {self.b_half}")


@dataclass(frozen=True)
class Scenario:
    """A named set of inputs, saved on the page as one URL parameter (see :func:`encode_scenario`)."""

    name: str
    assumptions: Assumptions
