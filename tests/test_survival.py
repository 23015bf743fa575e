"""Survival analysis: the churn definitions on a hand-checked table, Kaplan-Meier against a product-limit
computation by hand, aggregated (weighted) fits against row-level fits, the page and the export."""

from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter
from lifelines.statistics import multivariate_logrank_test, pairwise_logrank_test, proportional_hazard_test
from lifelines.utils import restricted_mean_survival_time
from polars.testing import assert_frame_equal

from analytics.filters import Filters
from analytics.survival import (
    TIGHT_CONVERGENCE,
    cox_design,
    cox_rows,
    default_churn_definition,
    fit_cox,
    followed,
    group_spans,
    hazard_model,
    kaplan_meier,
    left_out_counts,
    logrank_tests,
    proportional_hazards_test,
    survival_curves,
    survival_spans,
)
from tests.conftest import ROOT, d, downloads, figures, write_exports

# ------------------------------------------------------------------------------------------ the hand table
# As-of date: 2024-06-30 (b's last payment, the latest transaction). N = 90 unless said otherwise.
#
# id signup      churn_date  positive payments     explicit                     inactivity, N = 90
# a  2024-01-01  2024-03-01  01-01, 02-15          churned, 60 days             churned 02-15: 45 days
# b  2024-01-01  -           01-01, 06-30          censored, 181 (to as-of)     censored (active), 181
# c  2024-02-01  2024-02-01  02-01                 same-day churn: 0            churned 02-01: 0
# d  2024-03-01  2024-09-01  03-01 (04-01: refund) churn after as-of: cens 121  churned 03-01 (refund is no
#                                                                                activity): 0
# f  2024-03-01  -           04-01                 censored, 121                04-01 + 90 = 06-30 = as-of:
#                                                                                exactly N days: churned, 31
# h  2024-03-01  -           04-02                 censored, 121                89 days silent: censored, 121
# g  2024-01-10  -           (never bought)        censored, 172                never bought: churned at
#                                                                                signup, 0
# i  2024-05-01  2024-04-20  05-01                 churn before signup: left    censored, 60
#                                                  out (data error)
# e  2024-07-15  -           -                     signed up after as-of: left out (both definitions)
HAND_CUSTOMERS = {
    "customer_id": ["a", "b", "c", "d", "f", "h", "g", "i", "e"],
    "signup_date": [d("2024-01-01"), d("2024-01-01"), d("2024-02-01"), d("2024-03-01"), d("2024-03-01"),
                    d("2024-03-01"), d("2024-01-10"), d("2024-05-01"), d("2024-07-15")],
    "churn_date": [d("2024-03-01"), None, d("2024-02-01"), d("2024-09-01"), None, None, None, d("2024-04-20"),
                   None],
    "segment": ["pro", "pro", "pro", "pro", "starter", "starter", "starter", "starter", "pro"],
    "acquisition_channel": ["ads", "organic", "ads", "organic", "ads", "organic", "ads", "organic", "ads"],
    "region": ["eu"] * 9,
}
HAND_TRANSACTIONS = {
    "customer_id": ["a", "a", "b", "b", "c", "d", "d", "f", "h", "i"],
    "transaction_date": [d("2024-01-01"), d("2024-02-15"), d("2024-01-01"), d("2024-06-30"), d("2024-02-01"),
                         d("2024-03-01"), d("2024-04-01"), d("2024-04-01"), d("2024-04-02"), d("2024-05-01")],
    "amount": [10.0, 20.0, 5.0, 5.0, 7.0, 30.0, -5.0, 12.0, 12.0, 8.0],
}


def outcomes(spans: pl.DataFrame) -> dict[tuple[int, bool], int]:
    """{(duration, churned): customers} over every followed customer."""
    rows = followed(spans).group_by("duration", "churned").agg(pl.col("customers").sum()).rows()
    return {(duration, churned): n for duration, churned, n in rows}


@pytest.fixture
def hand(make_source):
    return make_source(customers=HAND_CUSTOMERS, transactions=HAND_TRANSACTIONS)


def test_explicit_definition_by_hand(hand):
    spans = survival_spans(hand, Filters(), "explicit")
    # c: 0 (same-day churn) · a: 60 · d, f, h: 121 censored (d's churn_date is after the as-of date)
    # · g: 172 · b: 181.
    assert outcomes(spans) == {(0, True): 1, (60, True): 1, (121, False): 3, (172, False): 1, (181, False): 1}
    assert left_out_counts(spans) == {"churn date before signup date": 1, "signed up after the as-of date": 1}
    assert default_churn_definition(hand) == "combined"


def test_inactivity_definition_by_hand(hand):
    spans = survival_spans(hand, Filters(), "inactivity", 90)
    # Churned: c, d, g on day 0; f on day 31 (exactly 90 days silent); a on day 45.
    # Censored: i at 60, h at 121 (89 days silent), b at 181.
    assert outcomes(spans) == {(0, True): 3, (31, True): 1, (45, True): 1, (60, False): 1, (121, False): 1,
                               (181, False): 1}
    assert left_out_counts(spans) == {"signed up after the as-of date": 1}


def test_window_end_is_the_as_of_date_and_later_data_is_ignored(hand):
    window = Filters(end=d("2024-04-30"))
    spans = survival_spans(hand, window, "inactivity", 60)
    # As of 2024-04-30, N = 60: b's 06-30 payment does not count: last activity 01-01 -> churned, day 0; d: 03-01
    # + 60 = 04-30, exactly N -> churned, day 0; c and g: day 0; a: day 45; f and h censored at 04-30: 60 days.
    assert outcomes(spans) == {(0, True): 4, (45, True): 1, (60, False): 2}
    assert left_out_counts(spans) == {"signed up after the as-of date": 2}  # i and e
    explicit = survival_spans(hand, window, "explicit")
    # a churned 03-01 (60); c 0; b censored at 04-30 (120), g (111), d, f, h (60: d's churn is later).
    assert outcomes(explicit) == {(0, True): 1, (60, True): 1, (60, False): 3, (111, False): 1,
                                  (120, False): 1}


def test_shared_filters_apply(hand):
    starters = survival_spans(hand, Filters(segment=("starter",)), "inactivity", 90)
    assert outcomes(starters) == {(0, True): 1, (31, True): 1, (60, False): 1, (121, False): 1}
    late = survival_spans(hand, Filters(start=d("2024-03-01")), "explicit")
    # Signed up on/after 03-01: d, f, h (121, censored); i left out (churn before signup), e (after as-of).
    assert outcomes(late) == {(121, False): 3}
    hostile = survival_spans(hand, Filters(region=("eu') or (1=1",)), "explicit")
    assert hostile.height == 0



@pytest.mark.parametrize("filters", [Filters(), Filters(segment=("starter",)), Filters(start=d("2024-03-01"))])
@pytest.mark.parametrize("churn", ["combined", "explicit", "inactivity"])
def test_spans_without_value_bands_are_the_same_customers(hand, filters, churn):
    keys = ["segment", "channel", "region", "cohort_year", "duration", "churned", "left_out"]

    def summed(spans):
        return spans.group_by(keys).agg(pl.col("customers").sum()).sort(keys, nulls_last=True)

    banded = survival_spans(hand, filters, churn)
    plain = survival_spans(hand, filters, churn, value_bands=False)
    assert plain["value_band"].null_count() == plain.height and banded.height > 0
    assert_frame_equal(summed(plain), summed(banded))
    assert outcomes(plain) == outcomes(banded)


@pytest.mark.parametrize("filters", [Filters(), Filters(segment=("pro", "enterprise")), Filters(channel=("ads",)),
                                     Filters(start=d("2023-06-01"))])
@pytest.mark.parametrize("churn", ["explicit", "inactivity"])
def test_cox_rows_are_the_followed_spans_without_signup_years(make_source, filters, churn):
    customers, transactions = random_business()
    source = make_source(customers=customers, transactions=transactions)
    keys = ["segment", "channel", "region", "value_band", "duration", "churned"]
    spans = followed(survival_spans(source, filters, churn, 60))
    rows = cox_rows(source, filters, churn, 60)
    assert rows["cohort_year"].null_count() == rows["left_out"].null_count() == rows.height > 0
    assert set(rows["value_band"].unique()) >= {1, 2, 3, 4}  # the four quarters
    assert_frame_equal(rows.select(*keys, "customers").sort(keys),
                       spans.group_by(keys).agg(pl.col("customers").sum()).sort(keys))
    assert_frame_equal(rows.select("band_q1", "band_q2", "band_q3").unique(),
                       spans.select("band_q1", "band_q2", "band_q3").unique())
    one, other = cox_design(rows), cox_design(spans)
    pd.testing.assert_frame_equal(one.frame, other.frame)
    assert one.levels.equals(other.levels) and one.references == other.references


def test_the_default_is_combined_with_or_without_churn_dates(make_source):
    customers = {k: v for k, v in HAND_CUSTOMERS.items() if k != "churn_date"}
    assert default_churn_definition(make_source(customers=customers, transactions=HAND_TRANSACTIONS)) == "combined"


def test_combined_definition_on_the_hand_table(hand):
    spans = survival_spans(hand, Filters(), "combined", 90)
    # Recorded churn_date on or before the as-of date: a (60), c (0). Otherwise inactivity: d (churn_date after
    # the as-of date) 0, g 0, f 31; h 121, b 181 censored. i: churn date before signup, left out (as explicit).
    assert outcomes(spans) == {(0, True): 3, (31, True): 1, (60, True): 1, (121, False): 1, (181, False): 1}
    assert left_out_counts(spans) == {"churn date before signup date": 1, "signed up after the as-of date": 1}


def test_kaplan_meier_by_hand(hand):
    curves = survival_curves(hand, Filters(), "inactivity", 90, "region")  # one region: everyone together
    # Product-limit by hand (inactivity, N = 90): 8 followed.
    #   day 0:  8 at risk, 3 churn -> S = 5/8             = 0.625
    #   day 31: 5 at risk, 1 churn -> S = 5/8 * 4/5 = 4/8 = 0.5
    #   day 45: 4 at risk, 1 churn -> S = 4/8 * 3/4 = 3/8 = 0.375
    #   days 60, 121, 181: censored, S stays 0.375.
    curve = curves.curve.filter(pl.col("group") == "eu")
    assert curve["days"].to_list() == [0, 31, 45, 60, 121, 181]
    assert np.allclose(curve["survival"].to_list(), [0.625, 0.5, 0.375, 0.375, 0.375, 0.375])
    assert curve["at_risk"].to_list() == [8, 5, 4, 3, 2, 1]
    assert (curve["ci_lower"] <= curve["survival"]).all() and (curve["survival"] <= curve["ci_upper"]).all()
    row = curves.summary.row(0, named=True)
    assert (row["customers"], row["churned"]) == (8, 5)
    assert row["median_days"] == 31  # the first day with S <= 0.5: half have churned
    assert np.allclose([row["survival_30"], row["survival_90"], row["survival_180"]], [0.625, 0.375, 0.375])
    # Nobody is followed a year (longest: 181 days): survival at 365 and the 12-month RMST are unknown.
    assert row["survival_365"] is None and row["rmst_365"] is None
    # At risk on days 0, 90, 180, 365, 730, 1095, 1460: 8, then h and b (121, 181), then b.
    assert curves.at_risk.filter(pl.col("group") == "eu")["at_risk"].to_list() == [8, 2, 1, 0, 0, 0, 0]
    # RMST to day 60 by hand: 0.625 * 31 + 0.5 * 14 + 0.375 * 15 = 32.
    spans = followed(survival_spans(hand, Filters(), "inactivity", 90))
    kmf = kaplan_meier(spans["duration"], spans["churned"], spans["customers"])
    assert restricted_mean_survival_time(kmf, t=60) == pytest.approx(32.0)


def test_summary_by_group_median_not_reached_and_curve_reaching_zero(hand):
    curves = survival_curves(hand, Filters(), "inactivity", 60, "segment")
    # N = 60: pro: a 45 churned, b 181 censored, c and d 0 churned -> S(0) = 2/4, S(45) = 1/4.
    # starter: g 0, i 0 (05-01 + 60 = 06-30: exactly N), f 31, h 32 all churned -> 2/4, 1/4, 0.
    summary = {r["group"]: r for r in curves.summary.iter_rows(named=True)}
    assert curves.summary["group"].to_list() == ["pro", "starter"]  # 4 each: alphabetical
    assert summary["pro"]["survival_90"] == pytest.approx(0.25) and summary["pro"]["survival_365"] is None
    starter = summary["starter"]
    assert (starter["customers"], starter["churned"], starter["median_days"]) == (4, 4, 0)
    # The curve reached 0 on day 32, so it is known beyond the last follow-up: 0 at a year, and the RMST is
    # 0.5 * 31 + 0.25 * 1 = 15.75 days.
    assert starter["survival_365"] == 0.0 and starter["rmst_365"] == pytest.approx(15.75)
    explicit = survival_curves(hand, Filters(), "explicit", 90, "segment")
    # Explicit: pro S(0) = 3/4 (c churns on day 0, 4 at risk), then a's churn on day 60 with 3 at risk:
    # 3/4 * 2/3 = 1/2: half have churned on day 60 (lifelines' own median depends on rounding here: 60 or
    # "never", as its product is computed through logs).
    pro = explicit.summary.filter(pl.col("group") == "pro").row(0, named=True)
    assert pro["survival_90"] == pytest.approx(0.5) and pro["median_days"] == 60
    # starter has customers but no churn date at all: flagged, not compared.
    assert explicit.no_churn_recorded == ["starter"]
    starter = explicit.summary.filter(pl.col("group") == "starter").row(0, named=True)
    assert starter["median_days"] is None  # not reached
    only_starters = survival_curves(hand, Filters(segment=("starter",)), "explicit", 90, "segment")
    assert only_starters.no_churn_recorded == ["starter"]
    assert only_starters.headline.startswith("No cancellation dates for these customers")


def test_shuffled_rows_give_the_same_spans(make_source):
    order = list(range(len(HAND_TRANSACTIONS["customer_id"])))[::-1]
    shuffled = {k: [v[i] for i in order] for k, v in HAND_TRANSACTIONS.items()}
    a = survival_spans(make_source(customers=HAND_CUSTOMERS, transactions=HAND_TRANSACTIONS), Filters(), "inactivity")
    b = survival_spans(make_source(customers=HAND_CUSTOMERS, transactions=shuffled), Filters(), "inactivity")
    assert a.equals(b)


# ------------------------------------------------------------------------------------------ weighted = row-level
def random_rows(n: int = 600, seed: int = 5) -> pd.DataFrame:
    """One row per customer, durations in whole days (many ties), proportional hazards by construction."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"segment": rng.choice(["starter", "pro", "enterprise"], n, p=[0.5, 0.3, 0.2]),
                          "channel": rng.choice(["ads", "organic"], n)})
    rate = np.exp(frame["segment"].map({"starter": 0.0, "pro": -0.4, "enterprise": -0.9})
                  + np.where(frame["channel"] == "ads", 0.3, 0.0)) / 40
    churn = np.floor(rng.exponential(1 / rate))
    censor = np.floor(rng.uniform(0, 120, n))
    frame["duration"] = np.minimum(churn, censor)
    frame["churned"] = churn <= censor
    return frame


def aggregate(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return rows.groupby(keys, as_index=False).size().rename(columns={"size": "customers"})


def test_weighted_kaplan_meier_and_log_rank_equal_row_level():
    rows = random_rows()
    agg = aggregate(rows, ["segment", "duration", "churned"])
    assert len(agg) < len(rows) / 2
    for segment in ("starter", "pro", "enterprise"):
        one, part = rows[rows.segment == segment], agg[agg.segment == segment]
        row_level = KaplanMeierFitter().fit(one["duration"], one["churned"])
        weighted = kaplan_meier(part["duration"], part["churned"], part["customers"])
        assert np.allclose(row_level.survival_function_.to_numpy(), weighted.survival_function_.to_numpy())
        assert np.allclose(row_level.confidence_interval_.to_numpy(), weighted.confidence_interval_.to_numpy())
        assert row_level.median_survival_time_ == weighted.median_survival_time_
    grouped = pl.from_pandas(agg.rename(columns={"segment": "group"}))
    overall, pairwise = logrank_tests(grouped, ["starter", "pro", "enterprise"])
    reference = multivariate_logrank_test(rows["duration"], rows["segment"], rows["churned"])
    assert np.isclose(overall["test_statistic"], reference.test_statistic)
    assert np.isclose(overall["p_value"], reference.p_value)
    pairs = pairwise_logrank_test(rows["duration"], rows["segment"], rows["churned"]).summary
    for row in pairwise.iter_rows(named=True):
        key = tuple(sorted((row["group_a"], row["group_b"])))
        assert np.isclose(row["test_statistic"], pairs.loc[key, "test_statistic"])
        assert np.isclose(row["p_value"], pairs.loc[key, "p"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighted_log_rank_across_groups_equals_row_level_with_tiny_groups(seed):
    """Four groups of very different sizes, listed in no particular order: the tail days have a single
    customer at risk (the n = 1 case of the variance) and the smallest group has days without anyone at risk."""
    rng = np.random.default_rng(seed)
    rows = random_rows(300, seed)
    tiny = pd.DataFrame({"segment": "trial", "channel": "ads", "duration": np.floor(rng.uniform(0, 150, 7)),
                         "churned": rng.random(7) < 0.6})
    rows = pd.concat([rows, tiny], ignore_index=True)
    grouped = pl.from_pandas(aggregate(rows, ["segment", "duration", "churned"]).rename(columns={"segment": "group"}))
    order = ["pro", "trial", "starter", "enterprise"]
    overall, pairwise = logrank_tests(grouped, order)
    reference = multivariate_logrank_test(rows["duration"], rows["segment"], rows["churned"])
    assert overall["degrees_of_freedom"] == 3
    assert np.isclose(overall["test_statistic"], reference.test_statistic, rtol=1e-9)
    assert np.isclose(overall["p_value"], reference.p_value, rtol=1e-9)
    # With two groups the k-group test is the pairwise one.
    two, pair = logrank_tests(grouped, ["trial", "pro"])
    assert np.isclose(two["test_statistic"], pair["test_statistic"][0], rtol=1e-9)


def design_of(rows: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"segment: pro": (rows.segment == "pro").astype(float),
                          "segment: enterprise": (rows.segment == "enterprise").astype(float),
                          "channel: ads": (rows.channel == "ads").astype(float),
                          "duration": rows.duration, "churned": rows.churned.astype(int)})
    if "customers" in rows:
        frame["customers"] = rows.customers.astype(float)
    return frame


def test_weighted_cox_and_proportional_hazards_test_equal_row_level():
    rows = random_rows()
    agg = aggregate(rows, ["segment", "channel", "duration", "churned"])
    # Both converged tightly (lifelines' default stops a few parts in a million short of the maximum).
    row_level = CoxPHFitter().fit(design_of(rows), "duration", "churned", fit_options=TIGHT_CONVERGENCE)
    weighted = fit_cox(design_of(agg))
    assert np.allclose(row_level.params_, weighted.params_)
    assert np.allclose(row_level.standard_errors_, weighted.standard_errors_)
    assert np.allclose(row_level.summary["p"], weighted.summary["p"])
    assert np.allclose(row_level.confidence_intervals_, weighted.confidence_intervals_)
    assert np.isclose(row_level.log_likelihood_, weighted.log_likelihood_)
    # Why the subclass: lifelines' own weighted fit counts tied churns by row in Efron's correction, so on
    # these tied days it is close to, but not equal to, the row-level fit.
    plain = CoxPHFitter().fit(design_of(agg), "duration", "churned", weights_col="customers")
    assert not np.allclose(row_level.params_, plain.params_, rtol=1e-4, atol=0)
    assert np.allclose(row_level.params_, plain.params_, rtol=0.05)
    # The proportional-hazards test counts every customer too (lifelines' version ignores weights).
    reference = proportional_hazard_test(row_level, design_of(rows), time_transform="km").summary
    check = proportional_hazards_test(weighted, design_of(agg))
    reference = reference.loc[check["covariate"].to_list()]  # lifelines sorts by name
    assert np.allclose(check["test_statistic"].to_numpy(), reference["test_statistic"].to_numpy())
    assert np.allclose(check["p_value"].to_numpy(), reference["p"].to_numpy())


def test_central_values_shortcut_equals_lifelines_describe():
    """The fitter's median-only central values (kept for lifelines' partial-effect plots) equal lifelines'
    own describe()-based ones, on the weighted design and on one with an odd number of rows."""
    for frame in (design_of(aggregate(random_rows(), ["segment", "channel", "duration", "churned"])),
                  design_of(random_rows(101, 3)).assign(customers=1.0)):
        fitter = fit_cox(frame)._model
        theirs = SemiParametricPHFitter._compute_central_values_of_raw_training_data(fitter, frame)
        pd.testing.assert_frame_equal(fitter._central_values, theirs)


# ------------------------------------------------------------------------------------------ end to end
def random_business(n: int = 400, seed: int = 11) -> tuple[dict, dict]:
    """Customers with segments that churn at different speeds, and their monthly-ish payments."""
    rng = np.random.default_rng(seed)
    start = date(2023, 1, 1)
    segments = rng.choice(["starter", "pro", "enterprise"], n, p=[0.5, 0.3, 0.2])
    channels = rng.choice(["ads", "organic", "referral"], n)
    signup = [start + timedelta(days=int(x)) for x in rng.integers(0, 600, n)]
    life = np.floor(rng.exponential(np.where(segments == "starter", 150, np.where(segments == "pro", 300, 700))))
    # Every date stays in the past: later transactions would be after "today" and left out (queries/as_of.py).
    life = np.minimum(life, [(date(2026, 6, 30) - day).days for day in signup])
    price = np.where(segments == "starter", 10.0, np.where(segments == "pro", 40.0, 150.0))
    ids, days, amounts = [], [], []
    for i in range(n):
        for offset in range(0, int(life[i]) + 1, 30):
            ids.append(f"c{i}")
            days.append(signup[i] + timedelta(days=offset))
            amounts.append(float(price[i] * rng.uniform(0.8, 1.2)))
    churn = [signup[i] + timedelta(days=int(life[i])) if segments[i] != "starter" else None for i in range(n)]
    customers = {"customer_id": [f"c{i}" for i in range(n)], "signup_date": signup, "segment": list(segments),
                 "acquisition_channel": list(channels), "region": ["eu"] * n, "churn_date": churn}
    return customers, {"customer_id": ids, "transaction_date": days, "amount": amounts}


def inactivity_rows(customers: dict, transactions: dict, days: int) -> pd.DataFrame:
    """The inactivity definition written again in pandas, one row per customer, independent of the SQL."""
    tx = pd.DataFrame(transactions)
    as_of = tx["transaction_date"].max()
    paid = tx[tx.amount > 0].sort_values(["transaction_date", "amount"], ascending=[True, False])
    last = paid.groupby("customer_id")["transaction_date"].max()
    first_value = paid.groupby("customer_id")["amount"].first()
    people = pd.DataFrame(customers).set_index("customer_id")
    people = people[people.signup_date <= as_of]
    last_active = last.reindex(people.index).fillna(people.signup_date)
    last_active = pd.concat([last_active, people.signup_date], axis=1).max(axis=1)
    churned = last_active.map(lambda x: x + timedelta(days=days)) <= as_of
    end = last_active.where(churned, as_of)
    out = people[["segment", "acquisition_channel"]].copy()
    out["duration"] = [(e - s).days for e, s in zip(end, people.signup_date, strict=True)]
    out["churned"] = churned.astype(int)
    out["first_value"] = first_value.reindex(people.index)
    return out


def test_cox_design_levels_references_and_left_out_worked_by_hand():
    """Segment c never churns: left out with its 8 customers, and so is channel y, which only c's customers
    have. One region: no covariate. Band 1 (110 customers, 40 churns) is the value
    reference; band 3 (only c's customers) is left out. References otherwise: the largest level (a, x)."""
    cols = ["segment", "channel", "region", "value_band", "duration", "churned", "customers", "left_out"]
    rows = [("a", "x", "r", 1, 10, True, 40, None), ("a", "x", "r", 1, 20, False, 60, None),
            ("b", "x", "r", 2, 15, True, 12, None), ("b", "x", "r", 2, 30, False, 20, None),
            ("a", "z", "r", 2, 12, True, 15, None), ("b", "z", "r", 1, 25, False, 10, None),
            ("c", "y", "r", 3, 40, False, 8, None),
            ("a", "x", "r", None, None, None, 5, "signed up after the as-of date")]
    spans = pl.DataFrame(rows, schema=dict(zip(cols, [pl.Utf8, pl.Utf8, pl.Utf8, pl.Int32, pl.Int64, pl.Boolean,
                                                       pl.Int64, pl.Utf8], strict=True)), orient="row")
    spans = spans.with_columns(cohort_year=pl.lit(2024), band_q1=pl.lit(20.0), band_q2=pl.lit(35.0),
                               band_q3=pl.lit(50.0))
    design = cox_design(spans)
    low, second, third = "lowest quarter (≤ 20)", "second quarter (20–35)", "third quarter (35–50)"
    assert design.references == {"segment": "a", "channel": "x", "value_band": low}
    assert design.covariates == [("segment", "b"), ("channel", "z"), ("value_band", second)]
    assert design.levels.rows() == [
        ("segment", "a", 115, 55, "reference"), ("segment", "b", 42, 12, "covariate"),
        ("segment", "c", 8, 0, "left out"),
        ("channel", "x", 132, 52, "reference"), ("channel", "z", 25, 15, "covariate"),
        ("channel", "y", 8, 0, "left out"),
        ("region", "r", 157, 67, "single level"),
        ("first-order value", low, 110, 40, "reference"), ("first-order value", second, 47, 27, "covariate"),
        ("first-order value", third, 8, 0, "left out"),
    ]
    frame = design.frame.sort_values(["duration"]).reset_index(drop=True)
    assert list(frame.columns) == ["segment: b", "channel: z", f"first-order value: {second}", "duration",
                                   "churned", "customers"]
    assert frame["customers"].tolist() == [40, 15, 12, 60, 10, 20]
    assert frame["duration"].tolist() == [10, 12, 15, 20, 25, 30]
    assert frame["segment: b"].tolist() == [0, 0, 1, 0, 1, 1]
    assert frame["channel: z"].tolist() == [0, 1, 0, 0, 1, 0]
    assert frame[f"first-order value: {second}"].tolist() == [0, 1, 1, 0, 0, 1]


def test_hazard_model_equals_a_row_level_fit_of_the_same_customers(make_source):
    customers, transactions = random_business()
    source = make_source(customers=customers, transactions=transactions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hazard_model(source, Filters(), "inactivity", 60)
    assert model.error is None
    rows = inactivity_rows(customers, transactions, 60)
    spans = survival_spans(source, Filters(), "inactivity", 60)
    # The SQL's aggregated durations are the pandas ones, counted.
    expected = rows.groupby(["duration", "churned"]).size().to_dict()
    assert {(k[0], int(k[1])): v for k, v in outcomes(spans).items()} == expected
    # Row-level Cox on the same covariates (references: the largest segment and channel, the lowest quarter).
    cuts = rows.first_value.quantile([0.25, 0.5, 0.75]).to_numpy()
    band = np.select([rows.first_value.isna(), rows.first_value <= cuts[0], rows.first_value <= cuts[1],
                      rows.first_value <= cuts[2]], [0, 1, 2, 3], 4)
    design = cox_design(spans)
    frame = pd.DataFrame({"duration": rows.duration, "churned": rows.churned})
    # Band labels start with never / lowest / second / third / top.
    values = {"segment": rows.segment, "channel": rows.acquisition_channel,
              "value_band": pd.Series(np.array(["never", "lowest", "second", "third", "top"])[band], rows.index)}
    for dim, level in design.covariates:
        wanted = level.split(" ")[0] if dim == "value_band" else level
        frame[f"{dim}: {level}"] = (values[dim] == wanted).astype(float)
    row_level = CoxPHFitter().fit(frame, "duration", "churned", fit_options=TIGHT_CONVERGENCE)
    assert np.allclose(model.hazard_ratios["hazard_ratio"].to_numpy(), row_level.hazard_ratios_.to_numpy())
    assert np.allclose(model.hazard_ratios["p_value"].to_numpy(), row_level.summary["p"].to_numpy())
    assert set(model.references) == {"segment", "channel", "value_band"}  # one region: no covariate
    assert model.references["segment"] == "starter"


# ------------------------------------------------------------------------------------------ page and export
@pytest.fixture
def business(tmp_path: Path) -> Path:
    customers, transactions = random_business()
    return write_exports(tmp_path / "data", customers=customers, transactions=transactions)


PAGE = "pages/survival.py"


def test_survival_page(business, run_page):
    at = run_page(PAGE, business)
    assert at.title[0].value.startswith("Survival")
    curves, forest = figures(at)
    # Per segment: upper band edge, band (filled to it), the step curve, the at-risk row. Combined is the default:
    # starter has no churn dates but churns by inactivity, so every segment is drawn and nothing is warned about.
    names = [t["name"] for t in curves["data"]]
    # Display names: the codes with a capital (starter -> Starter).
    assert names[:4] == ["Starter 95% upper", "Starter 95% band", "Starter", "Starter at risk"]
    assert {t["name"] for t in curves["data"] if t.get("showlegend", True)} == {"Starter", "Pro", "Enterprise"}
    line = curves["data"][2]
    assert line["line"]["shape"] == "hv" and curves["data"][1]["fill"] == "tonexty"
    assert line["y"][0] == 1.0 and line["x"][0] == 0
    assert curves["data"][3]["mode"] == "text"
    assert curves["layout"]["yaxis"]["title"]["text"] == "Customers still active (%)"
    assert curves["layout"]["xaxis2"]["title"]["text"] == "Days since signup"
    assert "stay longest" in curves["layout"]["title"]["text"]
    assert forest["layout"]["xaxis"]["type"] == "log"
    assert all(t["type"] == "scatter" and "error_x" in t for t in forest["data"])
    assert any("Churn definition in force (the default): **combined**" in m.value for m in at.markdown)
    assert not at.warning
    by_segment = at.dataframe[0].value.set_index("segment")
    assert by_segment.loc["Starter", "churned"] > 0 and by_segment.loc["Pro", "survival_30"] > 0
    labels = set(downloads(at))
    assert {"Download survival_curve.csv", "Download survival_summary.csv", "Download hazard_ratios.csv",
            "Download survival_logrank_pairwise.csv"} <= labels
    assert any(e.label == "Definitions" for e in at.expander)


def test_survival_page_explicit_warns_about_segments_without_churn_dates(business, run_page):
    at = run_page(PAGE, business, query_params={"churn": "explicit"})
    curves = figures(at)[0]
    # starter has no churn dates: under explicit it cannot churn, so it is not drawn (a flat 100% line would
    # read as "nobody leaves") and the page says why.
    assert {t["name"] for t in curves["data"] if t.get("showlegend", True)} == {"Pro", "Enterprise"}
    assert any("cancellation date only" in m.value for m in at.markdown)
    assert any("No cancellation dates for Starter" in w.value for w in at.warning)
    by_segment = at.dataframe[0].value.set_index("segment")
    assert by_segment.loc["Starter", "median time to churn"] == "no churn dates recorded"
    assert by_segment.loc["Starter", "survival_365"] == "–"  # shown as "–", not None (the CSV keeps it empty)


def test_survival_page_reads_its_settings_from_the_url(business, run_page):
    at = run_page(PAGE, business, query_params={"churn": "inactivity", "inactivity_days": "60",
                                                "survival_by": "channel"})
    assert at.session_state["churn"] == "inactivity" and at.session_state["inactivity_days"] == 60
    assert any("inactivity, 60 days" in m.value for m in at.markdown)
    curves = figures(at)[0]
    assert {t["name"] for t in curves["data"] if t.get("showlegend", True)} == {"Ads", "Organic", "Referral"}
    customers, transactions = random_business()
    rows = inactivity_rows(customers, transactions, 60)
    # The page's first point of each curve is 1.0 before day 0, then S(0) = 1 - that channel's day-0 churn share.
    ads = next(t for t in curves["data"] if t["name"] == "Ads")
    part = rows[rows.acquisition_channel == "ads"]
    assert ads["y"][1] == pytest.approx(1 - ((part.duration == 0) & (part.churned == 1)).mean())
    assert not at.warning  # inactivity: every segment can churn


def run_export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", "export", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_export_writes_the_survival_tables(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=HAND_CUSTOMERS, transactions=HAND_TRANSACTIONS)
    out = tmp_path / "out"
    result = run_export("--data", str(data), "--out", str(out), "--churn-definition", "inactivity",
                        "--inactivity-days", "60")
    assert result.returncode == 0, result.stderr
    curve = pl.read_csv(out / "survival_curve.csv")
    assert curve.columns == ["group", "days", "survival", "ci_lower", "ci_upper", "at_risk"]
    summary = pl.read_csv(out / "survival_summary.csv")
    assert summary.columns == ["group", "customers", "churned", "median_days", "survival_30", "survival_90",
                               "survival_180", "survival_365", "rmst_365"]
    # Same numbers as test_summary_by_group_median_not_reached_and_curve_reaching_zero (inactivity, N = 60).
    starter = summary.filter(pl.col("group") == "starter").row(0, named=True)
    assert (starter["customers"], starter["churned"], starter["rmst_365"]) == (4, 4, 15.75)
    pro = summary.filter(pl.col("group") == "pro").row(0, named=True)
    assert pro["survival_90"] == pytest.approx(0.25) and pro["rmst_365"] is None
    ratios = pl.read_csv(out / "hazard_ratios.csv")
    # 7 churns: too few for a hazard model, so the file has its header and no rows.
    assert ratios.columns == ["covariate", "hazard_ratio", "ci_lower", "ci_upper", "p_value"] and ratios.height == 0


def test_export_survival_flags(tmp_path: Path):
    customers, transactions = random_business()
    data = write_exports(tmp_path / "data", customers=customers, transactions=transactions)
    out = tmp_path / "out"
    result = run_export("--data", str(data), "--out", str(out), "--survival-by", "cohort_year")
    assert result.returncode == 0, result.stderr
    summary = pl.read_csv(out / "survival_summary.csv", schema_overrides={"group": pl.Utf8})
    assert summary["group"].to_list() == ["2023", "2024"]
    ratios = pl.read_csv(out / "hazard_ratios.csv")
    assert ratios.height > 0 and (ratios["ci_lower"] <= ratios["hazard_ratio"]).all()
    bad = run_export("--data", str(data), "--out", str(out), "--inactivity-days", "0")
    assert bad.returncode == 2 and "at least 1" in bad.stderr and "Traceback" not in bad.stderr


def test_many_groups_are_pooled_beyond_eight():
    spans = pl.DataFrame({
        "region": [f"r{i:02d}" for i in range(10)], "cohort_year": list(range(2015, 2025)),
        "duration": [10] * 10, "churned": [True] * 10, "customers": list(range(10, 20)), "left_out": [None] * 10,
    })
    regions = group_spans(spans, "region")
    # The 7 largest (r03..r09) stay; r00, r01, r02 (10 + 11 + 12 customers) are pooled.
    assert sorted(regions["group"].to_list()) == ["other (3 smaller groups)"] + [f"r{i:02d}" for i in range(3, 10)]
    assert regions.filter(pl.col("group") == "other (3 smaller groups)")["customers"].to_list() == [33]
    years = group_spans(spans, "cohort_year")
    assert sorted(years["group"].to_list())[-1] == "before 2018" and years.height == 8
