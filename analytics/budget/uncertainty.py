"""How much the answer depends on the three response assumptions the data cannot measure (beta, r_max, B_half):
the net contribution of every split over a few hundred seeded draws of them (:func:`uncertainty`).

**Plausible ranges** (independent draws, uniform unless said):

- beta: the chosen value ± 0.2, within 0.1..1 (the sensitivity grid's range: from near-constant CAC to
  strongly diminishing returns around the chosen value);
- r_max: the chosen value ± 10 percentage points, within 0..90% (the sensitivity grid's range);
- B_half: from half to twice the chosen value, log-uniform (the spend scale of retention is at best known to
  within a factor of two before it has been tested).

**Band**: the 10th, 50th and 90th percentiles of the draws' net contribution at each retention share (p10-p90
holds 8 in 10 of the plausible outcomes). **Range of best splits**: the 10th to 90th percentile of each draw's
best share. **Gain of the best split**: per draw, the net contribution of the best split (at the chosen
assumptions) minus today's split's; it is *clear* when its p10 is above 0 (the best split wins in at least 9
of 10 draws) or its p90 below 0, and *inside the band* otherwise: then there is no clear winner between today's
split and the best one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.budget.calibration import Calibration
from analytics.budget.inputs import Assumptions
from analytics.budget.model import SHARES, horizon_net_contribution

DRAWS = 300
#: The draws' survival totals are computed on this many churn reductions and interpolated (see model.py).
GRID = 401
SEED = 23
BETA_SPREAD = 0.2
R_MAX_SPREAD = 0.10
B_HALF_FACTOR = 2.0

BAND_SCHEMA = {"retention_share": pl.Float64, "net_contribution_p10": pl.Float64,
               "net_contribution_p50": pl.Float64, "net_contribution_p90": pl.Float64}


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """The band and what it says about the best split (see the module docstring)."""

    band: pl.DataFrame          # BAND_SCHEMA: one row per retention share
    draws: pl.DataFrame         # beta, r_max, b_half, best_share, gain (best split vs today's, per draw)
    best_share: float           # at the chosen assumptions
    best_low: float             # p10 of the draws' best shares
    best_high: float            # p90
    gain: float                 # best split minus today's split, at the chosen assumptions
    gain_p10: float
    gain_p90: float
    wins: float                 # fraction of draws in which the best split beats today's
    ranges: dict[str, tuple[float, float]]

    @property
    def clear(self) -> bool:
        """True when the best split's gain over today's split keeps its sign in 8 of 10 draws or more (p10-p90)."""
        return self.gain_p10 > 0 or self.gain_p90 < 0


def draw_assumptions(assumptions: Assumptions, draws: int = DRAWS,
                     seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, tuple[float, float]]]:
    """Seeded draws of (beta, r_max, B_half) over the plausible ranges around ``assumptions`` (resolved):

    >>> betas, r_maxes, b_halves, ranges = draw_assumptions(Assumptions(beta=0.7, r_max=0.25, b_half=100), 1000)
    >>> ranges
    {'beta': (0.5, 0.9), 'r_max': (0.15, 0.35), 'b_half': (50.0, 200.0)}
    >>> bool(betas.min() >= 0.5 and r_maxes.max() <= 0.35 and b_halves.min() >= 50)
    True
    """
    assert assumptions.b_half is not None
    rng = np.random.default_rng(seed)
    beta, r_max = assumptions.beta, assumptions.r_max
    beta_range = (round(max(0.1, beta - BETA_SPREAD), 4), round(min(1.0, beta + BETA_SPREAD), 4))
    r_range = (round(max(0.0, r_max - R_MAX_SPREAD), 4), round(min(0.9, r_max + R_MAX_SPREAD), 4))
    b_range = (assumptions.b_half / B_HALF_FACTOR, assumptions.b_half * B_HALF_FACTOR)
    betas = rng.uniform(*beta_range, draws)
    r_maxes = rng.uniform(*r_range, draws)
    b_halves = np.exp(rng.uniform(np.log(b_range[0]), np.log(b_range[1]), draws))
    return betas, r_maxes, b_halves, {"beta": beta_range, "r_max": r_range, "b_half": b_range}


def uncertainty(calibration: Calibration, assumptions: Assumptions, shares: np.ndarray = SHARES,
                draws: int = DRAWS, seed: int = SEED) -> Uncertainty:
    """The net contribution band over the split, the range of best splits and whether the best split's gain
    over today's split is clear (module docstring). Vectorised over draws x shares in numpy."""
    a = calibration.resolve(assumptions)
    assert a.budget is not None and a.b_half is not None
    shares = np.asarray(shares, dtype=float)
    betas, r_maxes, b_halves, ranges = draw_assumptions(a, draws, seed)
    net = horizon_net_contribution(calibration, a.budget, a.horizon_months, shares, betas, r_maxes, b_halves,
                                   grid=GRID)
    # Today's split (today's spend, no retention) does not depend on r_max or B_half; beta only through the
    # rounding of today's spend.
    today = horizon_net_contribution(calibration, calibration.default_budget, a.horizon_months, np.zeros(1),
                                     betas, r_maxes, b_halves)[:, 0]
    point = horizon_net_contribution(calibration, a.budget, a.horizon_months, shares, np.array([a.beta]),
                                     np.array([a.r_max]), np.array([a.b_half]))[0]
    today_point = horizon_net_contribution(calibration, calibration.default_budget, a.horizon_months, np.zeros(1),
                                           np.array([a.beta]), np.array([a.r_max]), np.array([a.b_half]))[0, 0]
    best_index = int(np.argmax(point))
    best_by_draw = shares[np.argmax(net, axis=1)]
    gain = net[:, best_index] - today
    p10, p50, p90 = np.percentile(net, [10, 50, 90], axis=0)
    band = pl.DataFrame({"retention_share": shares, "net_contribution_p10": p10, "net_contribution_p50": p50,
                         "net_contribution_p90": p90}, schema=BAND_SCHEMA)
    table = pl.DataFrame({"beta": betas, "r_max": r_maxes, "b_half": b_halves, "best_share": best_by_draw,
                          "gain": gain})
    low, high = np.percentile(best_by_draw, [10, 90], method="inverted_cdf")
    gain_p10, gain_p90 = np.percentile(gain, [10, 90])
    return Uncertainty(band=band, draws=table, best_share=float(shares[best_index]), best_low=float(low),
                       best_high=float(high), gain=float(point[best_index] - today_point),
                       gain_p10=float(gain_p10), gain_p90=float(gain_p90), wins=float(np.mean(gain > 0)),
                       ranges=ranges)
