"""The executive overview: nine KPIs with their change on a comparable period (the previous period, or the same
period a year earlier), a small trend each, and headline sentences computed from the data.

Every KPI is a figure of the metric catalog (:mod:`analytics.catalog`: name, unit, definition, whether higher is
better); their definitions are there and on the Overview page. The nine: active customers, revenue and the
existing-customer share of the last complete period; the customer base at the as-of date; 12-month logo and
net revenue retention; median time to churn; blended LTV:CAC and payback month.

"Previous" is the same KPI at the comparison: with ``compare="previous"`` the period before for the period KPIs
and the data cut at the end of the previous period (as if that were the as-of date) for the others; with
``compare="yoy"`` the same period a year earlier, and the data cut at that period's end. A seasonal business
reads every December as a fall against November; against last December it does not.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal, get_args

import polars as pl

from analytics import catalog
from analytics.customer_base import base_context, customer_base, customer_base_by_month
from analytics.filters import Filters, Grain
from analytics.formats import Formats, Unit, capitalise
from analytics.money import money_sum, money_total
from analytics.net_revenue_retention import net_revenue_retention
from analytics.overview import activity_by_period
from analytics.periods import last_complete_month, period_end, period_start
from analytics.revenue_mix import revenue_mix
from analytics.scope import as_of_bound
from analytics.survival import ChurnDefinition, followed, kaplan_meier, resolve_churn_definition, survival_spans
from analytics.value import ValueReport, ValueSettings, clv_report
from queries import DataSource

Compare = Literal["previous", "yoy"]
COMPARES: tuple[Compare, ...] = get_args(Compare)
COMPARE_LABELS = {"previous": "the previous period", "yoy": "the same period a year earlier"}
_EMPTY_TREND = pl.DataFrame({"x": [], "y": []})


@dataclass(frozen=True)
class Kpi:
    """One tile: a catalog figure's value, its value at the comparison, and a trend (x, y)."""

    key: str
    value: float | None
    previous: float | None
    #: Said after the name on the tile ("last month"): which period or date the value is for.
    qualifier: str = ""
    trend: pl.DataFrame = field(default_factory=lambda: _EMPTY_TREND)

    @property
    def figure(self) -> catalog.Figure:
        return catalog.figure(self.key)

    @property
    def label(self) -> str:
        return self.figure.name + (f", {self.qualifier}" if self.qualifier else "")

    @property
    def unit(self) -> Unit:
        return self.figure.unit

    @property
    def page(self) -> str:
        return self.figure.page

    @property
    def higher_is_better(self) -> bool | None:
        return self.figure.higher_is_better

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class ExecutiveSummary:
    as_of: date | None
    period: date | None
    grain: Grain
    compare: Compare
    #: The period the period KPIs are compared with, and the date the others are cut at for "previous".
    comparison_period: date | None
    comparison_end: date | None
    kpis: list[Kpi]
    #: channel, customers, ltv_cac: what the headline about channels reads.
    channel_ratios: pl.DataFrame
    churn_definition: ChurnDefinition
    inactivity_days: int
    value_settings: ValueSettings = field(default_factory=ValueSettings)

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)

    def comparison_label(self) -> str:
        """'November 2025', 'Q3 2025', 'the week of 2025-12-22', or '' without a comparison."""
        return period_name(self.comparison_period, self.grain) if self.comparison_period else ""

    def context(self, key: str, filters: Filters) -> catalog.Context:
        """The ledger context of a KPI's value: its period (period KPIs) or its date, the filters and churn."""
        if key == "customer_base":
            return base_context(self.as_of, filters, self.churn_definition, self.inactivity_days)
        if key in VALUE_KPIS:
            return value_context(self.as_of, filters, self.value_settings)
        when = ({"period": self.period, "grain": self.grain} if key in PERIOD_KPIS else {"as_of": self.as_of})
        churn = {"churn": self.churn_definition, "inactivity_days": self.inactivity_days} if key in CHURN_KPIS else {}
        return catalog.context_of(**when, **churn, filters=filters.describe())

    def table(self, formats: Formats | None = None) -> pl.DataFrame:
        """One row per KPI: kpi, value, previous, change, unit, text (``overview_kpis.csv``): the exact numbers,
        and the tile's text (its value and its change against the comparison, as the tile shows them)."""
        fmt = formats or Formats()
        against = self.comparison_label()
        texts = []
        for k in self.kpis:
            change = fmt.change(k.unit, k.value, k.previous)
            texts.append(fmt.value(k.unit, k.value) + (f" ({change} vs {against})" if change else ""))
        return pl.DataFrame(
            [{"kpi": k.label, "value": k.value, "previous": k.previous, "change": k.change, "unit": k.unit,
              "text": text} for k, text in zip(self.kpis, texts, strict=True)],
            schema={"kpi": pl.String, "value": pl.Float64, "previous": pl.Float64, "change": pl.Float64,
                    "unit": pl.String, "text": pl.String})


#: KPIs of the last complete period (compared with the comparison period), and those read as of a date.
PERIOD_KPIS = ("active_customers", "revenue", "existing_share")
#: KPIs read off the value report (their context names its settings).
VALUE_KPIS = ("ltv_cac_blended", "payback_month")
#: KPIs that depend on the churn definition.
CHURN_KPIS = ("customer_base", "median_time_to_churn", "ltv_cac_blended", "payback_month")


def value_context(as_of: date | None, filters: Filters, settings: ValueSettings) -> catalog.Context:
    """The ledger context of the blended value figures: the date, the filters and the value settings (churn,
    margin, discount rate, horizon). The Overview, the Value page and the board pack note them under it."""
    return catalog.context_of(as_of=as_of, filters=filters.describe(), churn=settings.churn_definition,
                              inactivity_days=settings.inactivity_days, margin=settings.margin,
                              discount_rate=settings.discount_rate, horizon=settings.horizon)


def period_name(day: date, grain: Grain) -> str:
    """'December 2025', 'Q4 2025', 'the week of 2025-12-22'."""
    if grain == "month":
        return day.strftime("%B %Y")
    if grain == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    return f"the week of {day.isoformat()}"


def year_earlier(period: date, grain: Grain) -> date:
    """The same period a year earlier: the same month or quarter, or the week 52 weeks before.

    >>> year_earlier(date(2025, 12, 1), "month"), year_earlier(date(2025, 12, 22), "week")
    (datetime.date(2024, 12, 1), datetime.date(2024, 12, 23))
    """
    if grain == "week":
        return period - timedelta(weeks=52)
    return period.replace(year=period.year - 1)


def comparison(period: date, grain: Grain, compare: Compare) -> tuple[date, date]:
    """(the comparison period's first day, its last day: the date the as-of KPIs are cut at).

    >>> comparison(date(2025, 12, 1), "month", "previous")
    (datetime.date(2025, 11, 1), datetime.date(2025, 11, 30))
    >>> comparison(date(2025, 12, 1), "month", "yoy")
    (datetime.date(2024, 12, 1), datetime.date(2024, 12, 31))
    """
    if compare == "yoy":
        start = year_earlier(period, grain)
    else:
        start = period_start(period - timedelta(days=1), grain)
    return start, period_end(start, grain)


def _months_back(end: date, n: int) -> list[date]:
    """The month ends ``end`` and the n - 1 before it, oldest first."""
    ends = [end]
    for _ in range(n - 1):
        ends.append(ends[-1].replace(day=1) - timedelta(days=1))
    return ends[::-1]


def _median_days(source: DataSource, filters: Filters, churn: ChurnDefinition, inactivity_days: int) -> float | None:
    spans = followed(survival_spans(source, filters, churn, inactivity_days, value_bands=False)).filter(
        pl.col("customers") > 0)
    if spans.height == 0:
        return None
    km = kaplan_meier(spans["duration"].to_numpy(), spans["churned"].to_numpy(), spans["customers"].to_numpy())
    median = float(km.median_survival_time_)
    return None if math.isinf(median) else median


def _previous_values(source: DataSource, filters: Filters, churn: ChurnDefinition, inactivity_days: int,
                     settings: ValueSettings) -> tuple[float | None, float | None, int | None, int]:
    """(median time to churn, blended LTV:CAC, payback month, customer base) as of ``filters.end``."""
    ratio, payback, _ = blended_value(clv_report(source, filters, settings), settings.horizon)
    return (_median_days(source, filters, churn, inactivity_days), ratio, payback,
            customer_base(source, filters, churn, inactivity_days))


def blended_value(report: ValueReport, horizon: int = 24) -> tuple[float | None, int | None, pl.DataFrame]:
    """(blended LTV:CAC, payback month, customer-weighted value curve): the customer-weighted predicted CLV at
    ``horizon`` months over channels with customers / blended CAC incl. organic; the first month of life at which
    the customer-weighted cumulative margin per customer reaches blended CAC. The Overview and the Value page
    both read it."""
    channels = report.channels.filter(pl.col("customers") > 0)
    total = int(channels["customers"].sum())
    curve = report.curves.group_by("months_since_signup").agg(
        value=money_sum(pl.col("cumulative_margin_per_customer") * pl.col("customers")) / pl.col("customers").sum()
    ).sort("months_since_signup")
    if not total or not report.blended_cac:
        return None, None, curve
    clv = money_total(channels[f"clv_{horizon}"].fill_null(0) * channels["customers"]) / total
    reached = curve.filter(pl.col("value") >= report.blended_cac)
    payback = int(reached["months_since_signup"][0]) if reached.height else None
    return clv / report.blended_cac, payback, curve


def executive_summary(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                      inactivity_days: int = 90, value_settings: ValueSettings | None = None,
                      compare: Compare = "previous") -> ExecutiveSummary:
    """Every number of the Overview page. Example: ``executive_summary(DataSource.open("sample_data"), Filters())``."""
    source.require("customers", "transactions")
    if compare not in COMPARES:
        raise ValueError(f"compare must be one of {', '.join(COMPARES)}, not {compare!r}")
    as_of = as_of_bound(source, filters)
    churn = resolve_churn_definition(source, churn_definition)
    settings = replace(value_settings or ValueSettings(), churn_definition=churn, inactivity_days=inactivity_days)
    grain = filters.grain

    # The independent parts (net revenue retention; the comparison's median time to churn, value report and
    # customer base; the rest) run side by side: the queries and array work release the GIL, and the machine has
    # two cores. Each part gives the same result as run alone.
    activity = activity_by_period(source, filters).filter(pl.col("is_complete"))
    period = activity["period"][-1] if activity.height else None
    compared, cut = comparison(period, grain, compare) if period else (None, None)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="overview") as pool:
        nrr_ends: list[date] = []
        if as_of is not None:
            nrr_ends = _months_back(period_end(last_complete_month(as_of), "month"), 12)
            if cut is not None and cut >= nrr_ends[0] - timedelta(days=400):
                nrr_ends = sorted(set(nrr_ends) | {period_end(last_complete_month(cut), "month")})
        nrr_future = pool.submit(net_revenue_retention, source, filters, nrr_ends) if nrr_ends else None
        previous_filters = replace(filters, end=cut) if cut else None
        previous_future = (pool.submit(_previous_values, source, previous_filters, churn, inactivity_days, settings)
                           if previous_filters else None)
        mix = revenue_mix(source, filters).filter(pl.col("is_complete"))
        median = _median_days(source, filters, churn, inactivity_days)
        report = clv_report(source, filters, settings)
        base = customer_base(source, filters, churn, inactivity_days)
        base_trend = customer_base_by_month(source, filters, churn, inactivity_days)
        nrr = nrr_future.result() if nrr_future else pl.DataFrame()
        median_prev, ratio_prev, payback_prev, base_prev = (previous_future.result() if previous_future
                                                            else (None, None, None, None))

    def at(frame: pl.DataFrame, x: str, column: str, when: date | None) -> float | None:
        if when is None or not frame.height:
            return None
        rows = frame.filter(pl.col(x) == when)
        return rows[column][0] if rows.height else None

    def trend(frame: pl.DataFrame, x: str, y: str, n: int = 12) -> pl.DataFrame:
        return frame.tail(n).select(pl.col(x).alias("x"), pl.col(y).alias("y")) if frame.height else _EMPTY_TREND

    nrr_month = period_end(last_complete_month(as_of), "month") if as_of else None
    cut_month = period_end(last_complete_month(cut), "month") if cut else None
    nrr_trend = nrr.filter(pl.col("month_end") >= _months_back(nrr_month, 12)[0]) if nrr.height and nrr_month else nrr
    last = f"last {grain}"
    kpis = [
        Kpi("active_customers", at(activity, "period", "active_customers", period),
            at(activity, "period", "active_customers", compared), last, trend(activity, "period", "active_customers")),
        Kpi("revenue", at(activity, "period", "revenue", period), at(activity, "period", "revenue", compared), last,
            trend(activity, "period", "revenue")),
        Kpi("existing_share", at(mix, "period", "existing_share", period),
            at(mix, "period", "existing_share", compared), last, trend(mix, "period", "existing_share")),
        Kpi("customer_base", base, base_prev, "now",
            base_trend.select(pl.col("month_end").alias("x"), pl.col("customer_base").alias("y"))),
        Kpi("logo_retention", at(nrr, "month_end", "logo_retention", nrr_month),
            at(nrr, "month_end", "logo_retention", cut_month), "", trend(nrr_trend, "month_end", "logo_retention")),
        Kpi("net_revenue_retention", at(nrr, "month_end", "net_revenue_retention", nrr_month),
            at(nrr, "month_end", "net_revenue_retention", cut_month), "",
            trend(nrr_trend, "month_end", "net_revenue_retention")),
        Kpi("median_time_to_churn", median, median_prev),
    ]
    ratio, payback, _ = blended_value(report, settings.horizon)
    kpis += [
        Kpi("ltv_cac_blended", ratio, ratio_prev, f"{settings.horizon} months",
            report.cohort_ratio.select(pl.col("signup_quarter").alias("x"), pl.col("value_to_cac").alias("y"))),
        Kpi("payback_month", payback, payback_prev),
    ]
    channels = report.channels.filter(pl.col("ltv_cac").is_not_null() & (pl.col("customers") > 0)).select(
        "channel", "customers", "ltv_cac")
    return ExecutiveSummary(as_of, period, grain, compare, compared, cut, kpis, channels, churn, int(inactivity_days),
                            settings)


def headline_sentences(summary: ExecutiveSummary, formats: Formats | None = None, filters: Filters | None = None,
                       surface: str = "overview sentence") -> list[str]:
    """Three to five sentences, each only where the data supports it, with the catalog's formats and display
    names; each figure they state is noted in the ledger under ``surface``."""
    fmt = formats or Formats()
    scope = filters or Filters(grain=summary.grain)
    by_key = {k.key: k for k in summary.kpis}
    grain = summary.grain
    when = period_name(summary.period, grain) if summary.period else ""
    against = "the same period a year earlier" if summary.compare == "yoy" else f"the {grain} before"
    if summary.compare == "yoy" and summary.comparison_period:
        against = period_name(summary.comparison_period, grain)

    def shown(key: str, value: float | None) -> str:
        return catalog.show(key, value, surface=surface, context=summary.context(key, scope), formats=fmt)

    sentences: list[str] = []
    share = by_key["existing_share"]
    if share.value is not None:
        text = f"Existing customers brought {shown('existing_share', share.value)} of {when} revenue"
        if share.previous is not None:
            moved = fmt.points(share.value - share.previous)
            text += f", {moved} on {against}" if moved != "unchanged" else f", unchanged on {against}"
        sentences.append(text + ".")
    revenue = by_key["revenue"]
    if revenue.value is not None and revenue.previous:
        change = revenue.value / revenue.previous - 1
        sentences.append(f"Revenue was {shown('revenue', revenue.value)} in {when}, {change:+.0%} on {against}.")
    base = by_key["customer_base"]
    active = by_key["active_customers"]
    if base.value is not None and active.value is not None:
        sentences.append(f"The customer base is {shown('customer_base', base.value)} customers (signed up and not "
                         f"churned); {shown('active_customers', active.value)} customers bought in {when} (active "
                         "customers).")
    nrr = by_key["net_revenue_retention"]
    logo = by_key["logo_retention"]
    if nrr.value is not None and logo.value is not None:
        verb = "more" if nrr.value > 1 else "less"
        sentences.append(f"Last year's customers spent {abs(nrr.value - 1):.0%} {verb} in the past 12 months than the "
                         f"12 before (net revenue retention {shown('net_revenue_retention', nrr.value)}); "
                         f"{shown('logo_retention', logo.value)} of them bought again.")
    channels = summary.channel_ratios
    if channels.height >= 2:
        best = channels.sort("ltv_cac", descending=True).row(0, named=True)
        worst = channels.sort("ltv_cac").row(0, named=True)
        sentences.append(f"{fmt.label('channel', best['channel'])} customers return {best['ltv_cac']:.1f}× their "
                         f"acquisition cost, {fmt.label('channel', worst['channel'])} only {worst['ltv_cac']:.1f}×.")
    median = by_key["median_time_to_churn"]
    if median.value is not None:
        sentences.append(f"Half of customers churn within {median.value / 30.4375:.0f} months of signing up "
                         f"(median {shown('median_time_to_churn', median.value)}).")
    return [capitalise(s) for s in sentences[:5]]
