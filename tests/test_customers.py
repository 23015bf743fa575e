"""The Customers page's numbers: the models' inputs counted by hand on a tiny log (same-day purchases, refunds,
a mid-month calibration end), the scores' definitions, the list's filters, the export, and the page itself."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from analytics.clv_models.bgnbd import BgNbdFit, expected_if_alive
from analytics.clv_models.customers import cohort_bounds, customer_list, customer_scores, narrow, risk_by_group
from analytics.clv_models.gamma_gamma import GammaGammaFit
from analytics.clv_models.inputs import calibration_inputs, holdout_purchases, weekly_repeat_purchases
from analytics.clv_models.scores import DAYS_PER_MONTH, ClvSettings, model_scores
from analytics.filters import Filters
from tests.conftest import ROOT, SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d, downloads, figures, write_exports

CUSTOMERS = {
    "customer_id": ["a", "b", "c", "d"],
    "signup_date": [d("2024-01-05"), d("2024-01-10"), d("2024-01-15"), d("2024-01-20")],
    "segment": ["pro", "starter", "pro", "pro"],
    "acquisition_channel": ["ads", "ads", "organic", "ads"],
    "region": ["eu", "eu", "us", "us"],
}
#: a: two orders on Jan 5 (one purchase of 15), Jan 20 (20), a refund on Feb 10 (no purchase), Mar 1 (30),
#:    Mar 20 (40). b: Jan 10 (8) only. c: a refund alone on Jan 15 (no purchase), Feb 1 (12, and a 0 that
#:    is no purchase amount), Apr 10 (6). d never buys. The log ends on Apr 10.
TRANSACTIONS = {
    "customer_id": ["a", "a", "a", "a", "a", "a", "b", "c", "c", "c", "c"],
    "transaction_date": [d("2024-01-05"), d("2024-01-05"), d("2024-01-20"), d("2024-02-10"), d("2024-03-01"),
                         d("2024-03-20"), d("2024-01-10"), d("2024-01-15"), d("2024-02-01"), d("2024-02-01"),
                         d("2024-04-10")],
    "amount": [10.0, 5.0, 20.0, -20.0, 30.0, 40.0, 8.0, -5.0, 12.0, 0.0, 6.0],
}


@pytest.fixture
def tiny(make_source):
    return make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)


def test_inputs_counted_by_hand_at_a_mid_month_calibration_end(tiny):
    rows = calibration_inputs(tiny, date(2024, 3, 10)).join(
        tiny.run("customer_ids").select("customer_key", "customer_id"), on="customer_key").sort("customer_id")
    got = rows.select("customer_id", "frequency", "recency_days", "age_days", "spend", "mean_repeat_spend").rows()
    # a: purchase days Jan 5, Jan 20, Mar 1 (Mar 20 is after the end): x = 2; Jan 5 -> Mar 1 = 26 + 29 + 1 = 56
    #    days; Jan 5 -> Mar 10 = 65; spend 15 + 20 + 30 = 65, repeat spend (65 - 15) / 2 = 25.
    # b: one purchase (Jan 10): x = 0, age Jan 10 -> Mar 10 = 21 + 29 + 10 = 60.
    # c: the first purchase is Feb 1 (a refund alone is none): x = 0, age Feb 1 -> Mar 10 = 28 + 10 = 38.
    # d never bought: not a customer of the models.
    assert got == [("a", 2, 56, 65, 65.0, 25.0), ("b", 0, 0, 60, 8.0, None), ("c", 0, 0, 38, 12.0, None)]


def test_inputs_on_all_the_data_and_the_holdout(tiny):
    ids = tiny.run("customer_ids").select("customer_key", "customer_id")
    rows = calibration_inputs(tiny, tiny.as_of).join(ids, on="customer_key").sort("customer_id")
    # a with Mar 20: x = 3, recency Jan 5 -> Mar 20 = 75 days, age Jan 5 -> Apr 10 = 96; b: Jan 10 -> Apr 10 =
    # 91; c with Apr 10: x = 1, Feb 1 -> Apr 10 = 69.
    assert rows.select("frequency", "recency_days", "age_days").rows() == [(3, 75, 96), (0, 0, 91), (1, 69, 69)]
    held = holdout_purchases(tiny, date(2024, 3, 11), date(2024, 4, 10)).join(ids, on="customer_key")
    assert sorted(held.select("customer_id", "holdout_purchases").rows()) == [("a", 1), ("c", 1)]


def test_weekly_repeat_purchases_by_hand(tiny):
    weekly = weekly_repeat_purchases(tiny, date(2024, 3, 10), date(2024, 4, 10))
    # Repeat purchase days (after each customer's first) by the Monday of their week: a's Jan 20 (week of Jan 15),
    # Mar 1 (Feb 26), Mar 20 (Mar 18); c's Apr 10 (Apr 8). b never came back.
    by_week = weekly.group_by("week").agg(pl.col("repeat_purchases").sum()).sort("week").rows()
    assert by_week == [(d("2024-01-15"), 1), (d("2024-02-26"), 1), (d("2024-03-18"), 1), (d("2024-04-08"), 1)]


def test_scores_follow_their_definitions():
    params = (0.5, 5.0, 0.8, 2.5)
    bgnbd = BgNbdFit(params, 0.0, 3, 3, True, "")
    spend = GammaGammaFit((6.0, 4.0, 15.0), 0.0, 1, True, "")
    x, recency, age = np.array([0, 2, 6]), np.array([0, 70, 100]), np.array([140, 140, 300])
    scores = model_scores(x, recency, age, [None, 25.0, 40.0], bgnbd, spend, margin=0.5, annual_discount=0.0,
                          first_purchase_spend=[30.0, 10.0, 10.0])
    months = 12 * DAYS_PER_MONTH / 7
    if_alive = expected_if_alive(params, x, age / 7, months)
    # Expected spend: x = 0 takes the first purchase as its one observation: 6 (15 + 30) / (6 + 3) = 30;
    # x = 2, m = 25: 6 (15 + 50) / (12 + 3) = 26; x = 6, m = 40: 6 (15 + 240) / 39 = 39.2308.
    assert scores["expected_spend"].to_list() == pytest.approx([30.0, 26.0, 6 * 255 / 39])
    # Undiscounted, the 12 monthly steps add up to E[Y(12 months) | alive].
    expected_value = if_alive * scores["expected_spend"].to_numpy() * 0.5
    assert scores["value_if_active_12m"].to_numpy() == pytest.approx(expected_value, rel=1e-9)
    alive = scores["p_alive"].to_numpy()
    assert scores["predicted_value_12m"].to_numpy() == pytest.approx(alive * expected_value, rel=1e-9)
    assert scores["value_at_risk"].to_numpy() == pytest.approx((1 - alive) * expected_value, rel=1e-9)
    assert alive[0] == 1.0 and scores["value_at_risk"][0] == 0.0
    # Discounting at 10% a year only lowers the value, by less than 10% over one year.
    discounted = model_scores(x, recency, age, [None, 25.0, 40.0], bgnbd, spend, 0.5, 0.10, [30.0, 10.0, 10.0])
    ratio = discounted["value_if_active_12m"].to_numpy() / expected_value
    assert np.all((ratio < 1) & (ratio > 1 / 1.1))


def test_cohort_names_and_their_errors():
    assert cohort_bounds("2024-03-04") == (d("2024-03-04"), d("2024-03-10"))
    assert cohort_bounds(" 2024-Q4 ") == (d("2024-10-01"), d("2024-12-31"))
    for bad in ("March", "2024-13", "2024-Q5", "2024-Q1-01", "<b>x</b>"):
        with pytest.raises(ValueError, match="write 2024"):
            cohort_bounds(bad)


def test_the_list_filters_and_groups_by_hand():
    customers = pl.DataFrame({
        "customer_id": ["a", "b", "c", "d"], "segment": ["pro", "pro", "starter", "starter"],
        "channel": ["ads"] * 4, "region": ["eu"] * 4,
        "signup_date": [d("2024-03-01"), d("2024-03-31"), d("2024-04-01"), d("2024-03-15")],
        "p_alive": [0.2, 0.9, 0.4, 1.0], "value_if_active_12m": [100.0, 50.0, 30.0, 10.0],
        "predicted_value_12m": [20.0, 45.0, 12.0, 10.0], "value_at_risk": [80.0, 5.0, 18.0, 0.0],
        "at_risk": [True, False, True, False]})
    assert narrow(customers, cohort="2024-03")["customer_id"].to_list() == ["a", "b", "d"]
    assert narrow(customers, p_alive_below=0.5, value_above=50)["customer_id"].to_list() == ["a"]
    assert narrow(customers, at_risk_only=True)["customer_id"].to_list() == ["a", "c"]
    groups = risk_by_group(customers, "segment")
    # pro: 2 customers, a at risk with 80; starter: 2, c at risk with 18. Predicted value: 65 and 22.
    assert groups.rows() == [("pro", 2, 1, 0.5, 80.0, 65.0), ("starter", 2, 1, 0.5, 18.0, 22.0)]


def test_a_small_business_is_refused_politely(tiny):
    result = customer_list(tiny, Filters(), ClvSettings())
    assert result.fit.bgnbd is None and "Too few customers" in (result.fit.error or "")
    assert result.customers.height == 0


@pytest.fixture(scope="module")
def sample():
    from queries import DataSource
    source = DataSource.open(ROOT / "sample_data")
    yield source
    source.close()


def test_shared_filters_choose_whom_to_list_without_refitting(sample):
    everyone = customer_list(sample, Filters(), ClvSettings())
    pros = customer_list(sample, Filters(segment=("pro",), start=date(2024, 1, 1)), ClvSettings())
    assert pros.fit == everyone.fit  # the same model: a filter change never refits
    assert set(pros.customers["segment"]) == {"pro"} and pros.customers["signup_date"].min() >= date(2024, 1, 1)
    same = everyone.customers.filter(pl.col("customer_id").is_in(pros.customers["customer_id"].to_list()))
    assert same.sort("customer_id")["p_alive"].to_list() == pros.customers.sort("customer_id")["p_alive"].to_list()
    table = customer_scores(sample, Filters(segment=("pro",)), ClvSettings())
    assert table.columns == ["customer_id", "segment", "channel", "region", "frequency", "recency_weeks", "t_weeks",
                             "p_alive", "expected_purchases_90d", "expected_spend", "predicted_value_12m"]
    assert table["p_alive"].is_between(0, 1).all() and math.isclose(table["t_weeks"].max(), 1460 / 7, abs_tol=4)


# ------------------------------------------------------------------------------------------ the page
def test_customers_page_with_too_little_data_explains_and_keeps_working(tmp_path, run_page):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    at = run_page("pages/customers.py", folder)
    assert at.title[0].value.startswith("Customers")
    assert any("Too few customers" in info.value for info in at.info)


def test_customers_page_drilled_into_from_a_url(run_page):
    at = run_page("pages/customers.py", ROOT / "sample_data", query_params={"cohort": "2024-03", "segment": "pro"},
                  timeout=300)
    listed = at.dataframe[0].value
    assert set(listed["Segment"]) == {"Pro"}  # the display name of the code pro (analytics/formats.py)
    signups = listed["Signup"].dt.date
    assert signups.min() >= date(2024, 3, 1) and signups.max() <= date(2024, 3, 31)
    labels = downloads(at)
    assert f"Download the {len(listed):,} customers listed (CSV)" in labels
    assert {"Download clv_validation.csv", "Download clv_model.csv"} <= set(labels)
    risk, tracking, conditional = figures(at)
    assert [t["name"] for t in tracking["data"]] == ["Actual", "BG/NBD"]
    assert [t["type"] for t in conditional["data"]] == ["bar", "scatter"]
    assert risk["data"][0]["x"] == ["Pro"]


def test_model_clv_per_channel_beside_the_survival_clv(sample):
    from analytics.clv_models.channels import channel_model_clv, clv_comparison
    from analytics.value import ValueSettings
    model = channel_model_clv(sample, Filters(), ValueSettings())
    assert model["note"].is_null().all()
    # Every channel's customers are counted once; buyers are those with a positive purchase.
    sizes = sample.run("customer_ids").join(sample.run("customer_dimensions"), on="customer_key").join(
        sample.run("customer_groups"), on="combo").group_by("channel").len().sort("channel")
    assert model.select("channel", "customers").rows() == sizes.rows()
    assert (model["buyers"] <= model["customers"]).all()
    # Value grows with the horizon; undiscounted value is higher still.
    assert (model["model_clv_12"] < model["model_clv_24"]).all()
    assert (model["model_clv_24"] < model["model_clv_36"]).all()
    undiscounted = channel_model_clv(sample, Filters(), ValueSettings(discount_rate=0.0))
    assert (undiscounted["model_clv_36"] > model["model_clv_36"]).all()
    channels = pl.DataFrame({"channel": ["ads", "free"], "customers": [10, 5], "cac": [50.0, 0.0],
                             "clv_24": [200.0, 100.0], "ltv_cac": [4.0, None]})
    both = clv_comparison(channels, pl.DataFrame({"channel": ["ads"], "model_clv_24": [150.0], "note": [None]},
                                                 schema_overrides={"note": pl.String}), 24)
    # LTV:CAC on the model: 150 / 50 = 3; no CAC (organic) and no model row give nulls.
    assert both.select("channel", "model_clv", "model_ltv_cac").rows() == [("ads", 150.0, 3.0), ("free", None, None)]


def test_value_page_shows_the_model_clv_on_demand(run_page):
    at = run_page("pages/value.py", ROOT / "sample_data", query_params={"model_clv": "true"}, timeout=300)
    titles = [fig["layout"]["title"]["text"] for fig in figures(at)]
    assert any(t.startswith("The purchase model values customers at") for t in titles)
    comparison = next(frame.value for frame in at.dataframe if "model_ltv_cac" in frame.value.columns)
    assert comparison["model_clv"].notna().all()
    assert "Download clv_model_vs_survival_24.csv" in downloads(at)
