"""The query connection cannot write into the data folder or the rollup cache: it reads them through a read-only
file system (queries/readonly.py) and is locked to it. Each statement below is tried through the locked
connection, with plain paths and with the read-only file system's own paths; every one must fail and leave both
folders byte-for-byte unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from queries import DataSource
from queries.readonly import ro_path
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, write_exports


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def attempts(folder: Path) -> list[str]:
    """Statements that would write into ``folder``: a new file, an existing file overwritten (also without the
    temporary file COPY uses by default), a new database, an existing file attached for writing."""
    statements = []
    for where in (str(folder), ro_path(folder)):
        statements += [
            f"copy (select 42 as answer) to '{where}/new.parquet'",
            f"copy (select 42 as answer) to '{where}/transactions.parquet' (use_tmp_file false)",
            f"copy (select 42 as answer) to '{where}/rollup.duckdb' (use_tmp_file false)",
            f"copy (select 42 as answer) to '{where}/complete' (format csv, use_tmp_file false)",
            f"attach '{where}/new.duckdb' as w1",
            f"attach '{where}/rollup.duckdb' as w2",
            f"attach '{where}/transactions.parquet' as w3",
        ]
    return statements


def refuse(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    """``statement`` fails; or it is an ATTACH that DuckDB let through without a file behind it (a ``rodata://``
    path attaches as an in-memory database: nothing reaches the disk) or read-only. The folders' snapshots, taken
    before and after, prove that nothing was written either way."""
    try:
        con.execute(statement)
    except (duckdb.Error, PermissionError, OSError):
        return
    assert statement.startswith("attach"), f"{statement} ran"
    alias = statement.rsplit(" as ", 1)[1]
    try:
        ((path, read_only),) = con.sql("select path, readonly from duckdb_databases() where database_name = $a",
                                       params={"a": alias}).fetchall()
        assert path is None or read_only, (statement, path)
    finally:
        con.execute(f"detach {alias}")


@pytest.mark.parametrize("statement_index", range(14))
def test_the_locked_connection_cannot_write_into_the_data_or_cache_folder(tmp_path, monkeypatch, statement_index):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache"))
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    first = DataSource.open(data)
    first.run("cohort_sizes", {"grain": "month", "end": None})  # builds the rollup and saves it
    first.close()
    source = DataSource.open(data)  # attaches the saved copy read-only
    assert source.cache_dir is not None and (source.cache_dir / "rollup.duckdb").is_file()
    folders = {"data": data, "cache": source.cache_dir}
    before = {name: snapshot(folder) for name, folder in folders.items()}
    try:
        for folder in folders.values():
            statement = attempts(folder)[statement_index]
            with source._con.cursor() as cur:
                refuse(cur, statement)
            refuse(source._con, statement)
        # Still answering from the same, intact files.
        assert source.run("coverage_transactions")["total_amount"][0] == 41.0
        assert source.run("cohort_sizes", {"grain": "month", "end": None}, cache=False).height > 0
    finally:
        source.close()
    assert {name: snapshot(folder) for name, folder in folders.items()} == before


def test_the_lock_cannot_be_lifted(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", "off")
    source = DataSource.open(write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS,
                                           transactions=SMALL_TRANSACTIONS))
    try:
        for setting in ("set enable_external_access = true", "set allowed_directories = ['/']",
                        "set disabled_filesystems = ''", "reset allowed_paths"):
            with pytest.raises(duckdb.Error):
                source._con.execute(setting)
    finally:
        source.close()
