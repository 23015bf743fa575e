"""The fitted models and every customer's scores: the Customers page, the export and the Value page read these.

Definitions (also on the Customers page; units: weeks inside the models, days and months outside):

- **Calibration end** E: ``--calibration-end`` / the page's control, else the as-of date (the latest
  transaction date, or the window's end when earlier). The models are fitted on the purchases up to E of
  **every** customer (the shared filters then choose whom to list, so a filter change never refits).
- **P(alive)**: the BG/NBD probability that the customer is still a customer at E, given their repeat
  purchases, recency and age (1 for a customer without a repeat purchase: the model lets customers leave only
  right after a purchase).
- **Expected purchases, next 90 days**: BG/NBD expected purchase days in (E, E + 90 days].
- **Expected spend per purchase**: the Gamma-Gamma conditional mean, between the customer's own mean repeat
  spend and the population mean. The model is fitted on repeat purchases only (as in the paper); for a customer
  without a repeat purchase the first purchase's spend is their one observation (x = 1, m = that spend),
  rather than the bare population mean, which a heavy-tailed spend (q near 1) makes unstable.
- **Predicted value, 12 months** = sum over months m = 1..12 after E of expected purchases in month m x
  expected spend x margin rate / (1 + d)^m, with d the monthly rate of the annual discount rate, as on the
  Value page ((1 + annual)^(1/12) - 1; a month = 30.4375 days). The margin rate is the data's gross margin per
  unit of revenue up to E (``gross_margin`` where the export has it, else amount x the margin setting).
- **Value if still active, 12 months**: the same for the customer assuming they are still a customer at E.
- **Value at risk** = value if still active - predicted value = value if still active x (1 - P(alive)): the
  12-month value the model no longer expects because the customer has probably left.
- **At risk**: P(alive) below the page's threshold (default 50%).

>>> scores = model_scores(np.array([0, 3]), np.array([0, 200]), np.array([100, 300]), [None, 20.0],
...                       BgNbdFit((0.243, 4.414, 0.793, 2.426), 0.0, 2, 2, True, ""),
...                       GammaGammaFit((6.25, 3.74, 15.44), 0.0, 1, True, ""), margin=0.5, annual_discount=0.0)
>>> [round(v, 3) for v in scores["p_alive"].to_list()]  # 1 / (1 + 0.793/4.426 x (47.271/32.985)^3.243)
[1.0, 0.635]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from analytics.clv_models.bgnbd import BgNbdFit, expected_if_alive, fit_bgnbd, p_alive
from analytics.clv_models.gamma_gamma import (
    GammaGammaFit,
    expected_spend,
    fit_gamma_gamma,
    spend_frequency_correlation,
)
from analytics.clv_models.inputs import (
    DAYS_PER_WEEK,
    calibration_inputs,
    customer_groups,
    customer_ids,
    margin_rate,
)
from queries import DataSource

DAYS_PER_MONTH = 30.4375
NEXT_DAYS = 90
HORIZON_MONTHS = 12
#: Below these the models are not fitted: a sentence says why and the page stays usable.
MIN_CUSTOMERS = 50
MIN_REPEAT_CUSTOMERS = 20
DEFAULT_HOLDOUT_WEEKS = 26
#: The score columns of :func:`model_scores`, in order.
SCORES = ("p_alive", "expected_purchases_90d", "expected_spend", "predicted_value_12m", "value_if_active_12m",
          "value_at_risk")

#: The figures these models put on a screen are in the metric catalog (analytics/catalog.py, "customers").


@dataclass(frozen=True)
class ClvSettings:
    """The CLV settings: margin (fraction, where the export has no gross_margin), annual discount rate, the
    calibration end (None = the as-of date) and the P(alive) below which a customer is at risk."""

    margin: float = 0.7
    discount_rate: float = 0.10
    calibration_end: date | None = None
    at_risk_below: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.margin <= 1:
            raise ValueError(f"margin must be a fraction between 0 and 1, not {self.margin}")
        if not 0 <= self.discount_rate < 1:
            raise ValueError(f"discount rate must be a fraction between 0 and 1, not {self.discount_rate}")
        if not 0 < self.at_risk_below <= 1:
            raise ValueError(f"the at-risk threshold must be a fraction in (0, 1], not {self.at_risk_below}")


@dataclass(frozen=True)
class ClvFit:
    """Both models fitted at one calibration end; ``error`` says in a sentence why there are none."""

    calibration_end: date
    bgnbd: BgNbdFit | None
    gamma_gamma: GammaGammaFit | None
    correlation: float | None
    margin_rate: float
    error: str | None = None
    spend_error: str | None = None

    def table(self) -> pl.DataFrame:
        """clv_model.csv: model, parameter, value (r, alpha, a, b in weeks; p, q, v; log_likelihood and
        customers of each model)."""
        rows: list[tuple[str, str, float]] = []
        if self.bgnbd is not None:
            rows += [("bgnbd", k, v) for k, v in self.bgnbd.as_dict().items()]
            rows += [("bgnbd", "log_likelihood", self.bgnbd.log_likelihood),
                     ("bgnbd", "customers", float(self.bgnbd.customers))]
        if self.gamma_gamma is not None:
            rows += [("gamma_gamma", k, v) for k, v in self.gamma_gamma.as_dict().items()]
            rows += [("gamma_gamma", "log_likelihood", self.gamma_gamma.log_likelihood),
                     ("gamma_gamma", "customers", float(self.gamma_gamma.customers))]
        return pl.DataFrame(rows, schema={"model": pl.String, "parameter": pl.String, "value": pl.Float64},
                            orient="row")


def default_calibration_end(as_of: date, holdout_weeks: int = DEFAULT_HOLDOUT_WEEKS) -> date:
    """The holdout check's default split: the last ``holdout_weeks`` weeks held out.

    >>> default_calibration_end(date(2025, 12, 31))
    datetime.date(2025, 7, 2)
    """
    return as_of - timedelta(weeks=holdout_weeks)


def fit_models(inputs: pl.DataFrame, calibration_end: date, margin: float = 1.0, spend: bool = True) -> ClvFit:
    """Fit BG/NBD on every customer's (x, t_x, T) and (unless ``spend`` is False) Gamma-Gamma on those with a
    repeat purchase; a polite ``error`` instead when the data is too small or the fit does not converge."""
    n = inputs.height
    repeaters = inputs.filter((pl.col("frequency") > 0) & (pl.col("mean_repeat_spend") > 0))
    if n < MIN_CUSTOMERS or repeaters.height < MIN_REPEAT_CUSTOMERS:
        return ClvFit(calibration_end, None, None, None, margin, error=(
            f"Too few customers to fit the models: {n:,} bought by {calibration_end.isoformat()}, "
            f"{repeaters.height:,} of them more than once; the models need at least {MIN_CUSTOMERS} and "
            f"{MIN_REPEAT_CUSTOMERS}. Widen the filters' dates or choose a later calibration end."))
    bgnbd = fit_bgnbd(inputs["frequency"].to_numpy(), inputs["recency_days"].to_numpy() / DAYS_PER_WEEK,
                      inputs["age_days"].to_numpy() / DAYS_PER_WEEK)
    if not bgnbd.converged:
        return ClvFit(calibration_end, None, None, None, margin, error=(
            f"The BG/NBD fit on {n:,} customers did not converge ({bgnbd.message}), so no customer is scored. "
            "Try another calibration end."))
    if not spend:
        return ClvFit(calibration_end, bgnbd, None, None, margin)
    x, m = repeaters["frequency"].to_numpy(), repeaters["mean_repeat_spend"].to_numpy()
    spend_fit = fit_gamma_gamma(x, m)
    correlation = spend_frequency_correlation(x, m)
    if not spend_fit.converged:
        return ClvFit(calibration_end, bgnbd, None, correlation, margin, spend_error=(
            f"The Gamma-Gamma spend fit did not converge ({spend_fit.message}): spend and value are not shown."))
    return ClvFit(calibration_end, bgnbd, spend_fit, correlation, margin)


def _monthly_weights(monthly_rate: float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + monthly_rate) ** np.arange(1, HORIZON_MONTHS + 1))


def model_scores(frequency: np.ndarray, recency_days: np.ndarray, age_days: np.ndarray, mean_repeat_spend: Any,
                 bgnbd: BgNbdFit, gamma_gamma: GammaGammaFit | None, margin: float,
                 annual_discount: float, first_purchase_spend: Any = None) -> pl.DataFrame:
    """p_alive, expected_purchases_90d, expected_spend, predicted_value_12m, value_if_active_12m,
    value_at_risk for each customer (in the order given; spend and value null without a Gamma-Gamma fit).

    Expected purchases given alive do not depend on recency, so they are computed once per distinct (x, T).
    """
    x = np.asarray(frequency, dtype=np.int64)
    age = np.asarray(age_days, dtype=np.int64)
    alive = p_alive(bgnbd.params, x, np.asarray(recency_days) / DAYS_PER_WEEK, age / DAYS_PER_WEEK)
    # Distinct (x, T) pairs as one integer key (T in days is below 2^31): a 1-D unique is fast at 1M customers.
    keys, inverse = np.unique(x * (1 << 31) + age, return_inverse=True)
    inverse = inverse.ravel()
    ux, ut = (keys >> 31).astype(float), (keys & ((1 << 31) - 1)) / DAYS_PER_WEEK
    next_90 = expected_if_alive(bgnbd.params, ux, ut, NEXT_DAYS / DAYS_PER_WEEK)[inverse]
    monthly_rate = math.pow(1 + annual_discount, 1 / 12) - 1
    cumulative = np.column_stack([np.zeros(len(ux))] + [
        expected_if_alive(bgnbd.params, ux, ut, m * DAYS_PER_MONTH / DAYS_PER_WEEK)
        for m in range(1, HORIZON_MONTHS + 1)])
    discounted_purchases = (np.diff(cumulative, axis=1) @ _monthly_weights(monthly_rate))[inverse]
    frame = pl.DataFrame({"p_alive": alive, "expected_purchases_90d": alive * next_90})
    if gamma_gamma is None:
        nulls = pl.lit(None, pl.Float64)
        return frame.with_columns(expected_spend=nulls, predicted_value_12m=nulls, value_if_active_12m=nulls,
                                  value_at_risk=nulls)
    m = np.asarray(pl.Series(mean_repeat_spend, dtype=pl.Float64).fill_null(0.0).to_numpy())
    first = np.zeros(len(x)) if first_purchase_spend is None else np.asarray(
        pl.Series(first_purchase_spend, dtype=pl.Float64).fill_null(0.0).to_numpy())
    # Without a repeat purchase, the first purchase is the customer's one observed spend.
    use_first = (x == 0) & (first > 0)
    observed = np.where(use_first, first, m)
    spend = expected_spend(gamma_gamma.params, np.where(use_first, 1, np.where(m > 0, x, 0)), observed)
    if_active = discounted_purchases * spend * margin
    return frame.with_columns(expected_spend=spend, predicted_value_12m=alive * if_active,
                              value_if_active_12m=if_active, value_at_risk=(1 - alive) * if_active)


def model_fit(source: DataSource, calibration_end: date, margin: float) -> ClvFit:
    """Both models fitted on every customer's purchases up to ``calibration_end`` (memoised per data version)."""
    inputs = calibration_inputs(source, calibration_end)
    table = source.memo("clv_fit", (calibration_end,), lambda: _fit_frame(inputs, calibration_end))
    return _fit_from_frame(table, calibration_end, margin_rate(source, calibration_end, margin))


def _fit_frame(inputs: pl.DataFrame, calibration_end: date) -> pl.DataFrame:
    fit = fit_models(inputs, calibration_end)
    record = {"error": fit.error, "spend_error": fit.spend_error, "correlation": fit.correlation,
              "bgnbd": None if fit.bgnbd is None else list(fit.bgnbd.params),
              "bgnbd_stats": None if fit.bgnbd is None else [fit.bgnbd.log_likelihood, fit.bgnbd.customers,
                                                             fit.bgnbd.rows],
              "gamma_gamma": None if fit.gamma_gamma is None else list(fit.gamma_gamma.params),
              "gamma_gamma_stats": None if fit.gamma_gamma is None else [fit.gamma_gamma.log_likelihood,
                                                                         fit.gamma_gamma.customers]}
    return pl.DataFrame([record], schema={"error": pl.String, "spend_error": pl.String, "correlation": pl.Float64,
                                          "bgnbd": pl.List(pl.Float64), "bgnbd_stats": pl.List(pl.Float64),
                                          "gamma_gamma": pl.List(pl.Float64),
                                          "gamma_gamma_stats": pl.List(pl.Float64)})


def _fit_from_frame(frame: pl.DataFrame, calibration_end: date, rate: float) -> ClvFit:
    row = frame.row(0, named=True)
    bgnbd = gamma = None
    if row["bgnbd"] is not None:
        r, alpha, a, b = row["bgnbd"]
        ll, customers, rows = row["bgnbd_stats"]
        bgnbd = BgNbdFit((r, alpha, a, b), ll, int(customers), int(rows), True, "converged")
    if row["gamma_gamma"] is not None:
        p, q, v = row["gamma_gamma"]
        ll, customers = row["gamma_gamma_stats"]
        gamma = GammaGammaFit((p, q, v), ll, int(customers), True, "converged")
    return ClvFit(calibration_end, bgnbd, gamma, row["correlation"], rate, row["error"], row["spend_error"])


def all_scores(source: DataSource, calibration_end: date, settings: ClvSettings) -> tuple[ClvFit, pl.DataFrame]:
    """The fit and one row per customer with a purchase up to ``calibration_end`` (every customer, before the
    filters): customer_key, combo, signup_date, first_purchase, last_purchase, frequency, recency_days,
    age_days, mean_repeat_spend, segment, channel, region, customer_id and the scores of :func:`model_scores`;
    no rows when the fit failed."""
    fit = model_fit(source, calibration_end, settings.margin)
    inputs = calibration_inputs(source, calibration_end)
    if fit.bgnbd is None:
        return fit, inputs.head(0).drop("spend", "first_purchase_spend").with_columns(
            [pl.lit(None, pl.String).alias(name) for name in ("segment", "channel", "region", "customer_id")]
            + [pl.lit(None, pl.Float64).alias(name) for name in SCORES])

    def compute() -> pl.DataFrame:
        assert fit.bgnbd is not None
        scores = model_scores(inputs["frequency"].to_numpy(), inputs["recency_days"].to_numpy(),
                              inputs["age_days"].to_numpy(), inputs["mean_repeat_spend"], fit.bgnbd,
                              fit.gamma_gamma, fit.margin_rate, settings.discount_rate,
                              inputs["first_purchase_spend"])
        # The names the list shows, joined once here rather than on every filter change.
        named = inputs.drop("spend", "first_purchase_spend").join(customer_groups(source), on="combo", how="left")
        named = named.join(customer_ids(source).select("customer_key", "customer_id"), on="customer_key",
                           how="left", maintain_order="left")
        return pl.concat([named, scores], how="horizontal")

    key = (calibration_end, round(fit.margin_rate, 12), settings.discount_rate)
    return fit, source.memo("clv_scores", key, compute)
