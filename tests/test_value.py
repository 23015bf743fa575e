"""CLV and CAC on literal tables, every number worked out by hand.

Business (margin setting 0.5, no gross_margin column):
    ads:  a and b sign up in Jan 2024; ads spend 100 in Jan -> CAC 100 / 2 = 50.
          a buys 40 (Jan), 20 (Feb), refund -10 (Mar); b buys 60 (Jan).
    ref:  c signs up in Jan; ref spend 10 in Jan -> CAC 10. c buys 30 (Jan).
    tv:   spend 500 in Feb, nobody acquired -> CAC infinite.
    The last transaction is 2024-04-30, so January to April are complete months.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from analytics.filters import Filters
from analytics.value import (
    ValueSettings,
    cac_by_channel_month,
    cac_summary,
    clv_report,
    monthly_discount_rate,
    predicted_clv,
)
from tests.conftest import d, downloads, figures, write_exports

CUSTOMERS = {"customer_id": ["a", "b", "c"], "signup_date": [d("2024-01-03"), d("2024-01-20"), d("2024-01-10")],
             "acquisition_channel": ["ads", "ads", "ref"]}
TRANSACTIONS = {
    "customer_id": ["a", "b", "c", "a", "a", "c"],
    "transaction_date": [d("2024-01-03"), d("2024-01-21"), d("2024-01-10"), d("2024-02-03"), d("2024-03-05"),
                         d("2024-04-30")],
    "amount": [40.0, 60.0, 30.0, 20.0, -10.0, 0.0],
}
SPEND = {"month": [d("2024-01-01"), d("2024-01-01"), d("2024-02-01")], "channel": ["ads", "ref", "tv"],
         "spend": [100.0, 10.0, 500.0]}
SETTINGS = ValueSettings(margin=0.5, discount_rate=0.0, horizon=12, reliable_customers=1)


@pytest.fixture
def source(make_source):
    return make_source(customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)


def test_cac_per_channel_and_blended(source):
    per_channel, blended = cac_summary(cac_by_channel_month(source, Filters()))
    cac = dict(zip(per_channel["channel"].to_list(), per_channel["cac"].to_list(), strict=True))
    assert cac["ads"] == 50.0 and cac["ref"] == 10.0
    assert math.isinf(cac["tv"])                      # spend but no customers
    assert blended == pytest.approx(610 / 3)          # all spend / all customers acquired


def test_cac_falls_back_to_acquisition_cost(make_source):
    customers = CUSTOMERS | {"acquisition_cost": [30.0, 50.0, None]}
    source = make_source(customers=customers, transactions=TRANSACTIONS)
    per_channel, _ = cac_summary(cac_by_channel_month(source, Filters()))
    rows = {r["channel"]: (r["cac"], r["cac_source"]) for r in per_channel.iter_rows(named=True)}
    assert rows == {"ads": (40.0, "acquisition_cost"), "ref": (None, "none")}   # mean of 30 and 50; c has none


def test_value_curve_payback_and_clv_by_hand(source):
    report = clv_report(source, Filters(), SETTINGS)
    ads = report.curves.filter(pl.col("channel") == "ads").sort("months_since_signup")
    # Margin per acquired customer: Jan (40 + 60) x 0.5 / 2 = 25; Feb 20 x 0.5 / 2 = 5; Mar -10 x 0.5 / 2 = -2.5
    # (the refund); Apr 0. Cumulative: 25, 30, 27.5, 27.5 (no cohort is 12 months old: the curve has 4).
    assert ads["cumulative_margin_per_customer"].to_list() == [25.0, 30.0, 27.5, 27.5]
    assert ads["customers"].to_list() == [2, 2, 2, 2]
    rows = {r["channel"]: r for r in report.channels.iter_rows(named=True)}
    assert rows["ads"]["payback_month"] is None          # 27.5 never reaches CAC 50: "not yet"
    assert rows["ref"]["payback_month"] == 1             # c's 15 of margin in month 1 covers CAC 10
    # Nobody has a churn_date: explicit churn sees no event, S(t) = 1. m(t) = 25, 5, -2.5, 0, then held at
    # the mean of the last three observed months (5 - 2.5 + 0) / 3. d = 0: CLV_12 = 27.5 + 8 x 5/6.
    assert rows["ads"]["clv_12"] == pytest.approx(27.5 + 8 * 2.5 / 3)
    assert rows["ads"]["ltv_cac"] == pytest.approx(rows["ads"]["clv_12"] / 50.0)
    assert rows["ads"]["max_affordable_cac"] == pytest.approx(rows["ads"]["clv_12"] / 3.0)
    assert rows["tv"]["customers"] == 0 and rows["tv"]["clv_12"] is None and math.isinf(rows["tv"]["cac"])


def test_predicted_clv_formula():
    survival = np.array([1.0, 0.8, 0.5])
    margin = np.array([10.0, 20.0, 40.0])
    # A discount rate of 0 gives the plain sum of S x m: 10 + 16 + 20.
    assert predicted_clv(survival, margin, 0.0, 3) == pytest.approx(46.0)
    # Survival 1 and a constant margin give H x margin.
    assert predicted_clv(np.ones(24), np.full(24, 7.0), 0.0, 24) == pytest.approx(168.0)
    # 1% a month: 10/1.01 + 16/1.01^2 + 20/1.01^3.
    assert predicted_clv(survival, margin, 0.01, 3) == pytest.approx(10 / 1.01 + 16 / 1.01**2 + 20 / 1.01**3)
    assert monthly_discount_rate(0.10) == pytest.approx(1.1 ** (1 / 12) - 1)


def test_margin_setting_and_gross_margin_column(make_source):
    with_margin = dict(TRANSACTIONS) | {"gross_margin": [10.0, None, 3.0, None, None, None]}
    source = make_source(customers=CUSTOMERS, transactions=with_margin, marketing_spend=SPEND)
    report = clv_report(source, Filters(), SETTINGS)
    ads = report.curves.filter(pl.col("channel") == "ads").sort("months_since_signup")
    # Month 1: a's known margin 10 + b's 60 x 0.5 = 40 over 2 customers = 20.
    assert ads["cumulative_margin_per_customer"][0] == 20.0


def test_value_page_renders_with_url_settings(tmp_path, run_page):
    folder = write_exports(tmp_path / "data", customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)
    at = run_page("pages/value.py", folder, query_params={"margin": "0.5", "horizon": "12"})
    figs = figures(at)
    curves = figs[0]
    ads = next(t for t in curves["data"] if t.get("name") == "Ads")
    assert ads["y"] == [25.0, 30.0, 27.5, 27.5]          # the hand-worked curve, margin 0.5 from the URL
    assert curves["layout"]["title"]["text"] == "Ref pays back its CAC in month 1; Ads has not yet"
    bars = figs[1]
    assert [t["type"] for t in bars["data"]] == ["bar"]
    assert {"Download clv_cac.csv", "Download value_curve.csv"} <= set(downloads(at))
