"""The three churn definitions worked by hand on one small table (queries/rollup.sql's customer_churn, read by
every survival fit, the budget calibration, the customer base and the revenue movements).

As-of date: 2024-06-30 (c's last payment, the latest transaction). N = 90 days.

id signup      churn_date  positive payments  explicit             inactivity, N = 90          combined
a  2024-01-01  2024-03-01  01-01, 02-15       churned 03-01: 60    02-15 + 90 = 05-15: 45      churn_date: 60
b  2024-01-01  -           01-01, 02-10       censored: 181        02-10 + 90 = 05-10: 40      no date: 40
c  2024-02-01  -           02-01, 06-30       censored: 150        still buys: censored 150    censored 150
r  2024-01-01  2024-02-01  01-01, 03-10       churned 02-01: 31    03-10 + 90 = 06-08: 69      first churn 02-01: 31
                            (03-10 is after                                                     (returned, churns
                             the churn_date)                                                     again 03-10)
k  2024-03-01  2024-08-01  03-01              after as-of: cens.   03-01 + 90 = 05-30: 0       later date: 0
                                              121

Day counts (2024 is a leap year): 01-01 -> 03-01 = 31 + 29 = 60; 01-01 -> 02-10 = 40; 02-01 -> 06-30 = 29 + 31 +
30 + 31 + 29 = 150; 01-01 -> 02-01 = 31; 01-01 -> 03-10 = 31 + 29 + 9 = 69; 03-01 -> 06-30 = 121.
"""

from __future__ import annotations

import polars as pl
import pytest

from analytics.filters import Filters
from analytics.survival import followed, survival_spans
from tests.conftest import d

CUSTOMERS = {
    "customer_id": ["a", "b", "c", "r", "k"],
    "signup_date": [d("2024-01-01"), d("2024-01-01"), d("2024-02-01"), d("2024-01-01"), d("2024-03-01")],
    "churn_date": [d("2024-03-01"), None, None, d("2024-02-01"), d("2024-08-01")],
    "segment": ["pro", "starter", "starter", "pro", "pro"],
    "acquisition_channel": ["ads"] * 5,
    "region": ["eu"] * 5,
}
TRANSACTIONS = {
    "customer_id": ["a", "a", "b", "b", "c", "c", "r", "r", "k"],
    "transaction_date": [d("2024-01-01"), d("2024-02-15"), d("2024-01-01"), d("2024-02-10"), d("2024-02-01"),
                         d("2024-06-30"), d("2024-01-01"), d("2024-03-10"), d("2024-03-01")],
    "amount": [10.0, 20.0, 5.0, 5.0, 7.0, 7.0, 9.0, 9.0, 30.0],
}


@pytest.fixture
def table(make_source):
    return make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)


def outcomes(spans: pl.DataFrame) -> dict[tuple[int, bool], int]:
    rows = followed(spans).group_by("duration", "churned").agg(pl.col("customers").sum()).rows()
    return {(duration, churned): n for duration, churned, n in rows}


@pytest.mark.parametrize(("churn", "expected"), [
    # a 60, r 31 churned; b 181, c 150, k 121 censored.
    ("explicit", {(60, True): 1, (31, True): 1, (181, False): 1, (150, False): 1, (121, False): 1}),
    # a 45, b 40, r 69, k 0 churned; c 150 censored.
    ("inactivity", {(45, True): 1, (40, True): 1, (69, True): 1, (0, True): 1, (150, False): 1}),
    # a 60 and r 31 on their churn_date (r's later purchase does not undo it); b 40 and k 0 by inactivity
    # (no churn_date; a churn_date after the as-of date); c 150 censored.
    ("combined", {(60, True): 1, (31, True): 1, (40, True): 1, (0, True): 1, (150, False): 1}),
])
def test_each_definition_by_hand(table, churn, expected):
    assert outcomes(survival_spans(table, Filters(), churn, 90)) == expected


def test_definitions_follow_n(table):
    # N = 120: b (02-10 + 120 = 06-09) and k (03-01 + 120 = 06-29) still churn; r's 03-10 + 120 = 07-08 is after
    # the as-of date: censored at 181 under inactivity, but combined keeps r's recorded churn_date (31).
    assert outcomes(survival_spans(table, Filters(), "inactivity", 120)) == {
        (45, True): 1, (40, True): 1, (0, True): 1, (150, False): 1, (181, False): 1}
    assert outcomes(survival_spans(table, Filters(), "combined", 120)) == {
        (60, True): 1, (31, True): 1, (40, True): 1, (0, True): 1, (150, False): 1}


# Customer base by hand: signed up by the date and not churned by it, judged with the data up to that date.
#   06-30 (as-of): explicit b, c, k (a, r churned on their dates) = 3; inactivity only c (still buys) = 1;
#                  combined c = 1.
#   03-31: explicit b, c, k = 3; inactivity everyone (a 02-15, b 02-10, c 02-01, r 03-10, k 03-01: all within 90
#          days) = 5; combined b, c, k (a and r churned on their dates) = 3.
#   05-31: explicit 3; inactivity r only (03-10 + 90 = 06-08; a 05-15, b 05-10, c 05-01 with data to 05-31, k 05-30
#          churned) = 1; combined 0 (r churned on its churn_date).
BASE = {
    "2024-06-30": {"explicit": 3, "inactivity": 1, "combined": 1},
    "2024-03-31": {"explicit": 3, "inactivity": 5, "combined": 3},
    "2024-05-31": {"explicit": 3, "inactivity": 1, "combined": 0},
}


@pytest.mark.parametrize("day", sorted(BASE))
@pytest.mark.parametrize("churn", ["explicit", "inactivity", "combined"])
def test_customer_base_by_hand(table, day, churn):
    from analytics.customer_base import customer_base, customer_base_by_month

    at = Filters(end=d(day))
    assert customer_base(table, at, churn, 90) == BASE[day][churn]
    # The month-end trend (its own SQL) ends at the same number; the window start never applies.
    trend = customer_base_by_month(table, at, churn, 90, months=3)
    assert trend["month_end"][-1] == d(day) and trend["customer_base"][-1] == BASE[day][churn]
    assert customer_base(table, Filters(end=d(day), start=d("2024-03-01")), churn, 90) == BASE[day][churn]


def test_customer_base_trend_equals_the_base_at_each_month_end(table):
    from analytics.customer_base import customer_base, customer_base_by_month

    for churn in ("explicit", "inactivity", "combined"):
        trend = customer_base_by_month(table, Filters(), churn, 90, months=6)
        assert trend["month_end"].to_list() == [d("2024-01-31"), d("2024-02-29"), d("2024-03-31"), d("2024-04-30"),
                                                d("2024-05-31"), d("2024-06-30")]
        assert trend["customer_base"].to_list() == [customer_base(table, Filters(end=end), churn, 90)
                                                    for end in trend["month_end"].to_list()]


def test_customer_base_trend_when_signup_and_purchase_share_a_month(make_source):
    """Inactivity, N = 30 (2024 is a leap year), data to 04-30 (z's purchase):
    x signs up 01-01 and buys 01-31: latest day 01-31, 01-31 + 30 = 03-01: in at 01-31 and 02-29, out at 03-31.
    y buys 01-01, then signs up 01-10 (a purchase before signup): latest day 01-10, + 30 = 02-09: in at 01-31 only
    (the purchase's day alone would give 01-31, out at 01-31).
    z signs up 01-01 (+ 30 = 01-31: out at 01-31, as 01-31 is not after it) and buys 04-30: in at 04-30 only (its
    churn_date 12-31 is after every month end, so combined judges it by inactivity too).
    Month ends 01-31, 02-29, 03-31, 04-30: 2, 1, 0, 1."""
    from analytics.customer_base import customer_base, customer_base_by_month

    source = make_source(
        customers={"customer_id": ["x", "y", "z"], "signup_date": [d("2024-01-01"), d("2024-01-10"), d("2024-01-01")],
                   "churn_date": [None, None, d("2024-12-31")], "segment": ["pro"] * 3,
                   "acquisition_channel": ["ads"] * 3, "region": ["eu"] * 3},
        transactions={"customer_id": ["x", "y", "z"],
                      "transaction_date": [d("2024-01-31"), d("2024-01-01"), d("2024-04-30")],
                      "amount": [10.0, 10.0, 10.0]})
    for churn in ("inactivity", "combined"):
        trend = customer_base_by_month(source, Filters(), churn, 30, months=4)
        assert trend["customer_base"].to_list() == [2, 1, 0, 1]
        assert trend["customer_base"].to_list() == [customer_base(source, Filters(end=end), churn, 30)
                                                    for end in trend["month_end"].to_list()]
