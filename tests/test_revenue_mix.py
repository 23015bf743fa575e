"""Revenue mix: new vs existing revenue, acquisition-year layers, revenue movements and concentration.

Hand-worked tables first (every golden number says how it was worked out), then property tests against
small brute-force oracles written independently of the SQL, then the page in AppTest and the export.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.filters import GRAINS, Filters
from analytics.periods import period_end, period_start
from analytics.revenue_mix import (
    MOVEMENTS,
    as_of_bound,
    lorenz_curve,
    revenue_by_acquisition_year,
    revenue_concentration,
    revenue_mix,
    revenue_movements,
)
from queries import DataSource
from report.export import Settings, export
from tests.conftest import d, downloads, figures, write_exports
from ui import revenue_mix_charts

# ---------------------------------------------------------------------------------------------------------
# A small business, worked by hand (monthly):
#   a (pro, ads, eu) signs up 2024-01-10: Jan 100, Feb 150, Mar 120, Apr nothing, May 80 - 10 refund = 70.
#   b (starter, ads, us) 2024-01-20: Jan 50, Feb 50 - 50 refund = 0, then nothing.
#   c (starter, organic, eu) 2024-02-05: Feb 40, Mar 40, Apr 60, May 60.
#   d (pro, organic, us) 2024-03-15: Mar 200, Apr 200, May 100.
# The last transaction (a's refund) is on 2024-05-20: the as-of date; May is incomplete.
CUSTOMERS = {
    "customer_id": ["a", "b", "c", "d"],
    "signup_date": [d("2024-01-10"), d("2024-01-20"), d("2024-02-05"), d("2024-03-15")],
    "segment": ["pro", "starter", "starter", "pro"],
    "acquisition_channel": ["ads", "ads", "organic", "organic"],
    "region": ["eu", "us", "eu", "us"],
}
TRANSACTIONS = {
    "customer_id": ["a", "b", "a", "c", "b", "b", "a", "c", "d", "c", "d", "a", "c", "d", "a"],
    "transaction_date": [d("2024-01-10"), d("2024-01-25"), d("2024-02-03"), d("2024-02-10"), d("2024-02-10"),
                         d("2024-02-12"), d("2024-03-03"), d("2024-03-01"), d("2024-03-20"), d("2024-04-02"),
                         d("2024-04-10"), d("2024-05-05"), d("2024-05-06"), d("2024-05-02"), d("2024-05-20")],
    "amount": [100.0, 50.0, 150.0, 40.0, 50.0, -50.0, 120.0, 40.0, 200.0, 60.0, 200.0, 80.0, 60.0, 100.0, -10.0],
}
MONTHS = [d("2024-01-01"), d("2024-02-01"), d("2024-03-01"), d("2024-04-01"), d("2024-05-01")]


def movement_rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("period", *MOVEMENTS, "net_change").rows()


def test_new_vs_existing_by_hand(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    mix = revenue_mix(source, Filters())
    # Jan: a 100 + b 50, both acquired in Jan -> all new.
    # Feb: c 40 new (acquired Feb); a 150 + b (50 - 50 refund) existing = 150 -> share 150 / 190.
    # Mar: d 200 new; a 120 + c 40 = 160 existing -> 160 / 360.
    # Apr: nobody acquired; c 60 + d 200 = 260 existing.  May: a 70 + c 60 + d 100 = 230 existing.
    assert mix.select("period", "new_revenue", "existing_revenue").rows() == [
        (MONTHS[0], 150.0, 0.0), (MONTHS[1], 40.0, 150.0), (MONTHS[2], 200.0, 160.0),
        (MONTHS[3], 0.0, 260.0), (MONTHS[4], 0.0, 230.0)]
    assert mix["existing_share"].to_list() == pytest.approx([0.0, 150 / 190, 160 / 360, 1.0, 1.0])
    # As-of 2024-05-20: May ends after it.
    assert mix["is_complete"].to_list() == [True, True, True, True, False]
    assert as_of_bound(source, Filters()) == d("2024-05-20")


def test_movements_by_hand(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    got = revenue_movements(source, Filters())
    # Columns: period, new, expansion, contraction, churned, paused, resumed, reactivated, net_refunds, net_change.
    # Churn: the default (combined; no churn dates here, so 90 days without a purchase), as of 2024-05-20.
    assert movement_rows(got) == [
        # Jan: a and b pay for the first time: 100 + 50.
        (MONTHS[0], 150.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 150.0),
        # Feb: a 100 -> 150 expansion +50; b 50 -> 0 (paid and refunded): its last purchase 02-10 + 90 = 05-10 is
        # before the as-of date, so b churned in February: churned -50; c first pays 40.
        (MONTHS[1], 40.0, 50.0, 0.0, -50.0, 0.0, 0.0, 0.0, 0.0, 40.0),
        # Mar: a 150 -> 120 contraction -30; d first pays 200; c 40 -> 40 and b 0 -> 0 move nothing.
        (MONTHS[2], 200.0, 0.0, -30.0, 0.0, 0.0, 0.0, 0.0, 0.0, 170.0),
        # Apr: a has no transaction (a gap = 0) but comes back in May, so never churned: paused -120; c 40 -> 60
        # expansion +20; d flat.
        (MONTHS[3], 0.0, 20.0, 0.0, 0.0, -120.0, 0.0, 0.0, 0.0, -100.0),
        # May: a back after the pause, 80 - 10 = 70: resumed; d 200 -> 100 contraction -100.
        (MONTHS[4], 0.0, 0.0, -100.0, 0.0, 0.0, 70.0, 0.0, 0.0, -30.0),
    ]
    # Reconciles with the revenue totals: 150, 190, 360, 260, 230 -> +150, +40, +170, -100, -30.
    mix = revenue_mix(source, Filters())
    totals = (mix["new_revenue"] + mix["existing_revenue"]).to_list()
    assert got["net_change"].to_list() == [b - a for a, b in pairwise([0.0, *totals])]
    assert got["is_complete"].to_list() == [True, True, True, True, False]


def test_refunds_larger_than_payments_reconcile_through_net_refunds(make_source):
    customers = {"customer_id": ["e"], "signup_date": [d("2024-01-05")]}
    # Jan +30; Feb only a refund of 30 (net -30); Mar nothing; Apr +20.
    tx = {"customer_id": ["e", "e", "e"], "transaction_date": [d("2024-01-05"), d("2024-02-10"), d("2024-04-30")],
          "amount": [30.0, -30.0, 20.0]}
    got = revenue_movements(make_source(customers=customers, transactions=tx), Filters())
    assert movement_rows(got) == [
        (d("2024-01-01"), 30.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 30.0),
        # 30 -> -30: paused -30 (the 30 lost; e pays again in April, so never churned) and net refunds -30 (going
        # below zero): change -60.
        (d("2024-02-01"), 0.0, 0.0, 0.0, 0.0, -30.0, 0.0, 0.0, -30.0, -60.0),
        # -30 -> 0 (no transaction): only the net refunds unwind, +30.
        (d("2024-03-01"), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 30.0, 30.0),
        # 0 -> 20, having paid in January and never churned: resumed.
        (d("2024-04-01"), 0.0, 0.0, 0.0, 0.0, 0.0, 20.0, 0.0, 0.0, 20.0),
    ]
    # April ends on the as-of date (2024-04-30): complete.
    assert got["is_complete"].to_list() == [True] * 4


def test_quarter_grain_by_hand(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    mix = revenue_mix(source, Filters(grain="quarter"))
    # Q1: everyone was acquired in Q1: a 370 + b 50 + c 80 + d 200 = 700, all new.
    # Q2: a 70 + c 120 + d 300 = 490, all existing; Q2 ends 2024-06-30 > as-of: incomplete.
    assert mix.rows() == [(d("2024-01-01"), 700.0, 0.0, 0.0, True), (d("2024-04-01"), 0.0, 490.0, 1.0, False)]
    got = revenue_movements(source, Filters(grain="quarter"))
    # Q2 vs Q1: a 370 -> 70 contraction -300; b 50 -> 0 churned -50 (in Q1: 02-10 + 90 <= as-of); c 80 -> 120
    # +40 and d 200 -> 300 +100.
    assert movement_rows(got)[1] == (d("2024-04-01"), 0.0, 140.0, -300.0, -50.0, 0.0, 0.0, 0.0, 0.0, -210.0)


def test_week_grain_by_hand(make_source):
    # x signs up Wed 2024-01-03 (week of Mon 01-01), y on Tue 01-09 (week of 01-08).
    customers = {"customer_id": ["x", "y"], "signup_date": [d("2024-01-03"), d("2024-01-09")]}
    # y pays on Sunday 01-14 (still the week of 01-08) and Monday 01-15 (next week); x skips the week of 01-15.
    tx = {"customer_id": ["x", "x", "y", "y", "x"],
          "transaction_date": [d("2024-01-03"), d("2024-01-08"), d("2024-01-14"), d("2024-01-15"), d("2024-01-22")],
          "amount": [10.0, 10.0, 20.0, 30.0, 5.0]}
    source = make_source(customers=customers, transactions=tx)
    weeks = [d("2024-01-01"), d("2024-01-08"), d("2024-01-15"), d("2024-01-22")]
    mix = revenue_mix(source, Filters(grain="week"))
    # wk 01-01: x 10 new.  wk 01-08: y 20 new, x 10 existing.  wk 01-15: y 30 existing.  wk 01-22: x 5.
    assert mix.select("period", "new_revenue", "existing_revenue").rows() == [
        (weeks[0], 10.0, 0.0), (weeks[1], 20.0, 10.0), (weeks[2], 0.0, 30.0), (weeks[3], 0.0, 5.0)]
    # As-of Monday 01-22: its week ends Sunday 01-28, after it.
    assert mix["is_complete"].to_list() == [True, True, True, False]
    assert movement_rows(revenue_movements(source, Filters(grain="week"))) == [
        (weeks[0], 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0),
        (weeks[1], 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0),     # x flat 10 -> 10; y first pays 20
        # Nobody has been silent 90 days by the as-of date (01-22): every lapse is a pause.
        (weeks[2], 0.0, 10.0, 0.0, 0.0, -10.0, 0.0, 0.0, 0.0, 0.0),    # x 10 -> 0 paused; y 20 -> 30 expansion
        (weeks[3], 0.0, 0.0, 0.0, 0.0, -30.0, 5.0, 0.0, 0.0, -25.0),   # x back: resumed 5; y 30 -> 0 paused
    ]


def test_dimension_filters_run_no_sql(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    for fn in (revenue_mix, revenue_by_acquisition_year, revenue_movements):
        fn(source, Filters())
    queries_run = len(source._cache)
    pro = Filters(segment=("pro",))
    # Pro = a and d: Jan a 100 new; Feb a 150; Mar d 200 new + a 120; Apr d 200; May a 70 + d 100.
    assert revenue_mix(source, pro).select("new_revenue", "existing_revenue").rows() == [
        (100.0, 0.0), (0.0, 150.0), (200.0, 120.0), (0.0, 200.0), (0.0, 170.0)]
    # Pro movements in Feb: a's expansion only (b's churn and c's start are starters').
    assert movement_rows(revenue_movements(source, pro))[1] == (MONTHS[1], 0.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                                                50.0)
    # Organic customers in the us = d only: its periods start in March (acquired then).
    d_only = revenue_mix(source, Filters(channel=("organic",), region=("us",)))
    assert d_only.select("period", "new_revenue", "existing_revenue").rows() == [
        (MONTHS[2], 200.0, 0.0), (MONTHS[3], 0.0, 200.0), (MONTHS[4], 0.0, 100.0)]
    # Pro layers: a (2024) and d (2024) only.
    assert revenue_by_acquisition_year(source, pro)["revenue"].to_list() == [100.0, 150.0, 320.0, 200.0, 170.0]
    assert len(source._cache) == queries_run  # every answer above came from the cached query results
    assert revenue_mix(source, Filters(segment=("nobody",))).height == 0


def test_window_start_is_applied_by_period_and_end_is_the_as_of_bound(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    # Start 2024-02-20 -> whole months from February; a and b stay existing customers in February.
    late = revenue_mix(source, Filters(start=d("2024-02-20")))
    assert late["period"].to_list() == MONTHS[1:]
    assert late.row(0) == (MONTHS[1], 40.0, 150.0, 150 / 190, True)
    # Movements of February still compare with January (outside the window): +40.
    assert revenue_movements(source, Filters(start=d("2024-02-20")))["net_change"][0] == 40.0
    # End 2024-03-10: the as-of bound; March holds a 120 + c 40 (d's 03-20 payment is later, d's signup too)
    # and is incomplete.
    early = revenue_mix(source, Filters(end=d("2024-03-10")))
    assert early.rows()[-1] == (MONTHS[2], 0.0, 160.0, 1.0, False)
    assert as_of_bound(source, Filters(end=d("2024-03-10"))) == d("2024-03-10")
    # An end after the data is bounded by the as-of date.
    assert as_of_bound(source, Filters(end=d("2030-01-01"))) == d("2024-05-20")


def test_transactions_before_signup_period_and_unknown_customers_are_left_out(make_source):
    customers = {"customer_id": ["a"], "signup_date": [d("2024-02-10")]}
    # 01-20: before a's signup month (left out); 02-01: same month as signup (kept); "ghost": unknown.
    tx = {"customer_id": ["a", "a", "ghost"], "transaction_date": [d("2024-01-20"), d("2024-02-01"), d("2024-02-02")],
          "amount": [99.0, 10.0, 7.0]}
    source = make_source(customers=customers, transactions=tx)
    assert revenue_mix(source, Filters()).rows() == [(d("2024-02-01"), 10.0, 0.0, 0.0, False)]
    assert movement_rows(revenue_movements(source, Filters())) == [
        (d("2024-02-01"), 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0)]


# Acquisition years: p acquired 2023-11-15, q 2024-01-10. p: Nov 10, Jan 20, Feb 5; q: Jan 30, Feb 15.
LAYER_CUSTOMERS = {"customer_id": ["p", "q"], "signup_date": [d("2023-11-15"), d("2024-01-10")]}
LAYER_TRANSACTIONS = {"customer_id": ["p", "p", "q", "p", "q"],
                      "transaction_date": [d("2023-11-15"), d("2024-01-05"), d("2024-01-10"), d("2024-02-01"),
                                           d("2024-02-02")],
                      "amount": [10.0, 20.0, 30.0, 5.0, 15.0]}


def test_layer_cake_by_hand(make_source):
    source = make_source(customers=LAYER_CUSTOMERS, transactions=LAYER_TRANSACTIONS)
    got = revenue_by_acquisition_year(source, Filters())
    # December has no revenue but is a period of the window (0); the 2024 layer starts in 2024.
    assert got.select("period", "acquisition_year", "revenue").rows() == [
        (d("2023-11-01"), 2023, 10.0), (d("2023-12-01"), 2023, 0.0),
        (d("2024-01-01"), 2023, 20.0), (d("2024-01-01"), 2024, 30.0),
        (d("2024-02-01"), 2023, 5.0), (d("2024-02-01"), 2024, 15.0)]
    mix = revenue_mix(source, Filters())
    assert mix.filter(pl.col("period") == d("2023-12-01")).row(0) == (d("2023-12-01"), 0.0, 0.0, None, True)
    # The layers add up to new + existing.
    assert got.group_by("period").agg(pl.col("revenue").sum()).sort("period")["revenue"].to_list() == (
        mix["new_revenue"] + mix["existing_revenue"]).to_list()
    # Title: January 2024 is the last complete month; p (acquired 2023) brought 20 of 50.
    fig = revenue_mix_charts.revenue_layer_chart(got, "month")
    assert fig.layout.title.text == "Customers acquired before 2024 brought 40% of revenue in January 2024"


def test_acquisition_year_is_the_signup_year_even_in_a_week_across_new_year(make_source):
    # The week of Monday 2024-12-30 runs to Sunday 2025-01-05: n signs up on 2024-12-31, m on 2025-01-02;
    # both pay on 2025-01-03. The week holds a 2024 layer (n, 10) and a 2025 layer (m, 7).
    customers = {"customer_id": ["n", "m"], "signup_date": [d("2024-12-31"), d("2025-01-02")]}
    tx = {"customer_id": ["n", "m"], "transaction_date": [d("2025-01-03"), d("2025-01-03")], "amount": [10.0, 7.0]}
    source = make_source(customers=customers, transactions=tx)
    week = revenue_by_acquisition_year(source, Filters(grain="week"))
    assert week.select("period", "acquisition_year", "revenue").rows() == [
        (d("2024-12-30"), 2024, 10.0), (d("2024-12-30"), 2025, 7.0)]
    # By month, January 2025 holds the same two layers (n's revenue came after its signup month: existing).
    month = revenue_by_acquisition_year(source, Filters(grain="month"))
    assert month.select("period", "acquisition_year", "revenue").rows() == [
        (d("2025-01-01"), 2024, 10.0), (d("2025-01-01"), 2025, 7.0)]


# Concentration: as-of 2024-06-30, so T12M = 2023-07-01 .. 2024-06-30. All signed up 2023-01-01.
#   k1 (pro): 30 on 2023-07-01 (first day in) + 30 on 2024-06-30 (last day) = 60
#   k2 (pro): 30.  k3 (pro): 10.
#   k4 (pro): 50 on 2023-03-01 (before T12M) and a refund of 5 in it: -5 -> counted as 0, still a customer.
#   k5 (pro): 100 on 2023-06-30 only, one day before T12M: not a T12M customer.
#   k6 (enterprise): 1000.
CONCENTRATION_CUSTOMERS = {
    "customer_id": ["k1", "k2", "k3", "k4", "k5", "k6"],
    "signup_date": [d("2023-01-01")] * 6,
    "segment": ["pro"] * 5 + ["enterprise"],
}
CONCENTRATION_TRANSACTIONS = {
    "customer_id": ["k1", "k1", "k2", "k3", "k4", "k4", "k5", "k6"],
    "transaction_date": [d("2023-07-01"), d("2024-06-30"), d("2024-01-15"), d("2024-03-01"), d("2023-03-01"),
                         d("2024-02-01"), d("2023-06-30"), d("2024-05-01")],
    "amount": [30.0, 30.0, 30.0, 10.0, 50.0, -5.0, 100.0, 1000.0],
}


def test_concentration_by_hand(make_source):
    source = make_source(customers=CONCENTRATION_CUSTOMERS, transactions=CONCENTRATION_TRANSACTIONS)
    pro = Filters(segment=("pro",))
    summary = revenue_concentration(source, pro).row(0, named=True)
    assert (summary["window_start"], summary["window_end"]) == (d("2023-07-01"), d("2024-06-30"))
    # Pro T12M revenue ascending: 0 (k4), 10, 30, 60; total 100.
    assert (summary["customers"], summary["zero_revenue_customers"], summary["t12m_revenue"]) == (4, 1, 100.0)
    # Top 20% of 4 customers = 0.8 of k1: 0.8 * 60 = 48 of 100.
    assert summary["top_20_share"] == pytest.approx(0.48)
    # Gini = 2 * (1*0 + 2*10 + 3*30 + 4*60) / (4 * 100) - 5/4 = 700/400 - 1.25 = 0.5
    # (check: area under the curve = 0.25 * (0 + 0.05 + 0.25 + 0.7) = 0.25, and 1 - 2 * 0.25 = 0.5).
    assert summary["gini"] == pytest.approx(0.5)
    lorenz = lorenz_curve(source, pro)
    # Cumulative shares: 0/100, 10/100, 40/100, 100/100 after 1, 2, 3, 4 of 4 customers.
    assert lorenz.rows() == [(0, 0.0, 0.0), (1, 0.25, 0.0), (2, 0.5, 0.1), (3, 0.75, 0.4), (4, 1.0, 1.0)]

    everyone = revenue_concentration(source, Filters()).row(0, named=True)
    # Adding k6's 1000: 0, 10, 30, 60, 1000 (total 1100); the top 20% of 5 is exactly k6: 1000/1100.
    assert everyone["top_20_share"] == pytest.approx(1000 / 1100)
    # Gini = 2 * (0 + 20 + 90 + 240 + 5000) / (5 * 1100) - 6/5 = 107/55 - 66/55 = 41/55.
    assert everyone["gini"] == pytest.approx(41 / 55)

    # End 2024-03-31 moves the T12M window to 2023-04-01 .. 2024-03-31: k5's 100 is in, k1's June 30 is out.
    moved = revenue_concentration(source, Filters(segment=("pro",), end=d("2024-03-31"))).row(0, named=True)
    # Pro: k1 30, k2 30, k3 10, k4 -5 -> 0, k5 100: five customers, 170.
    assert (moved["window_start"], moved["customers"], moved["t12m_revenue"]) == (d("2023-04-01"), 5, 170.0)
    fig = revenue_mix_charts.lorenz_chart(lorenz, revenue_concentration(source, pro))
    assert fig.layout.title.text == ("The top 20% of customers brought 48% of revenue in the 12 months to "
                                     "30 Jun 2024 (Gini 0.50)")


def test_lorenz_curve_is_thinned_to_percentiles_for_many_customers(make_source):
    # 250 customers paying 1, 2, ..., 250 (total 250 * 251 / 2 = 31,375).
    n = 250
    ids = [f"c{i:03d}" for i in range(1, n + 1)]
    source = make_source(customers={"customer_id": ids, "signup_date": [d("2024-01-01")] * n},
                         transactions={"customer_id": ids, "transaction_date": [d("2024-01-02")] * n,
                                       "amount": [float(i) for i in range(1, n + 1)]})
    lorenz = lorenz_curve(source, Filters())
    # The origin plus the first customer reaching each whole percent (2.5 customers per percent): 101 points.
    assert lorenz.height == 101 and lorenz.row(-1) == (250, 1.0, 1.0)
    # Every point is exact: the k poorest brought 1 + ... + k = k(k+1)/2.
    for k, share in zip(lorenz["customers_below"].to_list(), lorenz["revenue_share"].to_list(), strict=True):
        assert share == pytest.approx(k * (k + 1) / 2 / 31375)
    summary = revenue_concentration(source, Filters()).row(0, named=True)
    # Top 50 = 201 + ... + 250 = 50 * 451 / 2 = 11,275.  Gini of 1..n = (n - 1) / (3n) = 249 / 750.
    assert summary["top_20_share"] == pytest.approx(11275 / 31375)
    assert summary["gini"] == pytest.approx(249 / 750)


def test_chart_titles_state_the_last_complete_period(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    march = Filters(end=d("2024-03-31"))
    mix, movements = revenue_mix(source, march), revenue_movements(source, march)
    fig = revenue_mix_charts.revenue_mix_chart(mix, "month")
    # March: 160 of 360 from existing customers = 44%.
    assert fig.layout.title.text == "Existing customers brought 44% of revenue in March 2024"
    assert [t.type for t in fig.data] == ["bar", "bar", "scatter"]
    waterfall = revenue_mix_charts.revenue_waterfall_chart(movements, mix, "month")
    # February 190 -> March 360: +200 new, -30 contraction (the other movements are 0) = +170, +89.5%. Steps: the
    # movements that moved something, and new, paused and churned always.
    assert waterfall.layout.title.text == "Feb 2024 → Mar 2024: revenue 190 → 360 (+89.5%)"
    assert list(waterfall.data[0].x)[1:-1] == ["New (first paying period)", "Contraction", "Paused", "Churned"]
    assert list(waterfall.data[0].y) == [190.0, 200.0, -30.0, 0.0, 0.0, 360.0]
    moves = revenue_mix_charts.revenue_movements_chart(movements, "month")
    assert moves.layout.title.text == ("Revenue grew by 170 in March 2024<br>churn took 0, pauses 0; first-time "
                                       "payers added 200")
    # May (incomplete, default filters) is hatched and never in a title: April is the last complete month.
    full = revenue_mix_charts.revenue_mix_chart(revenue_mix(source, Filters()), "month")
    assert full.data[0].marker.pattern.shape[-1] == "/" and "April 2024" in full.layout.title.text


# ---------------------------------------------------------------------------------------------------------
# Properties, against brute-force oracles on random small businesses.
SEGMENTS, CHANNELS, REGIONS = ("pro", "starter"), ("ads", "organic"), ("eu", "us")
DAY0 = date(2024, 1, 1)


@st.composite
def businesses(draw):
    n = draw(st.integers(1, 5))
    customers = {
        "customer_id": [f"c{i}" for i in range(n)],
        "signup_date": [DAY0 + timedelta(days=draw(st.integers(0, 120))) for _ in range(n)],
        "segment": [draw(st.sampled_from(SEGMENTS)) for _ in range(n)],
        "acquisition_channel": [draw(st.sampled_from(CHANNELS)) for _ in range(n)],
        "region": [draw(st.sampled_from(REGIONS)) for _ in range(n)],
        # Some cancellations, before or after purchases, some after the data ends: the movements follow them.
        "churn_date": [draw(st.sampled_from([None, None, *(DAY0 + timedelta(days=k) for k in (20, 75, 150, 260))]))
                       for _ in range(n)],
    }
    m = draw(st.integers(1, 15))
    # Whole amounts: sums are exact whatever the order, so "shuffling changes nothing" can be checked exactly.
    transactions = {
        "customer_id": [f"c{draw(st.integers(0, n - 1))}" for _ in range(m)],
        "transaction_date": [DAY0 + timedelta(days=draw(st.integers(0, 200))) for _ in range(m)],
        "amount": [float(draw(st.sampled_from([-20, -5, 5, 10, 25, 40]))) for _ in range(m)],
    }
    filters = Filters(grain=draw(st.sampled_from(GRAINS)), end=draw(st.sampled_from([None, date(2024, 3, 15)])),
                      segment=draw(st.sampled_from([(), ("pro",)])),
                      region=draw(st.sampled_from([(), ("eu",), ("eu", "us")])))
    return customers, transactions, filters


def open_source(folder: Path, customers: dict, transactions: dict) -> DataSource:
    # A churn_date column of only nulls is typed as a date (Polars would infer a column of type Null).
    people = pl.DataFrame(customers, schema_overrides={"churn_date": pl.Date} if "churn_date" in customers else None)
    return DataSource.open(write_exports(folder, customers=people, transactions=transactions))


def customer_period_revenue(customers: dict, transactions: dict,
                            filters: Filters) -> tuple[dict[str, date], dict[str, dict[date, float]], date]:
    """The oracle, in plain Python: (cohort period of each in-scope customer, {customer: {period: revenue}},
    as-of bound). Like cohort_activity, customers who sign up after the window end are out (none without one)."""
    as_of = min(max(transactions["transaction_date"]), filters.end or date.max)
    cohorts = {}
    for cid, signup, seg, chan, reg in zip(customers["customer_id"], customers["signup_date"],
                                           customers["segment"], customers["acquisition_channel"],
                                           customers["region"], strict=True):
        if ((not filters.segment or seg in filters.segment) and (not filters.channel or chan in filters.channel)
                and (not filters.region or reg in filters.region) and (not filters.end or signup <= filters.end)):
            cohorts[cid] = period_start(signup, filters.grain)
    revenue: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for cid, day, amount in zip(transactions["customer_id"], transactions["transaction_date"],
                                transactions["amount"], strict=True):
        period = period_start(day, filters.grain)
        if cid in cohorts and period >= cohorts[cid] and day <= as_of:
            revenue[cid][period] += amount
    return cohorts, revenue, as_of


def all_periods(first: date, last: date, grain) -> list[date]:
    days = []
    while first <= last:
        days.append(first)
        first = period_end(first, grain) + timedelta(days=1)
    return days


def oracle_churn_dates(customers: dict, transactions: dict, as_of: date, days: int = 90) -> dict[str, list[date]]:
    """Each customer's churn dates under the combined definition (N = ``days``), in plain Python: the first churn
    (a churn_date on or before the as-of date, else the last positive purchase, or signup, + N <= as-of), and a
    second one for a customer who paid after their churn_date and then went silent N days."""
    out: dict[str, list[date]] = {}
    for cid, signup, churn in zip(customers["customer_id"], customers["signup_date"], customers["churn_date"],
                                  strict=True):
        if signup > as_of or (churn is not None and churn < signup):
            continue  # left out of survival: never churned here
        paid = [day for c, day, amount in zip(transactions["customer_id"], transactions["transaction_date"],
                                              transactions["amount"], strict=True)
                if c == cid and amount > 0 and day <= as_of]
        last = max([signup, *paid])
        silent = last + timedelta(days=days) <= as_of
        if churn is not None and churn <= as_of:
            out[cid] = [churn] + ([last] if paid and max(paid) > churn and silent else [])
        elif silent:
            out[cid] = [last]
    return out


def oracle_movements(revenue: dict, periods: list[date], churns: dict[str, list[date]],
                     grain) -> dict[date, dict[str, float]]:
    out = {p: dict.fromkeys(MOVEMENTS, 0.0) for p in periods}
    for cid, by_period in revenue.items():
        paid_before, last_paid = False, None
        churn_periods = [period_start(day, grain) for day in churns.get(cid, [])]
        for i, p in enumerate(periods):
            prev = by_period.get(periods[i - 1], 0.0) if i else 0.0
            cur = by_period.get(p, 0.0)
            row = out[p]
            before = periods[i - 1] if i else None
            if cur > 0 and not paid_before:
                row["new"] += cur
            if cur > 0 and prev <= 0 and paid_before:
                back_from_churn = any(last_paid <= c <= before for c in churn_periods)
                row["reactivated" if back_from_churn else "resumed"] += cur
            if prev > 0 and cur > prev:
                row["expansion"] += cur - prev
            if prev > 0 and 0 < cur < prev:
                row["contraction"] += cur - prev
            if prev > 0 and cur <= 0:
                row["churned" if any(c in (before, p) for c in churn_periods) else "paused"] -= prev
            row["net_refunds"] += min(cur, 0.0) - min(prev, 0.0)
            if cur > 0:
                paid_before, last_paid = True, p
    return out


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(businesses())
def test_new_plus_existing_is_in_scope_revenue_and_shares_are_fractions(business):
    customers, transactions, filters = business
    with tempfile.TemporaryDirectory() as tmp:
        source = open_source(Path(tmp), customers, transactions)
        try:
            mix = revenue_mix(source, filters)
            layers = revenue_by_acquisition_year(source, filters)
        finally:
            source.close()
    cohorts, revenue, _ = customer_period_revenue(customers, transactions, filters)
    expected_new: dict[date, float] = defaultdict(float)
    expected_existing: dict[date, float] = defaultdict(float)
    for cid, by_period in revenue.items():
        for period, amount in by_period.items():
            (expected_new if period == cohorts[cid] else expected_existing)[period] += amount
    for row in mix.iter_rows(named=True):
        assert row["new_revenue"] == expected_new.get(row["period"], 0.0)
        assert row["existing_revenue"] == expected_existing.get(row["period"], 0.0)
        assert row["existing_share"] is None or 0.0 <= row["existing_share"] <= 1.0
    # Every period with revenue is in the table, and the layers add up to the same totals.
    assert set(expected_new) | set(expected_existing) <= set(mix["period"].to_list())
    by_period = dict(layers.group_by("period").agg(pl.col("revenue").sum()).iter_rows())
    for row in mix.iter_rows(named=True):
        assert by_period.get(row["period"], 0.0) == row["new_revenue"] + row["existing_revenue"]


@PROPERTY
@given(businesses())
def test_movements_match_the_oracle_and_reconcile(business):
    customers, transactions, filters = business
    with tempfile.TemporaryDirectory() as tmp:
        source = open_source(Path(tmp), customers, transactions)
        try:
            got = revenue_movements(source, filters)
            mix = revenue_mix(source, filters)
        finally:
            source.close()
    _, revenue, as_of = customer_period_revenue(customers, transactions, filters)
    periods = all_periods(period_start(DAY0, filters.grain), period_start(as_of, filters.grain), filters.grain)
    expected = oracle_movements(revenue, periods, oracle_churn_dates(customers, transactions, as_of), filters.grain)
    shown = set(got["period"].to_list())
    for row in got.iter_rows(named=True):
        assert {m: row[m] for m in MOVEMENTS} == pytest.approx(expected[row["period"]])
        # Reconciliation: the eight movements add up to the change in revenue.
        assert sum(row[m] for m in MOVEMENTS) == pytest.approx(row["net_change"])
    assert all(not any(expected[p].values()) for p in periods if p not in shown)
    assert mix["period"].to_list() == got["period"].to_list()
    totals = (mix["new_revenue"] + mix["existing_revenue"]).to_list()
    assert got["net_change"].to_list() == pytest.approx([b - a for a, b in pairwise([0.0, *totals])])


@PROPERTY
@given(businesses())
def test_concentration_invariants(business):
    customers, transactions, filters = business
    with tempfile.TemporaryDirectory() as tmp:
        source = open_source(Path(tmp), customers, transactions)
        try:
            summary = revenue_concentration(source, filters).row(0, named=True)
            lorenz = lorenz_curve(source, filters)
        finally:
            source.close()
    if summary["customers"] == 0 or summary["t12m_revenue"] == 0:
        assert summary["top_20_share"] is None and summary["gini"] is None
        return
    n = summary["customers"]
    shares = lorenz["revenue_share"].to_list()
    assert lorenz.row(0) == (0, 0.0, 0.0) and lorenz.row(-1)[1:] == (1.0, pytest.approx(1.0))
    assert all(b >= a - 1e-12 for a, b in pairwise(shares))  # sorted ascending: never decreasing
    # The curve lies under the diagonal, so the top 20% bring at least 20%; the Gini of n values is at most
    # 1 - 1/n (one customer brings everything).
    assert all(s <= c + 1e-12 for c, s in zip(lorenz["customer_share"].to_list(), shares, strict=True))
    assert 0.2 - 1e-12 <= summary["top_20_share"] <= 1.0 + 1e-12
    assert -1e-12 <= summary["gini"] <= 1 - 1 / n + 1e-12
    # Gini = 1 - 2 * area under the curve (exact here: 5 customers or fewer keep every point).
    xs = lorenz["customer_share"].to_list()
    area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, x1), (y0, y1) in zip(pairwise(xs), pairwise(shares), strict=True))
    assert summary["gini"] == pytest.approx(1 - 2 * area)


@PROPERTY
@given(businesses(), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(business, rng):
    customers, transactions, filters = business

    def shuffled(table: dict) -> dict:
        order = list(range(len(next(iter(table.values())))))
        rng.shuffle(order)
        return {k: [v[i] for i in order] for k, v in table.items()}

    results = []
    for tables in ((customers, transactions), (shuffled(customers), shuffled(transactions))):
        with tempfile.TemporaryDirectory() as tmp:
            source = open_source(Path(tmp), *tables)
            try:
                results.append([fn(source, filters) for fn in (revenue_mix, revenue_by_acquisition_year,
                                                               revenue_movements, revenue_concentration,
                                                               lorenz_curve)])
            finally:
                source.close()
    for a, b in zip(*results, strict=True):
        assert a.equals(b)


# ---------------------------------------------------------------------------------------------------------
# The page and the export.
@pytest.fixture
def business_data(tmp_path: Path) -> Path:
    return write_exports(tmp_path / "data", customers=CUSTOMERS, transactions=TRANSACTIONS)


PAGE = "pages/revenue_mix.py"


def test_page_renders_every_chart_and_download(business_data, run_page):
    at = run_page(PAGE, business_data)
    assert at.title[0].value == "Revenue mix"
    charts = figures(at)
    types = [sorted({t["type"] for t in fig["data"]}) for fig in charts]
    assert types == [["bar", "scatter"], ["bar"], ["waterfall"], ["bar", "scatter"], ["scatter"]]
    assert charts[0]["layout"]["title"]["text"] == "Existing customers brought 100% of revenue in April 2024"
    assert set(downloads(at)) == {f"Download {name}" for name in ("revenue_mix.csv", "revenue_by_acquisition_year.csv",
                                                         "revenue_movements.csv", "revenue_concentration.csv",
                                                         "revenue_lorenz.csv", "new_revenue_reconciliation.csv")}
    assert any(e.label == "Definitions" for e in at.expander)
    # May is incomplete: said in words, not only by hatching.
    assert any("May 2024 is not complete" in info.value for info in at.info)


def test_page_follows_the_url_filters(business_data, run_page):
    at = run_page(PAGE, business_data, query_params={"grain": "quarter", "segment": "pro"})
    mix = figures(at)[0]
    # Pro (a, d) by quarter: Q1 a 370 + d 200 = 570 new; Q2 a 70 + d 300 = 370 existing.
    assert mix["data"][0]["y"] == [0.0, 370.0] and mix["data"][1]["y"] == [570.0, 0.0]


def test_export_writes_the_revenue_tables(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=CUSTOMERS, transactions=TRANSACTIONS)
    source = DataSource.open(data)
    try:
        written, failures = export(source, Settings(Filters(segment=("starter",))), tmp_path / "out")
    finally:
        source.close()
    assert failures == []
    mix = pl.read_csv(tmp_path / "out" / "revenue_mix.csv", try_parse_dates=True)
    assert mix.columns == ["period", "new_revenue", "existing_revenue", "existing_share", "is_complete"]
    # Starters b and c: Jan b 50 new; Feb c 40 new + b 0; Mar c 40; Apr c 60; May c 60 (ISO dates).
    assert mix.select("period", "new_revenue", "existing_revenue").rows() == [
        (MONTHS[0], 50.0, 0.0), (MONTHS[1], 40.0, 0.0), (MONTHS[2], 0.0, 40.0), (MONTHS[3], 0.0, 60.0),
        (MONTHS[4], 0.0, 60.0)]
    assert (tmp_path / "out" / "revenue_mix.csv").read_text().splitlines()[1].startswith("2024-01-01,")
    moves = pl.read_csv(tmp_path / "out" / "revenue_movements.csv", try_parse_dates=True)
    assert moves.columns == ["period", *MOVEMENTS, "net_change", "is_complete"]
    # Feb: b churned -50 (paid and refunded; silent 90 days by the as-of date), c new +40: net change -10.
    assert moves.row(1)[:10] == (MONTHS[1], 40.0, 0.0, 0.0, -50.0, 0.0, 0.0, 0.0, 0.0, -10.0)
    assert {p.name for p in written} >= {"revenue_by_acquisition_year.csv", "revenue_concentration.csv",
                                         "revenue_lorenz.csv"}


def test_page_explains_unusable_data(tmp_path: Path, run_page):
    folder = write_exports(tmp_path / "data", customers=CUSTOMERS)
    (folder / "transactions.parquet").write_bytes(b"not parquet")
    at = run_page(PAGE, folder)
    assert at.error and "transactions" in at.error[0].value
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("order", [
    [0, 1, 2, 3, 4, 5],  # in order
    [3, 4, 5, 0, 1, 2],  # two runs in order, the runs swapped (as DuckDB threads may return them)
    [4, 5, 2, 3, 0, 1],  # three runs
    [2, 3, 4, 0, 1, 5],  # runs that overlap: sorted
    [5, 0, 3, 1, 4, 2],  # shuffled
])
def test_movement_rows_are_put_in_customer_and_period_order(order):
    from analytics.revenue_mix import _customer_order
    rows = pl.DataFrame({"customer_key": [1, 1, 2, 3, 3, 3], "period_index": [10, 11, 10, 9, 10, 12],
                         "revenue": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    assert_frame_equal(_customer_order(rows[order]), rows)
