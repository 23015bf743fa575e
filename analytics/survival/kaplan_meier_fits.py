"""Kaplan-Meier fits on weighted spans, one per group, and the tables read off them: the curve (with 95%
exponential Greenwood bands), the summary (median, survival at fixed days, restricted mean) and the at-risk
counts under the chart."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from analytics.scalars import as_float
from analytics.survival.spans import SurvivalBy

#: Days at which the summary reads survival off each curve.
HORIZONS: tuple[int, ...] = (30, 90, 180, 365)
#: Days of the at-risk table under the curves (those within the longest follow-up are drawn).
AT_RISK_DAYS: tuple[int, ...] = (0, 90, 180, 365, 730, 1095, 1460)
#: The restricted mean lifetime is taken over the first year.
RMST_DAYS = 365


def kaplan_meier(durations: Any, churned: Any, customers: Any | None = None, label: str = "KM_estimate"
                 ) -> KaplanMeierFitter:
    """A lifelines Kaplan-Meier fit; ``customers`` are frequency weights (one row may stand for many).

    Survival after day 3 is 1/4: 4 at risk, 2 churn on day 0 (S = 2/4), 1 of the 2 left churns on day 3
    (S = 1/2 x 2/4):

    >>> float(kaplan_meier([0, 3, 5], [True, True, False], [2, 1, 1]).predict(3))
    0.25
    """
    weights = None if customers is None else np.asarray(customers, dtype=float)
    return KaplanMeierFitter(label=label).fit(np.asarray(durations, dtype=float),
                                              np.asarray(churned, dtype=bool), weights=weights)


def _group_order(grouped: pl.DataFrame, by: SurvivalBy) -> list[str]:
    sizes = grouped.group_by("group").agg(pl.col("customers").sum())
    if by == "cohort_year":
        return sorted(sizes["group"].to_list(), key=lambda g: (not g.startswith("before"), g))
    return sizes.sort(["customers", "group"], descending=[True, False])["group"].to_list()


def _at(kmf: KaplanMeierFitter, day: float, follow_up: float) -> float | None:
    # Beyond the longest follow-up the curve is unknown (unless it already reached 0).
    value = float(kmf.predict(day))
    return value if day <= follow_up or value == 0.0 else None


@dataclass(frozen=True)
class GroupFits:
    order: list[str]
    fits: dict[str, KaplanMeierFitter]
    follow_up: dict[str, float]


def fit_groups(grouped: pl.DataFrame, by: SurvivalBy) -> GroupFits:
    """One weighted Kaplan-Meier fit per group of ``group_spans`` output."""
    order = _group_order(grouped, by)
    fits: dict[str, KaplanMeierFitter] = {}
    follow_up: dict[str, float] = {}
    for name in order:
        part = grouped.filter(pl.col("group") == name)
        fits[name] = kaplan_meier(part["duration"], part["churned"], part["customers"], label=name)
        follow_up[name] = as_float(part["duration"].max())
    return GroupFits(order, fits, follow_up)


def curve_table(groups: GroupFits) -> pl.DataFrame:
    """group, days, survival, ci_lower, ci_upper, at_risk: one row per group and day with a churn or a
    censoring. survival = share still active after that day; at_risk = customers still followed at its start.
    """
    frames = []
    for name in groups.order:
        kmf = groups.fits[name]
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_
        frames.append(pl.DataFrame({
            "group": [name] * len(sf),
            "days": sf.index.to_numpy().astype(np.int64),
            "survival": sf.to_numpy(dtype=float),
            "ci_lower": ci.iloc[:, 0].to_numpy(dtype=float),
            "ci_upper": ci.iloc[:, 1].to_numpy(dtype=float),
            "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy().astype(np.int64),
        }))
    if not frames:
        return pl.DataFrame(schema={"group": pl.Utf8, "days": pl.Int64, "survival": pl.Float64,
                                    "ci_lower": pl.Float64, "ci_upper": pl.Float64, "at_risk": pl.Int64})
    return pl.concat(frames)


def _median(kmf: KaplanMeierFitter) -> float:
    # The first day with S <= 0.5. lifelines' median_survival_time_ asks for S < 0.5 of a product computed
    # through logs, so a curve landing exactly on one half gives that day or "never" by rounding.
    sf = kmf.survival_function_.iloc[:, 0]
    reached = sf.index[sf.to_numpy() <= 0.5 + 1e-9]
    return float(reached[0]) if len(reached) else math.inf


def summary_table(grouped: pl.DataFrame, groups: GroupFits) -> pl.DataFrame:
    """group, customers, churned, median_days (first day with survival <= 50%; null = not reached),
    survival_30/90/180/365 (null = nobody followed that long), rmst_365 (restricted mean lifetime over the
    first 365 days, in days; null when the group is not followed for a whole year).
    """
    totals = grouped.group_by("group").agg(
        customers=pl.col("customers").sum(),
        churned=pl.col("customers").filter(pl.col("churned")).sum(),
    )
    rows = []
    for name in groups.order:
        kmf, follow_up = groups.fits[name], groups.follow_up[name]
        total = totals.filter(pl.col("group") == name).row(0, named=True)
        median = _median(kmf)
        row: dict[str, Any] = {"group": name, "customers": int(total["customers"]),
                               "churned": int(total["churned"] or 0),
                               "median_days": median if math.isfinite(median) else None}
        for day in HORIZONS:
            row[f"survival_{day}"] = _at(kmf, day, follow_up)
        row["rmst_365"] = (float(restricted_mean_survival_time(kmf, t=RMST_DAYS))
                           if follow_up >= RMST_DAYS or row["survival_365"] == 0.0 else None)
        rows.append(row)
    schema = {"group": pl.Utf8, "customers": pl.Int64, "churned": pl.Int64, "median_days": pl.Float64,
              **{f"survival_{day}": pl.Float64 for day in HORIZONS}, "rmst_365": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def at_risk_table(grouped: pl.DataFrame, order: list[str], days: tuple[int, ...] = AT_RISK_DAYS) -> pl.DataFrame:
    """group, days, at_risk: customers still followed (not churned, not censored) at the start of each day."""
    rows = []
    for name in order:
        part = grouped.filter(pl.col("group") == name)
        for day in days:
            rows.append({"group": name, "days": day,
                         "at_risk": int(part.filter(pl.col("duration") >= day)["customers"].sum())})
    return pl.DataFrame(rows, schema={"group": pl.Utf8, "days": pl.Int64, "at_risk": pl.Int64})

