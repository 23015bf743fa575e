"""Customer lifetime value against acquisition cost: what is a customer worth, what did we pay, when do we
get it back.

Definitions (also on the Value & CAC page):

- **Gross margin** of a transaction: its ``gross_margin`` where the export gives one, otherwise
  ``amount x margin`` (the margin setting, a fraction such as 0.7).
- **Month of life** t = 1, 2, ...: the calendar month t - 1 months after the signup month (t = 1 is the signup
  month itself), as in the cohort tables.
- **CAC** of a channel in a month = its ``marketing_spend`` that month / customers it acquired that month;
  over a range, total spend / total customers acquired. Without a spend export: the mean
  ``acquisition_cost`` of the channel's customers; without either: no CAC (value only). **Blended CAC** =
  all spend / all customers acquired, organic ones included. Spend is per channel, so a segment or region
  filter does not change a channel's CAC.
- **Value curve**: cumulative gross margin per acquired customer by month of life (customers who churned
  stay in the denominator), only over the months every customer in the group has completed: it uses the
  signup cohorts that have completed the horizon (H months), so its customers differ from the CLV's.
- **Payback month**: the first month of life at which the value curve reaches CAC; none = "not yet".
- **Predicted CLV over H months** = sum over t = 1..H of S(t) x m(t) / (1 + d)^t, where S(t) is the
  Kaplan-Meier probability of still being a customer at the start of month t (day 30.4375 x (t - 1); past
  the oldest observed age, extended by a Weibull fit; held flat when too few distinct durations to fit), m(t)
  the mean gross margin in month t per customer still active (observed margin per acquired customer / S(t);
  held at the mean of the last three reliable months beyond the data), and d the monthly rate of the annual
  discount rate: (1 + annual)^(1/12) - 1.
- **Simple CLV** = mean monthly margin per active customer / monthly churn rate (churn events per
  customer-month of exposure): the textbook shortcut, shown beside the prediction.
- **LTV:CAC** = predicted CLV at the chosen horizon / CAC; **maximum affordable CAC** = CLV / target ratio.

Example::

    report = clv_report(DataSource.open("sample_data"), Filters(), ValueSettings())
    report.channels.select("channel", "cac", "clv_24", "ltv_cac", "payback_month")
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from lifelines import WeibullFitter

from analytics.filters import Filters
from analytics.money import money_sum, money_total
from analytics.periods import last_complete_month
from analytics.scalars import as_int
from analytics.scope import as_of_bound, in_dimensions
from analytics.survival import ChurnDefinition, followed, kaplan_meier, survival_spans
from queries import DataSource

DAYS_PER_MONTH = 30.4375
HORIZONS = (12, 24, 36)


@dataclass(frozen=True)
class ValueSettings:
    """Page settings of the Value & CAC page (also export flags: --margin, --discount-rate, ...)."""

    margin: float = 0.7
    discount_rate: float = 0.10
    horizon: int = 24
    target_ratio: float = 3.0
    min_customers: int = 100
    churn_definition: ChurnDefinition = "combined"
    inactivity_days: int = 90
    #: A month of life counts as observed when at least this many customers have completed it.
    reliable_customers: int = 30

    def __post_init__(self) -> None:
        if not 0 <= self.margin <= 1:
            raise ValueError(f"margin must be a fraction between 0 and 1, not {self.margin}")
        if not 0 <= self.discount_rate < 1:
            raise ValueError(f"discount rate must be a fraction between 0 and 1, not {self.discount_rate}")
        if self.horizon not in HORIZONS:
            raise ValueError(f"horizon must be one of {HORIZONS}, not {self.horizon}")


def monthly_discount_rate(annual: float) -> float:
    """(1 + annual)^(1/12) - 1: 10% a year is about 0.797% a month.

    >>> round(monthly_discount_rate(0.10), 5)
    0.00797
    """
    return math.pow(1 + annual, 1 / 12) - 1


def predicted_clv(survival: np.ndarray, margin: np.ndarray, monthly_rate: float, horizon: int) -> float:
    """sum_{t=1..H} S(t) m(t) / (1+d)^t for arrays indexed by t - 1 (each at least ``horizon`` long).

    >>> predicted_clv(np.ones(3), np.full(3, 10.0), 0.0, 3)
    30.0
    """
    t = np.arange(1, horizon + 1)
    return float(np.sum(survival[:horizon] * margin[:horizon] / (1 + monthly_rate) ** t))


def payback_month(curve: pl.DataFrame, cac: float | None) -> int | None:
    """First month of life whose cumulative margin per customer reaches ``cac``; None = not yet / no CAC."""
    if cac is None or not math.isfinite(cac):
        return None
    reached = curve.filter(pl.col("cumulative_margin_per_customer") >= cac)
    return as_int(reached["month_of_life"].min()) if reached.height else None


# --------------------------------------------------------------------------------------------- CAC
def cac_by_channel_month(source: DataSource, filters: Filters) -> pl.DataFrame:
    """One row per channel x signup month: customers acquired, spend, cac, and where it comes from.

    ``cac_source`` is ``spend`` (marketing_spend / customers), ``acquisition_cost`` (mean per-customer cost)
    or ``none``. A month with spend but no customers has spend and no CAC (infinite cost per customer).
    """
    source.require("customers")
    end = as_of_bound(source, filters)
    acquired = source.run("acquisition_cost_by_channel_month", {"end": end})
    if source.has("marketing_spend"):
        spend = source.run("spend_by_channel_month", {"end": end})
        table = acquired.join(spend, on=["channel", "month"], how="full", coalesce=True).with_columns(
            pl.col("customers", "customers_with_cost").fill_null(0),
            pl.col("acquisition_cost").fill_null(0.0),
            pl.col("spend").fill_null(0.0),
        )
        spent_channels = set(spend["channel"].to_list())
        table = table.with_columns(
            cac_source=pl.when(pl.col("channel").is_in(list(spent_channels))).then(pl.lit("spend"))
            .when(pl.col("customers_with_cost") > 0).then(pl.lit("acquisition_cost")).otherwise(pl.lit("none")))
    else:
        table = acquired.with_columns(
            spend=pl.lit(None, pl.Float64),
            cac_source=pl.when(pl.col("customers_with_cost") > 0).then(pl.lit("acquisition_cost"))
            .otherwise(pl.lit("none")))
    cost = pl.when(pl.col("cac_source") == "spend").then(pl.col("spend")).when(
        pl.col("cac_source") == "acquisition_cost").then(pl.col("acquisition_cost"))
    per = pl.when(pl.col("cac_source") == "spend").then(pl.col("customers")).otherwise(
        pl.col("customers_with_cost"))
    table = table.with_columns(cost=cost, cost_customers=per).with_columns(
        cac=pl.when(pl.col("cost_customers") > 0).then(pl.col("cost") / pl.col("cost_customers")))
    if filters.start:
        table = table.filter(pl.col("month") >= filters.start.replace(day=1))
    return table.select("channel", "month", "customers", "spend", "cost", "cost_customers", "cac",
                        "cac_source").sort("channel", "month")


def cac_summary(monthly: pl.DataFrame) -> tuple[pl.DataFrame, float | None]:
    """Per channel over the range: customers, cost, CAC (total cost / total customers); and blended CAC
    (all cost / all customers acquired, channels without cost included)."""
    per_channel = monthly.group_by("channel").agg(
        customers=pl.col("customers").sum(), cost=money_sum("cost"),
        cost_customers=pl.col("cost_customers").sum(), cac_source=pl.col("cac_source").first(),
    ).with_columns(
        cac=pl.when(pl.col("cac_source") == "none").then(None).when(pl.col("cost_customers") > 0).then(
            pl.col("cost") / pl.col("cost_customers")).otherwise(float("inf")))
    known = per_channel.filter(pl.col("cac_source") != "none")
    total_customers = int(per_channel["customers"].sum())
    blended = (money_total(known["cost"]) / total_customers) if known.height and total_customers else None
    return per_channel.sort("channel"), blended


# --------------------------------------------------------------------------------------------- value
def _cohort_cells(source: DataSource, filters: Filters, margin: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(channel x signup month x month of life: gross margin; channel x signup month: acquired customers), with
    the dimensions filtered."""
    params = {"grain": "month", "end": filters.end}
    activity = source.run("cohort_activity", params)
    sizes = source.run("cohort_sizes", params)
    activity, sizes = in_dimensions(activity, filters), in_dimensions(sizes, filters)
    if filters.start:
        activity = activity.filter(pl.col("cohort") >= filters.start.replace(day=1))
        sizes = sizes.filter(pl.col("cohort") >= filters.start.replace(day=1))
    margin_expr = pl.col("known_margin") + margin * pl.col("revenue_without_margin")
    cells = activity.with_columns(
        month_of_life=((pl.col("period").dt.year() * 12 + pl.col("period").dt.month())
                       - (pl.col("cohort").dt.year() * 12 + pl.col("cohort").dt.month()) + 1).cast(pl.Int32),
        gross_margin=margin_expr,
    ).group_by("channel", "cohort", "month_of_life").agg(money_sum("gross_margin"))
    acquired = sizes.group_by("channel", "cohort").agg(customers=pl.col("customers").sum())
    return cells, acquired


def value_curves(cells: pl.DataFrame, acquired: pl.DataFrame, as_of: date, length: int,
                 group: str = "channel") -> pl.DataFrame:
    """Cumulative margin per acquired customer by month of life, per ``group``, over the months every
    customer in it has completed: only the signup cohorts that have completed ``length`` months are used
    (all cohorts, and a shorter curve, when none is that old).

    Returns group, month_of_life, customers, margin_per_customer, cumulative_margin_per_customer.
    """
    last = last_complete_month(as_of)
    last_index = last.year * 12 + last.month
    acquired = acquired.with_columns(
        reached=(pl.lit(last_index) - (pl.col("cohort").dt.year() * 12 + pl.col("cohort").dt.month()) + 1)
        .cast(pl.Int32)).filter(pl.col("reached") >= 1)
    if acquired.height:
        oldest = acquired.group_by(group).agg(pl.col("reached").max().alias("oldest"))
        acquired = acquired.join(oldest, on=group).filter(
            pl.col("reached") >= pl.min_horizontal(pl.lit(length), pl.col("oldest"))).drop("oldest")
    groups = acquired.group_by(group).agg(customers=pl.col("customers").sum(),
                                          months=pl.col("reached").min())
    grid = groups.with_columns(month_of_life=pl.int_ranges(1, pl.col("months") + 1, dtype=pl.Int32)).explode(
        "month_of_life")
    margin = cells.join(acquired.select("channel", "cohort"), on=["channel", "cohort"], how="semi").group_by(
        group, "month_of_life").agg(money_sum("gross_margin"))
    curve = (
        grid.join(margin, on=[group, "month_of_life"], how="left")
        .with_columns(pl.col("gross_margin").fill_null(0.0))
        .sort(group, "month_of_life")
        .with_columns(margin_per_customer=pl.col("gross_margin") / pl.col("customers"))
        .with_columns(cumulative_margin_per_customer=pl.col("margin_per_customer").cum_sum().over(group))
    )
    return curve.select(pl.col(group).alias("group"), "month_of_life", "customers", "margin_per_customer",
                        "cumulative_margin_per_customer")


# --------------------------------------------------------------------------------------------- survival
def _monthly_survival(spans: pl.DataFrame, months: int) -> tuple[np.ndarray, int]:
    """S(t) at the start of months t = 1..months from a weighted Kaplan-Meier fit on aggregated spans
    (duration, churned, customers), extended past the oldest observed age by a Weibull fit. Returns the
    array and the number of months covered by Kaplan-Meier itself."""
    spans = spans.filter(pl.col("customers") > 0)
    if spans.height == 0:
        return np.ones(months), months
    durations = spans["duration"].to_numpy().astype(float)
    events = spans["churned"].to_numpy()
    weights = spans["customers"].to_numpy().astype(float)
    km = kaplan_meier(durations, events, weights)
    days = DAYS_PER_MONTH * np.arange(months)
    observed_to = float(durations.max())
    survival = km.survival_function_at_times(np.minimum(days, observed_to)).to_numpy()
    km_months = int(np.sum(days <= observed_to))
    if km_months < months and events.any() and len(np.unique(durations)) >= 3:
        try:
            # Weibull needs positive durations; day-0 churn is rounded up to half a day.
            weibull = WeibullFitter().fit(np.maximum(durations, 0.5), events, weights=weights)
        except Exception:  # lifelines raises several types on degenerate data; then hold S flat
            return np.clip(survival, 0.0, 1.0), km_months
        tail = weibull.survival_function_at_times(days).to_numpy()
        anchor = weibull.survival_function_at_times([observed_to]).to_numpy()[0]
        if anchor > 0:
            survival[km_months:] = survival[km_months - 1] * tail[km_months:] / anchor
    return np.clip(survival, 0.0, 1.0), km_months


@dataclass(frozen=True)
class ValueReport:
    channels: pl.DataFrame       # the clv_cac.csv table, plus flags
    curves: pl.DataFrame         # value_curve.csv: channel, months_since_signup, cumulative margin, customers
    projection: pl.DataFrame     # channel, month_of_life, survival, margin_per_active, is_extrapolated
    cac_monthly: pl.DataFrame    # channel x month CAC
    cohort_ratio: pl.DataFrame   # signup quarter: customers, 12-month value, CAC, ratio
    blended_cac: float | None
    has_cac: bool
    simple_clv: pl.DataFrame     # channel, monthly_margin_per_active, monthly_churn_rate, simple_clv


def clv_report(source: DataSource, filters: Filters, settings: ValueSettings) -> ValueReport:
    """Every table of the Value & CAC page (see the module docstring for each definition)."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    assert as_of is not None
    cells, acquired = _cohort_cells(source, filters, settings.margin)
    curves = value_curves(cells, acquired, as_of, settings.horizon)
    cac_monthly = cac_by_channel_month(source, filters)
    cac_per_channel, blended = cac_summary(cac_monthly)
    spans = followed(survival_spans(source, filters, settings.churn_definition, settings.inactivity_days,
                                    value_bands=False))
    rate = monthly_discount_rate(settings.discount_rate)
    max_h = max(HORIZONS)

    # Per-active margin by month of life over all cohorts that reached it (not only the oldest), so the
    # prediction uses every observation; the value curve above keeps the strict common-age rule.
    last = last_complete_month(as_of)
    last_index = last.year * 12 + last.month
    reached = acquired.with_columns(
        reached=(pl.lit(last_index) - (pl.col("cohort").dt.year() * 12 + pl.col("cohort").dt.month()) + 1))
    exposure = reached.with_columns(month_of_life=pl.int_ranges(1, pl.col("reached") + 1, dtype=pl.Int32)).explode(
        "month_of_life").drop_nulls("month_of_life").group_by("channel", "month_of_life").agg(
        customers=pl.col("customers").sum())
    # A month every customer of the channel lived through without buying is observed, with zero margin.
    margin_by_age = exposure.join(
        cells.group_by("channel", "month_of_life").agg(money_sum("gross_margin")),
        on=["channel", "month_of_life"], how="left").with_columns(pl.col("gross_margin").fill_null(0.0))

    rows, projection_rows, simple_rows = [], [], []
    # Channels with spend but no customers appear too: their CAC is infinite and they have no value.
    all_channels = set(acquired["channel"].to_list()) | set(cac_per_channel["channel"].to_list())
    for channel in sorted(all_channels):
        customers = int(acquired.filter(pl.col("channel") == channel)["customers"].sum())
        cac_row = cac_per_channel.filter(pl.col("channel") == channel)
        cac = float(cac_row["cac"][0]) if cac_row.height and cac_row["cac"][0] is not None else None
        if customers == 0:
            rows.append({"channel": channel, "customers": 0, "cac": cac, "is_small": True})
            continue
        channel_spans = spans.filter(pl.col("channel") == channel)
        survival, km_months = _monthly_survival(channel_spans, max_h)
        ages = margin_by_age.filter(pl.col("channel") == channel).sort("month_of_life")
        per_acquired = np.zeros(max_h)
        reliable = np.zeros(max_h, dtype=bool)
        for r in ages.iter_rows(named=True):
            t = r["month_of_life"]
            if t <= max_h:
                per_acquired[t - 1] = r["gross_margin"] / r["customers"]
                reliable[t - 1] = r["customers"] >= settings.reliable_customers
        with np.errstate(divide="ignore", invalid="ignore"):
            per_active = np.where(survival > 0, per_acquired / survival, 0.0)
        observed = int(np.max(np.nonzero(reliable)[0]) + 1) if reliable.any() else 0
        if observed:
            held = float(np.mean(per_active[max(0, observed - 3):observed]))
            per_active[observed:] = held
        clv = {h: predicted_clv(survival, per_active, rate, h) for h in HORIZONS}
        curve = curves.filter(pl.col("group") == channel)
        ratio = clv[settings.horizon] / cac if cac and math.isfinite(cac) and cac > 0 else None
        rows.append({
            "channel": channel, "customers": customers, "cac": cac,
            "clv_12": clv[12], "clv_24": clv[24], "clv_36": clv[36], "ltv_cac": ratio,
            "payback_month": payback_month(curve.rename({"group": "channel"}), cac),
            "max_affordable_cac": clv[settings.horizon] / settings.target_ratio,
            "is_small": customers < settings.min_customers,
        })
        for t in range(max_h):
            projection_rows.append({"channel": channel, "month_of_life": t + 1, "survival": float(survival[t]),
                                    "margin_per_active": float(per_active[t]),
                                    "survival_extrapolated": t >= km_months, "margin_held": t >= observed})
        churned = float(channel_spans.filter(pl.col("churned"))["customers"].sum())
        exposure_months = float((channel_spans["duration"] * channel_spans["customers"]).sum()) / DAYS_PER_MONTH
        churn_rate = churned / exposure_months if exposure_months else None
        monthly_margin = float(np.mean(per_active[:observed])) if observed else None
        simple_rows.append({"channel": channel, "monthly_margin_per_active": monthly_margin,
                            "monthly_churn_rate": churn_rate,
                            "simple_clv": monthly_margin / churn_rate if monthly_margin and churn_rate else None})

    channel_schema = {"channel": pl.String, "customers": pl.Int64, "cac": pl.Float64, "clv_12": pl.Float64,
                      "clv_24": pl.Float64, "clv_36": pl.Float64, "ltv_cac": pl.Float64,
                      "payback_month": pl.Int64, "max_affordable_cac": pl.Float64, "is_small": pl.Boolean}
    channels = pl.DataFrame([{name: row.get(name) for name in channel_schema} for row in rows],
                            schema=channel_schema)
    projection = pl.DataFrame(projection_rows, schema={
        "channel": pl.String, "month_of_life": pl.Int64, "survival": pl.Float64, "margin_per_active": pl.Float64,
        "survival_extrapolated": pl.Boolean, "margin_held": pl.Boolean})
    simple = pl.DataFrame(simple_rows, schema={"channel": pl.String, "monthly_margin_per_active": pl.Float64,
                                               "monthly_churn_rate": pl.Float64, "simple_clv": pl.Float64})
    value_curve = curves.join(acquired.group_by("channel").agg(pl.col("customers").sum()).rename(
        {"channel": "group", "customers": "acquired"}), on="group", how="left").select(
        pl.col("group").alias("channel"), pl.col("month_of_life").alias("months_since_signup"),
        "cumulative_margin_per_customer", "customers")
    return ValueReport(
        channels=channels, curves=value_curve, projection=projection, cac_monthly=cac_monthly,
        cohort_ratio=cohort_value_ratio(cells, acquired, cac_monthly, as_of), blended_cac=blended,
        has_cac=bool(cac_per_channel.filter(pl.col("cac_source") != "none").height), simple_clv=simple,
    )


def cohort_value_ratio(cells: pl.DataFrame, acquired: pl.DataFrame, cac_monthly: pl.DataFrame, as_of: date,
                       months: int = 12) -> pl.DataFrame:
    """Per signup quarter that has completed ``months`` months of life: customers, realised gross margin per
    customer over those months, CAC (that quarter's cost / customers with a cost) and their ratio.
    Is the business buying better or worse customers over time?"""
    last = last_complete_month(as_of)
    last_index = last.year * 12 + last.month
    quarter = pl.col("cohort").dt.truncate("1q")
    old_enough = acquired.filter(
        (pl.lit(last_index) - (pl.col("cohort").dt.year() * 12 + pl.col("cohort").dt.month()) + 1) >= months)
    value = cells.filter(pl.col("month_of_life") <= months).join(
        old_enough.select("channel", "cohort"), on=["channel", "cohort"], how="semi").group_by(
        quarter.alias("signup_quarter")).agg(value=money_sum("gross_margin"))
    customers = old_enough.group_by(quarter.alias("signup_quarter")).agg(customers=pl.col("customers").sum())
    cost = cac_monthly.filter(pl.col("cac_source") != "none").group_by(
        pl.col("month").dt.truncate("1q").alias("signup_quarter")).agg(
        cost=money_sum("cost"), cost_customers=pl.col("customers").sum())
    table = customers.join(value, on="signup_quarter", how="left").join(cost, on="signup_quarter", how="left")
    return table.with_columns(
        value_per_customer=pl.col("value").fill_null(0.0) / pl.col("customers"),
        cac=pl.when(pl.col("cost_customers") > 0).then(pl.col("cost") / pl.col("cost_customers")),
    ).with_columns(
        value_to_cac=pl.when(pl.col("cac") > 0).then(pl.col("value_per_customer") / pl.col("cac")),
    ).select("signup_quarter", "customers", "value_per_customer", "cac", "value_to_cac").sort("signup_quarter")
