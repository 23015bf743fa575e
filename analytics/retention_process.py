"""The retention process: did the planned touches happen, are they associated with keeping customers, and is
selling to existing customers easier than selling to prospects?

Definitions (also on the Retention process page and in the metric catalog):

- **Window**: each touchpoint's expected time after signup, in days (``[process]`` in ``retention.toml``;
  default 30). **Coverage** of a touchpoint in a signup cohort = customers of the cohort with a touch of that
  kind dated from their signup_date to signup_date + window / customers of the cohort whose window has ended by
  the as-of date (a cohort is never judged before it had the time). Offers and support tickets are not planned
  onboarding touches: they get no coverage unless ``[process]`` lists them.
- **Time to touch**: days from signup to the customer's first touch of that kind (touches before signup left out).
- **Landmark analysis** of a touchpoint with window W: the customers still customers W days after signup (not
  churned by then under the churn definition in force; signed up at least W days before the as-of date), split
  by whether they had the touch by then; time is counted from the landmark. Comparing everyone touched with
  everyone not touched would credit the touch with the survival of customers who simply stayed long enough to
  receive it (immortal-time bias); at the landmark both groups have survived the same time. Kaplan-Meier curves
  (95% log-log intervals), a log-rank test, and a Cox hazard ratio (touched vs not) adjusted for segment, channel
  and region, with its 95% Wald interval. An association in observational data, not proof of cause.
- **Offer acceptance**: offers (touchpoint ``offer`` with an outcome) to existing customers whose outcome is
  ``accepted`` / offers. **Lead conversion**: leads with a customer_id / leads created in the period. Both with
  Wilson 95% intervals. Recent leads may still convert: their period's rate can only rise.

Every fit runs on aggregated rows with frequency weights (one row per touchpoint x touched x combo x duration x
churned), never on a row per customer.

Example::

    from analytics.filters import Filters
    from queries import DataSource
    source = DataSource.open("sample_data")
    touchpoint_coverage(source, Filters()).filter(pl.col("touchpoint") == "handoff_package")
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import polars as pl

from analytics.budget import CalibrationSettings, calibrate
from analytics.budget.response import MeasuredResponse
from analytics.customer_base import customer_base_by_month
from analytics.filters import Filters
from analytics.periods import period_start
from analytics.scalars import as_float
from analytics.scope import as_of_bound, in_dimensions
from analytics.survival import ChurnDefinition, FrequencyWeightedCoxPHFitter, fit_cox, kaplan_meier, logrank_tests
from queries import DataSource
from queries.process_settings import DEFAULT_WINDOW_DAYS, read_process_windows

#: Touchpoints that are not planned onboarding steps: no coverage unless [process] names them.
UNPLANNED = ("offer", "support_ticket")
Z95 = 1.959963984540054
#: Below this many customers in either group, a touchpoint gets no hazard ratio (too few to say anything).
MIN_GROUP = 20


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score 95% interval of a proportion (None, None with no trials).

    8 of 10 (Wilson 1927; e.g. Agresti & Coull 1998, Table 1 style): 0.490 to 0.943.

    >>> [round(x, 3) for x in wilson_interval(8, 10)]
    [0.49, 0.943]
    >>> wilson_interval(0, 0)
    (None, None)
    """
    if trials <= 0:
        return None, None
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    scale = 1 + z * z / trials
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def has_export(source: DataSource, name: str) -> bool:
    """False when the optional export is absent (its tables are then empty); raises DataUnavailable (with the
    problems) when it is there but unusable; True when it can be used."""
    if not source.files.get(name):
        return False
    source.require(name)
    return True


def process_windows(source: DataSource) -> dict[str, int]:
    """Touchpoint -> window in days for every touchpoint with coverage: the ``[process]`` table of
    ``retention.toml``, plus every other planned touchpoint of the export with the default window."""
    configured, _ = read_process_windows(source.data_dir)
    names = source.run("touchpoint_names")["touchpoint"].to_list()
    windows = {name: configured.get(name, DEFAULT_WINDOW_DAYS) for name in names
               if name in configured or name not in UNPLANNED}
    return windows


def _with_groups(source: DataSource, frame: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    groups = source.run("customer_groups_named")
    return in_dimensions(frame.join(groups, on="combo", how="inner"), filters)


def _windows_params(windows: dict[str, int]) -> dict[str, object]:
    names = sorted(windows)
    return {"touchpoints": names, "windows": [windows[n] for n in names]}


def touchpoint_coverage(source: DataSource, filters: Filters) -> pl.DataFrame:
    """``touchpoint_coverage.csv``: touchpoint, cohort (first day of the signup period), new_customers, covered,
    coverage (fraction), window_days, one row per touchpoint x cohort (the window's start applies to cohorts)."""
    source.require("customers", "transactions")
    if not has_export(source, "touchpoints"):
        return _empty_coverage()
    as_of = as_of_bound(source, filters)
    windows = process_windows(source)
    if as_of is None or not windows:
        return _empty_coverage()
    cells = source.run("touch_coverage", {"grain": filters.grain, "as_of": as_of, **_windows_params(windows)})
    cells = _with_groups(source, cells, filters)
    if filters.start is not None:
        cells = cells.filter(pl.col("cohort") >= period_start(filters.start, filters.grain))
    table = (cells.group_by("touchpoint", "cohort").agg(pl.col("new_customers", "covered").sum())
             .with_columns(coverage=pl.col("covered") / pl.col("new_customers"),
                           window_days=pl.col("touchpoint").replace_strict(windows, return_dtype=pl.Int64))
             .sort("touchpoint", "cohort"))
    return table.select("touchpoint", "cohort", "new_customers", "covered", "coverage", "window_days")


def coverage_overall(coverage: pl.DataFrame) -> pl.DataFrame:
    """One row per touchpoint: window_days, new_customers, covered, coverage (over every cohort shown), with its
    Wilson 95% interval, lowest coverage first.

    >>> t = pl.DataFrame({"touchpoint": ["a", "a"], "cohort": [date(2024, 1, 1), date(2024, 2, 1)],
    ...                   "new_customers": [10, 10], "covered": [1, 3], "coverage": [0.1, 0.3], "window_days": [7, 7]})
    >>> coverage_overall(t)["coverage"].to_list()
    [0.2]
    """
    rows = []
    for (name,), part in coverage.group_by("touchpoint"):
        n, k = int(part["new_customers"].sum()), int(part["covered"].sum())
        low, high = wilson_interval(k, n)
        rows.append({"touchpoint": name, "window_days": int(part["window_days"][0]), "new_customers": n,
                     "covered": k, "coverage": k / n if n else None, "ci_lower": low, "ci_upper": high})
    schema = {"touchpoint": pl.String, "window_days": pl.Int64, "new_customers": pl.Int64, "covered": pl.Int64,
              "coverage": pl.Float64, "ci_lower": pl.Float64, "ci_upper": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort("coverage", "touchpoint", nulls_last=True)


def touch_delays(source: DataSource, filters: Filters) -> pl.DataFrame:
    """touchpoint, days (0-180; 181 = later), customers: days from signup to the first touch of each kind."""
    source.require("customers", "transactions", "touchpoints")
    as_of = as_of_bound(source, filters)
    cells = _with_groups(source, source.run("touch_delays", {"as_of": as_of}), filters)
    return cells.group_by("touchpoint", "days").agg(pl.col("customers").sum()).sort("touchpoint", "days")


EFFECT_SCHEMA = {"touchpoint": pl.String, "landmark_days": pl.Int64, "customers_with": pl.Int64,
                 "customers_without": pl.Int64, "survival_365_with": pl.Float64, "survival_365_without": pl.Float64,
                 "hazard_ratio": pl.Float64, "ci_lower": pl.Float64, "ci_upper": pl.Float64, "p_value": pl.Float64,
                 "logrank_p_value": pl.Float64}
CURVE_SCHEMA = {"touchpoint": pl.String, "group": pl.String, "days": pl.Float64, "survival": pl.Float64,
                "ci_lower": pl.Float64, "ci_upper": pl.Float64}


@dataclass(frozen=True)
class TouchEffects:
    """The landmark analysis of every touchpoint with a window."""

    table: pl.DataFrame  # EFFECT_SCHEMA: touchpoint_effect.csv (plus logrank_p_value)
    curves: pl.DataFrame  # CURVE_SCHEMA: Kaplan-Meier curves from the landmark, groups "with" / "without"


def landmark_rows(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                  inactivity_days: int) -> pl.DataFrame:
    """The aggregated landmark rows: touchpoint, touched, segment, channel, region, duration (days from the
    landmark), churned, customers; the shared filters applied (``start``: signed up on or after it)."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    windows = process_windows(source) if has_export(source, "touchpoints") else {}
    if as_of is None or not windows:
        return pl.DataFrame(schema={"touchpoint": pl.String, "touched": pl.Boolean, "segment": pl.String,
                                    "channel": pl.String, "region": pl.String, "duration": pl.Int32,
                                    "churned": pl.Boolean, "customers": pl.Int64})
    rows = source.run("touch_landmark", {"churn_definition": churn_definition, "inactivity_days": inactivity_days,
                                         "as_of": as_of, "start": filters.start, **_windows_params(windows)})
    return _with_groups(source, rows, filters).drop("combo")


def _design(part: pl.DataFrame) -> pd.DataFrame:
    """touched (0/1) plus one-hot segment / channel / region (reference: each one's largest level; levels without
    a churn and dimensions with one level left out), duration, churned, customers."""
    # Sorted: the fit then sums its rows in one order whatever the order of the export's rows, so
    # touchpoint_effect.csv is byte-identical run to run (tests/test_money.py).
    keys = ["touched", "segment", "channel", "region", "duration", "churned"]
    data = part.group_by(keys).agg(pl.col("customers").sum()).sort(keys, nulls_last=True)
    columns: dict[str, np.ndarray] = {"touched": data["touched"].cast(pl.Int8).to_numpy().astype(float)}
    for dim in ("segment", "channel", "region"):
        sizes = (data.group_by(dim).agg(customers=pl.col("customers").sum(),
                                         churns=pl.col("customers").filter(pl.col("churned")).sum())
                 .sort(["customers", dim], descending=[True, False]))
        levels = [lv for lv, churns in zip(sizes[dim], sizes["churns"], strict=True) if churns > 0]
        for level in levels[1:]:
            columns[f"{dim}: {level}"] = (data[dim] == level).cast(pl.Int8).to_numpy().astype(float)
    frame = pd.DataFrame(columns)
    frame["duration"] = data["duration"].to_numpy().astype(float)
    frame["churned"] = data["churned"].to_numpy().astype(bool)
    frame["customers"] = data["customers"].to_numpy().astype(float)
    return frame


def touchpoint_effects(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                       inactivity_days: int) -> TouchEffects:
    """The landmark analysis per touchpoint (definitions: module docstring). hazard_ratio < 1: customers touched
    by the landmark churned more slowly after it than those not touched, segment, channel and region equal.
    p_value: the Cox coefficient's Wald test; logrank_p_value: the unadjusted log-rank test."""
    rows = landmark_rows(source, filters, churn_definition, inactivity_days)
    windows = process_windows(source) if rows.height else {}
    table, curves = [], []
    for name in sorted(windows):
        part = rows.filter(pl.col("touchpoint") == name)
        with_n = int(part.filter(pl.col("touched"))["customers"].sum())
        without_n = int(part.filter(~pl.col("touched"))["customers"].sum())
        row: dict[str, object] = {"touchpoint": name, "landmark_days": windows[name], "customers_with": with_n,
                                  "customers_without": without_n}
        grouped = part.with_columns(group=pl.when(pl.col("touched")).then(pl.lit("with")).otherwise(pl.lit("without")))
        for group, n in (("with", with_n), ("without", without_n)):
            if n == 0:
                continue
            g = grouped.filter(pl.col("group") == group)
            kmf = kaplan_meier(g["duration"], g["churned"], g["customers"], label=group)
            follow = as_float(g["duration"].max() or 0)
            row[f"survival_365_{group}"] = float(kmf.predict(365)) if follow >= 365 else None
            ci = kmf.confidence_interval_
            curves.append(pl.DataFrame({
                "touchpoint": name, "group": group, "days": kmf.survival_function_.index.to_numpy().astype(float),
                "survival": kmf.survival_function_.iloc[:, 0].to_numpy(), "ci_lower": ci.iloc[:, 0].to_numpy(),
                "ci_upper": ci.iloc[:, 1].to_numpy()}, schema=CURVE_SCHEMA))
        if min(with_n, without_n) >= MIN_GROUP and part.filter(pl.col("churned")).height:
            across, _ = logrank_tests(grouped.select("group", "duration", "churned", "customers"), ["with", "without"])
            row["logrank_p_value"] = across["p_value"] if across else None
            cph: FrequencyWeightedCoxPHFitter = fit_cox(_design(part))
            summary = cph.summary.loc["touched"]
            row.update(hazard_ratio=float(summary["exp(coef)"]), ci_lower=float(summary["exp(coef) lower 95%"]),
                       ci_upper=float(summary["exp(coef) upper 95%"]), p_value=float(summary["p"]))
        table.append(row)
    return TouchEffects(
        pl.DataFrame([{k: r.get(k) for k in EFFECT_SCHEMA} for r in table], schema=EFFECT_SCHEMA),
        pl.concat(curves) if curves else pl.DataFrame(schema=CURVE_SCHEMA))


OFFER_SCHEMA = {"audience": pl.String, "period": pl.Date, "offers": pl.Int64, "accepted": pl.Int64,
                "rate": pl.Float64, "ci_lower": pl.Float64, "ci_upper": pl.Float64}


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    bounds = [wilson_interval(int(k), int(n)) for k, n in zip(frame["accepted"], frame["offers"], strict=True)]
    return frame.with_columns(rate=pl.when(pl.col("offers") > 0).then(pl.col("accepted") / pl.col("offers")),
                              ci_lower=pl.Series([b[0] for b in bounds], dtype=pl.Float64),
                              ci_upper=pl.Series([b[1] for b in bounds], dtype=pl.Float64))


def _offer_cells(source: DataSource, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(offers to existing customers by period x channel, leads by period x channel), filters applied (segment
    and region do not apply to leads: a prospect has neither)."""
    params = {"grain": filters.grain, "start": filters.start, "end": filters.end}
    offers = pl.DataFrame(schema={"period": pl.Date, "channel": pl.String, "offers": pl.Int64, "accepted": pl.Int64})
    leads = offers.clone()
    if has_export(source, "touchpoints"):
        cells = _with_groups(source, source.run("offer_outcomes", params), filters)
        offers = cells.group_by("period", "channel").agg(pl.col("offers", "accepted").sum())
    if has_export(source, "leads"):
        cells = source.run("lead_conversions", params)
        if filters.channel:
            cells = cells.filter(pl.col("channel").is_in(list(filters.channel)))
        leads = cells.rename({"leads": "offers", "converted": "accepted"})
    return offers, leads


def offer_conversion(source: DataSource, filters: Filters) -> pl.DataFrame:
    """``offer_conversion.csv``: audience (existing = offers to existing customers; leads = leads converted),
    period, offers (offers or leads), accepted (accepted offers or converted leads), rate, ci_lower, ci_upper
    (Wilson 95%), one row per audience x period, plus audience totals with period null (last)."""
    source.require("customers", "transactions")
    offers, leads = _offer_cells(source, filters)
    parts = []
    for audience, cells in (("existing", offers), ("leads", leads)):
        per = cells.group_by("period").agg(pl.col("offers", "accepted").sum()).sort("period")
        total = per.select(pl.lit(None, dtype=pl.Date).alias("period"), pl.col("offers", "accepted").sum())
        if per.height:
            parts.append(pl.concat([per, total]).with_columns(audience=pl.lit(audience)))
    if not parts:
        return pl.DataFrame(schema=OFFER_SCHEMA)
    return _rates(pl.concat(parts)).select(list(OFFER_SCHEMA)).cast(OFFER_SCHEMA)  # type: ignore[arg-type]


def offer_conversion_by_channel(source: DataSource, filters: Filters) -> pl.DataFrame:
    """audience, channel (the customer's acquisition channel; the lead's channel), offers, accepted, rate,
    ci_lower, ci_upper over the whole window."""
    source.require("customers", "transactions")
    offers, leads = _offer_cells(source, filters)
    parts = [cells.group_by("channel").agg(pl.col("offers", "accepted").sum()).with_columns(audience=pl.lit(a))
             for a, cells in (("existing", offers), ("leads", leads)) if cells.height]
    schema = {"audience": pl.String, "channel": pl.String, "offers": pl.Int64, "accepted": pl.Int64,
              "rate": pl.Float64, "ci_lower": pl.Float64, "ci_upper": pl.Float64}
    if not parts:
        return pl.DataFrame(schema=schema)
    return _rates(pl.concat(parts)).select(list(schema)).sort("audience", "channel")


def _empty_coverage() -> pl.DataFrame:
    return pl.DataFrame(schema={"touchpoint": pl.String, "cohort": pl.Date, "new_customers": pl.Int64,
                                "covered": pl.Int64, "coverage": pl.Float64, "window_days": pl.Int64})


def export_coverage(coverage: pl.DataFrame) -> pl.DataFrame:
    """The ``touchpoint_coverage.csv`` columns."""
    return coverage.select("touchpoint", "cohort", "new_customers", "covered", "coverage")


def export_effects(effects: TouchEffects) -> pl.DataFrame:
    """The ``touchpoint_effect.csv`` columns."""
    return effects.table.drop("logrank_p_value")




@dataclass(frozen=True)
class ProcessCost:
    """Cost of the retention process per retained customer-month, beside the margin a customer-month brings."""

    window_start: date | None
    window_end: date | None
    cost: float  # touch cost in the window (valid costs only)
    customer_months: int  # the customer base at each month end of the window, summed
    cost_per_customer_month: float | None
    margin_per_customer_month: float | None  # the budget calibration's gross margin per customer in the base a month
    by_touchpoint: pl.DataFrame  # touchpoint, touches, touch_cost, cost_per_customer_month


def process_cost(source: DataSource, filters: Filters, churn_definition: ChurnDefinition, inactivity_days: int,
                 margin: float = 0.7, months: int = 12) -> ProcessCost | None:
    """Touch cost over the last ``months`` complete months / customer-months retained in them (the customer base at
    each month end, under the churn definition in force), and the gross margin per customer in the base a month
    over the same months (the budget calibration's figure). None without touchpoints or without any cost."""
    source.require("customers", "transactions")
    if not has_export(source, "touchpoints") or source.column_map.get("touchpoints", {}).get("cost") is None:
        return None
    base = customer_base_by_month(source, filters, churn_definition, inactivity_days, months)
    if base.height == 0:
        return None
    start, end = base["month_end"].min(), base["month_end"].max()
    assert isinstance(start, date) and isinstance(end, date)
    start = start.replace(day=1)
    cells = _with_groups(source, source.run("touch_costs", {"start": start, "end": end}), filters)
    per = (cells.group_by("touchpoint").agg(pl.col("cost").sum(), pl.col("touches").sum()).sort("cost",
                                                                                               descending=True))
    customer_months = int(base["customer_base"].sum())
    total = float(per["cost"].sum()) if per.height else 0.0
    per = per.with_columns(cost_per_customer_month=pl.col("cost") / customer_months if customer_months else None)
    calibration = calibrate(source, filters, CalibrationSettings(
        margin=margin, calibration_months=months, churn_definition=churn_definition, inactivity_days=inactivity_days))
    return ProcessCost(start, end, total, customer_months, total / customer_months if customer_months else None,
                       calibration.margin_per_active or None,
                       per.select("touchpoint", "touches", pl.col("cost").alias("touch_cost"),
                                  "cost_per_customer_month"))


#: A one-off touch's cost is spread over the months its effect is measured in: the landmark analysis follows
#: customers for a year after the landmark (survival_365_with / _without).
EFFECT_MONTHS = 12


def measured_responses(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                       inactivity_days: int) -> list[MeasuredResponse]:
    """The touchpoints whose landmark hazard ratio says they retain (below 1, its 95% interval too) and whose cost
    is known, as measured responses for the Budget page's calibration of r_max and B_half.

    Cost a month per customer reached = the mean cost of one touch over the last 12 complete months (touch cost /
    touches, :func:`process_cost`) / :data:`EFFECT_MONTHS`: one touch per customer, its cost spread over the year
    its effect is measured over. The source names the export, the landmark, the customers compared and the
    interval. An association in observational data, not an experiment: the page says so."""
    if not has_export(source, "touchpoints"):
        return []
    cost = process_cost(source, filters, churn_definition, inactivity_days)
    if cost is None:
        return []
    per_touch = {row["touchpoint"]: row["touch_cost"] / row["touches"]
                 for row in cost.by_touchpoint.iter_rows(named=True) if row["touches"] and row["touch_cost"]}
    found = []
    for row in touchpoint_effects(source, filters, churn_definition, inactivity_days).table.iter_rows(named=True):
        hr, upper, name = row["hazard_ratio"], row["ci_upper"], row["touchpoint"]
        if hr is None or upper is None or not (0 < hr < 1 and upper < 1) or name not in per_touch:
            continue
        found.append(MeasuredResponse(
            name, float(hr), per_touch[name] / EFFECT_MONTHS,
            f"touchpoints export: landmark Cox fit at day {row['landmark_days']} after signup, "
            f"{row['customers_with']:,} touched vs {row['customers_without']:,} not, 95% interval "
            f"{row['ci_lower']:.2f}-{upper:.2f}; cost {per_touch[name]:,.2f} a touch spread over {EFFECT_MONTHS} "
            "months (an association in observational data, not an experiment)"))
    return found
