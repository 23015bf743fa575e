"""Data health checks: the cheap passes (health_customer_links, health_transaction_id_order,
health_customer_ids) and the threshold in health_negative_amounts must report exactly what the per-row
definitions say. Hand-worked tables for each shortcut, then a property test against a plain-Python reading of
every definition (comments at the top of each queries/health_*.sql)."""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.health import data_coverage, data_health
from queries import DataSource
from tests.conftest import SMALL_CUSTOMERS, d, write_exports


def finding(report, check: str):
    (match,) = [f for f in report.findings if f.check == check]
    return match


def transactions(ids: list[object] | None, n: int | None = None) -> dict[str, list[object]]:
    """n transactions of customer a (signed up 2024-01-05), one a day from 2024-02-01, with these ids."""
    n = len(ids) if ids is not None else n
    assert n is not None
    table: dict[str, list[object]] = {
        "customer_id": ["a"] * n,
        "transaction_date": [d("2024-02-01") + timedelta(days=i) for i in range(n)],
        "amount": [1.0] * n,
    }
    if ids is not None:
        table["transaction_id"] = ids
    return table


# ---------------------------------------------------------------- duplicate transaction_id: the order proof
def test_ids_in_order_prove_there_is_no_duplicate(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(["t1", "t2", "t3", "t4"]))
    # Three adjacent pairs, each increasing: none breaks the ascending order, all three break the descending.
    assert source.run("health_transaction_id_order").row(0) == (4, 0, 3)
    assert finding(data_health(source), "duplicate transaction_id").affected == 0


def test_whole_number_ids_count_in_numeric_order(make_source):
    # As text "10" < "9"; by (length, text) 9 < 10 < 11, so the proof holds for integer ids in order.
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions([8, 9, 10, 11]))
    assert source.run("health_transaction_id_order").row(0) == (4, 0, 3)
    # Newest first works too: descending order is the other proof.
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(["t9", "t7", "t3", "t2"]))
    assert source.run("health_transaction_id_order").row(0) == (4, 3, 0)


def test_a_repeat_in_order_is_counted_exactly(make_source):
    # t2 follows t2: one pair breaks the ascending order, so the exact count runs: one id (t2) appears twice.
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(["t1", "t2", "t2", "t3", "t3", "t3"]))
    assert source.run("health_transaction_id_order").row(0) == (6, 3, 5)
    dup = finding(data_health(source), "duplicate transaction_id")
    assert dup.affected == 2                                    # t2 (2 copies) and t3 (3 copies)
    assert dup.examples is not None and dup.examples.rows() == [("t3", 3), ("t2", 2)]


def test_ids_out_of_order_fall_back_to_the_exact_count(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(["t3", "t1", "t4", "t2"]))
    # t3 > t1 breaks ascending, t1 < t4 breaks descending: no proof either way, yet no id repeats.
    order = source.run("health_transaction_id_order").row(0, named=True)
    assert order["not_ascending"] > 0 and order["not_descending"] > 0
    assert finding(data_health(source), "duplicate transaction_id").affected == 0
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(["t3", "t1", "t3", None]))
    assert finding(data_health(source), "duplicate transaction_id").affected == 1   # t3; null is not an id


def test_export_without_transaction_id_has_no_duplicates(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(None, n=3))
    assert source.run("health_transaction_id_order").row(0) == (0, 0, 0)
    assert finding(data_health(source), "duplicate transaction_id").affected == 0


# ---------------------------------------------------------------- customers: links pass and the duplicate proof
def test_customer_links_by_hand(make_source):
    customers = {"customer_id": ["a", "b", "c"],
                 "signup_date": [d("2024-01-05"), d("2024-01-20"), d("2024-02-03")]}
    tx = {
        "customer_id": ["a", "b", "b", "ghost", "ghost", None, "zombie", "c", "early", "b"],
        "transaction_date": [d("2024-01-05"), d("2024-01-10"), d("2024-01-02"), d("2024-02-10"),
                             d("2024-01-07"), d("2024-03-02"), d("2024-01-07"), None, d("2024-03-15"),
                             d("2024-03-01")],
        "amount": [10.0, 5.0, 6.0, 1.0, 2.0, 3.0, 4.0, 8.0, 9.0, 7.0],
    }
    source = make_source(customers=customers, transactions=tx)
    links = source.run("health_customer_links").row(0, named=True)
    assert links["rows"] == 10
    assert links["distinct_keys"] == 6                          # a, b, c, ghost, zombie, early (not the null)
    assert (links["first_date"], links["last_date"]) == (d("2024-01-02"), d("2024-03-15"))
    assert links["unknown_customer_transactions"] == 4          # ghost twice, zombie, early
    # Unknown ids by first transaction, then id: ghost and zombie both start 01-07 (ghost first), early 03-15.
    assert sorted(links["unknown_customer_ids"]) == ["early", "ghost", "zombie"]
    assert links["customers_before_signup"] == 1                # b (01-10 and 01-02 before 01-20); c's date is null
    report = data_health(source)
    unknown = finding(report, "unknown customer")
    assert unknown.affected == 4
    assert unknown.examples is not None
    assert unknown.examples.select("customer_id", "transaction_date").rows() == [
        ("ghost", d("2024-01-07")), ("zombie", d("2024-01-07")), ("ghost", d("2024-02-10")),
        ("early", d("2024-03-15"))]
    before = finding(report, "before signup")
    assert before.affected == 2                                 # b's two transactions, counted per transaction
    assert before.examples is not None and before.examples["transaction_date"].to_list() == [
        d("2024-01-02"), d("2024-01-10")]
    # The coverage table takes the same figures as coverage_transactions would.
    coverage = data_coverage(source).filter(pl.col("export") == "transactions").row(0, named=True)
    expected = source.run("coverage_transactions").row(0, named=True)
    assert {k: coverage[k] for k in ("rows", "distinct_keys", "first_date", "last_date")} == {
        k: expected[k] for k in ("rows", "distinct_keys", "first_date", "last_date")}


def test_unknown_customer_examples_are_the_first_five_transactions(make_source):
    # Eight unknown ids; the first five transactions by (date, id) all belong to u1 and u2, the two earliest.
    # u0 comes first by id but has no date: missing dates sort last.
    tx = {
        "customer_id": ["u1", "u1", "u1", "u2", "u2", "u3", "u4", "u5", "u6", "u7", "a", "u0"],
        "transaction_date": [d("2024-01-01"), d("2024-01-02"), d("2024-01-03"), d("2024-01-01"), d("2024-01-02"),
                             d("2024-01-04"), d("2024-01-05"), d("2024-01-06"), d("2024-01-07"), d("2024-01-08"),
                             d("2024-01-05"), None],
        "amount": [1.0] * 12,
    }
    source = make_source(customers=SMALL_CUSTOMERS, transactions=tx)
    links = source.run("health_customer_links").row(0, named=True)
    assert sorted(links["unknown_customer_ids"]) == ["u1", "u2", "u3", "u4", "u5"]
    unknown = finding(data_health(source), "unknown customer")
    assert unknown.affected == 11
    assert unknown.examples is not None
    assert unknown.examples.select("customer_id", "transaction_date").rows() == [
        ("u1", d("2024-01-01")), ("u2", d("2024-01-01")), ("u1", d("2024-01-02")), ("u2", d("2024-01-02")),
        ("u1", d("2024-01-03"))]


def test_duplicate_customer_proof_and_its_fallback(make_source):
    tx = transactions(None, n=1)
    # Every id once: three ids in the export, three distinct in customers -> proved, nothing to show.
    source = make_source(customers=SMALL_CUSTOMERS, transactions=tx)
    assert source.run("health_customer_ids")["ids"][0] == 3
    assert finding(data_health(source), "duplicate customer_id").affected == 0
    # x has only a row without signup_date: customers leaves it out (2 distinct ids for 3 ids in the export),
    # so the exact count runs, and finds no repeated id.
    source = make_source(customers={"customer_id": ["a", "b", "x"],
                                    "signup_date": [d("2024-01-05"), d("2024-01-20"), None]}, transactions=tx)
    assert finding(data_health(source), "duplicate customer_id").affected == 0
    # a twice, the second copy without signup_date: one duplicated id.
    source = make_source(customers={"customer_id": ["a", "b", "a", None],
                                    "signup_date": [d("2024-01-05"), d("2024-01-20"), None, d("2024-01-01")]},
                         transactions=tx)
    dup = finding(data_health(source), "duplicate customer_id")
    assert dup.affected == 1
    assert dup.examples is not None and dup.examples.rows() == [("a", 2)]


# ---------------------------------------------------------------- negative amounts: the threshold
def test_negative_amount_examples_with_ties_at_the_fifth(make_source):
    # Refunds -9, -7, -7, -5, -5, -5, -1 (seven). The fifth most negative is -5, shared by three rows: the
    # first five by (amount, date, customer) are -9, -7 (d1), -7 (d2), -5 (d1, a), -5 (d1, b).
    tx = {
        "customer_id": ["a", "b", "a", "c", "b", "a", "a", "b"],
        "transaction_date": [d("2024-02-05"), d("2024-02-02"), d("2024-02-01"), d("2024-02-03"),
                             d("2024-02-01"), d("2024-02-01"), d("2024-02-09"), d("2024-02-09")],
        "amount": [-9.0, -7.0, -7.0, -5.0, -5.0, -5.0, -1.0, 30.0],
    }
    source = make_source(customers=SMALL_CUSTOMERS, transactions=tx)
    negative = finding(data_health(source), "negative amounts")
    assert negative.affected == 7
    assert negative.examples is not None
    assert negative.examples.rows() == [
        ("a", d("2024-02-05"), -9.0), ("a", d("2024-02-01"), -7.0), ("b", d("2024-02-02"), -7.0),
        ("a", d("2024-02-01"), -5.0), ("b", d("2024-02-01"), -5.0)]
    assert source.run("health_negative_amounts")["refunded"][0] == -39.0
    # Fewer than five refunds: all of them.
    source = make_source(customers=SMALL_CUSTOMERS, transactions=transactions(None, n=2) | {"amount": [-2.0, 3.0]})
    assert finding(data_health(source), "negative amounts").examples["amount"].to_list() == [-2.0]


# ---------------------------------------------------------------- every count against its definition
@st.composite
def exports(draw):
    """A small customers and transactions export with every kind of flaw, and how its ids are ordered."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    day0 = date(2024, 1, 1)
    customer_ids = [f"c{i}" for i in range(draw(st.integers(1, 8)))]
    rows = customer_ids + [rng.choice(customer_ids) for _ in range(draw(st.integers(0, 3)))] + \
        [None] * draw(st.integers(0, 1))
    customers = {
        "customer_id": rows,
        "signup_date": [None if i and rng.random() < 0.1 else day0 + timedelta(days=rng.randrange(60))
                        for i in range(len(rows))],
    }
    n = draw(st.integers(1, 30))
    pool = customer_ids + ["ghost1", "ghost2", None]
    id_mode = draw(st.sampled_from(["ascending", "descending", "integers", "shuffled", "repeats", "absent"]))
    ids: list[object] | None
    if id_mode in ("ascending", "descending", "shuffled"):
        ids = [f"t{i:03d}" for i in rng.sample(range(1000), n)]
        ids.sort(reverse=id_mode == "descending")
        if id_mode == "shuffled":
            rng.shuffle(ids)
    elif id_mode == "integers":
        ids = sorted(rng.sample(range(1, 200), n))
    elif id_mode == "repeats":
        ids = [rng.choice(["t1", "t2", "t3", "t10", None]) for _ in range(n)]
        if rng.random() < 0.5:
            ids.sort(key=lambda v: (v is None, str(v)))
    else:
        ids = None
    tx: dict[str, list[object]] = {
        "customer_id": [rng.choice(pool) for _ in range(n)],
        "transaction_date": [None if i and rng.random() < 0.05 else day0 + timedelta(days=rng.randrange(90))
                             for i in range(n)],
        "amount": [rng.choice([-3.0, -1.0, -1.0, 2.0, 5.0, 8.0]) for _ in range(n)],
    }
    if ids is not None:
        tx["transaction_id"] = ids
    return customers, tx


def definitions(customers: dict[str, list], tx: dict[str, list]) -> dict[str, int]:
    """Each check's count, read straight from its definition."""
    # The customers view keeps one row per id with a signup_date: the earliest.
    signup: dict[str, date] = {}
    for cid, day in zip(customers["customer_id"], customers["signup_date"], strict=True):
        if cid is not None and day is not None:
            signup[cid] = min(day, signup.get(cid, day))
    copies = Counter(c for c in customers["customer_id"] if c is not None)
    rows = list(zip(tx["customer_id"], tx["transaction_date"], tx["amount"], strict=True))
    tx_copies = Counter(str(t) for t in tx.get("transaction_id", []) if t is not None)
    return {
        "duplicate customer_id": sum(1 for n in copies.values() if n > 1),
        "unknown customer": sum(1 for cid, _, _ in rows if cid is not None and cid not in signup),
        "before signup": sum(1 for cid, day, _ in rows if cid in signup and day is not None and day < signup[cid]),
        "negative amounts": sum(1 for _, _, amount in rows if amount < 0),
        "duplicate transaction_id": sum(1 for n in tx_copies.values() if n > 1),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_every_count_matches_its_definition(data):
    customers, tx = data
    with tempfile.TemporaryDirectory() as tmp:
        tx_schema = {"customer_id": pl.String, "transaction_date": pl.Date, "amount": pl.Float64}
        if "transaction_id" in tx:
            tx_schema["transaction_id"] = pl.Int64 if any(isinstance(t, int) for t in tx["transaction_id"]) \
                else pl.String
        folder = write_exports(
            Path(tmp) / "data",
            customers=pl.DataFrame(customers, schema={"customer_id": pl.String, "signup_date": pl.Date}),
            transactions=pl.DataFrame(tx, schema=tx_schema))
        source = DataSource.open(folder)
        try:
            report = data_health(source)
            assert report.errors == []
            got = {f.check: f.affected for f in report.findings if f.check in definitions(customers, tx)}
            assert got == definitions(customers, tx)
            # Examples are shown exactly when something was found, and never more than five.
            for f in report.findings:
                if f.check not in ("null keys", "load", "stale export", "currency"):
                    assert (f.examples is not None) == (f.affected > 0), f.check
                assert f.examples is None or 0 < f.examples.height <= 5
            unknown = finding(report, "unknown customer")
            if unknown.examples is not None:
                # The first unknown-customer transactions by (date, id), as the full definition orders them.
                known = {c for c, s in zip(customers["customer_id"], customers["signup_date"], strict=True)
                         if c is not None and s is not None}
                orphans = sorted(((day is None, day or date.min, cid) for cid, day, _ in
                                  zip(tx["customer_id"], tx["transaction_date"], tx["amount"], strict=True)
                                  if cid is not None and cid not in known))[:5]
                assert unknown.examples.select("transaction_date", "customer_id").rows() == [
                    (None if null else day, cid) for null, day, cid in orphans]
            coverage = data_coverage(source).filter(pl.col("export") == "transactions").row(0, named=True)
            expected = source.run("coverage_transactions").row(0, named=True)
            for key in ("rows", "distinct_keys", "first_date", "last_date"):
                assert coverage[key] == expected[key]
        finally:
            source.close()
