"""BG/NBD: how many more purchases will a customer make, and are they still a customer at all?

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the Pareto/NBD model",
Marketing Science 24(2). While alive, a customer makes purchases as a Poisson process of rate lambda
(Gamma(r, alpha) across customers); after every purchase they drop out with probability p (Beta(a, b)
across customers). Each customer is summarised by three numbers, all measured from their **first purchase**:

- ``frequency`` x: repeat purchases (purchases after the first) up to the calibration end;
- ``recency`` t_x: time from the first purchase to the last one (0 when x = 0);
- ``age`` T: time from the first purchase to the calibration end.

Conventions here: time is in **weeks** (days / 7; alpha is in weeks too, r / alpha is purchases a week), a
purchase is a day with a positive amount (analytics/clv_models/inputs.py). Customers with identical
(x, t_x, T) are fitted once with their count as a weight (a million customers become a few hundred thousand
rows). The parameters are fitted by maximum likelihood on the log scale (so they stay positive) with exact
gradients from autograd and L-BFGS-B; :class:`BgNbdFit` says whether the fit converged.

>>> fit = fit_bgnbd(np.array([0, 1, 2, 0]), np.array([0.0, 20.0, 30.0, 0.0]), np.array([39.0, 39.0, 35.0, 10.0]))
>>> fit.customers, fit.converged  # four customers cannot pin down four parameters: the fit says so
(4, False)
>>> float(p_alive(fit.params, np.array([0]), np.array([0.0]), np.array([39.0]))[0])  # no repeat purchase
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import autograd.numpy as anp
import numpy as np
import polars as pl
from autograd import hessian, value_and_grad
from autograd.scipy.special import gammaln
from scipy.optimize import minimize
from scipy.special import hyp2f1

#: The four parameters, in the order of the fitted vector: r, alpha (weeks), a, b.
PARAMETERS = ("r", "alpha", "a", "b")
#: Log-parameters are kept within +-LOG_BOUND (e^15 ~ 3.3M); a fit that runs to the bound is not identified.
LOG_BOUND = 15.0


@dataclass(frozen=True)
class BgNbdFit:
    """A fitted BG/NBD model: the parameters (alpha in weeks), the log-likelihood at them (summed over
    customers), the customers fitted, the distinct (x, t_x, T) rows the fit ran on, and convergence."""

    params: tuple[float, float, float, float]
    log_likelihood: float
    customers: int
    rows: int
    converged: bool
    message: str

    def as_dict(self) -> dict[str, float]:
        return dict(zip(PARAMETERS, self.params, strict=True))


def _unique_rows(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray,
                 weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Identical (x, t_x, T) rows merged, their weights added."""
    w = np.ones(len(frequency)) if weights is None else np.asarray(weights, dtype=float)
    x = np.asarray(frequency, dtype=np.int64)
    recency_days, age_days = np.rint(np.asarray(recency) * 7), np.rint(np.asarray(age) * 7)
    if (len(x) and np.array_equal(x, frequency) and np.abs(recency_days - np.asarray(recency) * 7).max() < 1e-6
            and np.abs(age_days - np.asarray(age) * 7).max() < 1e-6 and age_days.max() < (1 << 21)
            and x.max() < (1 << 20) and x.min() >= 0 and recency_days.min() >= 0):
        # Whole days (the app's case): one integer key per row, x | recency | age in 20 + 21 + 21 bits, and a
        # 1-D unique, ~0.1 s for a million customers.
        keys = (x << 42) | (recency_days.astype(np.int64) << 21) | age_days.astype(np.int64)
        unique, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=w, minlength=len(unique))
        return ((unique >> 42).astype(float), ((unique >> 21) & ((1 << 21) - 1)) / 7.0,
                (unique & ((1 << 21) - 1)) / 7.0, summed)
    # Any other times: a Polars group-by (hashing, on every core).
    rows = pl.DataFrame({"x": np.asarray(frequency, dtype=float), "t_x": np.asarray(recency, dtype=float),
                         "T": np.asarray(age, dtype=float), "w": w})
    grouped = rows.group_by("x", "t_x", "T").agg(pl.col("w").sum()).sort("x", "t_x", "T")
    return (grouped["x"].to_numpy(), grouped["t_x"].to_numpy(), grouped["T"].to_numpy(), grouped["w"].to_numpy())


def log_likelihood(params: np.ndarray, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray,
                   distinct_x: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Each customer's log-likelihood (Fader, Hardie & Lee 2005, eq. 6), with autograd-friendly operations.

    ``params`` = (r, alpha, a, b). For x = 0 it is log of B(a, b)/B(a, b) x (alpha/(alpha+T))^r = r log(alpha /
    (alpha + T)):

    >>> round(float(log_likelihood(np.array([1.0, 2.0, 1.0, 1.0]), np.array([0]), np.array([0.0]),
    ...                             np.array([2.0]))[0]), 6) == round(math.log(0.5), 6)
    True
    """
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    x = frequency
    # Terms that depend on x only are evaluated once per distinct x (a few dozen values) and gathered; the fit
    # passes the distinct values in, so that they are not found again at every evaluation.
    xs, at = distinct_x if distinct_x is not None else np.unique(x, return_inverse=True)
    # One gather of the summed x-only terms (each gather costs a pass over the rows, forward and backward).
    a1 = (gammaln(r + xs) - gammaln(r) + gammaln(a + b) + gammaln(b + xs) - gammaln(b) - gammaln(a + b + xs))[at] \
        + r * anp.log(alpha)
    a3 = -(r + x) * anp.log(alpha + age)
    repeat = x > 0
    # For x = 0 the second term is absent: log(b + x - 1) is never evaluated at b - 1 <= 0 there.
    a4 = anp.where(repeat, anp.log(a) - anp.log(anp.where(repeat, b + x - 1, 1.0))
                   - (r + x) * anp.log(alpha + recency), -anp.inf)
    top = anp.maximum(a3, a4)
    # cast: autograd traces through this function, so its result must stay autograd's own array type.
    return cast(np.ndarray, a1 + top + anp.log(anp.exp(a3 - top) + anp.exp(a4 - top)))


#: Above this many distinct rows the fit starts from a fit on a sample of them (see fit_bgnbd).
WARM_START_ROWS = 100_000


def _objective(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, w: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The weighted mean negative log-likelihood as a function of log(r, alpha, a, b)."""
    total = float(w.sum())
    xs, at = np.unique(x, return_inverse=True)
    distinct = (xs, at.ravel())

    def objective(log_params: np.ndarray) -> np.ndarray:
        return cast(np.ndarray, -anp.sum(w * log_likelihood(anp.exp(log_params), x, t_x, big_t, distinct)) / total)

    return objective


def _minimise(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, w: np.ndarray, begin: np.ndarray) -> Any:
    """L-BFGS-B on the log-parameters with autograd's exact gradient."""
    value_grad = value_and_grad(_objective(x, t_x, big_t, w))

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = value_grad(v)
        return float(value), np.asarray(grad, dtype=float)

    return minimize(fun, begin, jac=True, method="L-BFGS-B", bounds=[(-LOG_BOUND, LOG_BOUND)] * 4,
                    options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9})


def fit_bgnbd(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, weights: np.ndarray | None = None,
              start: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit on (x, t_x, T) in weeks (identical rows fitted once, weighted).

    Minimises the weighted mean negative log-likelihood over log(r, alpha, a, b) with L-BFGS-B and autograd's
    exact gradient. ``converged`` is False when the optimiser did not report success or a parameter ran off
    to 0 or infinity (the data cannot pin the model down); ``message`` says why.
    """
    x, t_x, big_t, w = _unique_rows(np.asarray(frequency), np.asarray(recency), np.asarray(age), weights)
    total = float(w.sum())
    begin = np.log(np.asarray(start, dtype=float))
    if len(x) > WARM_START_ROWS:
        # Start the full fit where a fit on every k-th distinct row (weights kept, rows sorted by x, t_x, T, so
        # the sample spans them) ends: the full fit then needs a third of the evaluations. Only the start moves;
        # the optimum is the full data's.
        step = len(x) // (WARM_START_ROWS // 2)
        begin = _minimise(x[::step], t_x[::step], big_t[::step], w[::step], begin).x
    result = _minimise(x, t_x, big_t, w, begin)
    objective = _objective(x, t_x, big_t, w)
    params = tuple(float(v) for v in np.exp(result.x))
    ll = -float(result.fun) * total
    at_bound = bool(np.any(np.abs(result.x) > LOG_BOUND - 0.1))
    flat = at_bound or not well_determined(np.asarray(hessian(objective)(result.x)) * total)
    # L-BFGS-B may stop on a failed line search at the optimum itself (machine precision): the gradient says.
    stationary = bool(result.success) or float(np.max(np.abs(result.jac))) < 1e-6
    converged = stationary and math.isfinite(ll) and not flat
    message = ("converged" if converged else
               "the data cannot pin the parameters down (the likelihood is flat in some direction)" if flat else
               f"the optimiser stopped without converging ({result.message})")
    return BgNbdFit(params=(params[0], params[1], params[2], params[3]), log_likelihood=ll,
                    customers=int(round(total)), rows=len(x), converged=converged, message=message)


def well_determined(information: np.ndarray, condition: float = 1e9) -> bool:
    """Whether the observed information (the Hessian of the negative log-likelihood at the optimum, on the log
    scale) is positive definite and not near-singular: else some combination of the parameters is not pinned
    down by the data, however well the optimiser converged.

    >>> well_determined(np.diag([4.0, 1.0])), well_determined(np.diag([4.0, 1e-12]))
    (True, False)
    """
    if not np.all(np.isfinite(information)):
        return False
    eigenvalues = np.linalg.eigvalsh((information + information.T) / 2)
    return bool(eigenvalues[0] > 0 and eigenvalues[-1] / eigenvalues[0] < condition)


def p_alive(params: tuple[float, ...] | np.ndarray, frequency: np.ndarray, recency: np.ndarray,
            age: np.ndarray) -> np.ndarray:
    """P(still a customer at T | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)).

    1 for a customer without a repeat purchase (the model lets customers drop out only right after a
    purchase); falls as the time since the last purchase (T - t_x) grows, faster for frequent buyers.

    >>> params = (0.243, 4.414, 0.793, 2.426)
    >>> [round(float(v), 3) for v in p_alive(params, np.array([0, 2, 2]), np.array([0.0, 30.0, 5.0]),
    ...                                      np.array([39.0, 39.0, 39.0]))]
    [1.0, 0.72, 0.123]
    """
    r, alpha, a, b = (float(v) for v in params)
    x = np.asarray(frequency, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_odds = (np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0))
                    + (r + x) * (np.log(alpha + np.asarray(age, float)) - np.log(alpha + np.asarray(recency, float))))
        dead_odds = np.where(x > 0, np.exp(log_odds), 0.0)
    return np.asarray(1.0 / (1.0 + dead_odds))


def expected_if_alive(params: tuple[float, ...] | np.ndarray, frequency: np.ndarray, age: np.ndarray,
                      weeks: float | np.ndarray) -> np.ndarray:
    """Expected purchases in (T, T + t] for a customer still alive at T (x purchases, age T, t = ``weeks``).

    The numerator of Fader, Hardie & Lee (2005) eq. 10: (a + b + x - 1)/(a - 1) [1 - ((alpha + T)/(alpha + T +
    t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))], with 2F1 taken through Euler's
    transformation as (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z), which stays finite for
    frequent buyers. With x = 0 and T = 0 it is E[X(t)], the purchases expected of a new customer.
    """
    r, alpha, a, b = (float(v) for v in params)
    x = np.asarray(frequency, dtype=float)
    big_t = np.asarray(age, dtype=float)
    t = np.asarray(weeks, dtype=float)
    z = t / (alpha + big_t + t)
    c = a + b + x - 1
    return np.asarray(c / (a - 1) * (1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)))


def expected_purchases(params: tuple[float, ...] | np.ndarray, frequency: np.ndarray, recency: np.ndarray,
                       age: np.ndarray, weeks: float | np.ndarray) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] = P(alive) x :func:`expected_if_alive` (eq. 10).

    >>> params = (0.243, 4.414, 0.793, 2.426)
    >>> round(float(expected_purchases(params, np.array([2]), np.array([30.43]), np.array([38.86]), 39.0)[0]), 3)
    1.226

    (1.226: the worked example of Fader, Hardie & Lee 2005, section 5, for the CDNOW customer x = 2, t_x = 30.43,
    T = 38.86, next 39 weeks.)
    """
    return np.asarray(p_alive(params, frequency, recency, age) * expected_if_alive(params, frequency, age, weeks))


def expected_new_customer(params: tuple[float, ...] | np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """E[X(t)]: repeat purchases expected in the first t weeks after a customer's first purchase (eq. 9).

    >>> round(float(expected_new_customer((0.243, 4.414, 0.793, 2.426), np.array([39.0]))[0]), 3)
    1.197
    """
    t = np.asarray(weeks, dtype=float)
    return expected_if_alive(params, np.zeros_like(t), np.zeros_like(t), t)
