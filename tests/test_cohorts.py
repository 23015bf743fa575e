"""Cohort retention on tiny literal tables, every number worked out by hand (see SMALL_* in conftest):

    a: signup 2024-01-05, buys 10 (Jan 5), 20 (Mar 1), refund -4 (Mar 9)     -> active Jan, Mar (gap in Feb)
    b: signup 2024-01-20, buys 5 (Jan 21)                                    -> active Jan
    c: signup 2024-02-03, buys 7 (Feb 3), 3 (Mar 15)                         -> active Feb, Mar
    as-of = 2024-03-15 (last transaction): March is incomplete.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cohorts import average_curve, cohort_retention, retention_by_group, retention_trend
from analytics.filters import Filters
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d


def cells(table: pl.DataFrame, *columns: str) -> dict[tuple[date, int], tuple]:
    return {(r["cohort"], r["period_index"]): tuple(r[c] for c in columns) for r in table.iter_rows(named=True)}


def test_monthly_cohorts_by_hand(make_source):
    table = cohort_retention(make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS), Filters())
    got = cells(table, "cohort_size", "active_customers", "retention", "retention_unbounded", "revenue",
                "revenue_retention", "is_complete")
    jan, feb = d("2024-01-01"), d("2024-02-01")
    assert got == {
        # Jan cohort {a, b}: both buy in Jan; nobody in Feb; a again in March (after a gap), net 20 - 4.
        (jan, 0): (2, 2, 1.0, 1.0, 15.0, 1.0, True),
        (jan, 1): (2, 0, 0.0, 0.5, 0.0, 0.0, True),        # a is active later, so "k or later" = 1/2
        (jan, 2): (2, 1, 0.5, 0.5, 16.0, 16 / 15, False),  # March is not over at the as-of date
        # Feb cohort {c}: Feb 7, Mar 3.
        (feb, 0): (1, 1, 1.0, 1.0, 7.0, 1.0, True),
        (feb, 1): (1, 1, 1.0, 1.0, 3.0, 3 / 7, False),
    }
    assert table.columns[:3] == ["cohort", "period", "period_index"]
    assert table.filter(pl.col("cohort") == jan)["period"].to_list() == [jan, feb, d("2024-03-01")]


def test_weighted_average_uses_complete_cells_only(make_source):
    table = cohort_retention(make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS), Filters())
    avg = average_curve(table)
    # k=0: (2 + 1) active / (2 + 1) customers. k=1: only Jan->Feb is complete: 0 / 2. k=2: nothing complete.
    assert avg.select("period_index", "cohorts", "customers", "retention").rows() == [(0, 2, 3, 1.0), (1, 1, 2, 0.0)]
    assert avg["retention_unbounded"].to_list() == [1.0, 0.5]
    # Revenue retention k=1 over complete cells: Jan cohort Feb revenue 0 / Jan revenue 15.
    assert avg["revenue_retention"].to_list() == [1.0, 0.0]


def test_customer_who_never_buys_counts_in_the_cohort(make_source):
    customers = {k: v + [v[-1]] for k, v in SMALL_CUSTOMERS.items()} | {
        "customer_id": ["a", "b", "c", "d"], "signup_date": SMALL_CUSTOMERS["signup_date"] + [d("2024-02-20")]}
    table = cohort_retention(make_source(customers=customers, transactions=SMALL_TRANSACTIONS), Filters())
    # Feb cohort {c, d}: only c buys, so retention(0) = 1/2: the activation rate, not 100%.
    assert cells(table, "cohort_size", "retention")[(d("2024-02-01"), 0)] == (2, 0.5)


def test_quarter_and_week_grain(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    quarter = cohort_retention(source, Filters(grain="quarter"))
    # One Q1 cohort {a, b, c}, all active in Q1, revenue 41; Q1 ends 03-31 > as-of: incomplete.
    assert cells(quarter, "cohort_size", "retention", "revenue", "is_complete") == {
        (d("2024-01-01"), 0): (3, 1.0, 41.0, False)}
    week = cohort_retention(source, Filters(grain="week"))
    got = cells(week, "cohort_size", "active_customers", "is_complete")
    # a: cohort week of Mon 2024-01-01; buys again Fri 03-01, in the week of 02-26 = 8 weeks later (complete).
    assert got[(d("2024-01-01"), 0)] == (1, 1, True)
    assert got[(d("2024-01-01"), 8)] == (1, 1, True)
    assert got[(d("2024-01-01"), 9)] == (1, 0, True)     # the week of 03-04 holds only the refund
    # c: cohort week of 01-29 (signup Sat 02-03); buys Fri 03-15, week of 03-11 = 6 weeks later, incomplete.
    assert got[(d("2024-01-29"), 6)] == (1, 1, False)
    # b: cohort week of 01-15 (signup Sat 01-20), buys Sun 01-21: same week.
    assert got[(d("2024-01-15"), 0)] == (1, 1, True)


def test_filters_and_window(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    starters = cohort_retention(source, Filters(segment=("starter",)))
    assert cells(starters, "cohort_size", "retention")[(d("2024-01-01"), 0)] == (1, 1.0)   # b only
    later = cohort_retention(source, Filters(start=d("2024-02-10")))
    assert set(later["cohort"].to_list()) == {d("2024-02-01")}    # start rounded down to its month
    ended = cohort_retention(source, Filters(end=d("2024-02-29")))
    # Window ends Feb 29: March does not exist for this view, February is complete.
    assert ended["period"].max() == d("2024-02-01") and ended["is_complete"].all()


def test_group_curves_and_trend(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    groups = retention_by_group(source, Filters(), "segment")
    # pro = {a}: k0 1.0, k1 0.0 (Feb complete). starter = {b (Jan), c (Feb)}: k0 2/2; k1 only b's Feb: 0/1.
    assert groups.select("group", "period_index", "customers", "retention").sort("group", "period_index").rows() == [
        ("pro", 0, 1, 1.0), ("pro", 1, 1, 0.0), ("starter", 0, 2, 1.0), ("starter", 1, 1, 0.0)]
    trend = retention_trend(cohort_retention(source, Filters()), 1)
    assert trend.rows() == [(d("2024-01-01"), 2, 0.0)]   # Feb cohort's month 1 is incomplete


# --------------------------------------------------------------------------- properties
@st.composite
def businesses(draw):
    n = draw(st.integers(1, 6))
    start = date(2024, 1, 1)
    customers, transactions = [], []
    for i in range(n):
        signup = start + timedelta(days=draw(st.integers(0, 120)))
        customers.append((f"c{i}", signup, draw(st.sampled_from(["pro", "starter"]))))
        # Everyone buys on signup day, then maybe later (refunds too).
        transactions.append((f"c{i}", signup, draw(st.floats(1, 500))))
        for _ in range(draw(st.integers(0, 4))):
            transactions.append((f"c{i}", signup + timedelta(days=draw(st.integers(0, 200))),
                                 draw(st.floats(-50, 500))))
    cust = pl.DataFrame(customers, schema=["customer_id", "signup_date", "segment"], orient="row")
    tx = pl.DataFrame(transactions, schema=["customer_id", "transaction_date", "amount"], orient="row")
    return cust, tx


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=businesses(), grain=st.sampled_from(["week", "month", "quarter"]))
def test_retention_invariants(make_source, data, grain):
    customers, tx = data
    table = cohort_retention(make_source(customers=customers, transactions=tx), Filters(grain=grain))
    first = table.filter(pl.col("period_index") == 0)
    assert (first["retention"] == 1.0).all()            # everyone buys in their signup period here
    assert ((table["retention"] >= 0) & (table["retention"] <= table["retention_unbounded"] + 1e-12)).all()
    assert (table["retention_unbounded"] <= 1.0).all()
    monotone = table.sort("cohort", "period_index").group_by("cohort").agg(
        ok=(pl.col("retention_unbounded").diff().fill_null(0) <= 1e-12).all())
    assert monotone["ok"].all()
    shuffled = make_source(customers=customers.sample(fraction=1.0, shuffle=True, seed=1),
                           transactions=tx.sample(fraction=1.0, shuffle=True, seed=2))
    again = cohort_retention(shuffled, Filters(grain=grain))
    assert again.drop("revenue", "revenue_retention").equals(table.drop("revenue", "revenue_retention"))
    # Float sums may differ in the last bit with the order of addition.
    assert again["revenue"].to_list() == pytest.approx(table["revenue"].to_list())
