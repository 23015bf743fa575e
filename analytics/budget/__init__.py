"""Budget what-if: how should a monthly marketing budget be split between winning new customers
(acquisition) and keeping existing ones (retention)? A small, explicit model calibrated from the data.

Calibration (:func:`calibrate`), over the last ``calibration_months`` complete calendar months before the
as-of date (fewer when the data starts later):

- **Recent spend B0** and **paid new customers n0**: mean monthly acquisition cost and mean monthly new
  customers of the *paid* channels (channels with any cost in the window), from
  :func:`analytics.value.cac_by_channel_month` (``marketing_spend``, else the customers' ``acquisition_cost``).
  **CAC** = B0 / n0. **Organic new customers**: mean monthly new customers of the channels without cost. With
  a segment or region filter, a channel's spend is shared out in proportion to the customers it acquired in
  the filtered scope (spend is recorded per channel only), so each channel's CAC stays as in the data.
- **Churn hazard by age** h(a), a = 0, 1, ... whole months since signup (a = 0 is the signup month):
  h(a) = 1 - S(a+1) / S(a), with S(0) = 1 and S(a) the Kaplan-Meier survival at day 30.4375 x a
  (:func:`analytics.survival.kaplan_meier` on :func:`analytics.survival.survival_spans`, the chosen churn
  definition, every customer's history up to the as-of date). An age is *reliable* when at least
  ``reliable_at_risk`` customers were followed through all of it; beyond the last reliable age h is held at
  that age's value.
- **Revenue and gross margin per active customer and month**: revenue (net of refunds) and gross margin
  (``gross_margin`` where given, else amount x ``margin``) in the window / customer-months *active* in the
  window, where active means signed up and not churned, under the same churn definition (so the projection's
  active customers earn what active customers earned). One mean for every age. New customers, active
  customer-months and revenue come from ``queries/budget_calibration.sql``, which reads only the window's
  transactions (cheaper than the full cohort cubes); the segment / channel / region filters apply in Polars.
- **Active base**: customers not churned at the as-of date, by age in whole months (the censored spans of
  the survival fit: their duration is their age).

Model (:func:`project`), month by month m = 1..H after the as-of month, for a total monthly budget B of which
a share s goes to retention:

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

Example::

    calibration = calibrate(DataSource.open("sample_data"), Filters(), CalibrationSettings())
    report = budget_report(calibration, Assumptions(retention_share=0.2))
    report.summary.select("scenario", "net_contribution", "active_customers_end")
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import polars as pl

from analytics.scope import as_of_bound, in_dimensions
from analytics.filters import Filters
from analytics.periods import last_complete_month, period_index, period_of
from analytics.survival import (ChurnDefinition, followed, kaplan_meier, resolve_churn_definition,
                                survival_spans)
from analytics.value import DAYS_PER_MONTH, cac_by_channel_month
from analytics.budget.inputs import (DEFAULT_B_HALF_SHARE, DEFAULT_BETA, DEFAULT_HORIZON, DEFAULT_R_MAX, HORIZON_RANGE,
                                     MAX_SCENARIOS, Assumptions, CalibrationSettings, Scenario)
from analytics.budget.scenario_codec import clean_name, decode_scenario, encode_scenario
from queries import DataSource

#: Retention shares of the optimisation curve: 0%, 1%, ..., 100%.
SHARES = np.round(np.linspace(0.0, 1.0, 101), 2)
#: Offsets around the current beta and r_max for the sensitivity grid of the optimum.
BETA_OFFSETS = (-0.2, -0.1, 0.0, 0.1, 0.2)
R_MAX_OFFSETS = (-0.10, -0.05, 0.0, 0.05, 0.10)
_MAX_HAZARD = 1.0 - 1e-12


# ------------------------------------------------------------------------------------------------ calibration
@dataclass(frozen=True, eq=False)
class Calibration:
    """The numbers the model is calibrated on. Only the first seven fields drive :func:`project`; the rest
    describe where they come from. Monthly amounts are per calendar month, in the data's currency."""

    hazard: np.ndarray          # h(a), a = 0.. the last reliable age; held at the last value beyond it
    base: np.ndarray            # active customers at the as-of date by age in whole months (index = age)
    paid_new: float             # n0: mean new customers a month from paid channels
    paid_spend: float           # B0: mean acquisition spend a month
    organic_new: float          # mean new customers a month from channels without spend
    revenue_per_active: float   # mean revenue per active customer and month
    margin_per_active: float    # mean gross margin per active customer and month
    as_of: date | None = None
    window_start: date | None = None
    window_end: date | None = None  # first day of the last month of the window
    months: int = 0
    channels: pl.DataFrame = field(default_factory=pl.DataFrame)
    monthly: pl.DataFrame = field(default_factory=pl.DataFrame)
    hazard_by_age: pl.DataFrame = field(default_factory=pl.DataFrame)
    recent_existing_share: float | None = None
    churn_definition: str = "explicit"
    inactivity_days: int = 90
    margin: float = 0.7
    notes: tuple[str, ...] = ()
    problem: str | None = None  # why the model cannot run on this data (then the numbers above are zero)

    @property
    def active_customers(self) -> float:
        return float(np.sum(self.base))

    @property
    def cac(self) -> float | None:
        return self.paid_spend / self.paid_new if self.paid_new > 0 else None

    @property
    def default_budget(self) -> float:
        """Today's monthly spend, rounded to whole currency units (the page's default budget)."""
        return float(round(self.paid_spend))

    @property
    def default_b_half(self) -> float:
        return float(max(1.0, round(DEFAULT_B_HALF_SHARE * self.paid_spend)))

    def resolve(self, assumptions: Assumptions) -> Assumptions:
        """The assumptions with the data's defaults filled in (budget = B0, B_half = 10% of B0)."""
        return replace(assumptions,
                       budget=self.default_budget if assumptions.budget is None else assumptions.budget,
                       b_half=self.default_b_half if assumptions.b_half is None else assumptions.b_half)

    def baseline(self, assumptions: Assumptions) -> Assumptions:
        """Today's split: today's spend, all on acquisition, with the same horizon and response assumptions."""
        return replace(self.resolve(assumptions), budget=self.default_budget, retention_share=0.0)


def hazard_from_spans(durations: np.ndarray, churned: np.ndarray, customers: np.ndarray,
                      reliable_at_risk: int) -> tuple[np.ndarray, pl.DataFrame, str | None]:
    """Monthly hazard by age from aggregated survival rows (days, churned, count): the model's h(a), a table
    (age, survival, hazard, followed_through, is_reliable, hazard_used) and a note when the curve had to be replaced.

    S(0) = 1 (everyone is a customer in their signup month; same-day churn counts in h(0)), S(a) = Kaplan-Meier
    at day 30.4375 a. An age is reliable when at least ``reliable_at_risk`` customers were followed through
    all of it (duration >= 30.4375 (a + 1) days); h is held at the last reliable value beyond.
    """
    keep = customers > 0
    durations, churned, customers = durations[keep].astype(float), churned[keep].astype(bool), customers[keep]
    schema = {"age": pl.Int64, "survival": pl.Float64, "hazard": pl.Float64, "followed_through": pl.Int64,
              "is_reliable": pl.Boolean, "hazard_used": pl.Float64}
    if durations.size == 0:
        return np.zeros(1), pl.DataFrame(schema=schema), "No customers to estimate churn from: churn set to 0."
    km = kaplan_meier(durations, churned, customers)
    max_age = int(durations.max() // DAYS_PER_MONTH)
    ages = np.arange(max_age + 1)
    survival = km.survival_function_at_times(DAYS_PER_MONTH * np.arange(max_age + 2)).to_numpy(dtype=float)
    survival[0] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(survival[:-1] > 0, 1.0 - survival[1:] / survival[:-1], 1.0)
    hazard = np.clip(hazard, 0.0, 1.0)
    order = np.argsort(durations)
    # Customers followed at least d days: a suffix sum over the sorted durations.
    followed_at = np.cumsum(customers[order][::-1])[::-1]
    through = DAYS_PER_MONTH * (ages + 1)
    positions = np.searchsorted(durations[order], through, side="left")
    followed_through = np.where(positions < len(order), followed_at[np.minimum(positions, len(order) - 1)],
                                0).astype(int)
    reliable = followed_through >= reliable_at_risk
    # Followed-through counts only fall with age: the reliable ages are a prefix.
    reliable_ages = int(np.argmin(reliable)) if not reliable.all() else len(reliable)
    note = None
    if reliable_ages == 0:
        events = float(customers[churned].sum())
        exposure = float((durations * customers).sum()) / DAYS_PER_MONTH
        rate = min(events / exposure, 1.0) if exposure > 0 else 0.0
        used = np.array([rate])
        note = (f"No month of age has {reliable_at_risk} customers followed through it: the model uses one "
                f"constant monthly churn rate ({rate:.2%}: churns per customer-month).")
    else:
        used = hazard[:reliable_ages].copy()
    table = pl.DataFrame({
        "age": ages, "survival": survival[:-1], "hazard": hazard, "followed_through": followed_through,
        "is_reliable": reliable,
        "hazard_used": np.concatenate([used, np.full(max(0, len(ages) - len(used)), used[-1])])[: len(ages)],
    }, schema=schema)
    return used, table, note


def _empty_calibration(settings: CalibrationSettings, problem: str, as_of: date | None = None) -> Calibration:
    return Calibration(hazard=np.zeros(1), base=np.zeros(1), paid_new=0.0, paid_spend=0.0, organic_new=0.0,
                       revenue_per_active=0.0, margin_per_active=0.0, as_of=as_of,
                       churn_definition=settings.churn_definition, inactivity_days=settings.inactivity_days,
                       margin=settings.margin, problem=problem)


def calibrate(source: DataSource, filters: Filters, settings: CalibrationSettings) -> Calibration:
    """Every number the budget model is calibrated on (see the module docstring for each definition).

    The window's start (``filters.start``) does not apply: the model needs the whole active base and its
    churn; ``filters.end`` sets the as-of date, and the segment / channel / region filters the scope.
    Example: ``calibrate(DataSource.open("sample_data"), Filters(), CalibrationSettings()).cac``.
    """
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    assert as_of is not None
    last = last_complete_month(as_of)
    requested = period_of(period_index(last, "month") - settings.calibration_months + 1, "month")
    cells = in_dimensions(source.run("budget_calibration", {
        "churn_definition": settings.churn_definition, "inactivity_days": int(settings.inactivity_days),
        "as_of": as_of, "window_start": requested, "window_end": last}), filters)
    # The window starts later when the data does: at the first month with a customer in scope.
    busy = cells.filter((pl.col("active_customers") > 0) | (pl.col("new_customers") > 0))
    if busy.height == 0:
        return _empty_calibration(settings, f"No customer in the selected scope in the {settings.calibration_months} "
                                  f"complete months before the as-of date {as_of}: nothing to calibrate on.", as_of)
    window_start = max(requested, busy["month"].min())
    start_index = period_index(window_start, "month")
    months = period_index(last, "month") - start_index + 1
    in_window = pl.col("month").is_between(window_start, last)
    cells = cells.filter(in_window)

    # New customers in scope, per channel and month.
    new = cells.group_by("channel", "month").agg(pl.col("new_customers").sum())
    # Acquisition cost per channel and month (all customers of the channel: spend is per channel).
    costs = cac_by_channel_month(source, Filters(end=filters.end)).filter(in_window)
    if filters.channel:
        costs = costs.filter(pl.col("channel").is_in(list(filters.channel)))
    cost_by_channel = costs.group_by("channel").agg(
        cost=pl.col("cost").fill_null(0.0).sum(), acquired=pl.col("customers").sum(),
        cac_source=pl.col("cac_source").first())
    channels = new.group_by("channel").agg(new_customers=pl.col("new_customers").sum()).join(
        cost_by_channel, on="channel", how="full", coalesce=True).with_columns(
        pl.col("new_customers", "acquired").fill_null(0), pl.col("cost").fill_null(0.0),
        pl.col("cac_source").fill_null("none"))
    channels = channels.with_columns(is_paid=pl.col("cost") > 0)
    paid = channels.filter(pl.col("is_paid"))
    paid_acquired = float(paid["acquired"].sum())
    overall_share = float(paid["new_customers"].sum()) / paid_acquired if paid_acquired else 1.0
    # Spend is per channel: with a segment / region filter, share it out by the customers acquired in scope.
    channels = channels.with_columns(
        scope_share=pl.when(pl.col("acquired") > 0).then(pl.col("new_customers") / pl.col("acquired"))
        .otherwise(pl.lit(overall_share))).with_columns(
        spend=pl.col("cost") * pl.col("scope_share"))
    channels = channels.with_columns(
        spend_per_month=pl.col("spend") / months, new_per_month=pl.col("new_customers") / months,
        cac=pl.when(pl.col("is_paid") & (pl.col("new_customers") > 0))
        .then(pl.col("spend") / pl.col("new_customers")),
    ).with_columns(
        share_of_spend=pl.when(pl.col("spend").sum() > 0).then(pl.col("spend") / pl.col("spend").sum())
        .otherwise(0.0),
    ).select("channel", "is_paid", "spend_per_month", "new_per_month", "cac", "share_of_spend", "cac_source"
             ).sort(["is_paid", "spend_per_month", "channel"], descending=[True, True, False])
    paid_spend = float(channels.filter(pl.col("is_paid"))["spend_per_month"].sum())
    paid_new = float(channels.filter(pl.col("is_paid"))["new_per_month"].sum())
    organic_new = float(channels.filter(~pl.col("is_paid"))["new_per_month"].sum())

    # Churn hazard by age and the active base, from the survival spans.
    # Only the grouping of durations is used, not the first-order value bands.
    spans = followed(survival_spans(source, Filters(end=filters.end, segment=filters.segment,
                                                    channel=filters.channel, region=filters.region),
                                    settings.churn_definition, settings.inactivity_days, value_bands=False))
    grouped = spans.group_by("duration", "churned").agg(pl.col("customers").sum()).sort("duration", "churned")
    hazard, hazard_table, hazard_note = hazard_from_spans(
        grouped["duration"].to_numpy(), grouped["churned"].to_numpy(), grouped["customers"].to_numpy(),
        settings.reliable_at_risk)
    censored = grouped.filter(~pl.col("churned"))
    ages = (censored["duration"].to_numpy() // DAYS_PER_MONTH).astype(int)
    base = (np.bincount(ages, weights=censored["customers"].to_numpy().astype(float)) if ages.size
            else np.zeros(1))

    # Revenue and margin per active customer-month in the window.
    by_month = cells.group_by("month").agg(
        pl.col("active_customers").sum(), revenue=pl.col("revenue").sum(),
        gross_margin=(pl.col("known_margin") + settings.margin * pl.col("revenue_without_margin")).sum(),
        new_revenue=pl.col("new_revenue").sum())
    spend_by_month = costs.join(channels.select("channel", "is_paid"), on="channel", how="left").filter(
        pl.col("is_paid").fill_null(False)).group_by("month").agg(pl.col("cost").sum())
    paid_channels = set(channels.filter(pl.col("is_paid"))["channel"].to_list())
    new_by_month = new.group_by("month").agg(
        paid_new=pl.col("new_customers").filter(pl.col("channel").is_in(list(paid_channels))).sum(),
        organic_new=pl.col("new_customers").filter(~pl.col("channel").is_in(list(paid_channels))).sum())
    calendar = pl.DataFrame({"month": [period_of(i, "month") for i in range(start_index, start_index + months)]})
    monthly = (calendar.join(spend_by_month, on="month", how="left")
               .join(new_by_month, on="month", how="left").join(by_month, on="month", how="left")
               .with_columns(pl.col("cost", "revenue", "gross_margin", "new_revenue").fill_null(0.0),
                             pl.col("paid_new", "organic_new", "active_customers").fill_null(0))
               .rename({"cost": "acquisition_cost"}))
    recorded = float(monthly["acquisition_cost"].sum())
    if (filters.segment or filters.region) and recorded > 0:
        # Show the scope's share of the spend month by month, as B0 counts it.
        monthly = monthly.with_columns(pl.col("acquisition_cost") * (paid_spend * months / recorded))
    active_months = float(monthly["active_customers"].sum())
    revenue_total = float(monthly["revenue"].sum())
    margin_total = float(monthly["gross_margin"].sum())
    new_revenue = float(monthly["new_revenue"].sum())
    monthly = monthly.drop("new_revenue")
    notes = [hazard_note] if hazard_note else []
    if months < settings.calibration_months:
        notes.append(f"The data has only {months} complete month(s) in the window; calibrated on those.")
    problem = None
    if paid_spend <= 0 and filters.channel:
        problem = (f"The selected channel(s) ({', '.join(filters.channel)}) had no acquisition cost in the "
                   "calibration window: the budget model needs at least one paid channel. Clear the channel filter "
                   "or add a paid channel.")
    elif paid_spend <= 0:
        problem = ("The model needs acquisition costs: a marketing_spend export, or acquisition_cost on the "
                   "customers, with some cost in the calibration window. Without them the response of new "
                   "customers to the budget cannot be calibrated.")
    elif paid_new <= 0:
        problem = "The paid channels acquired no customers in the calibration window: CAC is undefined."
    elif active_months <= 0:
        problem = "No active customers in the calibration window."
    return Calibration(
        hazard=hazard, base=base, paid_new=paid_new, paid_spend=paid_spend, organic_new=organic_new,
        revenue_per_active=revenue_total / active_months if active_months else 0.0,
        margin_per_active=margin_total / active_months if active_months else 0.0,
        as_of=as_of, window_start=window_start, window_end=last, months=months, channels=channels,
        monthly=monthly, hazard_by_age=hazard_table,
        recent_existing_share=(1 - new_revenue / revenue_total) if revenue_total > 0 and new_revenue >= 0 else None,
        churn_definition=settings.churn_definition, inactivity_days=int(settings.inactivity_days),
        margin=settings.margin, notes=tuple(notes), problem=problem)


# ------------------------------------------------------------------------------------------------ model
def retention_effect(retention_budget: np.ndarray | float, r_max: float, b_half: float) -> np.ndarray:
    """r(B) = r_max x (1 - exp(-B / B_half)): the fraction by which retention spend B a month lowers every
    churn hazard. ``retention_effect(0, 0.25, 100)`` is 0; it approaches r_max as B grows (63% of it at B_half,
    86% at 2 B_half)."""
    spend = np.asarray(retention_budget, dtype=float)
    return r_max * (1.0 - np.exp(-spend / b_half))


def paid_new_customers(acquisition_budget: np.ndarray | float, paid_new: float, paid_spend: float,
                       beta: float) -> np.ndarray:
    """n0 x (B / B0)^beta: new paid customers a month for an acquisition budget B a month.
    ``paid_new_customers(400, 10, 1000, 1.0)`` is 4.0; with beta < 1 each extra unit of budget wins fewer."""
    spend = np.maximum(np.asarray(acquisition_budget, dtype=float), 0.0)
    if paid_spend <= 0 or paid_new <= 0:
        return np.zeros_like(spend)
    return paid_new * (spend / paid_spend) ** beta


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
class Paths:
    """Monthly arrays of shape (splits, months) for a set of retention shares (see :func:`project_paths`)."""

    shares: np.ndarray
    active: np.ndarray
    new: np.ndarray
    from_base: np.ndarray
    revenue: np.ndarray
    gross_margin: np.ndarray
    spend: np.ndarray

    @property
    def net_contribution(self) -> np.ndarray:
        return self.gross_margin - self.spend

    @property
    def existing_revenue(self) -> np.ndarray:
        # Every active customer earns the same: existing revenue is the share of those not new this month.
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.active > 0, self.revenue * (self.active - self.new) / self.active, 0.0)


def project_paths(calibration: Calibration, assumptions: Assumptions,
                  shares: np.ndarray | None = None) -> Paths:
    """The model, vectorised over retention shares (default: the assumptions' own share)."""
    a = calibration.resolve(assumptions)
    assert a.budget is not None and a.b_half is not None
    shares = np.atleast_1d(np.asarray([a.retention_share] if shares is None else shares, dtype=float))
    reductions = retention_effect(a.budget * shares, a.r_max, a.b_half)
    from_base, per_new = survival_paths(calibration.hazard, calibration.base, reductions, a.horizon_months)
    new = paid_new_customers(a.budget * (1 - shares), calibration.paid_new, calibration.paid_spend, a.beta) \
        + calibration.organic_new
    active = from_base + new[:, None] * per_new
    return Paths(shares=shares, active=active, new=np.broadcast_to(new[:, None], active.shape).copy(),
                 from_base=from_base, revenue=active * calibration.revenue_per_active,
                 gross_margin=active * calibration.margin_per_active,
                 spend=np.full(active.shape, float(a.budget)))


PROJECTION_SCHEMA = {
    "scenario": pl.String, "retention_share": pl.Float64, "month_index": pl.Int64, "month": pl.Date,
    "active_customers": pl.Float64, "new_customers": pl.Float64, "revenue": pl.Float64,
    "gross_margin": pl.Float64, "spend": pl.Float64, "net_contribution": pl.Float64,
    "existing_share": pl.Float64,
}


def project(calibration: Calibration, assumptions: Assumptions, scenario: str = "scenario") -> pl.DataFrame:
    """One row per projected month: scenario, retention_share, month_index (1..H), month (first day, the
    months after the as-of month), active_customers, new_customers, revenue, gross_margin, spend,
    net_contribution, existing_share. Customer counts are expected values (fractions are kept)."""
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
        "active_customers": paths.active[0], "new_customers": paths.new[0], "revenue": paths.revenue[0],
        "gross_margin": paths.gross_margin[0], "spend": paths.spend[0],
        "net_contribution": paths.net_contribution[0], "existing_share": existing,
    }, schema=PROJECTION_SCHEMA).with_columns(pl.col("existing_share").fill_nan(None))


def split_curve(calibration: Calibration, assumptions: Assumptions,
                shares: np.ndarray = SHARES) -> pl.DataFrame:
    """Horizon totals for every retention share (0%, 1%, ..., 100% by default): retention_share,
    net_contribution, revenue, active_customers_end."""
    paths = project_paths(calibration, assumptions, shares)
    return pl.DataFrame({"retention_share": paths.shares, "net_contribution": paths.net_contribution.sum(axis=1),
                         "revenue": paths.revenue.sum(axis=1), "active_customers_end": paths.active[:, -1]})


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
    rows = []
    for r_max in r_maxes:
        reductions = retention_effect(a.budget * shares, r_max, a.b_half)
        from_base, per_new = survival_paths(calibration.hazard, calibration.base, reductions, a.horizon_months)
        base_total, per_new_total = from_base.sum(axis=1), per_new.sum(axis=1)
        for beta in betas:
            new = paid_new_customers(a.budget * (1 - shares), calibration.paid_new, calibration.paid_spend, beta) \
                + calibration.organic_new
            net = (base_total + new * per_new_total) * calibration.margin_per_active - a.budget * a.horizon_months
            best = int(np.argmax(net))
            rows.append({"beta": beta, "r_max": r_max, "best_share": float(shares[best]),
                         "net_contribution": float(net[best]),
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
    schema = {"channel": pl.String, "recent_spend": pl.Float64, "recent_new": pl.Float64, "recent_cac": pl.Float64,
              "budget": pl.Float64, "new_customers": pl.Float64, "cac": pl.Float64}
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


# ------------------------------------------------------------------------------------------------ page level
SUMMARY_SCHEMA = {
    "scenario": pl.String, "budget": pl.Float64, "retention_share": pl.Float64, "horizon_months": pl.Int64,
    "beta": pl.Float64, "r_max": pl.Float64, "b_half": pl.Float64, "net_contribution": pl.Float64,
    "active_customers_end": pl.Float64, "revenue": pl.Float64, "gross_margin": pl.Float64, "spend": pl.Float64,
    "existing_share": pl.Float64,
}
BASELINE = "Baseline (today's split)"
CURRENT = "This split"
BEST = "Best split"


@dataclass(frozen=True, eq=False)
class BudgetReport:
    """Everything the Budget page shows for one set of inputs."""

    current: Assumptions
    baseline: Assumptions
    best: Assumptions
    summary: pl.DataFrame       # one row per scenario: inputs and horizon totals
    projections: pl.DataFrame   # one row per scenario x month
    curve: pl.DataFrame         # split_curve
    sensitivity: pl.DataFrame
    channels: pl.DataFrame      # channel_split of the current inputs


def summarise(projection: pl.DataFrame, assumptions: Assumptions) -> dict[str, object]:
    """Horizon totals of one projection, with its inputs (a row of the summary table)."""
    revenue = float(projection["revenue"].sum())
    existing = float((projection["revenue"] * projection["existing_share"].fill_null(0.0)).sum())
    return {
        "scenario": projection["scenario"][0], "budget": assumptions.budget,
        "retention_share": assumptions.retention_share, "horizon_months": assumptions.horizon_months,
        "beta": assumptions.beta, "r_max": assumptions.r_max, "b_half": assumptions.b_half,
        "net_contribution": float(projection["net_contribution"].sum()),
        "active_customers_end": float(projection["active_customers"][-1]), "revenue": revenue,
        "gross_margin": float(projection["gross_margin"].sum()), "spend": float(projection["spend"].sum()),
        "existing_share": existing / revenue if revenue > 0 else None,
    }


def budget_report(calibration: Calibration, assumptions: Assumptions,
                  scenarios: tuple[Scenario, ...] = ()) -> BudgetReport:
    """Baseline, the current split, the best split and the saved scenarios, projected; the optimisation curve
    and its sensitivity. Saved scenarios keep their own inputs; all use the current calibration."""
    current = calibration.resolve(assumptions)
    baseline = calibration.baseline(current)
    curve = split_curve(calibration, current)
    best = replace(current, retention_share=best_share(curve))
    runs: list[tuple[str, Assumptions]] = [(BASELINE, baseline), (CURRENT, current), (BEST, best)]
    taken = {name for name, _ in runs}
    for scenario in scenarios[:MAX_SCENARIOS]:
        name = scenario.name
        while name in taken:
            name += " ′"
        taken.add(name)
        runs.append((name, calibration.resolve(scenario.assumptions)))
    projections = [project(calibration, a, name) for name, a in runs]
    summary = pl.DataFrame([summarise(p, a) for p, (_, a) in zip(projections, runs)], schema=SUMMARY_SCHEMA)
    return BudgetReport(current=current, baseline=baseline, best=best, summary=summary,
                        projections=pl.concat(projections), curve=curve,
                        sensitivity=sensitivity(calibration, current),
                        channels=channel_split(calibration, current))


EXPORT_COLUMNS = ["scenario", "retention_share", "month", "active_customers", "new_customers", "revenue",
                  "gross_margin", "spend", "net_contribution"]


def scenarios_table(calibration: Calibration, assumptions: Assumptions) -> pl.DataFrame:
    """``budget_scenarios.csv``: the baseline (today's split) and the best split, month by month."""
    if calibration.problem:
        return pl.DataFrame(schema={k: PROJECTION_SCHEMA[k] for k in EXPORT_COLUMNS})
    current = calibration.resolve(assumptions)
    best = replace(current, retention_share=best_share(split_curve(calibration, current)))
    frames = [project(calibration, calibration.baseline(current), "baseline"), project(calibration, best, "best")]
    return pl.concat(frames).select(EXPORT_COLUMNS)


def budget_scenarios(source: DataSource, filters: Filters, assumptions: Assumptions = Assumptions(),
                     margin: float = 0.7, calibration_months: int = 12,
                     churn_definition: ChurnDefinition | None = None, inactivity_days: int = 90) -> pl.DataFrame:
    """``budget_scenarios.csv`` from the data (the export's entry point): see :func:`scenarios_table`.
    ``churn_definition`` None = the data's default, as in the app."""
    settings = CalibrationSettings(margin=margin, calibration_months=calibration_months,
                                   churn_definition=resolve_churn_definition(source, churn_definition),
                                   inactivity_days=inactivity_days)
    return scenarios_table(calibrate(source, filters, settings), assumptions)
