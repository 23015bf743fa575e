"""The budget model (:func:`project`), month by month m = 1..H after the as-of month, for a total monthly
budget B of which a share s goes to retention:

- acquisition: paid new customers a month = n0 x ((1 - s) B / B0)^beta (diminishing returns for beta < 1);
  organic new customers keep arriving at their recent rate whatever the budget.
- retention: spending sB a month lowers every churn hazard by the factor r = r_max x (1 - exp(-sB / B_half)):
  h'(a) = h(a) x (1 - r).
- every customer (the base and each month's new cohort) is active in month m if they have not churned
  before it; a customer of age a churns at the end of the month with probability h'(a), and ages a month.
  New customers are active in their signup month.
- revenue = active x revenue per active; gross margin likewise; spend = B; **net contribution** = gross
  margin - spend (not discounted). **Existing-customer revenue share** = revenue from customers acquired
  before the month / all revenue (the Revenue mix page's definition; every active customer earns the same).
- **Baseline** = today's split: the recent spend B0 (rounded to whole currency units), all of it on
  acquisition. The spend export holds acquisition channels only, so no retention spend is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.budget.calibration import Calibration
from analytics.budget.inputs import Assumptions
from analytics.periods import period_index, period_of

#: Retention shares of the optimisation curve: 0%, 1%, ..., 100%.
SHARES = np.round(np.linspace(0.0, 1.0, 101), 2)
#: Offsets around the current beta and r_max for the sensitivity grid of the optimum.
BETA_OFFSETS = (-0.2, -0.1, 0.0, 0.1, 0.2)
R_MAX_OFFSETS = (-0.10, -0.05, 0.0, 0.05, 0.10)
#: Adjusted hazards are capped just below 1, so that log(1 - h) in :func:`survival_paths` stays finite.
_MAX_HAZARD = 1.0 - 1e-12


def retention_effect(retention_budget: np.ndarray | float, r_max: float, b_half: float) -> np.ndarray:
    """r(B) = r_max x (1 - exp(-B / B_half)): the fraction by which retention spend B a month lowers every
    churn hazard. It is 0 without spend and approaches r_max as B grows (63% of it at B_half, 86% at 2 B_half):

    >>> (retention_effect([0, 100, 200], r_max=0.25, b_half=100) / 0.25).round(3).tolist()
    [0.0, 0.632, 0.865]
    """
    spend = np.asarray(retention_budget, dtype=float)
    return r_max * (1.0 - np.exp(-spend / b_half))


def paid_new_customers(acquisition_budget: np.ndarray | float, paid_new: float, paid_spend: float,
                       beta: float) -> np.ndarray:
    """n0 x (B / B0)^beta: new paid customers a month for an acquisition budget B a month. With beta < 1 each
    extra unit of budget wins fewer:

    >>> float(paid_new_customers(400, paid_new=10, paid_spend=1000, beta=1.0))
    4.0
    >>> paid_new_customers([1000, 2000], paid_new=10, paid_spend=1000, beta=0.7).round(2).tolist()
    [10.0, 16.25]
    """
    spend = np.maximum(np.asarray(acquisition_budget, dtype=float), 0.0)
    if paid_spend <= 0 or paid_new <= 0:
        return np.zeros_like(spend)
    new_customers: np.ndarray = paid_new * (spend / paid_spend) ** beta
    return new_customers


def _extend(hazard: np.ndarray, length: int) -> np.ndarray:
    hazard = np.asarray(hazard, dtype=float)
    if hazard.size == 0:
        return np.zeros(length)
    if hazard.size >= length:
        return hazard[:length]
    return np.concatenate([hazard, np.full(length - hazard.size, hazard[-1])])


def survival_paths(hazard: np.ndarray, base: np.ndarray, reductions: np.ndarray | float,
                   months: int) -> tuple[np.ndarray, np.ndarray]:
    """Active customers in months 1..``months`` for each hazard reduction r (vectorised over r).

    Returns (from_base, per_new), both of shape (len(r), months): from_base[m-1] = sum over ages a of
    base[a] x S'(a + m - 1) / S'(a), the base still active in month m; per_new[m-1] = sum_{k=0}^{m-1} S'(k),
    the customers still active in month m out of one new customer joining every month (joining in month j,
    active in month m >= j with probability S'(m - j)). S'(a) = prod_{j<a} (1 - h(j) (1 - r)); h is held at its
    last value beyond its length.
    """
    reductions = np.atleast_1d(np.asarray(reductions, dtype=float))
    base = np.asarray(base, dtype=float)
    ages = base.size
    h = _extend(hazard, ages + months)
    adjusted = np.clip(h[None, :] * (1.0 - reductions[:, None]), 0.0, _MAX_HAZARD)
    log_survival = np.zeros((reductions.size, ages + months + 1))
    log_survival[:, 1:] = np.cumsum(np.log1p(-adjusted), axis=1)
    occupied = np.nonzero(base > 0)[0]
    steps = np.arange(months)
    if occupied.size:
        later = log_survival[:, occupied[:, None] + steps[None, :]]           # (r, ages, months)
        ratio = np.exp(later - log_survival[:, occupied][:, :, None])
        from_base = np.einsum("a,ram->rm", base[occupied], ratio)
    else:
        from_base = np.zeros((reductions.size, months))
    per_new = np.cumsum(np.exp(log_survival[:, :months]), axis=1)
    return from_base, per_new


@dataclass(frozen=True, eq=False)
class Population:
    """A part of the scope with its own calibration: its churn hazard by age, its base, the fractions of the
    scope's new paid and organic customers who join it, its revenue and margin per customer in the base and
    month, and whether retention spend reaches it."""

    hazard: npt.NDArray[np.float64]
    base: npt.NDArray[np.float64]
    paid_fraction: float
    organic_fraction: float
    revenue_per_active: float
    margin_per_active: float
    targeted: bool


def _fraction(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def populations(calibration: Calibration) -> list[Population]:
    """The scope as the model sees it: one targeted population (retention reaches everyone), or, with a
    :class:`~analytics.budget.calibration.Target`, the group (targeted) and the rest of the scope (not)."""
    target = calibration.target
    if target is None:
        return [Population(calibration.hazard, calibration.base, 1.0, 1.0, calibration.revenue_per_active,
                           calibration.margin_per_active, True)]
    return [Population(part.hazard, part.base, _fraction(part.paid_new, calibration.paid_new),
                       _fraction(part.organic_new, calibration.organic_new), part.revenue_per_active,
                       part.margin_per_active, targeted)
            for part, targeted in ((target.group, True), (target.rest, False))]


@dataclass(frozen=True, eq=False)
class Paths:
    """Monthly arrays of shape (splits, months) for a set of retention shares (see :func:`project_paths`)."""

    shares: npt.NDArray[np.float64]
    active: npt.NDArray[np.float64]
    new: npt.NDArray[np.float64]
    from_base: npt.NDArray[np.float64]
    revenue: npt.NDArray[np.float64]
    gross_margin: npt.NDArray[np.float64]
    spend: npt.NDArray[np.float64]
    #: Revenue from customers who joined before the month (each population earns its own mean).
    existing_revenue: npt.NDArray[np.float64]

    @property
    def net_contribution(self) -> npt.NDArray[np.float64]:
        return self.gross_margin - self.spend


def project_paths(calibration: Calibration, assumptions: Assumptions,
                  shares: np.ndarray | None = None) -> Paths:
    """The model, vectorised over retention shares (default: the assumptions' own share), summed over the
    populations (:func:`populations`)."""
    a = calibration.resolve(assumptions)
    assert a.budget is not None and a.b_half is not None
    shares = np.atleast_1d(np.asarray([a.retention_share] if shares is None else shares, dtype=float))
    reductions = retention_effect(a.budget * shares, a.r_max, a.b_half)
    paid = paid_new_customers(a.budget * (1 - shares), calibration.paid_new, calibration.paid_spend, a.beta)
    shape = (shares.size, a.horizon_months)
    active, new, from_base_total = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    revenue, margin, existing = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for part in populations(calibration):
        from_base, per_new = survival_paths(part.hazard, part.base, reductions if part.targeted else 0.0 * reductions,
                                            a.horizon_months)
        joining = paid * part.paid_fraction + calibration.organic_new * part.organic_fraction
        part_active = from_base + joining[:, None] * per_new
        active += part_active
        new += joining[:, None]
        from_base_total += from_base
        revenue += part_active * part.revenue_per_active
        margin += part_active * part.margin_per_active
        existing += (part_active - joining[:, None]) * part.revenue_per_active
    return Paths(shares=shares, active=active, new=new, from_base=from_base_total, revenue=revenue,
                 gross_margin=margin, spend=np.full(shape, float(a.budget)), existing_revenue=existing)


#: Survival paths are summed in chunks of at most this many (reduction x age x month) cells (~40 MB of floats).
_CHUNK_CELLS = 5_000_000


def _horizon_totals(hazard: np.ndarray, base: np.ndarray, reductions: np.ndarray,
                    months: int) -> tuple[np.ndarray, np.ndarray]:
    """Customer-months over the horizon for each hazard reduction (any shape): from the base, and per new
    customer a month (:func:`survival_paths` summed over the months, in chunks to bound memory)."""
    flat = np.asarray(reductions, dtype=float).ravel()
    cells = max(1, int(np.count_nonzero(np.asarray(base) > 0)) + 1) * months
    chunk = max(1, _CHUNK_CELLS // cells)
    base_total, per_new_total = np.empty(flat.size), np.empty(flat.size)
    for start in range(0, flat.size, chunk):
        from_base, per_new = survival_paths(hazard, base, flat[start:start + chunk], months)
        base_total[start:start + chunk] = from_base.sum(axis=1)
        per_new_total[start:start + chunk] = per_new.sum(axis=1)
    shape = np.shape(reductions)
    return base_total.reshape(shape), per_new_total.reshape(shape)


def _interpolated_totals(hazard: np.ndarray, base: np.ndarray, reductions: np.ndarray, months: int,
                         grid: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_horizon_totals` computed exactly on ``grid`` evenly spaced reductions from 0 to the largest one
    and interpolated linearly in between (the totals are smooth in the reduction: the error is measured in
    tests/test_budget.py and bench/budget.py)."""
    top = float(np.max(reductions)) if np.size(reductions) else 0.0
    if top <= 0:
        return _horizon_totals(hazard, base, reductions, months)
    points = np.linspace(0.0, top, grid)
    base_total, per_new_total = _horizon_totals(hazard, base, points, months)
    return np.interp(reductions, points, base_total), np.interp(reductions, points, per_new_total)


def horizon_net_contribution(calibration: Calibration, budget: float, horizon_months: int, shares: np.ndarray,
                             betas: np.ndarray, r_maxes: np.ndarray, b_halves: np.ndarray,
                             grid: int | None = None) -> np.ndarray:
    """Net contribution over the horizon, shape (draws, shares), for draws of the response assumptions (equal
    length arrays ``betas``, ``r_maxes``, ``b_halves``): the model of :func:`project_paths`, vectorised over
    the draws (each draw's row equals ``split_curve``'s net contribution with those assumptions). ``grid``: the
    survival totals are computed on that many reductions and interpolated (for hundreds of draws), else
    exactly for each."""
    shares = np.asarray(shares, dtype=float)[None, :]
    betas, r_maxes, b_halves = (np.asarray(v, dtype=float)[:, None] for v in (betas, r_maxes, b_halves))
    reductions = r_maxes * (1.0 - np.exp(-budget * shares / b_halves))
    if calibration.paid_spend > 0 and calibration.paid_new > 0:
        paid = calibration.paid_new * (np.maximum(budget * (1 - shares), 0.0) / calibration.paid_spend) ** betas
    else:
        paid = np.zeros(reductions.shape)
    total = np.zeros(reductions.shape)
    for part in populations(calibration):
        if part.targeted:
            base_total, per_new_total = (
                _horizon_totals(part.hazard, part.base, reductions, horizon_months) if grid is None
                else _interpolated_totals(part.hazard, part.base, reductions, horizon_months, grid))
        else:
            fixed = _horizon_totals(part.hazard, part.base, np.zeros(1), horizon_months)
            base_total, per_new_total = fixed[0][0], fixed[1][0]
        joining = paid * part.paid_fraction + calibration.organic_new * part.organic_fraction
        total = total + (base_total + joining * per_new_total) * part.margin_per_active
    return total - budget * horizon_months


PROJECTION_SCHEMA = {
    "scenario": pl.String, "retention_share": pl.Float64, "month_index": pl.Int64, "month": pl.Date,
    "customer_base": pl.Float64, "new_customers": pl.Float64, "revenue": pl.Float64,
    "gross_margin": pl.Float64, "spend": pl.Float64, "net_contribution": pl.Float64,
    "existing_share": pl.Float64,
}


def project(calibration: Calibration, assumptions: Assumptions, scenario: str = "scenario") -> pl.DataFrame:
    """One row per projected month: scenario, retention_share, month_index (1..H), month (first day, the
    months after the as-of month), customer_base (expected customers not churned), new_customers, revenue,
    gross_margin, spend, net_contribution, existing_share. Customer counts are expected values (fractions are kept)."""
    a = calibration.resolve(assumptions)
    paths = project_paths(calibration, a)
    months = a.horizon_months
    first = period_index(calibration.as_of, "month") + 1 if calibration.as_of else None
    with np.errstate(divide="ignore", invalid="ignore"):
        existing = np.where(paths.revenue[0] > 0, paths.existing_revenue[0] / paths.revenue[0], np.nan)
    return pl.DataFrame({
        "scenario": [scenario] * months, "retention_share": [a.retention_share] * months,
        "month_index": np.arange(1, months + 1),
        "month": [period_of(first + i, "month") if first is not None else None for i in range(months)],
        "customer_base": paths.active[0], "new_customers": paths.new[0], "revenue": paths.revenue[0],
        "gross_margin": paths.gross_margin[0], "spend": paths.spend[0],
        "net_contribution": paths.net_contribution[0], "existing_share": existing,
    }, schema=PROJECTION_SCHEMA).with_columns(pl.col("existing_share").fill_nan(None))


def split_curve(calibration: Calibration, assumptions: Assumptions,
                shares: np.ndarray = SHARES) -> pl.DataFrame:
    """Horizon totals for every retention share (0%, 1%, ..., 100% by default): retention_share,
    net_contribution, revenue, customer_base_end."""
    paths = project_paths(calibration, assumptions, shares)
    return pl.DataFrame({"retention_share": paths.shares, "net_contribution": paths.net_contribution.sum(axis=1),
                         "revenue": paths.revenue.sum(axis=1), "customer_base_end": paths.active[:, -1]})


def best_share(curve: pl.DataFrame) -> float:
    """The retention share with the highest net contribution (the lowest such share on a tie)."""
    values = curve["net_contribution"].to_numpy()
    return float(curve["retention_share"][int(np.argmax(values))])


def sensitivity(calibration: Calibration, assumptions: Assumptions, shares: np.ndarray = SHARES,
                betas: tuple[float, ...] | None = None, r_maxes: tuple[float, ...] | None = None) -> pl.DataFrame:
    """The best retention share for beta and r_max around the current values (the other inputs fixed):
    beta, r_max, best_share, net_contribution (at the best share), is_current."""
    a = calibration.resolve(assumptions)
    assert a.budget is not None and a.b_half is not None
    if betas is None:
        betas = tuple(sorted({round(min(1.0, max(0.1, a.beta + o)), 2) for o in BETA_OFFSETS}))
    if r_maxes is None:
        r_maxes = tuple(sorted({round(min(0.9, max(0.0, a.r_max + o)), 3) for o in R_MAX_OFFSETS}))
    shares = np.asarray(shares, dtype=float)
    grid = [(beta, r_max) for r_max in r_maxes for beta in betas]
    net = horizon_net_contribution(calibration, a.budget, a.horizon_months, shares,
                                   np.array([g[0] for g in grid]), np.array([g[1] for g in grid]),
                                   np.full(len(grid), a.b_half))
    rows = []
    for (beta, r_max), values in zip(grid, net, strict=True):
        best = int(np.argmax(values))
        rows.append({"beta": beta, "r_max": r_max, "best_share": float(shares[best]),
                     "net_contribution": float(values[best]),
                     "is_current": math.isclose(beta, a.beta) and math.isclose(r_max, a.r_max)})
    return pl.DataFrame(rows, schema={"beta": pl.Float64, "r_max": pl.Float64, "best_share": pl.Float64,
                                      "net_contribution": pl.Float64, "is_current": pl.Boolean})


def channel_split(calibration: Calibration, assumptions: Assumptions) -> pl.DataFrame:
    """The acquisition budget split across the paid channels in today's proportions of spend, each channel
    answering like the total (n_c x (budget_c / spend_c)^beta, which sums to the model's paid new customers):
    channel, recent_spend, recent_new, recent_cac, budget, new_customers, cac."""
    a = calibration.resolve(assumptions)
    assert a.budget is not None
    paid = calibration.channels.filter(pl.col("is_paid")) if calibration.channels.height else calibration.channels
    schema = pl.Schema({"channel": pl.String, "recent_spend": pl.Float64, "recent_new": pl.Float64,
                        "recent_cac": pl.Float64, "budget": pl.Float64, "new_customers": pl.Float64, "cac": pl.Float64})
    if paid.height == 0 or calibration.paid_spend <= 0:
        return pl.DataFrame(schema=schema)
    scale = a.budget * (1 - a.retention_share) / calibration.paid_spend
    return paid.select(
        "channel", pl.col("spend_per_month").alias("recent_spend"), pl.col("new_per_month").alias("recent_new"),
        pl.col("cac").alias("recent_cac"),
        (pl.col("spend_per_month") * scale).alias("budget"),
        (pl.col("new_per_month") * scale ** a.beta).alias("new_customers"),
    ).with_columns(cac=pl.when(pl.col("new_customers") > 0).then(pl.col("budget") / pl.col("new_customers"))
                   ).cast(schema)
