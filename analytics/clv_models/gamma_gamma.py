"""Gamma-Gamma: how much will a customer spend per purchase?

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis", Journal of
Marketing Research 42(4), and Fader & Hardie's note "The Gamma-Gamma model of monetary value" (2013). Each
spend of a customer is Gamma(p, nu) (so their own mean spend is p / nu) and nu is Gamma(q, v) across customers,
so the population mean spend is p v / (q - 1).

Input per customer with at least one repeat purchase: x (repeat purchases) and m_x, the mean spend of those
repeat purchases (the first purchase is left out, as in the paper). Money in the data's currency. Fitted by
maximum likelihood on log(p, q, v) with autograd's exact gradient; the model assumes spend per purchase is
independent of how often a customer buys, so :func:`spend_frequency_correlation` is shown beside it.

>>> fit = fit_gamma_gamma(np.array([1, 2, 3, 1, 2]), np.array([10.0, 12.0, 9.0, 30.0, 11.0]))
>>> fit.customers
5
>>> round(float(expected_spend((6.25, 3.74, 15.44), np.array([0]), np.array([0.0]))[0]), 2)  # population mean
35.22
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import autograd.numpy as anp
import numpy as np
from autograd import hessian, value_and_grad
from autograd.scipy.special import gammaln
from scipy.optimize import minimize

from analytics.clv_models.bgnbd import LOG_BOUND, well_determined

PARAMETERS = ("p", "q", "v")


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma model (v in the data's currency), its log-likelihood, customers, convergence."""

    params: tuple[float, float, float]
    log_likelihood: float
    customers: int
    converged: bool
    message: str

    def as_dict(self) -> dict[str, float]:
        return dict(zip(PARAMETERS, self.params, strict=True))


def log_likelihood(params: np.ndarray, frequency: np.ndarray, mean_spend: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood of their mean repeat spend m_x given x (Fader & Hardie 2013, eq. 3):
    log Gamma(px + q) - log Gamma(px) - log Gamma(q) + q log v + (px - 1) log m_x + px log x - (px + q) log(v +
    x m_x).

    One purchase of 10 with p = q = v = 1: log(1 x 10^0 x 1 / 11^2) = -2 log 11:

    >>> round(float(log_likelihood(np.array([1.0, 1.0, 1.0]), np.array([1]), np.array([10.0]))[0]), 6)
    -4.795791
    """
    p, q, v = params[0], params[1], params[2]
    x, m = frequency, mean_spend
    px = p * x
    return cast(np.ndarray, gammaln(px + q) - gammaln(px) - gammaln(q) + q * anp.log(v) + (px - 1) * anp.log(m)
                + px * anp.log(x) - (px + q) * anp.log(v + x * m))


def fit_gamma_gamma(frequency: np.ndarray, mean_spend: np.ndarray,
                    start: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit on customers with x > 0 and m_x > 0 (others must be left out first).

    Spend is scaled by its mean for the optimiser (v scales with the currency; p and q do not) and scaled back.
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(mean_spend, dtype=float)
    if len(x) == 0 or np.any(x <= 0) or np.any(m <= 0):
        raise ValueError("Gamma-Gamma needs customers with at least one repeat purchase and a positive spend")
    scale = float(np.mean(m))
    scaled = m / scale
    n = len(x)
    # The log-likelihood summed over customers, from sums computed once: only log(v + x m) depends on both the
    # parameters and the spend, so each evaluation is one pass over the customers, not five (equal to the sum
    # of :func:`log_likelihood`, tests/test_clv_models.py checks it).
    xs, x_counts = np.unique(x, return_counts=True)
    x_log_xm = float(np.sum(x * (np.log(scaled) + np.log(x))))
    sum_log_m = float(np.sum(np.log(scaled)))

    def objective(log_params: np.ndarray) -> np.ndarray:
        p, q, v = anp.exp(log_params[0]), anp.exp(log_params[1]), anp.exp(log_params[2])
        log_v_xm = anp.log(v + x * scaled)
        total = (anp.sum(x_counts * (gammaln(p * xs + q) - gammaln(p * xs))) - n * gammaln(q) + n * q * anp.log(v)
                 + p * x_log_xm - sum_log_m - p * anp.sum(x * log_v_xm) - q * anp.sum(log_v_xm))
        return cast(np.ndarray, -total / n)

    value_grad = value_and_grad(objective)

    def fun(vec: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = value_grad(vec)
        return float(value), np.asarray(grad, dtype=float)

    result = minimize(fun, np.log(np.asarray(start, dtype=float)), jac=True, method="L-BFGS-B",
                      bounds=[(-LOG_BOUND, LOG_BOUND)] * 3, options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9})
    p, q, v_scaled = (float(v) for v in np.exp(result.x))
    # Rescaling m by 1/scale adds n x log(scale) ... per customer: log f(m) = log f_scaled(m / scale) - log scale.
    ll = -float(result.fun) * n - n * math.log(scale)
    at_bound = bool(np.any(np.abs(result.x) > LOG_BOUND - 0.1))
    flat = at_bound or not well_determined(np.asarray(hessian(objective)(result.x)) * n)
    # L-BFGS-B may stop on a failed line search at the optimum itself (machine precision): the gradient says.
    stationary = bool(result.success) or float(np.max(np.abs(result.jac))) < 1e-6
    converged = stationary and math.isfinite(ll) and not flat and q > 1
    message = ("converged" if converged else
               "the data cannot pin the parameters down (the likelihood is flat in some direction)" if flat else
               "q <= 1: the mean spend is not finite under the fitted model" if stationary else
               f"the optimiser stopped without converging ({result.message})")
    return GammaGammaFit(params=(p, q, v_scaled * scale), log_likelihood=ll, customers=len(x),
                         converged=converged, message=message)


def expected_spend(params: tuple[float, ...], frequency: np.ndarray, mean_spend: np.ndarray) -> np.ndarray:
    """E[spend per purchase | x, m_x] = (p (v + x m_x)) / (p x + q - 1): a weighted mean of the population mean
    p v / (q - 1) and the customer's own m_x, the weight on m_x growing with x. x = 0 gives the population mean.

    >>> [round(float(v), 2) for v in expected_spend((6.25, 3.74, 15.44), np.array([1, 10]), np.array([20.0, 20.0]))]
    [24.64, 20.64]
    """
    p, q, v = (float(value) for value in params)
    x = np.asarray(frequency, dtype=float)
    m = np.where(x > 0, np.asarray(mean_spend, dtype=float), 0.0)
    return np.asarray(p * (v + x * m) / (p * x + q - 1))


def spend_frequency_correlation(frequency: np.ndarray, mean_spend: np.ndarray) -> float | None:
    """Pearson correlation between repeat purchases and mean repeat spend over the customers fitted: the model
    assumes they are independent (Fader, Hardie & Lee report 0.11 on CDNOW and call it fine). None when there
    are fewer than 3 customers or no spread.

    >>> round(spend_frequency_correlation(np.array([1, 2, 3, 4]), np.array([10.0, 12.0, 9.0, 11.0])), 3)
    0.0
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(mean_spend, dtype=float)
    if len(x) < 3 or np.std(x) == 0 or np.std(m) == 0:
        return None
    return float(np.corrcoef(x, m)[0, 1])
