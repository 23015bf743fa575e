"""Customer lifecycle (new / returning / resurrected / dormant) on a hand-worked table, and against an
independent pandas computation on the public CDNOW master log.

The hand-worked table (as-of 2024-04-30, the last transaction, so April is complete):

    a (pro):     signup Jan 5;  buys Jan 31, Feb 1 (a month boundary a day apart), Apr 2   -> active Jan, Feb, Apr
    b (pro):     signup Jan 20; buys Jan 20; a refund alone on Feb 10 (not activity)      -> active Jan
    c (starter): signup Feb 3;  buys Feb 3, Mar 1, Apr 30                                 -> active Feb, Mar, Apr
    d (starter): signup Jan 10; first buys Mar 10 (new buyer two months after signup)     -> active Mar
    e (starter): signup Jan 15; never buys                                                -> never in the lifecycle
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import polars as pl

from analytics.filters import Filters
from analytics.lifecycle import export_table, lifecycle
from analytics.overview import activity_by_period
from queries import DataSource
from tests.conftest import d, write_exports
from tests.realdata import cdnow_master

CUSTOMERS = {
    "customer_id": ["a", "b", "c", "d", "e"],
    "signup_date": [d("2024-01-05"), d("2024-01-20"), d("2024-02-03"), d("2024-01-10"), d("2024-01-15")],
    "segment": ["pro", "pro", "starter", "starter", "starter"],
}
TRANSACTIONS = {
    "customer_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
    "transaction_date": [d("2024-01-31"), d("2024-02-01"), d("2024-04-02"), d("2024-01-20"), d("2024-02-10"),
                         d("2024-02-03"), d("2024-03-01"), d("2024-04-30"), d("2024-03-10")],
    "amount": [10.0, 5.0, 7.0, 5.0, -5.0, 7.0, 3.0, 4.0, 8.0],
}


def rows(table: pl.DataFrame) -> dict[date, tuple[int, int, int, int]]:
    return {r["period"]: (r["new"], r["returning"], r["resurrected"], r["dormant"])
            for r in table.iter_rows(named=True)}


def test_monthly_states_by_hand(make_source):
    table = lifecycle(make_source(customers=CUSTOMERS, transactions=TRANSACTIONS), Filters())
    # (new, returning, resurrected, dormant), counted by hand from the docstring's table:
    assert rows(table) == {
        d("2024-01-01"): (2, 0, 0, 0),  # first period of the data: everyone active (a, b) is new
        d("2024-02-01"): (1, 1, 0, 1),  # c new; a returning (Jan 31 then Feb 1); b dormant (a refund is no purchase)
        d("2024-03-01"): (1, 1, 0, 1),  # d new (signed up in Jan, first bought in Mar); c returning; a dormant
        d("2024-04-01"): (0, 1, 1, 1),  # c returning; a resurrected (active Feb, not Mar); d dormant
    }
    # May's dormant (a, c) is after the as-of date: not shown. April ends on the as-of date: complete.
    assert table["is_complete"].to_list() == [True, True, True, True]
    assert export_table(table).columns == ["period", "new", "returning", "resurrected", "dormant", "is_complete"]


def test_quarterly_states_and_the_window_and_segment_filters(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    # Q1: a, b, c, d all buy for the first time; Q2: a and c again (returning), b and d not (dormant).
    assert rows(lifecycle(source, Filters(grain="quarter"))) == {
        d("2024-01-01"): (4, 0, 0, 0), d("2024-04-01"): (0, 2, 0, 2)}
    # The window's start picks the periods shown, not the history: d is still new in March, a resurrected in April.
    assert rows(lifecycle(source, Filters(start=d("2024-03-01")))) == {
        d("2024-03-01"): (1, 1, 0, 1), d("2024-04-01"): (0, 1, 1, 1)}
    # segment pro = a and b only.
    assert rows(lifecycle(source, Filters(segment=("pro",)))) == {
        d("2024-01-01"): (2, 0, 0, 0), d("2024-02-01"): (0, 1, 0, 1), d("2024-03-01"): (0, 0, 0, 1),
        d("2024-04-01"): (0, 0, 1, 0)}
    # The window's end: transactions after it are ignored, and the last period is the end's (incomplete).
    ended = lifecycle(source, Filters(end=d("2024-03-05")))
    assert rows(ended) == {d("2024-01-01"): (2, 0, 0, 0), d("2024-02-01"): (1, 1, 0, 1),
                           d("2024-03-01"): (0, 1, 0, 1)}
    assert ended["is_complete"].to_list() == [True, True, False]


def test_active_customers_reconcile_with_the_overview_on_the_sample():
    source = DataSource.open("sample_data")
    try:
        for grain in ("week", "month", "quarter"):
            filters = Filters(grain=grain)
            table = lifecycle(source, filters)
            joined = table.join(activity_by_period(source, filters), on="period", suffix="_overview")
            assert joined.height == table.height > 0
            assert (joined["active_customers"] == joined["active_customers_overview"]).all()
            # Dormant in p + returning in p = active in the period before p.
            previous = table["active_customers"].shift(1)
            assert ((table["returning"] + table["dormant"]) == previous).slice(1).all()
    finally:
        source.close()


def independent_lifecycle(log: pd.DataFrame) -> pd.DataFrame:
    """Monthly states from the raw log in plain pandas: sets of (customer, month index) with a positive order."""
    paid = log[log["amount"] > 0]
    months = paid["transaction_date"].dt.year * 12 + paid["transaction_date"].dt.month - 1
    active = set(zip(paid["customer_id"], months, strict=True))
    first = paid.assign(m=months).groupby("customer_id")["m"].min().to_dict()
    counts: dict[int, dict[str, int]] = {}
    last_month = log["transaction_date"].max().year * 12 + log["transaction_date"].max().month - 1
    for customer, month in active:
        row = counts.setdefault(month, {"new": 0, "returning": 0, "resurrected": 0, "dormant": 0})
        if first[customer] == month:
            row["new"] += 1
        elif (customer, month - 1) in active:
            row["returning"] += 1
        else:
            row["resurrected"] += 1
        if (customer, month + 1) not in active and month + 1 <= last_month:
            counts.setdefault(month + 1, {"new": 0, "returning": 0, "resurrected": 0, "dormant": 0})
            counts[month + 1]["dormant"] += 1
    return pd.DataFrame([{"period": date(m // 12, m % 12 + 1, 1), **c} for m, c in counts.items()]).sort_values(
        "period", ignore_index=True)


def test_lifecycle_equals_an_independent_computation_on_cdnow(tmp_path):
    log = pl.DataFrame(cdnow_master(), schema=["customer_id", "date", "cds", "amount"], orient="row").select(
        "customer_id", pl.col("date").str.strptime(pl.Date, "%Y%m%d").alias("transaction_date"), "amount")
    firsts = log.group_by("customer_id").agg(signup_date=pl.col("transaction_date").min())
    source = DataSource.open(write_exports(tmp_path / "cdnow", customers=firsts, transactions=log))
    try:
        table = lifecycle(source, Filters())
    finally:
        source.close()
    expected = independent_lifecycle(pd.DataFrame({
        "customer_id": log["customer_id"].to_list(), "amount": log["amount"].to_list(),
        "transaction_date": pd.to_datetime(log["transaction_date"].to_list())}))
    got = pd.DataFrame({c: table[c].to_list() for c in ("period", "new", "returning", "resurrected", "dormant")})
    assert len(got) == 18  # January 1997 to June 1998
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected[got.columns.tolist()], check_dtype=False)
    assert got["new"].sum() == 23_570 - (log.group_by("customer_id").agg(pl.col("amount").max())["amount"] <= 0).sum()
