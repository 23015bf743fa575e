"""Validation on deliberately broken exports: every error names the file, the column and what to do,
and every warning is counted exactly (counts worked out by hand on the literal tables)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from analytics.health import data_health
from queries import DataSource
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d, write_exports


def errors(source: DataSource) -> list[str]:
    return [p.message for p in source.problems if p.level == "error"]


def finding(report, check: str):
    matches = [f for f in report.findings if f.check == check]
    assert len(matches) == 1, [f.check for f in report.findings]
    return matches[0]


def test_clean_small_data_loads_without_errors(make_source):
    source = make_source(customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    assert errors(source) == []
    assert source.usable == {"customers", "transactions"}
    assert source.as_of == d("2024-03-15")
    report = data_health(source, today=d("2024-04-01"))
    assert report.errors == []
    # The findings are the refund of 4 and the missing currency (both info, not warnings).
    assert [(f.check, f.affected) for f in report.findings if f.affected] == [("negative amounts", 1),
                                                                              ("currency", 1)]
    assert report.warnings == []


def test_missing_data_folder(tmp_path):
    source = DataSource.open(tmp_path / "nope")
    assert "does not exist" in errors(source)[0] and "--data" in errors(source)[0]
    assert source.usable == set()


def test_missing_required_export(make_source):
    source = make_source(customers=SMALL_CUSTOMERS)
    (message,) = errors(source)
    assert "transactions" in message and "transactions.parquet" in message
    assert source.usable == {"customers"}  # the rest keeps working


def test_missing_required_column_names_file_column_and_mapping(make_source):
    tx = {k: v for k, v in SMALL_TRANSACTIONS.items() if k != "amount"} | {"net_revenue": [1.0] * 6}
    source = make_source(customers=SMALL_CUSTOMERS, transactions=tx)
    (message,) = errors(source)
    assert "'amount'" in message and "transactions.parquet" in message and "net_revenue" in message
    assert 'retention.toml' in message and '[columns.transactions] amount = "your_column_name"' in message
    assert source.usable == {"customers"}


def test_mapping_file_renames_columns(tmp_path):
    tx = pl.DataFrame(SMALL_TRANSACTIONS).rename({"amount": "net_revenue", "transaction_date": "paid_on"})
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=tx)
    (folder / "retention.toml").write_text(
        '[columns.transactions]\namount = "net_revenue"\ntransaction_date = "paid_on"\n')
    source = DataSource.open(folder)
    assert errors(source) == []
    assert source.run("coverage_transactions")["total_amount"][0] == 41.0


def test_bad_mapping_file_is_an_error_not_a_crash(tmp_path):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    (folder / "retention.toml").write_text("[columns.transactions\namount = ")
    assert any("retention.toml" in m and "not valid TOML" in m for m in errors(DataSource.open(folder)))
    (folder / "retention.toml").write_text('[columns.orders]\namount = "x"\n')
    assert any("[columns.orders]" in m for m in errors(DataSource.open(folder)))


def test_corrupt_file_is_named(tmp_path):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS)
    (folder / "transactions").mkdir()
    pl.DataFrame(SMALL_TRANSACTIONS).write_parquet(folder / "transactions" / "part-0.parquet")
    (folder / "transactions" / "part-1.parquet").write_bytes(b"this is not parquet at all, sorry")
    source = DataSource.open(folder)
    (message,) = errors(source)
    assert "transactions/part-1.parquet" in message and "cannot be read as Parquet" in message
    assert "part-0" not in message
    assert source.usable == {"customers"}


def test_text_that_is_not_a_number_is_named(make_source):
    tx = dict(SMALL_TRANSACTIONS) | {"amount": ["10", "5", "7", "twenty", "-4", "3"]}
    (message,) = errors(make_source(customers=SMALL_CUSTOMERS, transactions=tx))
    assert "transactions.amount" in message and "'twenty'" in message and "transactions.parquet" in message


def test_wrong_type_is_named(make_source):
    customers = dict(SMALL_CUSTOMERS) | {"signup_date": [1.5, 2.5, 3.5]}
    (message,) = errors(make_source(customers=customers, transactions=SMALL_TRANSACTIONS))
    assert "customers.signup_date" in message and "DOUBLE" in message and "date" in message


def test_readable_text_and_timestamps_are_normalised(make_source):
    from datetime import datetime
    customers = dict(SMALL_CUSTOMERS) | {"signup_date": ["2024-01-05", "2024-01-20", "2024-02-03"],
                                         "customer_id": [1, 2, 3]}
    tx = dict(SMALL_TRANSACTIONS) | {"customer_id": ["1", "2", "3", "1", "1", "3"],
                                     "transaction_date": [datetime(2024, 1, 5, 23, 59), datetime(2024, 1, 21),
                                                          datetime(2024, 2, 3), datetime(2024, 3, 1),
                                                          datetime(2024, 3, 9), datetime(2024, 3, 15, 8)]}
    source = make_source(customers=customers, transactions=tx)
    assert errors(source) == []
    assert source.as_of == d("2024-03-15")
    # Integer customer ids join string ones: no transaction is orphaned.
    assert finding(data_health(source), "unknown customer").affected == 0


def test_empty_export_is_an_error(make_source):
    empty = pl.DataFrame(SMALL_TRANSACTIONS).clear()
    (message,) = errors(make_source(customers=SMALL_CUSTOMERS, transactions=empty))
    assert "transactions" in message and "no rows" in message


def test_folder_export_with_hive_partitions_and_drifting_schema(tmp_path):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS)
    tx = pl.DataFrame(SMALL_TRANSACTIONS)
    jan = folder / "transactions" / "year=2024" / "month=01"
    later = folder / "transactions" / "year=2024" / "month=02"
    jan.mkdir(parents=True)
    later.mkdir(parents=True)
    # Different column order, and an optional column in one file only.
    tx.head(2).select("amount", "customer_id", "transaction_date").write_parquet(jan / "a.parquet")
    tx.tail(4).with_columns(transaction_id=pl.Series(["t3", "t4", "t5", "t6"])).write_parquet(later / "b.parquet")
    # Staging leftovers that must be ignored.
    (folder / "transactions" / "_temporary").mkdir()
    (folder / "transactions" / "_temporary" / "junk.parquet").write_bytes(b"junk")
    source = DataSource.open(folder)
    assert errors(source) == []
    assert source.row_counts["transactions"] == 6
    assert source.run("coverage_transactions")["total_amount"][0] == 41.0


def test_every_warning_is_counted(make_source):
    customers = {
        "customer_id": ["a", "a", "b", "c", None, "late"],
        "signup_date": [d("2024-01-05"), d("2024-01-06"), d("2024-01-20"), d("2024-02-03"), d("2024-02-04"),
                        d("2024-06-01")],
        "churn_date": [None, None, d("2024-05-01"), None, None, None],
    }
    tx = {
        "transaction_id": ["t1", "t2", "t2", "t4", "t5", "t6", "t7"],
        "customer_id": ["a", "b", "c", "ghost", "ghost", None, "c"],
        "transaction_date": [d("2024-01-05"), d("2024-01-10"), d("2024-02-03"), d("2024-02-10"), d("2024-03-01"),
                             d("2024-03-02"), d("2024-03-15")],
        "amount": [10.0, 5.0, -7.0, 1.0, 2.0, 3.0, -1.0],
    }
    spend = {"month": [d("2024-03-01"), d("2024-04-01")], "channel": ["ads", "ads"], "spend": [100.0, 50.0]}
    report = data_health(make_source(customers=customers, transactions=tx, marketing_spend=spend))
    assert report.errors == []
    assert report.as_of == d("2024-03-15")
    assert finding(report, "duplicate customer_id").affected == 1          # "a"
    nulls = {f.export: f.affected for f in report.findings if f.check == "null keys"}
    assert nulls == {"customers": 1, "transactions": 1}                     # one null id in each
    assert finding(report, "unknown customer").affected == 2               # ghost twice
    assert finding(report, "before signup").affected == 1                  # b: 01-10 before 01-20
    assert finding(report, "dates after as-of").affected == 2              # late signup, b's churn 05-01
    assert finding(report, "spend after as-of").affected == 1              # April spend
    assert finding(report, "negative amounts").affected == 2
    assert finding(report, "duplicate transaction_id").affected == 1       # t2
    examples = finding(report, "unknown customer").examples
    assert examples is not None and examples["customer_id"].to_list() == ["ghost", "ghost"]
    table = report.table()
    assert set(table.columns) == {"check", "level", "export", "affected", "message"}


def test_loading_never_writes_into_the_data_folder(tmp_path):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    source = DataSource.open(folder)
    data_health(source)
    source.close()
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def test_fingerprint_changes_when_an_export_changes(tmp_path):
    from queries import data_fingerprint
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    first = data_fingerprint(folder)
    assert data_fingerprint(folder) == first
    pl.DataFrame(SMALL_TRANSACTIONS).head(3).write_parquet(folder / "transactions.parquet")
    assert data_fingerprint(folder) != first


def test_problem_paths_are_relative_to_the_data_folder(tmp_path: Path):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS)
    (folder / "transactions.parquet").write_bytes(b"x" * 10)
    (message,) = errors(DataSource.open(folder))
    assert message.startswith("transactions.parquet cannot be read as Parquet")
