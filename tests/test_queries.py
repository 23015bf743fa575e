"""The SQL of the foundation on tiny literal tables, with expectations worked out by hand."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import polars as pl
import pytest

from analytics.filters import Filters
from analytics.overview import activity_by_period, date_bounds, filter_options
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d


def test_activity_by_month_by_hand(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    got = activity_by_period(source, Filters(grain="month"))
    # Jan: signups a, b; active a, b; revenue 10 + 5. Feb: signup c; active c; 7.
    # Mar: active a (20 > 0; the -4 refund does not make anyone active) and c; revenue 20 - 4 + 3 = 19.
    assert got.select("period", "new_customers", "active_customers", "revenue", "transactions").rows() == [
        (d("2024-01-01"), 2, 2, 15.0, 2),
        (d("2024-02-01"), 1, 1, 7.0, 1),
        (d("2024-03-01"), 0, 2, 19.0, 3),
    ]
    # As-of is the last transaction (2024-03-15): March is not complete, January and February are.
    assert got["is_complete"].to_list() == [True, True, False]


def test_activity_by_quarter_and_week(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    quarter = activity_by_period(source, Filters(grain="quarter"))
    assert quarter.select("period", "new_customers", "active_customers", "revenue").rows() == [
        (d("2024-01-01"), 3, 3, 41.0)]
    week = activity_by_period(source, Filters(grain="week"))
    # ISO weeks start on Monday: 2024-01-05 (Fri) -> 2024-01-01; 2024-03-09 (Sat) and 03-15 (Fri) -> their Mondays.
    assert week["period"].to_list() == [d("2024-01-01"), d("2024-01-15"), d("2024-01-29"), d("2024-02-26"),
                                        d("2024-03-04"), d("2024-03-11")]
    # 2024-03-01 (Fri) falls in the week of 2024-02-26: a's 20; the week of 03-04 only holds the refund.
    by_week = dict(zip(week["period"].to_list(), week["active_customers"].to_list(), strict=True))
    assert by_week[d("2024-02-26")] == 1 and by_week[d("2024-03-04")] == 0


def test_filters_restrict_customers_and_window(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    starters = activity_by_period(source, Filters(segment=("starter",)))
    assert starters["revenue"].to_list() == [5.0, 7.0, 3.0]
    eu_ads = activity_by_period(source, Filters(channel=("ads",), region=("eu",)))
    assert eu_ads.select("period", "revenue").rows() == [(d("2024-01-01"), 10.0), (d("2024-03-01"), 16.0)]
    window = activity_by_period(source, Filters(start=d("2024-02-01"), end=d("2024-03-05")))
    # Feb: c's 7 and signup; Mar 1-5: a's 20 only.
    assert window.select("period", "new_customers", "revenue").rows() == [
        (d("2024-02-01"), 1, 7.0), (d("2024-03-01"), 0, 20.0)]


def test_filter_values_are_bound_not_formatted(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    hostile = "starter') or (1=1"
    assert activity_by_period(source, Filters(segment=(hostile,))).height == 0


def test_filter_options_and_bounds(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    assert filter_options(source) == {"segment": ["starter", "pro"], "channel": ["ads", "organic"],
                                      "region": ["eu", "us"]}
    assert date_bounds(source) == (d("2024-01-05"), d("2024-03-15"))


def test_shuffled_rows_give_the_same_result(make_source):
    shuffled = pl.DataFrame(SMALL_TRANSACTIONS).sample(fraction=1.0, shuffle=True, seed=7)
    a = activity_by_period(make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS), Filters())
    b = activity_by_period(make_source(customers=SMALL_CUSTOMERS, transactions=shuffled), Filters())
    assert a.equals(b)


def test_sixteen_threads_get_correct_results(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    cases = [Filters(grain=g, segment=s) for g in ("week", "month", "quarter") for s in ((), ("pro",), ("starter",))]
    # Expected answers from a fresh source, one at a time, bypassing the result cache of the shared one.
    expected = {}
    for f in cases:
        solo = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
        expected[f] = activity_by_period(solo, f)
    barrier = threading.Barrier(16)

    def work(i: int) -> bool:
        barrier.wait()
        ok = True
        for j in range(20):
            f = cases[(i + j) % len(cases)]
            source._cache.clear()  # force real concurrent queries on the one connection
            ok &= activity_by_period(source, f).equals(expected[f])
        return ok

    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(work, range(16)))


def test_connection_is_locked_to_the_data_folder(make_source, tmp_path):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    outside = tmp_path / "outside.parquet"
    pl.DataFrame({"x": [1]}).write_parquet(outside)
    with source._con.cursor() as cur:
        with pytest.raises(duckdb.PermissionException):
            cur.sql("select * from read_parquet($p)", params={"p": str(outside)}).fetchall()
        with pytest.raises(duckdb.Error):
            cur.execute("set enable_external_access = true")


def test_unknown_query_name_is_refused(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    with pytest.raises(ValueError):
        source.run("../secrets")
    with pytest.raises(ValueError):
        source.run("activity_by_period", {})  # parameters are required, never defaulted silently


def test_result_cache_is_bounded_by_bytes(make_source, monkeypatch):
    import queries.runner as runner
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    # Quarterly, from three start dates in Q1 2024: one row per segment x channel x region each, same size.
    starts = [d("2024-01-01"), d("2024-01-02"), d("2024-01-03")]
    params = [{"grain": "quarter", "start": s, "end": None} for s in starts]
    size = int(source.run("activity_by_period", params[0]).estimated_size())
    monkeypatch.setattr(runner, "RESULT_CACHE_BYTES", size * 2)
    for p in params[1:]:
        assert int(source.run("activity_by_period", p).estimated_size()) == size
    # The third result does not fit beside two others in two results' bytes: the oldest went.
    assert len(source._cache) == 2 and source._cache_bytes == 2 * size
    assert [dict(k[1])["start"] for k in source._cache] == starts[1:]
