"""The exports both rollup engines are tested on (tests/test_rollup_build.py, tests/test_rollup_spark.py): month
ends, refunds, zoned and naive timestamps, blank and null dimensions, a customer without purchases, a duplicated
customer, an unknown customer, an undated row, a NaN amount and a transaction after the as-of date."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from tests.conftest import d, write_exports

#: Transactions after this day are left out: the future-dated row (2030) is; the as-of date is 2024-03-05.
TODAY = date(2024, 12, 31)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def write_zoned(folder: Path) -> Path:
    """Zoned timestamps (UTC instants) cut to dates in Asia/Tokyo (UTC+9, retention.toml): a's 20:00 UTC payment
    on 2024-01-31 is on 2024-02-01 in Tokyo, so it lands in February."""
    customers = pl.DataFrame({
        "customer_id": ["a", "b", "c", "a"],
        "signup_date": [d("2024-01-31"), d("2024-01-15"), d("2024-02-10"), d("2024-03-01")],
        "segment": ["pro", None, "pro", "starter"],
        "acquisition_channel": ["ads", "  ", "ads", "ads"],
        "region": ["eu", "us", "eu", "eu"],
    })
    transactions = pl.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "b", "zed", "b", "b", "a"],
        "transaction_date": [_utc("2024-01-31T10:00:00+00:00"), _utc("2024-01-31T20:00:00+00:00"),
                             _utc("2024-02-01T01:00:00+00:00"), _utc("2024-02-14T00:00:00+00:00"),
                             _utc("2024-01-20T00:00:00+00:00"), _utc("2024-03-04T00:00:00+00:00"),
                             _utc("2024-02-02T00:00:00+00:00"), _utc("2030-01-01T00:00:00+00:00"),
                             _utc("2024-03-05T00:00:00+00:00"), None],
        "amount": [10.0, 20.0, 30.0, -5.0, 7.5, 2.5, 100.0, 50.0, float("nan"), 1.0],
        "gross_margin": [4.0, None, None, None, None, None, None, None, None, None],
    }, schema_overrides={"transaction_date": pl.Datetime("us", "UTC")})
    write_exports(folder, customers=customers, transactions=transactions)
    (folder / "retention.toml").write_text('timezone = "Asia/Tokyo"\n')
    return folder


def write_naive(folder: Path) -> Path:
    """Naive timestamps (no zone: the date as written), no gross_margin column, no dimension columns."""
    customers = pl.DataFrame({"customer_id": [1, 2], "signup_date": [d("2023-12-31"), d("2024-02-29")]})
    transactions = pl.DataFrame({
        "customer_id": [1, 1, 2, 2, 1],
        "transaction_date": [datetime(2023, 12, 31, 23, 59), datetime(2024, 1, 1, 0, 1),
                             datetime(2024, 2, 29, 12), datetime(2024, 3, 31, 23), datetime(2024, 1, 1, 9)],
        "amount": [3.0, 4.0, 9.99, -9.99, 4.0],
    })
    return write_exports(folder, customers=customers, transactions=transactions)


def read_table(rollup: Path, name: str) -> pl.DataFrame:
    """A table of a prebuilt rollup, its rows sorted by every column (the engines write rows in any order)."""
    frame = pl.read_parquet(rollup / name / "*.parquet")
    return frame.sort(frame.columns, nulls_last=True)
