"""Log-rank tests on weighted spans: across all groups and for every pair (Holm-adjusted), and the p-value
in words for the page's sentences."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import polars as pl
from scipy import stats


def _holm(p_values: list[float]) -> list[float]:
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _pairwise_logrank(grouped: pl.DataFrame, a: str, b: str) -> tuple[float, float]:
    """(statistic, p-value) of the two-group log-rank test on weighted rows: observed minus expected churns
    of ``a`` over every churn day, squared, over its hypergeometric variance (1 degree of freedom)."""
    pair = grouped.filter(pl.col("group").is_in([a, b]))
    days = np.unique(pair["duration"].to_numpy())
    at_day = np.searchsorted(days, pair["duration"].to_numpy())
    is_a = (pair["group"] == a).to_numpy()
    weight = pair["customers"].to_numpy().astype(float)
    churned = pair["churned"].to_numpy().astype(bool)

    def per_day(mask: np.ndarray) -> np.ndarray:
        return np.bincount(at_day[mask], weights=weight[mask], minlength=len(days))

    # At risk on a day: everyone whose duration is that day or later.
    n_a = per_day(is_a)[::-1].cumsum()[::-1]
    n = per_day(np.ones_like(is_a))[::-1].cumsum()[::-1]
    d_a, d = per_day(is_a & churned), per_day(churned)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(n > 0, d * n_a / n, 0.0)
        # (n - d) / (n - 1) is taken as 1 where n = 1, as lifelines does.
        spread = np.where(n > 1, (n - d) / (n - 1), 1.0)
        variance = np.where(n > 0, spread * d * n_a * (n - n_a) / n**2, 0.0)
    total = float(variance.sum())
    statistic = float((d_a.sum() - expected.sum()) ** 2 / total) if total > 0 else 0.0
    return statistic, float(stats.chi2.sf(statistic, 1))


def _multivariate_logrank(frame: pl.DataFrame, order: list[str]) -> float:
    """The k-group log-rank statistic (k - 1 degrees of freedom) on weighted rows, as lifelines'
    ``multivariate_logrank_test`` computes it: Z = observed minus expected churns per group, V = their
    hypergeometric covariance summed over churn days, statistic = Z' V^+ Z over the first k - 1 groups."""
    days, at_day = np.unique(frame["duration"].to_numpy(), return_inverse=True)
    group = frame["group"].cast(pl.Enum(order)).to_physical().to_numpy()
    weight = frame["customers"].to_numpy().astype(float)
    churned = frame["churned"].to_numpy().astype(bool)
    k, m = len(order), len(days)
    # Customers per day x group (dense: a few thousand days x at most MAX_GROUPS groups).
    present = np.zeros((m, k))
    np.add.at(present, (at_day, group), weight)
    d_j = np.zeros((m, k))
    np.add.at(d_j, (at_day[churned], group[churned]), weight[churned])
    n_j = present[::-1].cumsum(axis=0)[::-1]  # at risk: duration on that day or later
    n, d = n_j.sum(axis=1), d_j.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (d_j - np.where(n > 0, d / n, 0.0)[:, None] * n_j).sum(axis=0)
        # (n - d) / (n - 1) is taken as 1 where n = 1, as lifelines does.
        factor = np.where(n > 1, (n - d) / (n - 1), 1.0) * np.where(n > 0, d / n**2, 0.0)
    v = -(n_j * factor[:, None]).T @ n_j
    v[np.diag_indices(k)] += (factor * n) @ n_j
    return float(z[:-1] @ np.linalg.pinv(v[:-1, :-1]) @ z[:-1])


def logrank_tests(grouped: pl.DataFrame, order: list[str]) -> tuple[dict[str, float] | None, pl.DataFrame]:
    """Log-rank test across all groups (lifelines' ``multivariate_logrank_test`` with weights) and for every
    pair, on weighted rows.

    Returns ({test_statistic, p_value, degrees_of_freedom} or None with fewer than 2 groups, and a frame
    group_a, group_b, test_statistic, p_value, p_value_holm, reading: the Holm-adjusted p-value in words).
    lifelines' ``pairwise_logrank_test`` takes no weights and costs some 50 ms per pair; the pairs here are
    computed directly from the weighted counts, and tests/test_survival.py checks them against it.
    """
    schema = {"group_a": pl.Utf8, "group_b": pl.Utf8, "test_statistic": pl.Float64, "p_value": pl.Float64,
              "p_value_holm": pl.Float64, "reading": pl.Utf8}
    if len(order) < 2:
        return None, pl.DataFrame(schema=schema)
    frame = grouped.filter(pl.col("group").is_in(order))
    across = _multivariate_logrank(frame, order)
    pairs = [(a, b, *_pairwise_logrank(frame, a, b)) for a, b in combinations(order, 2)]
    adjusted = _holm([p for _, _, _, p in pairs])
    rows = [{"group_a": a, "group_b": b, "test_statistic": statistic, "p_value": p, "p_value_holm": holm,
             "reading": f"difference {chance_text(holm)}"}
            for (a, b, statistic, p), holm in zip(pairs, adjusted, strict=True)]
    return ({"test_statistic": across, "p_value": float(stats.chi2.sf(across, len(order) - 1)),
             "degrees_of_freedom": len(order) - 1}, pl.DataFrame(rows, schema=schema))


def p_text(p: float) -> str:
    """'p < 0.001' or 'p = 0.023'."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def chance_text(p: float) -> str:
    """What a p-value means, in words a board reads."""
    if p < 0.001:
        return "very unlikely to be chance"
    if p < 0.01:
        return "unlikely to be chance"
    if p < 0.05:
        return "probably not chance"
    return "could well be chance"
