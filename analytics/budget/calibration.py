"""The budget model's calibration (:func:`calibrate`): the numbers the model runs on, measured over the last
``calibration_months`` complete calendar months before the as-of date (fewer when the data starts later):

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
  months of the customer x month rollup; the segment / channel / region filters apply in Polars.
- **Active base**: customers not churned at the as-of date, by age in whole months (the censored spans of
  the survival fit: their duration is their age).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from analytics.budget.inputs import DEFAULT_B_HALF_SHARE, Assumptions, CalibrationSettings
from analytics.filters import Filters
from analytics.money import money_sum, money_total
from analytics.periods import last_complete_month, period_index, period_of
from analytics.scalars import as_date
from analytics.scope import as_of_bound, in_dimensions
from analytics.survival import ChurnDefinition, followed, kaplan_meier, survival_spans
from analytics.value import DAYS_PER_MONTH, cac_by_channel_month
from queries import DataSource


@dataclass(frozen=True, eq=False)
class Calibration:
    """The numbers the model is calibrated on. Only the first seven fields drive
    :func:`~analytics.budget.model.project`; the rest describe where they come from. Monthly amounts are per
    calendar month, in the data's currency."""

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
    churn_definition: ChurnDefinition = "combined"
    inactivity_days: int = 90
    margin: float = 0.7
    notes: tuple[str, ...] = ()
    problem: str | None = None  # why the model cannot run on this data (then the numbers above are zero)
    #: Retention aimed at one group (segment, channel or region) of the scope: see :class:`Target`.
    target: Target | None = None

    @property
    def customer_base(self) -> float:
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


TargetDimension = Literal["segment", "channel", "region"]
TARGET_DIMENSIONS: tuple[TargetDimension, ...] = ("segment", "channel", "region")


@dataclass(frozen=True, eq=False)
class Target:
    """Retention spend aimed at one group of the scope (``dimension`` = ``value``): the churn reduction applies
    to the group's customers only (its base and the new customers who join it), on the group's own churn hazard
    and margin per customer; the rest of the scope keeps its own calibration and no reduction. Acquisition stays
    the scope's: new customers join the group in its recent share of new paid and of organic customers.

    ``group`` and ``rest`` are calibrations of the two parts (their acquisition fields give the shares)."""

    dimension: TargetDimension
    value: str
    group: Calibration
    rest: Calibration

    @property
    def label(self) -> str:
        return f"{self.dimension} {self.value}"


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

    Example::

        calibrate(DataSource.open("sample_data"), Filters(), CalibrationSettings()).cac
    """
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    assert as_of is not None
    last = last_complete_month(as_of)
    requested = period_of(period_index(last, "month") - settings.calibration_months + 1, "month")
    cells = _activity_in_scope(source, filters, settings, as_of, requested, last)
    window = _calibration_window(cells, requested, last)
    if window is None:
        return _empty_calibration(settings, f"No customer in the selected scope in the {settings.calibration_months} "
                                  f"complete months before the as-of date {as_of}: nothing to calibrate on.", as_of)
    cells = cells.filter(window.contains)

    # New customers in scope, per channel and month.
    new = cells.group_by("channel", "month").agg(pl.col("new_customers").sum())
    costs = _acquisition_cost_by_channel_month(source, filters, window)
    channels = _acquisition_by_channel(new, costs, window.months)
    paid_spend = money_total(channels.filter(pl.col("is_paid"))["spend_per_month"])
    paid_new = float(channels.filter(pl.col("is_paid"))["new_per_month"].sum())
    organic_new = float(channels.filter(~pl.col("is_paid"))["new_per_month"].sum())

    spans = _spans_by_duration(source, filters, settings)
    hazard, hazard_table, hazard_note = hazard_from_spans(
        spans["duration"].to_numpy(), spans["churned"].to_numpy(), spans["customers"].to_numpy(),
        settings.reliable_at_risk)
    base = _active_base_by_age(spans)

    scope_spend = paid_spend * window.months if filters.segment or filters.region else None
    monthly = _calibration_by_month(cells, new, costs, channels, window, settings.margin, scope_spend)
    active_months = float(monthly["customers_in_base"].sum())
    revenue_total = money_total(monthly["revenue"])
    margin_total = money_total(monthly["gross_margin"])
    new_revenue = money_total(monthly["new_revenue"])
    notes = [hazard_note] if hazard_note else []
    if window.months < settings.calibration_months:
        notes.append(f"The data has only {window.months} complete month(s) in the window; calibrated on those.")
    return Calibration(
        hazard=hazard, base=base, paid_new=paid_new, paid_spend=paid_spend, organic_new=organic_new,
        revenue_per_active=revenue_total / active_months if active_months else 0.0,
        margin_per_active=margin_total / active_months if active_months else 0.0,
        as_of=as_of, window_start=window.start, window_end=window.end, months=window.months, channels=channels,
        monthly=monthly.drop("new_revenue"), hazard_by_age=hazard_table,
        recent_existing_share=(1 - new_revenue / revenue_total) if revenue_total > 0 and new_revenue >= 0 else None,
        churn_definition=settings.churn_definition, inactivity_days=int(settings.inactivity_days),
        margin=settings.margin, notes=tuple(notes),
        problem=_data_problem(filters, paid_spend, paid_new, active_months))


def _narrowed(filters: Filters, dimension: TargetDimension, values: tuple[str, ...]) -> Filters:
    if dimension == "segment":
        return replace(filters, segment=values)
    if dimension == "channel":
        return replace(filters, channel=values)
    return replace(filters, region=values)


def calibrate_targeted(source: DataSource, filters: Filters, settings: CalibrationSettings,
                       dimension: TargetDimension, value: str) -> Calibration:
    """:func:`calibrate` for the scope, with retention aimed at the group ``dimension`` = ``value`` (see
    :class:`Target`): the group is calibrated with the scope's filters narrowed to ``value``, the rest with them
    narrowed to the scope's other values of ``dimension``. A group outside the scope, or without customers, is
    a ``problem`` that says so.

    Example::

        calibrate_targeted(DataSource.open("sample_data"), Filters(), CalibrationSettings(), "segment", "Pro")
    """
    if dimension not in TARGET_DIMENSIONS:
        raise ValueError(f"retention can be aimed at a segment, channel or region, not {dimension!r}")
    scope = calibrate(source, filters, settings)
    if scope.problem:
        return scope
    chosen = getattr(filters, dimension)
    values = [str(v) for v in source.run("dimension_values").filter(pl.col("dimension") == dimension)["value"]
              .drop_nulls().to_list()]
    in_scope = [v for v in values if not chosen or v in chosen]
    if value not in in_scope:
        return replace(scope, problem=f"Retention is aimed at {dimension} {value!r}, which is not in the selected "
                       f"scope (its {dimension}s: {', '.join(in_scope) or 'none'}). Pick another group, or aim "
                       "retention at the whole customer base.")
    group = calibrate(source, _narrowed(filters, dimension, (value,)), settings)
    others = tuple(v for v in in_scope if v != value)
    rest = (calibrate(source, _narrowed(filters, dimension, others), settings) if others
            else _empty_calibration(settings, "no other group", scope.as_of))
    if group.customer_base <= 0 and group.hazard_by_age.height == 0:
        return replace(scope, problem=f"The {dimension} {value!r} has no customers up to the as-of date "
                       f"{scope.as_of}: retention cannot be aimed at it.")
    notes = list(scope.notes)
    if abs(group.customer_base + rest.customer_base - scope.customer_base) > 0.5:
        notes.append(f"The {dimension} groups add up to {group.customer_base + rest.customer_base:,.0f} customers "
                     f"in the base, not {scope.customer_base:,.0f}: customers without a {dimension} are left out "
                     "of the targeted projection.")
    return replace(scope, target=Target(dimension, value, group, rest), notes=tuple(notes))


# ------------------------------------------------------------------------------------------------ calibrate's steps
@dataclass(frozen=True)
class _Window:
    """The calibration window: whole calendar months from ``start`` to ``end`` (first days), both included."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return period_index(self.end, "month") - period_index(self.start, "month") + 1

    @property
    def contains(self) -> pl.Expr:
        return pl.col("month").is_between(self.start, self.end)

    def calendar(self) -> pl.DataFrame:
        first = period_index(self.start, "month")
        return pl.DataFrame({"month": [period_of(i, "month") for i in range(first, first + self.months)]})


def _activity_in_scope(source: DataSource, filters: Filters, settings: CalibrationSettings, as_of: date,
                       first: date, last: date) -> pl.DataFrame:
    """Active customers, new customers, revenue and margin by month x segment x channel x region, months
    ``first`` to ``last``, in the filters' scope (``queries/budget_calibration.sql``; the filters apply here)."""
    return in_dimensions(source.run("budget_calibration", {
        "churn_definition": settings.churn_definition, "inactivity_days": int(settings.inactivity_days),
        "as_of": as_of, "window_start": first, "window_end": last}), filters)


def _calibration_window(activity: pl.DataFrame, requested: date, last: date) -> _Window | None:
    """The window, from ``requested`` to ``last``; None when no customer in scope was active or new in it."""
    # The window starts later when the data does: at the first month with a customer in scope.
    busy = activity.filter((pl.col("customers_in_base") > 0) | (pl.col("new_customers") > 0))
    if busy.height == 0:
        return None
    return _Window(start=max(requested, as_date(busy["month"].min())), end=last)


def _acquisition_cost_by_channel_month(source: DataSource, filters: Filters, window: _Window) -> pl.DataFrame:
    """Acquisition cost per channel and month in the window (:func:`analytics.value.cac_by_channel_month`)."""
    # All customers of the channel, whatever the segment / region filter: spend is per channel.
    costs = cac_by_channel_month(source, Filters(end=filters.end)).filter(window.contains)
    if filters.channel:
        costs = costs.filter(pl.col("channel").is_in(list(filters.channel)))
    return costs


def _acquisition_by_channel(new: pl.DataFrame, costs: pl.DataFrame, months: int) -> pl.DataFrame:
    """One row per channel, paid channels first: channel, is_paid (any cost in the window), spend_per_month
    (the scope's share of the channel's cost), new_per_month (in scope), cac, share_of_spend, cac_source."""
    cost_by_channel = costs.group_by("channel").agg(
        cost=money_sum(pl.col("cost").fill_null(0.0)), acquired=pl.col("customers").sum(),
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
    return channels.with_columns(
        spend_per_month=pl.col("spend") / months, new_per_month=pl.col("new_customers") / months,
        cac=pl.when(pl.col("is_paid") & (pl.col("new_customers") > 0))
        .then(pl.col("spend") / pl.col("new_customers")),
    ).with_columns(
        share_of_spend=pl.when(money_sum("spend") > 0).then(pl.col("spend") / money_sum("spend"))
        .otherwise(0.0),
    ).select("channel", "is_paid", "spend_per_month", "new_per_month", "cac", "share_of_spend", "cac_source"
             ).sort(["is_paid", "spend_per_month", "channel"], descending=[True, True, False])


def _spans_by_duration(source: DataSource, filters: Filters, settings: CalibrationSettings) -> pl.DataFrame:
    """Customers in scope by survival duration (days) and churned, from every customer's history up to the
    as-of date (:func:`analytics.survival.survival_spans`): duration, churned, customers."""
    # Only the grouping of durations is used, not the first-order value bands.
    spans = followed(survival_spans(source, Filters(end=filters.end, segment=filters.segment,
                                                    channel=filters.channel, region=filters.region),
                                    settings.churn_definition, settings.inactivity_days, value_bands=False))
    return spans.group_by("duration", "churned").agg(pl.col("customers").sum()).sort("duration", "churned")


def _active_base_by_age(spans: pl.DataFrame) -> np.ndarray:
    """Customers not churned at the as-of date by age in whole months (index = age): the censored spans,
    whose duration is their age."""
    censored = spans.filter(~pl.col("churned"))
    ages = (censored["duration"].to_numpy() // DAYS_PER_MONTH).astype(int)
    return (np.bincount(ages, weights=censored["customers"].to_numpy().astype(float)) if ages.size
            else np.zeros(1))


def _calibration_by_month(activity: pl.DataFrame, new: pl.DataFrame, costs: pl.DataFrame, channels: pl.DataFrame,
                          window: _Window, margin: float, scope_spend: float | None) -> pl.DataFrame:
    """One row per month of the window: month, acquisition_cost (of the paid channels), paid_new, organic_new,
    customers_in_base (customers in the base at some time in the month), revenue, gross_margin (``gross_margin``
    where given, else revenue x ``margin``) and
    new_revenue (of customers in their signup month). ``scope_spend``: the window's spend as B0 counts it when a
    segment / region filter shares the channels' spend out, else None."""
    by_month = activity.group_by("month").agg(
        pl.col("customers_in_base").sum(), revenue=money_sum("revenue"),
        gross_margin=money_sum(pl.col("known_margin") + margin * pl.col("revenue_without_margin")),
        new_revenue=money_sum("new_revenue"))
    spend_by_month = costs.join(channels.select("channel", "is_paid"), on="channel", how="left").filter(
        pl.col("is_paid").fill_null(False)).group_by("month").agg(money_sum("cost"))
    paid_channels = set(channels.filter(pl.col("is_paid"))["channel"].to_list())
    new_by_month = new.group_by("month").agg(
        paid_new=pl.col("new_customers").filter(pl.col("channel").is_in(list(paid_channels))).sum(),
        organic_new=pl.col("new_customers").filter(~pl.col("channel").is_in(list(paid_channels))).sum())
    monthly = (window.calendar().join(spend_by_month, on="month", how="left")
               .join(new_by_month, on="month", how="left").join(by_month, on="month", how="left")
               .with_columns(pl.col("cost", "revenue", "gross_margin", "new_revenue").fill_null(0.0),
                             pl.col("paid_new", "organic_new", "customers_in_base").fill_null(0))
               .rename({"cost": "acquisition_cost"}))
    recorded = money_total(monthly["acquisition_cost"])
    if scope_spend is not None and recorded > 0:
        # Show the scope's share of the spend month by month, as B0 counts it.
        monthly = monthly.with_columns(pl.col("acquisition_cost") * (scope_spend / recorded))
    return monthly


def _data_problem(filters: Filters, paid_spend: float, paid_new: float, active_months: float) -> str | None:
    """Why the model cannot run on this calibration (the page shows it instead of results), or None."""
    if paid_spend <= 0 and filters.channel:
        return (f"The selected channel(s) ({', '.join(filters.channel)}) had no acquisition cost in the "
                "calibration window: the budget model needs at least one paid channel. Clear the channel filter "
                "or add a paid channel.")
    if paid_spend <= 0:
        return ("The model needs acquisition costs: a marketing_spend export, or acquisition_cost on the "
                "customers, with some cost in the calibration window. Without them the response of new "
                "customers to the budget cannot be calibrated.")
    if paid_new <= 0:
        return "The paid channels acquired no customers in the calibration window: CAC is undefined."
    if active_months <= 0:
        return "No active customers in the calibration window."
    return None
