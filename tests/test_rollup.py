"""The customer x month rollup (queries/rollup.sql) answers exactly what aggregating the transactions would.

Every cube query reads the rollup through ``customer_periods`` / ``customer_months_between``; these tests pin
those two macros to a direct aggregation of the transactions on random data, for every grain and for windows
that start and end on the 1st, mid-month, on a month's last day, on the last transaction date and after it.
"""

from __future__ import annotations

import itertools
import random
import re
from datetime import date, timedelta

import pytest
from polars.testing import assert_frame_equal

from analytics.filters import Filters
from analytics.health import data_health
from analytics.revenue_mix import revenue_movements
from queries import rollup_cache
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d

RAW_PERIODS = """
select t.customer_id, cast(date_trunc($grain, t.transaction_date) as date) as period,
       round(sum(t.amount), 6) as revenue, round(coalesce(sum(t.gross_margin), 0.0), 6) as known_margin,
       round(coalesce(sum(t.amount) filter (where t.gross_margin is null), 0.0), 6) as revenue_without_margin,
       count(*) as transactions, max(t.amount) > 0 as positive
from transactions as t
inner join customers as c on c.customer_id = t.customer_id
where ($start::date is null or t.transaction_date >= $start::date)
  and ($end::date is null or t.transaction_date <= $end::date)
group by all
order by all
"""
ROLLUP_PERIODS = """
select c.customer_id, p.period, round(p.revenue, 6) as revenue, round(p.known_margin, 6) as known_margin,
       round(p.revenue_without_margin, 6) as revenue_without_margin, p.transactions, p.positive
from customer_periods($grain, $start, $end, $data_as_of) as p
inner join customers as c on c.customer_key = p.customer_key
order by all
"""
RAW_PURCHASES = """
select t.customer_id, max(t.transaction_date) as last_active,
       arg_min(t.amount, date_diff('day', date '2000-01-01', t.transaction_date) * 1e7 - least(t.amount, 9999999.0))
           as first_value
from transactions as t
inner join customers as c on c.customer_id = t.customer_id
where t.amount > 0 and ($start::date is null or t.transaction_date >= $start::date)
  and ($end::date is null or t.transaction_date <= $end::date)
group by all
order by all
"""
ROLLUP_PURCHASES = """
select c.customer_id, max(m.last_positive_date) as last_active, arg_min(m.first_positive_value, m.month) as first_value
from customer_months_between($start, $end, $data_as_of) as m
inner join customers as c on c.customer_key = m.customer_key
where m.positive
group by all
order by all
"""

ACTIVITY_UNTIL = """
select c.customer_id, a.last_positive_date, a.first_positive_value
from customer_activity_until($end, $data_as_of) as a
inner join customers as c on c.customer_key = a.customer_key
order by all
"""

RAW_COHORTS = """
with periods as (
    select t.customer_id, cast(date_trunc($grain, t.transaction_date) as date) as period,
           sum(t.amount) as revenue, max(t.amount) > 0 as positive
    from transactions as t
    inner join customers as c on c.customer_id = t.customer_id
    where t.transaction_date is not null and ($end::date is null or t.transaction_date <= $end::date)
    group by all
)
select cast(date_trunc($grain, c.signup_date) as date) as cohort, p.period,
       count(*) filter (where p.positive) as active_customers, round(sum(p.revenue), 6) as revenue
from periods as p
inner join customers as c on c.customer_id = p.customer_id
where ($end::date is null or c.signup_date <= $end::date)
  and p.period >= cast(date_trunc($grain, c.signup_date) as date)
group by all
order by all
"""
ROLLUP_COHORTS = """
select cohort, period, sum(active_customers) as active_customers, round(sum(revenue), 6) as revenue
from cohort_cells($grain, $end, $data_as_of)
group by all
order by all
"""


def _random_exports(seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    ids = [f"c{i}" for i in range(30)]
    customers = {"customer_id": ids, "signup_date": [date(2024, 1, 1) + timedelta(days=rng.randrange(200))
                                                     for _ in ids]}
    rows = 400
    customer_ids = [rng.choice(ids + ["unknown"]) for _ in range(rows)]
    days = [date(2024, 1, 1) + timedelta(days=rng.randrange(300)) for _ in range(rows)]
    # Refunds, zero amounts, equal amounts on one day, and a gross margin given on some rows only.
    amounts = [rng.choice([-25.0, 0.0, 10.0, 10.0, 42.5, round(rng.uniform(-5, 300), 2)]) for _ in range(rows)]
    margins = [None if rng.random() < 0.5 else round(a * 0.4, 2) for a in amounts]
    transactions = {"transaction_id": [f"t{i}" for i in range(rows)], "customer_id": customer_ids,
                    "transaction_date": days, "amount": amounts, "gross_margin": margins}
    return customers, transactions


def _query(source, sql: str, params: dict) -> list[tuple]:
    source.run("cohort_sizes", {"grain": "month", "end": None})  # builds the rollup
    with source._con.cursor() as cur:
        return cur.sql(sql, params={k: v for k, v in params.items() if f"${k}" in sql}).fetchall()


@pytest.mark.parametrize("seed,slice_rows", [(1, None), (2, None), (1, 60)])
def test_rollup_equals_aggregating_the_transactions(make_source, monkeypatch, seed, slice_rows):
    customers, transactions = _random_exports(seed)
    if slice_rows:  # customer_months built in slices of whole months, as on big exports
        monkeypatch.setattr(rollup_cache, "ROLLUP_SLICE_ROWS", slice_rows)
    source = make_source(customers=customers, transactions=transactions)
    with source._con.cursor() as cur:
        slices = rollup_cache._month_slices(cur)
    if slice_rows:
        assert len(slices) == 7  # 400 transactions / 60 a slice: six cut points, in six different months
        # Contiguous, open at both ends, cut on the first of a month.
        assert slices[0][0] is None and slices[-1][1] is None
        for (_, end), (start, _) in itertools.pairwise(slices):
            assert start.day == 1 and end == start - timedelta(days=1)
    else:
        assert slices == [(None, None)]
    last = source.as_of
    # Week grain (customer_weeks, cut weeks from the transactions): 2024-03-04 is a Monday (no week cut),
    # 2024-03-17 and 2024-06-30 Sundays, 2024-04-30 a Tuesday, 2024-06-12 a Wednesday, 2024-07-01 a Monday.
    starts = [None, d("2024-03-01"), d("2024-03-04"), d("2024-03-17"), d("2024-04-30")]
    month_before_last = last.replace(day=1) - timedelta(days=1)  # the Overview's "previous" as-of date
    ends = [None, d("2024-06-12"), d("2024-06-15"), d("2024-06-30"), d("2024-07-01"), last, last - timedelta(days=1),
            last + timedelta(days=40), month_before_last]
    checked = 0
    for start, end in itertools.product(starts, ends):
        if start and end and start > end:
            continue
        params = {"start": start, "end": end, "data_as_of": last}
        for grain in ("week", "month", "quarter"):
            raw = _query(source, RAW_PERIODS, params | {"grain": grain})
            assert raw, (start, end, grain)
            assert _query(source, ROLLUP_PERIODS, params | {"grain": grain}) == raw, (start, end, grain)
        raw_purchases = _query(source, RAW_PURCHASES, params)
        assert _query(source, ROLLUP_PURCHASES, params) == raw_purchases, (start, end)
        if start is None:
            assert _query(source, ACTIVITY_UNTIL, params) == raw_purchases, end
            for grain in ("week", "month", "quarter"):  # the cohort cube: from cohort_months, or the periods
                raw_cohorts = _query(source, RAW_COHORTS, params | {"grain": grain})
                assert raw_cohorts and _query(source, ROLLUP_COHORTS, params | {"grain": grain}) == raw_cohorts
        checked += 1
    assert checked == 45


def test_rollup_names_are_read_from_every_create_statement_of_rollup_sql():
    # A query naming a table or macro of the rollup makes the runner build it first; a create statement that the
    # patterns missed would let such a query run before its table exists, or leave the table out of the copy.
    from queries.sql import load_sql
    creates = re.findall(r"^\s*create\b", load_sql("rollup"), re.M | re.I)
    names = rollup_cache.ROLLUP_TABLES + rollup_cache.ROLLUP_MACROS
    assert len(creates) == len(names) and len(set(names)) == len(names)
    assert "customer_months" in rollup_cache.ROLLUP_TABLES and "cohort_cells" in rollup_cache.ROLLUP_MACROS
    assert rollup_cache.CACHED_TABLES == ("customers", *rollup_cache.ROLLUP_TABLES)
    for name in names:
        assert rollup_cache.reads_rollup(f"select * from {name}"), name  # noqa: S608 - text for the regex, never run
    assert not rollup_cache.reads_rollup(load_sql("health_unknown_customers"))


def test_rollup_is_built_once_and_only_when_needed(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    data_health(source)
    assert source.rollup_seconds is None  # the Data health page never pays for it
    source.run("cohort_sizes", {"grain": "month", "end": None})
    built = source.rollup_seconds
    assert built is not None
    source.run("cohort_activity", {"grain": "quarter", "end": None})
    assert source.rollup_seconds == built
    with source._con.cursor() as cur:
        assert cur.sql("select count(*) from customer_months").fetchall() == [(5,)]


EVERY_MONTH = "select * from customer_months order by customer_key, month"


def _files(folder) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_rollup_is_saved_outside_the_data_folder_and_loaded_by_the_next_process(tmp_path, monkeypatch):
    from queries import DataSource
    from tests.conftest import write_exports
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache"))
    customers, transactions = _random_exports(3)
    data = write_exports(tmp_path / "data", customers=customers, transactions=transactions)
    before = _files(data)
    params = {"grain": "month", "end": None}

    first = DataSource.open(data)
    built = first.run("cohort_activity", params)
    assert first.rollup_origin == "built"
    with first._con.cursor() as cur:
        built_months = cur.sql(EVERY_MONTH).fetchall()
    built_movements = revenue_movements(first, Filters())  # sorts the customer x months itself
    assert first.cache_dir is not None and (tmp_path / "cache") in first.cache_dir.parents
    first.close()  # waits for the copy being saved in the background
    assert {p.name for p in first.cache_dir.iterdir()} == {"rollup.duckdb", "complete"}

    second = DataSource.open(data)
    # The same sums; the copy is saved sorted by customer, so floats may be added in another order.
    assert_frame_equal(second.run("cohort_activity", params), built, rel_tol=1e-12, abs_tol=1e-9)
    assert second.rollup_origin == "loaded"
    with second._con.cursor() as cur:
        assert cur.sql(EVERY_MONTH).fetchall() == built_months
        # Saved in customer x month order (the revenue movements skip their sort on it).
        in_order = cur.sql("select customer_key, month from customer_months").fetchall()
        assert in_order == sorted(in_order)
    assert_frame_equal(revenue_movements(second, Filters()), built_movements, rel_tol=1e-12, abs_tol=1e-9)
    second.close()

    # A damaged copy: the customers are numbered afresh, so the marker goes at once (the saved rollup, numbered
    # like the old customers, must not be used), and the rollup is rebuilt with the same answer.
    (first.cache_dir / "rollup.duckdb").write_bytes(b"not a database")
    third = DataSource.open(data)
    assert not (first.cache_dir / "complete").exists()
    assert third.run("cohort_activity", params).equals(built)
    assert third.rollup_origin == "built"
    third.close()
    assert _files(data) == before  # nothing was written into the data folder


def test_no_rollup_cache_inside_the_data_folder_or_when_off(tmp_path, monkeypatch):
    from queries import DataSource
    from tests.conftest import write_exports
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    before = _files(data)
    for setting in (str(data / "cache"), "off"):
        monkeypatch.setenv("RETENTION_CACHE_DIR", setting)
        source = DataSource.open(data)
        assert source.cache_dir is None
        source.run("cohort_sizes", {"grain": "month", "end": None})
        assert source.rollup_origin == "built"
        source.close()
    assert _files(data) == before
