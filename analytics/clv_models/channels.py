"""The purchase model's CLV per acquisition channel, beside the survival-based CLV of the Value & CAC page.

**Model CLV over H months** of a channel = buyer share x margin rate x [first spend / (1 + d) + E[M] x sum over
months t = 1..H of (E[X(t)] - E[X(t - 1)]) / (1 + d)^t], per customer acquired:

- BG/NBD is fitted on the channel's own customers (in the filters' scope), on all their purchases up to the
  as-of date; Gamma-Gamma is the Customers page's fit on every customer (spend per purchase mixes segments
  within a channel, which a per-channel Gamma-Gamma fit often cannot take: q <= 1, an infinite mean), and the
  channel's spend enters through its customers' first purchases;
- buyer share: the channel's customers acquired in the window who bought at all / all it acquired (the
  survival-based CLV counts every acquired customer too);
- first spend: the mean spend of their first purchase day, counted in month 1 of life (the first purchase is
  taken to fall in the signup month); E[X(t)]: the repeat purchases the BG/NBD expects t months (30.4375 days)
  after a first purchase; E[M]: the Gamma-Gamma expected spend per repeat purchase given the first purchase's
  spend (p (v + first spend) / (p + q - 1));
- margin rate and d (the monthly discount rate) as in :mod:`analytics.clv_models.scores`.

LTV:CAC on it = model CLV / the channel's CAC (the Value page's CAC).

>>> round(discounted_purchases((0.243, 4.414, 0.793, 2.426), 12, 0.0), 3)  # E[X(52.18 weeks)]: 1.446 at 52
1.449
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from analytics.clv_models.bgnbd import expected_new_customer
from analytics.clv_models.inputs import DAYS_PER_WEEK, calibration_inputs, customer_groups, customer_ids
from analytics.clv_models.scores import DAYS_PER_MONTH, fit_models, model_fit
from analytics.filters import Filters
from analytics.scope import as_of_bound, in_dimensions
from analytics.value import HORIZONS, ValueSettings
from queries import DataSource

SCHEMA = {"channel": pl.String, "customers": pl.Int64, "buyers": pl.Int64, "model_clv_12": pl.Float64,
          "model_clv_24": pl.Float64, "model_clv_36": pl.Float64, "note": pl.String}


def discounted_purchases(params: tuple[float, ...], months: int, monthly_rate: float) -> float:
    """sum over t = 1..months of (E[X(t)] - E[X(t - 1)]) / (1 + d)^t, t in months of 30.4375 days."""
    weeks = np.arange(0, months + 1) * DAYS_PER_MONTH / DAYS_PER_WEEK
    cumulative = expected_new_customer(params, weeks)
    discount = 1 / (1 + monthly_rate) ** np.arange(1, months + 1)
    return float(np.diff(cumulative) @ discount)


def channel_model_clv(source: DataSource, filters: Filters, settings: ValueSettings) -> pl.DataFrame:
    """One row per channel with customers acquired in the window: channel, customers, buyers, model_clv_12,
    model_clv_24, model_clv_36, and a note when the channel's models could not be fitted (values null)."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    assert as_of is not None
    groups = customer_groups(source)
    acquired = customer_ids(source).join(source.run("customer_dimensions"), on="customer_key").join(
        groups, on="combo")
    acquired = in_dimensions(acquired, filters).filter(pl.col("signup_date") <= as_of)
    if filters.start:
        acquired = acquired.filter(pl.col("signup_date") >= filters.start)
    inputs = calibration_inputs(source, as_of).join(acquired.select("customer_key", "channel"), on="customer_key")
    population = model_fit(source, as_of, settings.margin)
    rate = population.margin_rate
    monthly = math.pow(1 + settings.discount_rate, 1 / 12) - 1
    rows = []
    for channel, customers in acquired.group_by("channel").len().sort("channel").iter_rows():
        own = inputs.filter(pl.col("channel") == channel)
        row: dict[str, object] = {"channel": channel, "customers": customers, "buyers": own.height}
        fit = fit_models(own, as_of, spend=False)
        if fit.bgnbd is None or population.gamma_gamma is None:
            row["note"] = fit.error or population.error or population.spend_error
            rows.append(row)
            continue
        p, q, v = population.gamma_gamma.params
        mean_first = own["first_purchase_spend"].fill_null(0.0).mean()
        first = float(mean_first) if isinstance(mean_first, (int, float)) else 0.0
        repeat_spend = p * (v + first) / (p + q - 1)
        share = own.height / customers
        for horizon in HORIZONS:
            value = first / (1 + monthly) + repeat_spend * discounted_purchases(fit.bgnbd.params, horizon, monthly)
            row[f"model_clv_{horizon}"] = share * rate * value
        rows.append(row)
    return pl.DataFrame([{name: row.get(name) for name in SCHEMA} for row in rows], schema=SCHEMA)


def clv_comparison(channels: pl.DataFrame, model: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """The Value page's channels (clv_cac.csv) beside the model: channel, customers, cac, survival_clv,
    model_clv, ltv_cac (survival), model_ltv_cac, note, at ``horizon`` months."""
    joined = channels.select("channel", "customers", "cac", pl.col(f"clv_{horizon}").alias("survival_clv"),
                             "ltv_cac").join(
        model.select("channel", pl.col(f"model_clv_{horizon}").alias("model_clv"), "note"), on="channel",
        how="left")
    paid = pl.col("cac").is_not_null() & pl.col("cac").is_finite() & (pl.col("cac") > 0)
    return joined.with_columns(model_ltv_cac=pl.when(paid).then(pl.col("model_clv") / pl.col("cac"))).select(
        "channel", "customers", "cac", "survival_clv", "model_clv", "ltv_cac", "model_ltv_cac", "note")
