"""The Overview's KPI tiles (analytics/executive.py) show the figures of the pages they link to, for the last
complete period and the one before (``previous``), whichever order their parts are computed in.

Each figure's own definition is pinned by hand elsewhere (active customers and revenue: test_cohorts /
test_pages; existing share: test_revenue_mix; retention: test_retention; survival: test_survival; value:
test_value); this pins that the tiles take the right one, as of the right date.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from analytics.customer_base import customer_base
from analytics.executive import blended_value, executive_summary
from analytics.filters import Filters
from analytics.net_revenue_retention import net_revenue_retention
from analytics.overview import activity_by_period
from analytics.revenue_mix import revenue_mix
from analytics.survival import followed, kaplan_meier, survival_spans
from analytics.value import ValueSettings, clv_report
from queries import DataSource
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def sample() -> DataSource:
    return DataSource.open(ROOT / "sample_data")


def _median(source: DataSource, filters: Filters) -> float | None:
    spans = followed(survival_spans(source, filters, "inactivity", 90))  # with value bands: the other path
    median = float(kaplan_meier(spans["duration"], spans["churned"], spans["customers"]).median_survival_time_)
    return None if math.isinf(median) else median


@pytest.mark.parametrize("filters", [Filters(), Filters(channel=("paid_search",))])
def test_overview_kpis_are_the_page_figures_now_and_a_period_before(sample, filters):
    summary = executive_summary(sample, filters, "inactivity", 90)
    kpis = {k.key: k for k in summary.kpis}
    last, before = date(2025, 12, 31), date(2025, 11, 30)  # the sample's last complete month, and the one before
    assert (summary.as_of, summary.period) == (last, date(2025, 12, 1))
    earlier = replace(filters, end=before)

    activity = activity_by_period(sample, filters).filter(pl.col("is_complete"))
    mix = revenue_mix(sample, filters).filter(pl.col("is_complete"))
    for key, frame, column in (("active_customers", activity, "active_customers"), ("revenue", activity, "revenue"),
                               ("existing_share", mix, "existing_share")):
        # approx: the sums over segment x channel x region may add floats in another order on each call.
        assert (kpis[key].value, kpis[key].previous) == pytest.approx((frame[column][-1], frame[column][-2]),
                                                                      rel=1e-12), key

    nrr = net_revenue_retention(sample, filters, [before, last])
    for key in ("net_revenue_retention", "logo_retention"):
        assert (kpis[key].value, kpis[key].previous) == pytest.approx((nrr[key][1], nrr[key][0]), rel=1e-12), key

    settings = ValueSettings(churn_definition="inactivity", inactivity_days=90)
    now = blended_value(clv_report(sample, filters, settings))
    then = blended_value(clv_report(sample, earlier, settings))
    assert (kpis["ltv_cac_blended"].value, kpis["ltv_cac_blended"].previous) == pytest.approx((now[0], then[0]),
                                                                                              rel=1e-12)
    assert (kpis["payback_month"].value, kpis["payback_month"].previous) == (now[1], then[1])
    assert now[0] is not None and now[1] is not None

    median, median_before = _median(sample, filters), _median(sample, earlier)
    assert median is not None and median_before is not None  # 90 days without buying: half churn in the sample
    assert kpis["median_time_to_churn"].value == median
    assert kpis["median_time_to_churn"].previous == median_before

    base = kpis["customer_base"]
    assert (base.value, base.previous) == (customer_base(sample, filters, "inactivity", 90),
                                           customer_base(sample, earlier, "inactivity", 90))
    # The trend's last point is the base at the as-of date (a month end here), from its own query.
    assert base.trend["y"][-1] == base.value


def test_compare_yoy_reads_the_same_period_a_year_earlier(sample):
    filters = Filters()
    summary = executive_summary(sample, filters, compare="yoy")
    kpis = {k.key: k for k in summary.kpis}
    assert (summary.comparison_period, summary.comparison_end) == (date(2024, 12, 1), date(2024, 12, 31))
    activity = activity_by_period(sample, filters)
    december_2024 = activity.filter(pl.col("period") == date(2024, 12, 1)).row(0, named=True)
    assert kpis["revenue"].previous == december_2024["revenue"]
    assert kpis["active_customers"].previous == december_2024["active_customers"]
    a_year_before = Filters(end=date(2024, 12, 31))
    assert kpis["customer_base"].previous == customer_base(sample, a_year_before, "combined", 90)
    nrr = net_revenue_retention(sample, filters, [date(2024, 12, 31)])
    assert kpis["net_revenue_retention"].previous == pytest.approx(nrr["net_revenue_retention"][0], rel=1e-12)
    # The export's overview_kpis.csv says the comparison in each tile's text.
    table = summary.table()
    assert table.filter(pl.col("kpi") == "Revenue, last month")["text"][0].endswith("vs December 2024)")
