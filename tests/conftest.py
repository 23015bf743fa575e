"""Shared test helpers: tiny literal exports written to a temporary data folder."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from queries import DataSource  # noqa: E402

# Tests (and the app servers the browser tests start) keep their rollup cache in a throwaway folder, never in
# the user's ~/.cache.
os.environ.setdefault("RETENTION_CACHE_DIR", tempfile.mkdtemp(prefix="retention-test-cache-"))


def d(text: str) -> date:
    return date.fromisoformat(text)


def write_exports(folder: Path, customers: Any = None, transactions: Any = None,
                  marketing_spend: Any = None) -> Path:
    """Write the given literal tables (dicts of columns or frames) as NAME.parquet into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in (("customers", customers), ("transactions", transactions),
                        ("marketing_spend", marketing_spend)):
        if table is not None:
            frame = table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)
            frame.write_parquet(folder / f"{name}.parquet")
    return folder


@pytest.fixture
def make_source(tmp_path: Path):
    """Factory: write literal exports to a fresh folder and open them. Closes every source afterwards."""
    opened: list[DataSource] = []
    counter = iter(range(1000))

    def factory(**tables: Any) -> DataSource:
        folder = write_exports(tmp_path / f"data{next(counter)}", **tables)
        source = DataSource.open(folder)
        opened.append(source)
        return source

    yield factory
    for source in opened:
        source.close()


#: A small, hand-checkable business used by several tests (dates chosen so that months are easy to count).
#: Customers: a (pro, ads) signs up 2024-01-05; b (starter, ads) 2024-01-20; c (starter, organic) 2024-02-03.
SMALL_CUSTOMERS = {
    "customer_id": ["a", "b", "c"],
    "signup_date": [d("2024-01-05"), d("2024-01-20"), d("2024-02-03")],
    "segment": ["pro", "starter", "starter"],
    "acquisition_channel": ["ads", "ads", "organic"],
    "region": ["eu", "us", "eu"],
}
#: a buys in Jan (10) and Mar (20) and is refunded 4 in Mar; b buys in Jan (5) only; c buys in Feb (7), Mar (3).
SMALL_TRANSACTIONS = {
    "customer_id": ["a", "b", "c", "a", "a", "c"],
    "transaction_date": [d("2024-01-05"), d("2024-01-21"), d("2024-02-03"), d("2024-03-01"), d("2024-03-09"),
                         d("2024-03-15")],
    "amount": [10.0, 5.0, 7.0, 20.0, -4.0, 3.0],
}
