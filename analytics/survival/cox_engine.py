"""A frequency-weighted Cox proportional-hazards engine on top of lifelines: Efron's tie correction counted
by weight (so a fit on aggregated rows equals the row-level fit), the fit with tight convergence, and the
Grambsch-Therneau proportional-hazards test with each row counted by its weight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter
from scipy import sparse, stats

from analytics.survival.kaplan_meier_fits import kaplan_meier

#: lifelines' gradient calculator: (X, T, E, weights, entries, beta) -> (gradient, Hessian, log-likelihood).
_Gradients = Callable[[pd.DataFrame, pd.Series, pd.Series, pd.Series, Any, np.ndarray],
                      tuple[np.ndarray, np.ndarray, float]]


class _FrequencyWeightedSemiParametricPHFitter(SemiParametricPHFitter):
    """The Newton-Raphson fitter behind CoxPHFitter, with Efron's tie correction counted by weight."""

    def _compute_central_values_of_raw_training_data(self, df: pd.DataFrame, strata: Any = None,
                                                     name: str = "baseline") -> pd.DataFrame:
        # lifelines takes each column's median from DataFrame.describe(include="all"), which also computes
        # counts, spreads and quartiles: a third of a fit's time here. For numeric columns without strata the
        # median alone is the same frame (tests/test_survival.py compares them).
        numeric = all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in df.dtypes)
        central: pd.DataFrame
        if strata is not None or not numeric or df.size == 0:
            central = super()._compute_central_values_of_raw_training_data(df, strata, name)
        else:
            central = df.median().to_frame(name=name).T.astype(df.dtypes)
        return central

    def _choose_gradient_calculator(self, T: pd.Series, X: pd.DataFrame, entries: Any) -> _Gradients:
        lifelines_gradients: _Gradients = super()._choose_gradient_calculator(T, X, entries)
        if entries is not None or self.strata is not None:
            return lifelines_gradients
        layouts: dict[tuple[int, ...], _Layout] = {}

        def gradients(X: pd.DataFrame, T: pd.Series, E: pd.Series, weights: pd.Series, entries: Any,
                      beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
            # The same frames come back at every Newton step: lay them out once per fit.
            key = (id(X), id(T), id(E), id(weights))
            if key not in layouts:
                w = weights.to_numpy(dtype=float)
                if not np.array_equal(w, np.round(w)):
                    return lifelines_gradients(X, T, E, weights, entries, beta)
                layouts.clear()
                layouts[key] = _layout(X.to_numpy(dtype=float), T.to_numpy(dtype=float), E.to_numpy(dtype=bool), w)
            return _efron_frequency_weighted(layouts[key], np.asarray(beta, dtype=float))

        return gradients


class FrequencyWeightedCoxPHFitter(CoxPHFitter):
    """lifelines' Cox model for frequency weights (a row standing for ``weight`` identical customers).

    lifelines applies Efron's tie correction per *row* (as R's ``coxph`` does with weights): right for sampling
    weights, but then aggregating identical customers into one weighted row changes the estimate wherever
    churns tie on the same day. Here tied churns are counted by their weight, which is Efron's method applied
    to the customers the rows stand for: the fit equals the row-level fit, standard errors included (so
    ``robust=False`` is right: the naive variance is the row-level variance). It is also vectorised over
    days rather than rows. Only for whole-number weights without strata or entry times; anything else falls
    back to lifelines' own computation. Everything else (summary, intervals, baseline) is lifelines'.
    """

    def _fit_model_breslow(self, *args: Any, **kwargs: Any) -> SemiParametricPHFitter:
        model = _FrequencyWeightedSemiParametricPHFitter(
            penalizer=self.penalizer, l1_ratio=self.l1_ratio, strata=self.strata, alpha=self.alpha,
            label=self._label)
        model.fit(*args, **kwargs)
        return model


@dataclass(frozen=True)
class _Layout:
    """What stays fixed between Newton steps: customers per day x distinct covariate row, and Efron's steps.

    Rows must be sorted by duration (lifelines sorts before fitting). Covariates here are one-hot, so a few
    hundred distinct rows carry every customer: sums over a risk set become (days x rows) @ (rows x ...).
    """

    U: np.ndarray  # distinct covariate rows (k, d)
    at_day: np.ndarray | sparse.csr_matrix  # customers per day x distinct row (m, k)
    churned_day: np.ndarray | sparse.csr_matrix  # churned customers per day x distinct row (m, k)
    churn_days: np.ndarray  # indices of the days with churns
    D: np.ndarray  # churned customers on each of those days
    step_day: np.ndarray  # Efron: for l = 0..D-1 of every churn day, which churn day it belongs to
    step_p: np.ndarray  # ... and l / D
    step_first: np.ndarray  # first step of each churn day
    day_of_row: np.ndarray  # for every row, its churn day (index into churn_days), -1 if none churned


def _distinct_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each row's distinct value, the distinct rows): np.unique(axis=0) by hashing, 10x faster."""
    code = np.zeros(len(X), dtype=np.int64)
    for j in range(X.shape[1]):
        column, levels = pd.factorize(X[:, j])
        code, _ = pd.factorize(code * len(levels) + column)
    first = np.unique(code, return_index=True)[1] if len(code) else np.zeros(0, dtype=np.int64)
    return code, X[first][np.argsort(code[first])] if len(code) else X[:0]


def _layout(X: np.ndarray, T: np.ndarray, E: np.ndarray, w: np.ndarray) -> _Layout:
    n = len(T)
    new_day = np.r_[True, T[1:] != T[:-1]] if n else np.zeros(0, dtype=bool)
    day = np.cumsum(new_day) - 1
    m = int(day[-1]) + 1 if n else 0
    row, U = _distinct_rows(X)
    at_day_sparse = sparse.csr_matrix((w, (day, row)), shape=(m, len(U)))
    churned_day_sparse = sparse.csr_matrix((np.where(E, w, 0.0), (day, row)), shape=(m, len(U)))
    at_day: np.ndarray | sparse.csr_matrix = at_day_sparse
    churned_day: np.ndarray | sparse.csr_matrix = churned_day_sparse
    if m * len(U) <= 20_000_000:
        # A few thousand days x a few hundred covariate rows: dense products (BLAS) are several times faster.
        at_day, churned_day = at_day_sparse.toarray(), churned_day_sparse.toarray()
    deaths = np.asarray(churned_day.sum(axis=1)).reshape(-1)
    churn_days = np.flatnonzero(deaths > 0)
    # Efron: the D tied churns of a day leave the risk set a fraction l/D at a time, l = 0..D-1, each
    # customer counted once (not once per row): laid out for all churn days at once.
    counts = np.rint(deaths[churn_days]).astype(np.int64)
    first = np.cumsum(counts) - counts
    step_day = np.repeat(np.arange(len(counts)), counts)
    step_p = (np.arange(counts.sum()) - np.repeat(first, counts)) / np.repeat(counts, counts)
    index = np.full(m, -1)
    index[churn_days] = np.arange(len(churn_days))
    return _Layout(U, at_day, churned_day, churn_days, deaths[churn_days], step_day, step_p, first, index[day])


@dataclass(frozen=True)
class _RiskSums:
    """Per churn day: risk-set sums (R: everyone still followed; T: that day's churns) and Efron's sums."""

    x_churned: np.ndarray  # sum of x over every churned customer (d,)
    Rx: np.ndarray
    Rxx: np.ndarray | None
    Tx: np.ndarray
    Txx: np.ndarray | None
    S0: np.ndarray  # sum_l 1 / (R - l/D T)
    S1: np.ndarray  # sum_l (l/D) / (R - l/D T)
    Q0: np.ndarray  # the same with squares, for the second derivative
    Q1: np.ndarray
    Q2: np.ndarray
    L: np.ndarray  # sum_l log 1 / (R - l/D T)


def _risk_sums(layout: _Layout, beta: np.ndarray, second_order: bool = True) -> _RiskSums:
    U = layout.U
    k, d = U.shape
    phi = np.exp(U @ beta)
    phi_u = phi[:, None] * U
    days = layout.churn_days

    def risk_set(per_day: np.ndarray) -> np.ndarray:
        # At risk on a day: everyone whose duration is that day or later (reverse cumulative sum).
        at_risk: np.ndarray = per_day[::-1].cumsum(axis=0)[::-1][days]
        return at_risk

    R = risk_set(layout.at_day @ phi)
    Rx = risk_set(layout.at_day @ phi_u)
    T = (layout.churned_day @ phi)[days]
    Tx = (layout.churned_day @ phi_u)[days]
    Rxx = Txx = None
    if second_order:
        phi_uu = (phi_u[:, :, None] * U[:, None, :]).reshape(k, d * d)
        Rxx = risk_set(layout.at_day @ phi_uu).reshape(-1, d, d)
        Txx = (layout.churned_day @ phi_uu)[days].reshape(-1, d, d)
    p, day = layout.step_p, layout.step_day
    inv = 1.0 / (R[day] - p * T[day])

    def per_churn_day(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, layout.step_first) if len(layout.step_first) else np.zeros(0)

    return _RiskSums(
        x_churned=np.asarray(layout.churned_day.sum(axis=0)).reshape(-1) @ U, Rx=Rx, Rxx=Rxx, Tx=Tx, Txx=Txx,
        S0=per_churn_day(inv), S1=per_churn_day(p * inv), Q0=per_churn_day(inv**2),
        Q1=per_churn_day(p * inv**2), Q2=per_churn_day(p * p * inv**2), L=per_churn_day(np.log(inv)),
    )


def _efron_frequency_weighted(layout: _Layout, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(Hessian, gradient, log partial likelihood) in lifelines' conventions, Efron ties by weight."""
    s = _risk_sums(layout, beta)
    assert s.Rxx is not None and s.Txx is not None
    gradient = s.x_churned - (s.Rx * s.S0[:, None] - s.Tx * s.S1[:, None]).sum(axis=0)
    log_lik = float(s.x_churned @ beta + s.L.sum())
    a1 = np.einsum("t,tab->ab", s.S0, s.Rxx) - np.einsum("t,tab->ab", s.S1, s.Txx)
    cross = np.einsum("t,ta,tb->ab", s.Q1, s.Rx, s.Tx)
    a2 = (np.einsum("t,ta,tb->ab", s.Q0, s.Rx, s.Rx) - cross - cross.T
          + np.einsum("t,ta,tb->ab", s.Q2, s.Tx, s.Tx))
    return a2 - a1, gradient, log_lik


#: lifelines stops Newton-Raphson once the Newton decrement is below 1e-7, which leaves coefficients a few
#: parts in a million from the maximum; one or two more steps (milliseconds) make them reproducible.
TIGHT_CONVERGENCE = {"precision": 1e-10, "r_precision": 1e-12}


def fit_cox(frame: pd.DataFrame, duration_col: str = "duration", event_col: str = "churned",
            weights_col: str | None = "customers") -> FrequencyWeightedCoxPHFitter:
    """Fit the Cox model on a design frame (numeric covariates, duration, churned, frequency weight)."""
    # Newton-Raphson from 0 can overshoot when many churns tie on one day (day 0 under the inactivity
    # definition): then start again with shorter steps. The maximum is the same, only the path differs.
    for step_size in (0.5, 0.2):
        cph = FrequencyWeightedCoxPHFitter()
        try:
            cph.fit(frame, duration_col=duration_col, event_col=event_col, weights_col=weights_col, robust=False,
                    fit_options={"step_size": step_size, **TIGHT_CONVERGENCE})
            return cph
        except ConvergenceError:
            if step_size == 0.2:
                raise
    raise AssertionError("unreachable")


def proportional_hazards_test(cph: CoxPHFitter, frame: pd.DataFrame) -> pl.DataFrame:
    """Grambsch-Therneau test of proportional hazards for each covariate: covariate, test_statistic, p_value.

    The statistic of lifelines' ``proportional_hazard_test(cph, df, time_transform="km")`` (R's classic
    ``cox.zph`` transform: 1 - Kaplan-Meier), computed with each row counted ``weight`` times, so that it
    equals the row-level test; lifelines' own function ignores weights. A small p-value says the covariate's
    hazard ratio changes with time since signup: read it as an average over the lifetime.
    """
    duration, event, weight = cph.duration_col, cph.event_col, cph.weights_col
    data = frame.sort_values([duration, event], kind="stable")
    names = list(cph.params_.index)
    X = data[names].to_numpy(dtype=float)
    T = data[duration].to_numpy(dtype=float)
    E = data[event].to_numpy(dtype=bool)
    w = data[weight].to_numpy(dtype=float) if weight else np.ones(len(data))
    beta = cph.params_.to_numpy(dtype=float)
    layout = _layout(X, T, E, w)
    s = _risk_sums(layout, beta, second_order=False)
    # Schoenfeld residual of each churned customer: x minus the (Efron-averaged) risk-set mean of its day.
    mean = (s.Rx * s.S0[:, None] - s.Tx * s.S1[:, None]) / layout.D[:, None]
    rows = np.flatnonzero(E)
    resid = X[rows] - mean[layout.day_of_row[rows]]
    deaths = float(w[rows].sum())
    scaled = deaths * resid @ cph.variance_matrix_.to_numpy(dtype=float)
    km = kaplan_meier(T, E, w)
    g = 1.0 - km.survival_function_.iloc[:, 0].reindex(T[rows]).to_numpy(dtype=float)
    weights = w[rows]
    g = g - np.average(g, weights=weights)
    se2 = cph.standard_errors_.to_numpy(dtype=float) ** 2
    statistic = (weights * g) @ scaled
    statistic = statistic**2 / (deaths * se2 * float((weights * g * g).sum()))
    return pl.DataFrame({"covariate": names, "test_statistic": statistic,
                         "p_value": stats.chi2.sf(statistic, 1)})
