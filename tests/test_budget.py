"""Budget what-if: the projection on literal arrays (closed forms worked out by hand), the calibration on a tiny
business, the optimiser on a concave case with a known optimum, scenario links and the page.

The tiny business (explicit churn, margin setting 0.5, every customer from the paid channel "ads"):
    a, b, c, d, e sign up on 2024-01-01; a churns 2024-01-20 (day 19), b 2024-02-20 (day 50), c 2024-03-20
    (day 79); d and e never churn. f signs up 2024-12-01, g 2024-11-15. a pays 33 on 2024-01-01, d 33 on
    2024-12-31 (the as-of date). ads spend: 500 in Jan 2024, 100 in Nov, 100 in Dec. Segments: a-d pro, e-g starter.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.budget import (
    BASELINE,
    BEST,
    CURRENT,
    Assumptions,
    Calibration,
    CalibrationSettings,
    Scenario,
    Target,
    best_share,
    budget_report,
    calibrate,
    calibrate_targeted,
    decode_scenario,
    encode_scenario,
    horizon_net_contribution,
    project,
    project_paths,
    retention_effect,
    split_curve,
    survival_paths,
    uncertainty,
)
from analytics.budget.calibration import _empty_calibration
from analytics.filters import Filters
from tests.conftest import ROOT, SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d, downloads, figures, write_exports

CUSTOMERS = {
    "customer_id": list("abcdefg"),
    "signup_date": [d("2024-01-01")] * 5 + [d("2024-12-01"), d("2024-11-15")],
    "acquisition_channel": ["ads"] * 7,
    "segment": ["pro"] * 4 + ["starter"] * 3,
    "churn_date": [d("2024-01-20"), d("2024-02-20"), d("2024-03-20"), None, None, None, None],
}
TRANSACTIONS = {"customer_id": ["a", "d"], "transaction_date": [d("2024-01-01"), d("2024-12-31")],
                "amount": [33.0, 33.0]}
SPEND = {"month": [d("2024-01-01"), d("2024-11-01"), d("2024-12-01")], "channel": ["ads"] * 3,
         "spend": [500.0, 100.0, 100.0]}
SETTINGS = CalibrationSettings(margin=0.5, reliable_at_risk=1, churn_definition="explicit")


def tiny(hazard, base, paid_new=10.0, paid_spend=1000.0, organic_new=0.0, revenue=10.0, margin=6.0) -> Calibration:
    return Calibration(hazard=np.asarray(hazard, dtype=float), base=np.asarray(base, dtype=float),
                       paid_new=paid_new, paid_spend=paid_spend, organic_new=organic_new,
                       revenue_per_active=revenue, margin_per_active=margin)


# ------------------------------------------------------------------------------------------------ projection
def test_closed_form_without_retention_effect_and_constant_returns():
    # h(0) = 0.2, h(a >= 1) = 0.1 (held). Base: 50 customers aged 0, 100 aged 5. n0 = 10 for B0 = 1000.
    # Budget 500, 20% to retention: acquisition 400 -> paid new = 10 x 400/1000 = 4 (beta 1), + 1 organic = 5.
    # r_max = 0: retention spend changes nothing.
    #   base aged 0:   50, 50 x 0.8 = 40, 40 x 0.9 = 36
    #   base aged 5:  100, 90, 81
    #   new cohorts:  5 x (1), 5 x (1 + 0.8), 5 x (1 + 0.8 + 0.8 x 0.9) = 5, 9, 12.6
    #   active:       155, 139, 129.6; revenue x 10; margin x 6: 930, 834, 777.6; net = margin - 500.
    cal = tiny([0.2, 0.1], [50, 0, 0, 0, 0, 100], organic_new=1.0)
    table = project(cal, Assumptions(budget=500, retention_share=0.2, horizon_months=3, beta=1.0, r_max=0.0,
                                     b_half=50))
    assert table["customer_base"].to_list() == pytest.approx([155, 139, 129.6])
    assert table["new_customers"].to_list() == pytest.approx([5, 5, 5])
    assert table["revenue"].to_list() == pytest.approx([1550, 1390, 1296])
    assert table["gross_margin"].to_list() == pytest.approx([930, 834, 777.6])
    assert table["spend"].to_list() == [500, 500, 500]
    assert table["net_contribution"].to_list() == pytest.approx([430, 334, 277.6])
    # Existing share: everyone but the month's 5 new customers.
    assert table["existing_share"].to_list() == pytest.approx([150 / 155, 134 / 139, 124.6 / 129.6])
    # The same with the general formula: base_a S(a+k)/S(a) + new x sum_{j<=k} S(j), S(a) = prod (1 - h).
    s = np.array([1, 0.8, 0.72, 0.648, 0.5832, 0.52488, 0.472392, 0.4251528, 0.38263752])
    expected = [50 * s[k] + 100 * s[5 + k] / s[5] + 5 * s[: k + 1].sum() for k in range(3)]
    assert table["customer_base"].to_list() == pytest.approx(expected)


def test_zero_budget_base_decays_exactly_along_the_survival_curve():
    rng = np.random.default_rng(7)
    hazard = rng.uniform(0.0, 0.4, 6)
    base = rng.integers(0, 50, 9).astype(float)
    cal = tiny(hazard, base)
    table = project(cal, Assumptions(budget=0, retention_share=0.5, horizon_months=12, r_max=0.4, b_half=10))
    assert table["new_customers"].to_list() == [0.0] * 12            # no acquisition budget, no organic
    held = np.concatenate([hazard, np.full(40, hazard[-1])])
    survival = np.concatenate([[1.0], np.cumprod(1 - held)])        # S(a) = prod_{j<a} (1 - h(j))
    expected = [sum(base[a] * survival[a + k] / survival[a] for a in range(len(base))) for k in range(12)]
    assert table["customer_base"].to_list() == pytest.approx(expected, rel=1e-12)
    assert table["spend"].sum() == 0 and table["net_contribution"].to_list() == table["gross_margin"].to_list()


@settings(max_examples=25, deadline=None)
@given(hazard=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
       base=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=8),
       spends=st.tuples(st.floats(0.0, 1e6), st.floats(0.0, 1e6)),
       r_max=st.floats(0.0, 0.95), b_half=st.floats(1.0, 1e5))
def test_more_retention_spend_never_raises_churn(hazard, base, spends, r_max, b_half):
    low, high = sorted(spends)
    reductions = retention_effect(np.array([low, high]), r_max, b_half)
    assert 0 <= reductions[0] <= reductions[1] <= r_max
    from_base, per_new = survival_paths(np.array(hazard), np.array(base), reductions, 12)
    # Every customer (base and new cohorts) is at least as likely to be active with more retention spend.
    assert np.all(from_base[1] >= from_base[0] - 1e-9 * (1 + from_base[0]))
    assert np.all(per_new[1] >= per_new[0] - 1e-9 * (1 + per_new[0]))


@pytest.mark.parametrize("n0", [100 / (0.3 * math.e ** 3), 9.0])
def test_optimiser_finds_the_maximum_of_a_concave_case(n0):
    # Horizon 2 months, budget B = B0 = 1, beta 1, B_half 0.1, r_max 0.5, margin g = 1 per active customer.
    # Base: N = 1000 customers aged 1, churn hazard 0.2 from age 1; new customers do not churn in their first
    # month (h(0) = 0). Active over the two months: N + n, then N (1 - 0.2 (1 - r)) + 2n, so
    #   f(s) = 2N - 0.2N + 0.2N r(s) + 3 n(s) - 2B,  r(s) = 0.5 (1 - exp(-s / 0.1)),  n(s) = n0 (1 - s).
    # f'(s) = 0.2N x 0.5 / 0.1 x exp(-10 s) - 3 n0 = 0  ->  s* = 0.1 ln(1000 / (3 n0)); f'' < 0: concave.
    # n0 = 100 / (0.3 e^3) puts s* at exactly 30%; n0 = 9 at 0.1 ln(37.04) = 36.1%.
    cal = tiny([0.0, 0.2], [0, 1000], paid_new=n0, paid_spend=1.0, margin=1.0, revenue=1.0)
    assumptions = Assumptions(budget=1.0, horizon_months=2, beta=1.0, r_max=0.5, b_half=0.1)
    optimum = 0.1 * math.log(1000 / (3 * n0))
    curve = split_curve(cal, assumptions)
    found = best_share(curve)
    assert abs(found - optimum) <= 0.005 + 1e-9          # the nearest 1% step
    f = lambda s: 1800 + 200 * 0.5 * (1 - math.exp(-10 * s)) + 3 * n0 * (1 - s) - 2  # noqa: E731
    assert curve["net_contribution"].to_list() == pytest.approx([f(s) for s in curve["retention_share"]])


def test_scenario_round_trip_and_bad_links():
    a = Assumptions(budget=450000, retention_share=0.3, horizon_months=24, beta=0.65, r_max=0.25, b_half=45000)
    text = encode_scenario("Retention | push", a)
    assert text == "Retention / push|450000|30|24|0.65|25|45000"
    assert decode_scenario(text) == Scenario("Retention / push", a)
    for bad in ("x|1|2", "x|a|30|24|0.7|25|10", "x|100|130|24|0.7|25|10", "x|100|30|6|0.7|25|10",
                "x|100|30|24|1.5|25|10", "|100|30|24|0.7|25|10", "x|100|30|24|0.7|25|0"):
        with pytest.raises(ValueError):
            decode_scenario(bad)


# ------------------------------------------------------------------------------------------------ targeted retention
def test_targeting_the_whole_base_equals_the_untargeted_model_exactly():
    cal = tiny([0.2, 0.1, 0.05], [50, 0, 30, 0, 100], organic_new=2.0)
    whole = Calibration(**{**cal.__dict__, "target": Target("segment", "all", cal,
                                                           _empty_calibration(CalibrationSettings(), "none"))})
    a = Assumptions(budget=500, retention_share=0.3, horizon_months=12, beta=0.8, r_max=0.3, b_half=60)
    assert project(whole, a).equals(project(cal, a))
    assert split_curve(whole, a).equals(split_curve(cal, a))


def test_targeted_retention_by_hand_with_two_groups():
    # Group G (targeted): 100 customers aged 0, hazard 0.5, margin 2 a month. Rest R: 100 aged 0, hazard 0.2,
    # margin 1. Everything to retention (no new customers): budget 100, B_half = 100 / ln 2 -> exp(-1 x ln 2)
    # = 0.5, r = 0.5 x (1 - 0.5) = 0.25. G's hazard becomes 0.5 x 0.75 = 0.375, R keeps 0.2.
    #   month 1: G 100, R 100 -> margin 200 + 100 = 300, net 200
    #   month 2: G 62.5, R 80 -> margin 125 + 80 = 205, net 105          total 305
    group = tiny([0.5], [100], paid_new=0.0, margin=2.0, revenue=4.0)
    rest = tiny([0.2], [100], paid_new=0.0, margin=1.0, revenue=2.0)
    scope = Calibration(**{**tiny([0.35], [200]).__dict__, "target": Target("segment", "G", group, rest)})
    a = Assumptions(budget=100, retention_share=1.0, horizon_months=2, beta=1.0, r_max=0.5, b_half=100 / math.log(2))
    table = project(scope, a)
    assert table["customer_base"].to_list() == pytest.approx([200, 142.5])
    assert table["gross_margin"].to_list() == pytest.approx([300, 205])
    assert table["net_contribution"].sum() == pytest.approx(305)
    # Revenue: G 4, R 2 a month: 600, then 62.5 x 4 + 80 x 2 = 410.
    assert table["revenue"].to_list() == pytest.approx([600, 410])


def test_targeted_calibration_from_the_data(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)
    a = Assumptions(retention_share=0.4, horizon_months=12)
    # Every customer came through "ads": aiming retention at that channel is aiming it at the whole base.
    whole = calibrate_targeted(source, Filters(), SETTINGS, "channel", "ads")
    plain = calibrate(source, Filters(), SETTINGS)
    assert whole.target is not None and whole.target.rest.customer_base == 0
    assert split_curve(whole, a).equals(split_curve(plain, a))
    # pro (a-d) and starter (e-g): each calibrated on its own churn; pro had 4 of the 7 new customers.
    pro = calibrate_targeted(source, Filters(), SETTINGS, "segment", "pro")
    assert pro.target is not None
    assert pro.target.group.hazard[:3].tolist() == pytest.approx([1 / 4, 1 / 3, 1 / 2])
    assert pro.target.rest.hazard.tolist() == pytest.approx([0.0] * len(pro.target.rest.hazard))  # starter: no churn
    assert pro.target.group.customer_base + pro.target.rest.customer_base == plain.customer_base
    from analytics.budget import populations
    assert [(p.paid_fraction, p.targeted) for p in populations(pro)] == [(pytest.approx(4 / 7), True),
                                                                        (pytest.approx(3 / 7), False)]
    # Starter never churns: aiming retention at it buys nothing, so the curve falls with every retention share.
    starter = split_curve(calibrate_targeted(source, Filters(), SETTINGS, "segment", "starter"), a)
    assert best_share(starter) == 0.0
    outside = calibrate_targeted(source, Filters(segment=("pro",)), SETTINGS, "segment", "starter")
    assert outside.problem is not None and "not in the selected scope" in outside.problem


# ------------------------------------------------------------------------------------------------ measured response
def test_a_measured_hazard_ratio_calibrates_r_max_and_b_half():
    from analytics.budget import MeasuredResponse, response_from_hazard_ratio
    # A win-back call: hazard ratio 0.8 at 5 a month per customer. 200 customers aged 0 with hazard 0.5: the
    # call for all of them costs S = 1,000 a month, and the model must then churn 0.5 x 0.8 = 40%, not 50%.
    measured = MeasuredResponse("win-back call", 0.8, 5.0, "a literal figure for this test")
    fitted = response_from_hazard_ratio(measured, 200)
    assert fitted.spend == 1000.0
    assert float(retention_effect(1000.0, fitted.r_max, fitted.b_half)) == pytest.approx(0.2, rel=1e-12)
    assert fitted.r_max == pytest.approx(0.2 / 0.95) and fitted.b_half == pytest.approx(1000 / math.log(20))
    assert "win-back call" in fitted.note and "a literal figure for this test" in fitted.note
    cal = tiny([0.5], [200], paid_new=0.0)
    table = project(cal, Assumptions(budget=1000, retention_share=1.0, horizon_months=2, r_max=fitted.r_max,
                                     b_half=fitted.b_half))
    assert table["customer_base"].to_list() == pytest.approx([200, 200 * (1 - 0.5 * 0.8)])
    for bad in (1.0, 1.2, 0.0, float("nan")):
        with pytest.raises(ValueError, match="hazard ratio"):
            MeasuredResponse("x", bad, 5.0, "test")
    with pytest.raises(ValueError, match="cost"):
        MeasuredResponse("x", 0.8, 0.0, "test")


# ------------------------------------------------------------------------------------------------ uncertainty
def test_uncertainty_band_is_the_curve_of_its_draws():
    cal = tiny([0.0, 0.2], [0, 1000], paid_new=9.0, paid_spend=1.0, margin=1.0, revenue=1.0)
    a = Assumptions(budget=1.0, horizon_months=2, beta=1.0, r_max=0.5, b_half=0.1)
    result = uncertainty(cal, a, draws=1)
    # One draw: p10 = p50 = p90 = the split curve at the drawn assumptions (interpolated survival totals).
    draw = result.draws.row(0, named=True)
    curve = split_curve(cal, Assumptions(budget=1.0, horizon_months=2, beta=draw["beta"], r_max=draw["r_max"],
                                         b_half=draw["b_half"]))
    for column in ("net_contribution_p10", "net_contribution_p50", "net_contribution_p90"):
        assert result.band[column].to_list() == pytest.approx(curve["net_contribution"].to_list(), rel=1e-6)
    # The exact vectorised model equals split_curve for the chosen assumptions.
    exact = horizon_net_contribution(cal, 1.0, 2, curve["retention_share"].to_numpy(), np.array([1.0]),
                                     np.array([0.5]), np.array([0.1]))[0]
    assert exact.tolist() == pytest.approx(split_curve(cal, a)["net_contribution"].to_list(), rel=1e-12)


def test_uncertainty_says_when_the_best_split_is_a_clear_winner():
    # The concave case above (n0 = 9): the best split is 36%, worth 200 x 0.5 x (1 - e^-3.6) - 27 x 0.36 ~ +87
    # over 0%; plausible r_max 40-60% and B_half 0.05-0.2 keep it well above today's split: clear.
    cal = tiny([0.0, 0.2], [0, 1000], paid_new=9.0, paid_spend=1.0, margin=1.0, revenue=1.0)
    clear = uncertainty(cal, Assumptions(budget=1.0, horizon_months=2, beta=1.0, r_max=0.5, b_half=0.1))
    assert clear.best_share == pytest.approx(0.36) and clear.clear and clear.wins == 1.0
    assert clear.ranges == {"beta": (0.8, 1.0), "r_max": (0.4, 0.6), "b_half": (0.05, 0.2)}
    band = clear.band
    assert (band["net_contribution_p10"] <= band["net_contribution_p50"]).all()
    assert (band["net_contribution_p50"] <= band["net_contribution_p90"]).all()
    # r_max 2%: f'(s) = 40 e^(-10 s) - 27 puts the best split at 0.1 ln(40 / 27) = 3.9% (4%), a gain of ~0.7;
    # r_max from 0 to 12% can make 4% lose to today's split (r_max 0: it only costs customers): not clear.
    vague = uncertainty(cal, Assumptions(budget=1.0, horizon_months=2, beta=1.0, r_max=0.02, b_half=0.1))
    assert vague.best_share == pytest.approx(0.04)
    assert vague.gain_p10 < 0 < vague.gain_p90 and not vague.clear
    assert vague.best_low <= vague.best_share <= vague.best_high


# ------------------------------------------------------------------------------------------------ calibration
def test_calibration_by_hand(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)
    cal = calibrate(source, Filters(), SETTINGS)
    # Window: the 12 complete months Jan-Dec 2024. Spend 700 / 12 a month for 7 customers / 12: CAC 100.
    assert (cal.window_start, cal.window_end, cal.months) == (d("2024-01-01"), d("2024-12-01"), 12)
    assert cal.paid_spend == pytest.approx(700 / 12) and cal.paid_new == pytest.approx(7 / 12)
    assert cal.cac == pytest.approx(100.0) and cal.organic_new == 0.0
    # Kaplan-Meier: 7 at risk, a churns on day 19 (S = 6/7); f (day 30) and g (day 46) censored; b churns on
    # day 50 with 4 at risk (S = 6/7 x 3/4 = 9/14); c on day 79 with 3 at risk (S = 9/14 x 2/3 = 3/7).
    # S(1) = S(day 30.4) = 6/7, S(2) = S(day 60.9) = 9/14, S(3) = 3/7: h = 1/7, 1/4, 1/3, then 0. Ages 0-10 have
    # someone followed through them (d and e, 365 days); age 11 (to day 365.25) nobody: it is left out.
    assert cal.hazard.tolist() == pytest.approx([1 / 7, 1 / 4, 1 / 3] + [0.0] * 8)
    # Active base: f aged 0 (30 days), g aged 1 (46 days), d and e aged 11 (365 days).
    assert cal.base.tolist() == [1, 1] + [0] * 9 + [2]
    # Active customer-months in 2024: a 1, b 2, c 3, d 12, e 12, f 1, g 2 = 33. Revenue 66: 2 a month each,
    # margin 0.5 -> 1. a's 33 is new (signup month), d's existing: recent existing share 50%.
    assert cal.monthly["customers_in_base"].sum() == 33
    assert cal.revenue_per_active == pytest.approx(2.0) and cal.margin_per_active == pytest.approx(1.0)
    assert cal.recent_existing_share == pytest.approx(0.5)
    # Zero budget: the base decays along S(a + k) / S(a): f along S(k), g along S(k + 1) / S(1), d and e stay.
    table = project(cal, Assumptions(budget=0, horizon_months=12))
    s = [1, 6 / 7, 9 / 14, 3 / 7, 3 / 7, 3 / 7]
    expected = [s[k] + s[k + 1] / s[1] + 2 for k in range(4)]
    assert table["customer_base"].head(4).to_list() == pytest.approx(expected)
    assert table["month"][0] == d("2025-01-01")


def test_segment_filter_shares_spend_by_customers_acquired(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)
    cal = calibrate(source, Filters(segment=("pro",)), SETTINGS)
    # pro: a-d, 4 of the 7 customers ads acquired -> 4/7 of its 700 = 400 over 12 months; CAC still 100.
    assert cal.paid_spend * 12 == pytest.approx(400.0) and cal.cac == pytest.approx(100.0)
    assert cal.base.tolist() == [0] * 11 + [1]             # d only
    # pro churns: a (day 19), b (day 50), c (day 79) among 4: h = 1/4, 1/3, 1/2.
    assert cal.hazard[:3].tolist() == pytest.approx([1 / 4, 1 / 3, 1 / 2])


def test_no_acquisition_cost_is_explained(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    cal = calibrate(source, Filters(), CalibrationSettings())
    assert cal.problem is not None and "acquisition costs" in cal.problem


def test_report_compares_with_todays_split(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)
    cal = calibrate(source, Filters(), SETTINGS)
    saved = Scenario("Push", Assumptions(budget=90, retention_share=0.5, horizon_months=48, beta=0.8, r_max=0.3,
                                         b_half=12))
    report = budget_report(cal, Assumptions(retention_share=0.3), (saved,))
    assert report.summary["scenario"].to_list() == [BASELINE, CURRENT, BEST, "Push"]
    rows = {r["scenario"]: r for r in report.summary.iter_rows(named=True)}
    assert rows[BASELINE]["budget"] == 58.0 and rows[BASELINE]["retention_share"] == 0.0   # round(700 / 12)
    assert rows[CURRENT]["b_half"] == 6.0                                                  # 10% of 58.3
    assert rows[BEST]["net_contribution"] == pytest.approx(report.curve["net_contribution"].max())
    assert rows["Push"]["horizon_months"] == 48
    assert report.projections.filter(pl.col("scenario") == "Push").height == 48
    # Channel split: the acquisition budget (70% of 58) goes to ads, the only paid channel.
    assert report.channels["budget"].to_list() == pytest.approx([58 * 0.7])
    paths = project_paths(cal, report.current)
    assert report.channels["new_customers"][0] == pytest.approx(paths.new[0, 0])


def test_export_writes_baseline_and_best(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)
    result = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(data), "--out",
                             str(tmp_path / "out"), "--horizon-months", "12", "--margin", "0.5"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = pl.read_csv(tmp_path / "out" / "budget_scenarios.csv", try_parse_dates=True)
    assert table.columns == ["scenario", "retention_share", "month", "customer_base", "new_customers", "revenue",
                             "gross_margin", "spend", "net_contribution"]
    assert table.group_by("scenario", maintain_order=True).len().rows() == [("baseline", 12), ("best", 12)]
    baseline = table.filter(pl.col("scenario") == "baseline")
    assert baseline["month"][0] == d("2025-01-01") and baseline["spend"].unique().to_list() == [58.0]
    band = pl.read_csv(tmp_path / "out" / "budget_uncertainty.csv")
    assert band.columns == ["retention_share", "net_contribution_p10", "net_contribution_p50", "net_contribution_p90"]
    assert band.height == 101
    assert (band["net_contribution_p10"] <= band["net_contribution_p90"]).all()
    # Saved scenarios in the URL's form are added after the baseline and the best split (a repeated name gets a
    # suffix); a malformed one is refused with the expected form.
    result = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(data), "--out",
                             str(tmp_path / "out3"), "--horizon-months", "12", "--margin", "0.5",
                             "--scenario", "Push|90|50|24|0.8|30|12", "--scenario", "Push|58|0|12|0.7|25|6"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = pl.read_csv(tmp_path / "out3" / "budget_scenarios.csv", try_parse_dates=True)
    assert table.group_by("scenario", maintain_order=True).len().rows() == [
        ("baseline", 12), ("best", 12), ("Push", 24), ("Push (2)", 12)]
    # "Push (2)" is today's split (58 a month, nothing to retention): the baseline's rows exactly.
    assert (table.filter(pl.col("scenario") == "Push (2)").drop("scenario")
            .equals(table.filter(pl.col("scenario") == "baseline").drop("scenario")))
    # Retention aimed at the only channel, "ads", is aimed at the whole base: the same rows as without a target.
    result = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(data), "--out",
                             str(tmp_path / "out5"), "--horizon-months", "12", "--margin", "0.5",
                             "--retention-target", "channel:ads"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    for name in ("budget_scenarios.csv", "budget_uncertainty.csv"):
        assert (tmp_path / "out5" / name).read_text() == (tmp_path / "out" / name).read_text(), name
    bad = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(data), "--out",
                          str(tmp_path / "out4"), "--scenario", "Push|90|50"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "Name|budget|share %|horizon|beta|r_max %|B_half" in bad.stderr
    # No acquisition cost in the data: the header only, and the export still succeeds.
    plain = write_exports(tmp_path / "plain", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    result = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(plain), "--out",
                             str(tmp_path / "out2")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out2" / "budget_scenarios.csv").read_text().strip().startswith("scenario,retention_share")
    assert len((tmp_path / "out2" / "budget_scenarios.csv").read_text().strip().splitlines()) == 1


# ------------------------------------------------------------------------------------------------ page
@pytest.fixture
def budget_data(tmp_path: Path) -> Path:
    return write_exports(tmp_path / "data", customers=CUSTOMERS, transactions=TRANSACTIONS, marketing_spend=SPEND)


PAGE = "pages/budget.py"


URL = {"budget": "80", "retention_share": "30", "horizon_months": "36", "beta": "0.6", "rmax": "40", "bhalf": "9",
       "calibration_months": "6", "margin": "0.5", "churn": "inactivity", "inactivity_days": "20",
       "s1": "Push|90|50|48|0.8|30|12"}


def test_page_reads_every_input_from_the_url(budget_data, run_page):
    at = run_page(PAGE, budget_data, query_params=URL)
    assert at.number_input(key="budget").value == 80
    assert at.slider(key="retention_share").value == 30
    assert at.slider(key="horizon_months").value == 36
    assert at.slider(key="beta").value == pytest.approx(0.6)
    assert at.slider(key="rmax").value == 40
    assert at.number_input(key="bhalf").value == 9
    assert at.number_input(key="calibration_months").value == 6
    assert at.slider(key="margin").value == pytest.approx(0.5)
    assert at.session_state["churn"] == "inactivity" and at.session_state["inactivity_days"] == 20
    # The results are the analytics' for those inputs (6-month window Jul-Dec 2024: 200 spend, 2 customers).
    from queries import DataSource
    source = DataSource.open(budget_data)
    cal = calibrate(source, Filters(), CalibrationSettings(margin=0.5, calibration_months=6,
                                                           churn_definition="inactivity", inactivity_days=20))
    source.close()
    assert cal.cac == pytest.approx(100.0) and cal.paid_spend == pytest.approx(200 / 6)
    expected = budget_report(cal, Assumptions(budget=80, retention_share=0.3, horizon_months=36, beta=0.6,
                                              r_max=0.4, b_half=9))
    from ui.format import money
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Net contribution over 36 months"] == money(expected.summary["net_contribution"][1])
    assert metrics["Projected customer base at the end"] == f"{expected.summary['customer_base_end'][1]:,.0f}"
    # The starting base is the customer base (not "active customers": those bought in a period), as on the
    # Overview; CAC is the paid channels' (the Value page's blended CAC counts organic customers too).
    assert metrics["Customer base, now"] == f"{cal.customer_base:,.0f}"
    assert metrics["CAC, paid channels"] == money(cal.cac)
    # The saved scenario: a line of its own and a link that opens it.
    contribution = next(f for f in figures(at) if f["layout"]["yaxis"]["title"]["text"].startswith("Cumulative gain"))
    assert [t["name"] for t in contribution["data"]] == [BASELINE, CURRENT, BEST, "Push"]
    (link,) = at.get("link_button")
    assert link.proto.url.startswith("budget?")
    for part in ("budget=90", "retention_share=50", "horizon_months=48", "beta=0.8", "rmax=30", "bhalf=12",
                 "calibration_months=6", "s1=Push"):
        assert part in link.proto.url, part


def test_page_renders_charts_downloads_and_memo(budget_data, run_page):
    at = run_page(PAGE, budget_data, query_params={"retention_share": "20"})
    assert at.title[0].value == "Budget what-if: acquisition vs retention"
    charts = figures(at)
    kinds = [[t["type"] for t in f["data"]] for f in charts]
    # First the question: the split curve with its band (p90 edge, p10 edge filled), best split, this split.
    assert kinds[0] == ["scatter"] * 5
    assert ["bar", "scatter"] == kinds[1][:1] + kinds[1][-1:]               # hazard: bars and the used line
    assert kinds[2] == kinds[3] == ["scatter"] * 3                          # baseline, this split, best
    assert kinds[4] == ["bar"] * 3                                          # scenarios: three differences
    assert kinds[5] == ["heatmap"]
    curve = charts[0]
    assert curve["data"][2]["x"][0] == 0 and curve["data"][2]["x"][-1] == 1 and len(curve["data"][2]["x"]) == 101
    assert curve["data"][1]["fill"] == "tonexty"
    # Scenarios chart: this split and the best split as differences from today's split.
    assert charts[4]["data"][0]["y"] == [CURRENT, BEST]
    labels = downloads(at)
    assert "Download budget_summary.csv" in labels and any("budget_scenarios.csv" in b for b in labels)
    assert "Download budget_uncertainty.csv" in labels
    memo = at.code[0].value
    assert "model with assumptions" in memo and "20% to retention" in memo
    assert any(e.label == "Definitions and assumptions" for e in at.expander)


def test_saving_and_removing_scenarios(budget_data, run_page):
    at = run_page(PAGE, budget_data, query_params={"retention_share": "30", "s1": "Push|90|50|48|0.8|30|12"})
    at.text_input(key="scenario_name").input("Keep them").run()
    at.button(key="save_scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["s2"] == "Keep them|58|30|24|0.7|25|6"
    at.button(key="remove_s1").click().run()
    assert "s1" not in at.query_params and "s2" in at.query_params
    names = [t["name"] for t in figures(at)[2]["data"]]
    assert names == [BASELINE, CURRENT, BEST, "Keep them"]
    # The same name again gets a suffix; the scenarios chart shows each saved one beside your and the best split.
    at.text_input(key="scenario_name").input("Keep them").run()
    at.button(key="save_scenario").click().run()
    assert at.query_params["s1"].startswith("Keep them (2)|")
    assert figures(at)[4]["data"][0]["y"] == [CURRENT, BEST, "Keep them (2)", "Keep them"]


def test_page_aims_retention_at_a_group_from_the_url(budget_data, run_page):
    at = run_page(PAGE, budget_data, query_params={"target": "segment: pro", "retention_share": "20"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="target").value == "segment: pro"
    assert "aimed at segment pro" in at.code[0].value                  # the memo says which group
    # The split curve is the targeted model's (pro's churn and margin), not the whole base's.
    from queries import DataSource
    source = DataSource.open(budget_data)
    settings = CalibrationSettings(margin=0.7, churn_definition="combined")
    targeted = split_curve(calibrate_targeted(source, Filters(), settings, "segment", "pro"), Assumptions())
    source.close()
    curve = figures(at)[0]
    assert curve["data"][2]["y"] == pytest.approx(targeted["net_contribution"].to_list())


def test_page_calibrates_the_response_from_a_measured_hazard_ratio(budget_data, run_page):
    at = run_page(PAGE, budget_data)
    at.text_input(key="measured_action").input("Win-back call")
    at.number_input(key="measured_hr").set_value(0.8)
    at.number_input(key="measured_cost").set_value(0.5)
    at.text_input(key="measured_source").input("Q3 holdout test").run()
    at.button(key="measured_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # r_max = (1 - 0.8) / 0.95 = 21% (whole percent on the slider). The base is a handful of customers: S = 0.5 x
    # base < 1.5 a month, B_half = S / ln 20 < 0.5, shown as the input's minimum, 1 (whole units).
    assert at.slider(key="rmax").value == 21 and at.number_input(key="bhalf").value == 1
    assert "Win-back call" in at.code[0].value and "Q3 holdout test" in at.code[0].value


def test_page_explains_data_without_acquisition_cost(tmp_path: Path, run_page):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    at = run_page(PAGE, folder)
    assert at.info and "acquisition costs" in at.info[0].value
    assert not at.get("plotly_chart")
