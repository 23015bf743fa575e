"""Data health's churn and freshness checks, by hand: a segment without churn dates, purchases after a
churn_date, a stale export, the currency setting."""

from __future__ import annotations

from datetime import date

from analytics.health import STALE_DAYS, data_health
from tests.conftest import d

# pro customers a and b have churn dates, starter customers c and d none; b buys after its churn_date (twice).
CUSTOMERS = {
    "customer_id": ["a", "b", "c", "d"],
    "signup_date": [d("2024-01-01")] * 4,
    "churn_date": [d("2024-02-01"), d("2024-02-01"), None, None],
    "segment": ["pro", "pro", "starter", "starter"],
    "acquisition_channel": ["ads", "organic", "ads", "organic"],
}
TRANSACTIONS = {
    "customer_id": ["a", "b", "b", "b", "c", "d"],
    "transaction_date": [d("2024-01-05"), d("2024-01-05"), d("2024-03-01"), d("2024-04-01"), d("2024-01-05"),
                         d("2024-04-30")],
    "amount": [10.0, 10.0, 12.0, 12.0, 5.0, 5.0],
}


def by_check(report):
    return {f.check: f for f in report.findings}


def test_a_segment_without_churn_dates_and_purchases_after_churn(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    checks = by_check(data_health(source, today=date(2024, 5, 10)))
    segment = checks["no churn_date by segment"]
    # starter (c, d) has no churn_date while pro has: 2 customers, and the message says what covers them.
    assert (segment.level, segment.affected) == ("warning", 2)
    assert "starter (2 customers)" in segment.message and "combined churn definition" in segment.message
    # Every channel has one customer with a churn date: nothing to say by channel.
    assert checks["no churn_date by channel"].affected == 0
    after = checks["purchases after churn_date"]
    # b's purchases of 03-01 and 04-01 follow its churn_date 02-01: 2 purchases, 1 customer, a reactivation.
    assert (after.level, after.affected) == ("info", 2) and "(1 customers)" in after.message
    assert "reactivated" in after.message
    assert after.examples is not None and after.examples["transaction_date"].to_list() == [d("2024-03-01"),
                                                                                            d("2024-04-01")]


def test_stale_export_is_a_warning_past_45_days(make_source):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)  # as-of 2024-04-30
    fresh = by_check(data_health(source, today=date(2024, 4, 30)))["stale export"]
    assert fresh.affected == 0
    on_the_edge = by_check(data_health(source, today=date(2024, 6, 14)))["stale export"]  # 45 days: not stale
    assert STALE_DAYS == 45 and on_the_edge.affected == 0
    stale = by_check(data_health(source, today=date(2024, 6, 15)))["stale export"]        # 46 days
    assert (stale.level, stale.affected) == ("warning", 46) and "2024-04-30" in stale.message


def test_currency_setting_and_a_bad_value(make_source, tmp_path):
    source = make_source(customers=CUSTOMERS, transactions=TRANSACTIONS)
    assert by_check(data_health(source, today=date(2024, 5, 1)))["currency"].affected == 1  # none set
    from queries import DataSource
    from tests.conftest import write_exports

    folder = write_exports(tmp_path / "eur", customers=CUSTOMERS, transactions=TRANSACTIONS)
    (folder / "retention.toml").write_text('currency = "eur"\n[labels.segment]\nstarter = "Starter plan"\n')
    eur = DataSource.open(folder)
    assert (eur.currency, eur.labels) == ("EUR", {"segment": {"starter": "Starter plan"}})
    assert by_check(data_health(eur, today=date(2024, 5, 1)))["currency"].message == "Money is shown in EUR."
    eur.close()
    (folder / "retention.toml").write_text('currency = "euros"\n')
    bad = DataSource.open(folder)
    # A bad currency is a warning that names the file and the line, and the app keeps running without one.
    assert bad.currency is None and bad.has("customers")
    (problem,) = [p for p in bad.problems if p.column == "currency"]
    assert problem.level == "warning" and "retention.toml" in problem.message and "'euros'" in problem.message
    bad.close()
