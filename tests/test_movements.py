"""Revenue movements follow the churn definition: every case worked by hand, under each definition.

Monthly, N = 60 days, as-of date 2024-06-30 (p's last payment). Every customer signs up in January but u (April)
and v (June).

id  churn_date  payments (month: amount)                       what happens
p   -           Jan 10, Feb 10, Apr 10, May 10, Jun 10 (06-30)  skips March, comes back: paused, then resumed
q   -           Jan 20, Feb 20 (02-20)                          silent since 02-20 (+60 = 04-20): churned in March
                                                                 by inactivity (combined, inactivity); explicit
                                                                 knows no churn: paused
r   2024-02-15  Jan 30, Feb 30 (02-10), Apr 25 (04-25), May 25,  cancels 02-15, comes back in April: churned in
                Jun 25 (06-25)                                  March and reactivated in April (explicit, combined);
                                                                 inactivity reads the last purchase (06-25): never
                                                                 churned, so paused and resumed
s   -           Jan 10, Feb 15, Mar 12, Apr 12, May 12, Jun 12   expansion +5 (Feb), contraction -3 (Mar)
t   2024-04-10  Mar 40 (03-15)                                  first pays in March (acquired in January: new, but
                                                                 not new-customer revenue); churns in April: churned
                                                                 (its churn_date in April; or inactivity: 03-15 + 60)
u   -           Apr 50 (04-06), May 20 (05-20)                  new in April, contraction in May; silent in June but
                                                                 05-20 + 60 = 07-19 is after the as-of date: too early
                                                                 to know: paused
v   -           Jun -5 (a refund only)                          acquired in June, paid nothing net: new-customer
                                                                 revenue -5, net refunds -5

Revenue: Jan 70, Feb 75, Mar 52, Apr 97, May 67, Jun 42: each month's movements sum to its change.
"""

from __future__ import annotations

import pytest

from analytics.filters import Filters
from analytics.revenue_mix import MOVEMENTS, new_revenue_reconciliation, revenue_mix, revenue_movements
from tests.conftest import d

CUSTOMERS = {
    "customer_id": ["p", "q", "r", "s", "t", "u", "v"],
    "signup_date": [d("2024-01-05")] * 5 + [d("2024-04-05"), d("2024-06-01")],
    "churn_date": [None, None, d("2024-02-15"), None, d("2024-04-10"), None, None],
}
_PAYMENTS = [
    ("p", "2024-01-10", 10), ("p", "2024-02-10", 10), ("p", "2024-04-10", 10), ("p", "2024-05-10", 10),
    ("p", "2024-06-30", 10),
    ("q", "2024-01-20", 20), ("q", "2024-02-20", 20),
    ("r", "2024-01-30", 30), ("r", "2024-02-10", 30), ("r", "2024-04-25", 25), ("r", "2024-05-25", 25),
    ("r", "2024-06-25", 25),
    ("s", "2024-01-10", 10), ("s", "2024-02-15", 15), ("s", "2024-03-12", 12), ("s", "2024-04-12", 12),
    ("s", "2024-05-12", 12), ("s", "2024-06-12", 12),
    ("t", "2024-03-15", 40),
    ("u", "2024-04-06", 50), ("u", "2024-05-20", 20),
    ("v", "2024-06-03", -5),
]
TRANSACTIONS = {"customer_id": [c for c, _, _ in _PAYMENTS], "transaction_date": [d(x) for _, x, _ in _PAYMENTS],
                "amount": [float(a) for _, _, a in _PAYMENTS]}
MONTHS = [d(f"2024-0{m}-01") for m in range(1, 7)]

#      new  expansion contraction churned paused resumed reactivated net_refunds net_change
SAME = {
    # Jan: p 10 + q 20 + r 30 + s 10 pay for the first time.
    MONTHS[0]: (70, 0, 0, 0, 0, 0, 0, 0, 70),
    # Feb: s 10 -> 15.
    MONTHS[1]: (0, 5, 0, 0, 0, 0, 0, 0, 5),
    # May: u 50 -> 20 (p, r, s flat).
    MONTHS[4]: (0, 0, -30, 0, 0, 0, 0, 0, -30),
    # Jun: u 20 -> 0, too early to know: paused; v's refund: net refunds -5.
    MONTHS[5]: (0, 0, 0, 0, -20, 0, 0, -5, -25),
}
EXPECTED = {
    # Mar: t first pays 40; s 15 -> 12. Lapses: p (comes back: paused -10), q (silent since 02-20: churned -20),
    #      r (churn_date 02-15: churned -30). Apr: p resumed 10; r back after its churn: reactivated 25; t's
    #      churn_date 04-10: churned -40; u first pays 50.
    "combined": {MONTHS[2]: (40, 0, -3, -50, -10, 0, 0, 0, -23), MONTHS[3]: (50, 0, 0, -40, 0, 10, 25, 0, 45)},
    # Explicit: q has no churn_date, so its lapse is paused.
    "explicit": {MONTHS[2]: (40, 0, -3, -30, -30, 0, 0, 0, -23), MONTHS[3]: (50, 0, 0, -40, 0, 10, 25, 0, 45)},
    # Inactivity: r's last purchase is 06-25, so r never churned: paused in March, resumed in April (with p);
    #             t's last purchase 03-15 + 60 = 05-14: churned in April.
    "inactivity": {MONTHS[2]: (40, 0, -3, -20, -40, 0, 0, 0, -23), MONTHS[3]: (50, 0, 0, -40, 0, 35, 0, 0, 45)},
}


@pytest.fixture
def business(make_source):
    return make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)


@pytest.mark.parametrize("churn", ["combined", "explicit", "inactivity"])
def test_every_movement_by_hand(business, churn):
    got = revenue_movements(business, Filters(), churn, 60)
    assert got.columns == ["period", *MOVEMENTS, "net_change", "is_complete"]
    rows = {row[0]: tuple(row[1:]) for row in got.select("period", *MOVEMENTS, "net_change").rows()}
    assert rows == {month: tuple(float(x) for x in values) for month, values in (SAME | EXPECTED[churn]).items()}
    # The movements reconcile with revenue: 70, 75, 52, 97, 67, 42.
    assert got["net_change"].to_list() == [70.0, 5.0, -23.0, 45.0, -30.0, -25.0]


def test_combined_counts_a_second_churn_after_a_return(make_source):
    # w cancels 01-20, comes back in March and goes silent after 03-10 (+60 = 05-09 <= 06-30): under combined the
    # return is reactivated and the second lapse is churned (inactivity after the return); explicit knows only the
    # first churn, so the second lapse is paused. x pays on the as-of date.
    customers = {"customer_id": ["w", "x"], "signup_date": [d("2024-01-05")] * 2,
                 "churn_date": [d("2024-01-20"), None]}
    tx = {"customer_id": ["w", "w", "x"], "transaction_date": [d("2024-01-10"), d("2024-03-10"), d("2024-06-30")],
          "amount": [10.0, 10.0, 1.0]}
    source = make_source(customers=customers, transactions=tx)
    combined = revenue_movements(source, Filters(), "combined", 60).select("period", "churned", "paused",
                                                                            "reactivated").rows()
    explicit = revenue_movements(source, Filters(), "explicit", 60).select("period", "churned", "paused",
                                                                            "reactivated").rows()
    # Feb: w's first lapse, churn_date in January: churned. Mar: back: reactivated. Apr: lapse again.
    assert combined[1:4] == [(MONTHS[1], -10.0, 0.0, 0.0), (MONTHS[2], 0.0, 0.0, 10.0), (MONTHS[3], -10.0, 0.0, 0.0)]
    assert explicit[1:4] == [(MONTHS[1], -10.0, 0.0, 0.0), (MONTHS[2], 0.0, 0.0, 10.0), (MONTHS[3], 0.0, -10.0, 0.0)]


def test_new_customer_revenue_reconciles_to_the_first_paying_period(business):
    rec = new_revenue_reconciliation(business, Filters(), "combined", 60)
    mix = revenue_mix(business, Filters())
    assert rec["new_customer_revenue"].to_list() == mix["new_revenue"].to_list()
    rows = {r["period"]: r for r in rec.iter_rows(named=True)}
    # March: t pays for the first time but was acquired in January: "new" 40, new-customer revenue 0.
    assert (rows[MONTHS[2]]["first_paying_period_revenue"], rows[MONTHS[2]]["first_paid_acquired_earlier"],
            rows[MONTHS[2]]["new_customer_revenue"]) == (40.0, 40.0, 0.0)
    # June: v, acquired in June, only has a refund: new-customer revenue -5, nothing "new".
    assert (rows[MONTHS[5]]["new_customers_nonpositive"], rows[MONTHS[5]]["new_customer_revenue"]) == (-5.0, -5.0)
    for row in rows.values():
        assert row["new_customer_revenue"] == pytest.approx(
            row["first_paying_period_revenue"] - row["first_paid_acquired_earlier"] + row["new_customers_nonpositive"])
