"""Net revenue retention and logo retention (analytics/net_revenue_retention.py) on a table worked out by hand."""

from __future__ import annotations

from analytics.filters import Filters
from analytics.net_revenue_retention import net_revenue_retention
from tests.conftest import d

CUSTOMERS = {
    "customer_id": ["a", "b", "c", "e"],
    "signup_date": [d("2022-01-10")] * 4,
    "segment": ["pro", "starter", "pro", "starter"],
}
TRANSACTIONS = {
    "customer_id": ["a", "a", "b", "c", "c", "c", "e", "ghost"],
    "transaction_date": [d("2023-03-15"), d("2024-02-10"), d("2022-06-01"), d("2023-01-05"), d("2023-02-05"),
                         d("2023-05-05"), d("2023-09-09"), d("2023-01-01")],
    "amount": [100.0, 150.0, 50.0, 80.0, -80.0, 30.0, 40.0, 1000.0],
}


def test_net_revenue_and_logo_retention_by_hand(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    got = net_revenue_retention(source, Filters(), [d("2024-03-31"), d("2024-02-29"), d("2021-01-31")])
    rows = {r["month_end"]: r for r in got.iter_rows(named=True)}
    assert list(rows) == [d("2021-01-31"), d("2024-02-29"), d("2024-03-31")]
    # 2024-03-31: trailing 12 = Apr 2023..Mar 2024, prior 12 = Apr 2022..Mar 2023.
    # a: prior 100 (Mar 2023), trailing 150 -> retained. b: prior 50 (Jun 2022), trailing 0 -> lost.
    # c: prior 80 - 80 = 0 (refunded) -> not a prior customer. e: trailing only (new) -> not counted.
    # ghost: not in customers -> left out.
    march = rows[d("2024-03-31")]
    assert (march["prior_customers"], march["prior_revenue"], march["retained_revenue"],
            march["retained_customers"]) == (2, 150.0, 150.0, 1)
    assert march["net_revenue_retention"] == 1.0 and march["logo_retention"] == 0.5
    # 2024-02-29: trailing = Mar 2023..Feb 2024, prior = Mar 2022..Feb 2023. a's 100 (Mar 2023) is now in the
    # trailing window, so a has no prior revenue; b: prior 50, trailing 0; c: prior 0.
    february = rows[d("2024-02-29")]
    assert (february["prior_customers"], february["prior_revenue"], february["retained_revenue"]) == (1, 50.0, 0.0)
    assert february["net_revenue_retention"] == 0.0 and february["logo_retention"] == 0.0
    # Nobody bought before 2021-01-31's trailing window: no ratio rather than a made-up one.
    empty = rows[d("2021-01-31")]
    assert empty["prior_customers"] == 0 and empty["net_revenue_retention"] is None
    assert empty["logo_retention"] is None


def test_retention_follows_the_segment_filter(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    pro = net_revenue_retention(source, Filters(segment=("pro",)), [d("2024-03-31")]).row(0, named=True)
    # Only a (c's prior revenue nets to 0): 150 / 100.
    assert (pro["prior_customers"], pro["net_revenue_retention"], pro["logo_retention"]) == (1, 1.5, 1.0)
    starter = net_revenue_retention(source, Filters(segment=("starter",)), [d("2024-03-31")]).row(0, named=True)
    assert (starter["prior_customers"], starter["net_revenue_retention"], starter["logo_retention"]) == (1, 0.0, 0.0)


def test_blocks_of_customers_give_the_same_sums(make_source, monkeypatch):
    """The matrix is filled a block of customer keys at a time; block edges must not change a number, including
    blocks with no revenue rows and a last block shorter than the others."""
    from analytics import net_revenue_retention as retention

    ends = [d("2024-03-31"), d("2024-02-29"), d("2023-06-30")]
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    whole = net_revenue_retention(source, Filters(), ends)
    for block in (1, 2, 3):
        monkeypatch.setattr(retention, "BLOCK_CUSTOMERS", block)
        fresh = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
        assert net_revenue_retention(fresh, Filters(), ends).equals(whole), block


def test_rows_out_of_customer_order_give_the_same_sums(make_source, monkeypatch):
    """The saved rollup comes in customer order; rows in any other order are sorted first, not misplaced."""
    from analytics import net_revenue_retention as retention

    ends = [d("2024-03-31"), d("2024-02-29")]
    whole = net_revenue_retention(make_source(customers=CUSTOMERS, transactions=TRANSACTIONS), Filters(), ends)
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    run = source.run

    def reversed_rows(name, *args, **kwargs):
        rows = run(name, *args, **kwargs)
        return rows.reverse() if name == "customer_month_revenue" else rows

    monkeypatch.setattr(source, "run", reversed_rows)
    monkeypatch.setattr(retention, "BLOCK_CUSTOMERS", 2)
    assert net_revenue_retention(source, Filters(), ends).equals(whole)
