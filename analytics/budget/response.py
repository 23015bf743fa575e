"""A measured retention response as a calibration of r_max and B_half (:func:`response_from_hazard_ratio`).

The touchpoints export of the retention-process issue (#20) is to give, for a retention action, a hazard ratio
(churn hazard of the customers who got it / of comparable ones who did not) and its cost per customer reached
a month. Such a measurement is one point of the response curve r(B) = r_max x (1 - exp(-B / B_half)): spending
S = cost x customers reached a month lowers churn by 1 - HR. One point does not fix two parameters, so the
calibration states its convention:

- spending S reaches every customer the retention spend is aimed at (the whole base, or the targeted group);
  more spend than that buys nothing the measurement has seen, so the curve is all but flat beyond S:
  **B_half = S / ln 20** (S is 3 B_half: 95% of r_max is reached at S);
- **r_max = (1 - HR) / 0.95**, so that r(S) = 1 - HR exactly: the model reproduces the measured effect at the
  measured cost.

Less spend reaches fewer customers; the curve then credits more than a proportional share of the effect
(half of S gives 78% of it), as if the spend went to the most responsive customers first: the curve's own
assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: S = B_half x ln 20: the measured spend reaches 95% of r_max.
_SATURATION = 0.95


@dataclass(frozen=True)
class MeasuredResponse:
    """A retention action's measured effect on churn and its cost, with where the figures came from."""

    action: str
    hazard_ratio: float             # churn hazard with the action / without it (below 1: it retains)
    cost_per_customer: float        # cost a month per customer reached, in the data's currency
    source: str                     # e.g. "touchpoints.parquet, Cox fit on 2024 contacts (n = 1,240)"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.hazard_ratio) and 0 < self.hazard_ratio < 1):
            raise ValueError(f"{self.action}: a hazard ratio from 0 to below 1 is a retention effect, not "
                             f"{self.hazard_ratio} (1 or more: the action did not lower churn; nothing to calibrate)")
        if not (math.isfinite(self.cost_per_customer) and self.cost_per_customer > 0):
            raise ValueError(f"{self.action}: the cost per customer reached must be a positive amount, not "
                             f"{self.cost_per_customer}")


@dataclass(frozen=True)
class ResponseCalibration:
    r_max: float
    b_half: float
    spend: float        # S: the measured action for every customer reached, a month
    note: str           # where the figures came from, for the page and the memo


def response_from_hazard_ratio(measured: MeasuredResponse, customers_reached: float) -> ResponseCalibration:
    """r_max and B_half from a measured hazard ratio and cost (module docstring). A hazard ratio of 0.8 at 5 a
    month for 1,000 customers: S = 5,000, r_max = 0.2 / 0.95, B_half = 5,000 / ln 20:

    >>> c = response_from_hazard_ratio(MeasuredResponse("call", 0.8, 5.0, "a test"), 1000)
    >>> round(c.r_max, 4), round(c.b_half, 1), c.spend
    (0.2105, 1669.0, 5000.0)
    """
    if not (math.isfinite(customers_reached) and customers_reached > 0):
        raise ValueError(f"customers reached must be a positive number, not {customers_reached}")
    spend = measured.cost_per_customer * customers_reached
    reduction = 1.0 - measured.hazard_ratio
    r_max = min(0.99, reduction / _SATURATION)
    b_half = spend / math.log(1 / (1 - _SATURATION))
    note = (f"r_max and B_half from a measured response: {measured.action}, hazard ratio "
            f"{measured.hazard_ratio:.2f} (churn {reduction:.0%} lower) at {measured.cost_per_customer:,.2f} a month "
            f"per customer, for {customers_reached:,.0f} customers = {spend:,.0f} a month. Source: {measured.source}.")
    return ResponseCalibration(r_max=r_max, b_half=b_half, spend=spend, note=note)
