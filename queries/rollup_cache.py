"""The customer x month rollup (queries/rollup.sql): built from the views over the exports, and kept on disk
between processes for each data version.

``run_rollup_sql`` builds the rollup's tables and macros on a connection, or, given a saved copy, makes its tables
views of that copy. ``save_copy`` writes them (with the de-duplicated customers, whose customer_key numbers the
rollup) into one DuckDB file in this data version's cache folder (``cache_dir_for``), outside the data folder,
through a separate, short-lived DuckDB connection fed with Arrow batches (the query connection can write nowhere:
:mod:`queries.readonly`), and records its SHA-256 in the completion marker; ``saved_copy`` and ``attach_saved``
find, check and open it read-only in a later process (a copy whose checksum does not match is forgotten and
rebuilt), and old versions are pruned. ``load_facts`` and ``save_facts`` keep what the checks of a data version
found (its pages decode, its latest date, the amounts' 99.9th percentile) so that a later process need not
read every page again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from queries.readonly import ro_path
from queries.sql import QUERY_DIR, load_sql

#: Where the rollup is kept between processes: ``RETENTION_CACHE_DIR`` (``off`` to keep nothing on disk), else
#: ``$XDG_CACHE_HOME/retention-dashboard``, else ``~/.cache/retention-dashboard``. Never the data folder.
CACHE_ENV = "RETENTION_CACHE_DIR"
#: Data versions whose rollup stays on disk (the most recently used); older ones are deleted.
CACHE_KEEP = 3
SAVED_FILE = "rollup.duckdb"
#: Written after the saved file is complete: the SHA-256 of SAVED_FILE, checked before the copy is used.
MARKER_FILE = "complete"
#: Rows per Arrow batch when the rollup is copied to the writing connection (bounds the copy's memory).
COPY_BATCH_ROWS = 1_000_000
#: customer_months is built in slices of about this many transactions (peak memory; queries/rollup.sql).
ROLLUP_SLICE_ROWS = 2_500_000
#: A bound on the slices (each one scans the transactions' dates): cuts fall on the first of a month, so a slice is
#: at least a month anyway. It was 8, which at 100M transactions made slices of 12.5M (docs/performance.md).
ROLLUP_MAX_SLICES = 48
_CACHE_NAME_RE = re.compile(r"^[0-9a-f]{12}-[0-9a-f]{8}$")
_FACTS_NAME_RE = re.compile(r"^facts-[0-9a-f]{12}-[0-9a-f]{8}\.json$")
_CREATE_TABLE_RE = re.compile(r"^create table (\w+) as", re.M)
_CREATE_MACRO_RE = re.compile(r"^create macro (\w+)\s*\(", re.M)
#: The tables and macros of queries/rollup.sql, read from its create statements so that a new one cannot be
#: forgotten here.
ROLLUP_TABLES = tuple(_CREATE_TABLE_RE.findall(load_sql("rollup")))
ROLLUP_MACROS = tuple(_CREATE_MACRO_RE.findall(load_sql("rollup")))
#: The tables kept on disk, in one DuckDB database file (SAVED_FILE) that later processes attach read-only and
#: query in place (nothing to load): the de-duplicated customers (their customer_key numbers the rollup) and
#: every table of queries/rollup.sql.
CACHED_TABLES = ("customers", *ROLLUP_TABLES)
#: Queries that read the customer x month rollup (queries/rollup.sql), which is built on first use.
_ROLLUP_RE = re.compile(r"\b(" + "|".join(map(re.escape, ROLLUP_TABLES + ROLLUP_MACROS)) + r")\b")


@cache
def _code_version() -> str:
    """A hash of the code that shapes the cached tables: a change to it makes earlier copies stale.

    The files hashed are those that decide what the saved tables hold: validation.py (how the customers are
    normalised, de-duplicated and numbered with customer_key), contract.py (their columns and defaults),
    rollup.sql and macros.sql (the rollup's tables, and the macros they use) and this module (how rollup.sql is
    run in slices and how the copy is written, e.g. customer_months in customer order). runner.py is left out:
    it only decides when the rollup is built or loaded, so a change there keeps the copies valid. The data
    itself is keyed by the fingerprint (queries/exports.py), the other half of a cache folder's name. The prebuilt
    rollup (queries/rollup_build.py, its portable_*.sql) is hashed too: its manifest records this version and the
    app refuses a rollup built by other code.
    """
    digest = hashlib.sha256()
    portable = sorted(p.name for p in QUERY_DIR.glob("portable_*.sql"))
    for name in ("validation.py", "rollup_cache.py", "contract.py", "rollup.sql", "macros.sql", "exports.py",
                 "rollup_build.py", *portable):
        digest.update((QUERY_DIR / name).read_bytes())
    return digest.hexdigest()[:8]


def code_version() -> str:
    """The version of the code that shapes the rollup (8 hex digits; see :func:`_code_version`)."""
    return _code_version()


def cache_root() -> Path | None:
    """The folder holding one sub-folder per cached data version, or None when caching is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "off", "none", "0") else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "retention-dashboard"


def _usable_root(data_dir: Path) -> Path | None:
    root = cache_root()
    if root is None:
        return None
    root = root.resolve()
    if root == data_dir or data_dir in root.parents:
        return None  # the app never writes into the user's data folder
    return root


def cache_dir_for(data_dir: Path, version: str) -> Path | None:
    """This data version's cache folder (created), or None: caching off, unwritable, or inside the data folder.

    ``version``: 12 hex digits naming the data version (the fingerprint with the time zone and the as-of date:
    queries/runner.py)."""
    root = _usable_root(data_dir)
    if root is None:
        return None
    folder = root / f"{version}-{_code_version()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # most recently used: the pruning keeps it
    except OSError:
        return None
    return folder


def reads_rollup(sql: str) -> bool:
    """Whether a query names a table or macro of queries/rollup.sql, so that the rollup must exist first.

    >>> reads_rollup("select * from cohort_cells($grain, $end, $data_as_of)")
    True
    >>> reads_rollup("select count(*) from transactions")
    False
    """
    return _ROLLUP_RE.search(sql) is not None


def saved_copy(folder: Path | None) -> Path | None:
    """The saved database file when the folder holds a complete one (the marker is written after it)."""
    if folder is None or not (folder / MARKER_FILE).is_file() or not (folder / SAVED_FILE).is_file():
        return None
    return folder / SAVED_FILE


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_ok(saved: Path) -> bool:
    """Whether the saved file's SHA-256 is the one its marker recorded (a copy truncated or altered after it was
    written is not used: DuckDB would fail on it, or answer from damaged blocks)."""
    try:
        recorded = (saved.parent / MARKER_FILE).read_text().split()
        return bool(recorded) and recorded[-1] == _file_sha256(saved)
    except OSError:
        return False


def forget_saved(folder: Path) -> None:
    """Drop a saved copy that must not be used (damaged, or numbered unlike the customers in use)."""
    (folder / MARKER_FILE).unlink(missing_ok=True)


def attach_saved(con: duckdb.DuckDBPyConnection, saved: Path) -> bool:
    """Attach the saved copy read-only as ``saved`` (once per connection), through the read-only file system;
    False when it cannot be read. (queries/runner.py checks its checksum first: :func:`checksum_ok`.)"""
    try:
        attached = con.sql("select 1 from duckdb_databases() where database_name = 'saved'").fetchall()
        if not attached:
            con.execute("attach $path as saved (read_only)", {"path": ro_path(saved)})
        tables = {row[0] for row in con.sql(
            "select table_name from duckdb_tables() where database_name = 'saved'").fetchall()}
    except duckdb.Error:
        return False
    return set(CACHED_TABLES) <= tables


def view_of_saved(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Make ``name`` a view of the table of that name in the attached saved copy (one of CACHED_TABLES), queried
    in place: nothing is loaded."""
    con.table(f"saved.{name}").create_view(name, replace=True)


def _slice_count(rows: int) -> int:
    """Slices of about ROLLUP_SLICE_ROWS rows each for ``rows`` rows: 1 to ROLLUP_MAX_SLICES.

    >>> _slice_count(1_000), _slice_count(6_000_000), _slice_count(1_000_000_000)
    (1, 3, 48)
    """
    return max(1, min(ROLLUP_MAX_SLICES, -(-rows // ROLLUP_SLICE_ROWS)))


def _month_slices(cur: duckdb.DuckDBPyConnection) -> list[tuple[date | None, date | None]]:
    """The transactions' dates cut into slices of whole months of about ROLLUP_SLICE_ROWS transactions each (at
    most ROLLUP_MAX_SLICES), as (first day or None, last day or None), in order; [(None, None)] for one slice.

    The cut points are the first days of the months holding the transaction-date quantiles, so a customer x
    month never spans two slices, and every date (None = open at that end) is in exactly one slice.
    """
    parts = _slice_count(int(cur.sql("select count(*) from transactions").fetchall()[0][0]))
    if parts == 1:
        return [(None, None)]
    quantiles = [i / parts for i in range(1, parts)]
    found = cur.sql("select quantile_disc(transaction_date, $q) from transactions",
                    params={"q": quantiles}).fetchall()[0][0] or []
    cuts = sorted({day.replace(day=1) for day in found if day is not None})
    starts: list[date | None] = [None, *cuts]
    ends: list[date | None] = [cut - timedelta(days=1) for cut in cuts] + [None]
    return list(zip(starts, ends, strict=True))


def run_rollup_sql(cur: duckdb.DuckDBPyConnection, saved: Path | None) -> None:
    """Run queries/rollup.sql statement by statement; with ``saved``, its tables are views of the saved copy."""
    code = "\n".join(line for line in load_sql("rollup").splitlines() if not line.lstrip().startswith("--"))
    if saved is not None and not attach_saved(cur, saved):
        raise duckdb.IOException(f"the saved rollup {saved} cannot be read")
    for statement in code.split(";\n"):
        if not statement.strip():
            continue
        if "$slice_start" in statement:  # fills a table of the rollup, one slice of months at a time
            for start, end in ([] if saved is not None else _month_slices(cur)):
                cur.execute(statement, {"slice_start": start, "slice_end": end})
            continue
        table = _CREATE_TABLE_RE.search(statement)
        if saved is not None and table:
            # Queried in place from the attached file: no load (~1 s of every cold start at 10M transactions).
            view_of_saved(cur, table.group(1))
            continue
        if table and cur.sql("select 1 from information_schema.tables where table_name = $name and "
                             "table_type = 'VIEW' and table_catalog = current_database()",
                             params={"name": table.group(1)}).fetchall():
            cur.execute(f"drop view {table.group(1)}")  # a failed load left a view of that name
        cur.execute(re.sub(r"^create (table|macro) ", r"create or replace \1 ", statement, count=1, flags=re.M))


def save_copy(cur: duckdb.DuckDBPyConnection, folder: Path | None) -> None:
    """Write the cached tables into one DuckDB file in ``folder`` (atomically, then the marker with its SHA-256);
    then prune old versions.

    The file is written by a DuckDB connection of its own, opened on that one file and fed with Arrow batches read
    from ``cur``, so that the query connection needs no write access anywhere. Best effort: a full disk or a
    read-only cache only costs the next process a rebuild.
    """
    if folder is None:
        return
    partial = folder / f"{SAVED_FILE}.{os.getpid()}-{threading.get_ident()}.partial"
    for stale in folder.glob("*.partial"):  # left by a process killed while saving, an hour or more ago
        try:
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
        except OSError:
            pass
    try:
        writer = duckdb.connect(str(partial), config={"enable_external_access": False, "threads": 1})
        try:
            for name in CACHED_TABLES:
                if name != "customer_months":
                    _copy(writer, name, cur.table(name))
            _save_customer_months(cur, writer)
        finally:
            writer.close()
        checksum = _file_sha256(partial)
        os.replace(partial, folder / SAVED_FILE)
        (folder / MARKER_FILE).write_text(f"{date.today().isoformat()} sha256 {checksum}\n")
    except (OSError, duckdb.Error):
        partial.unlink(missing_ok=True)
        Path(f"{partial}.wal").unlink(missing_ok=True)
        return
    _prune(folder.parent)


def _copy(writer: duckdb.DuckDBPyConnection, name: str, rows: duckdb.DuckDBPyRelation) -> None:
    """Append ``rows`` of the query connection to the table ``name`` of the writing connection (created on the
    first batch), one Arrow batch at a time."""
    reader = rows.to_arrow_reader(COPY_BATCH_ROWS)
    writer.register("batch_source", reader)
    try:
        if _has_table(writer, name):
            writer.table("batch_source").insert_into(name)
        else:
            writer.table("batch_source").create(name)
    finally:
        writer.unregister("batch_source")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.sql("select 1 from duckdb_tables() where table_name = $name", params={"name": name}).fetchall())


def _save_customer_months(cur: duckdb.DuckDBPyConnection, writer: duckdb.DuckDBPyConnection) -> None:
    """Copy customer_months into the file being written, sorted by customer and month, in ranges of customers
    (one sort of all ~8M rows at 10M transactions would add ~0.9 GB to the peak memory; a quarter adds a
    quarter). The later processes that read the copy get each customer's months in order, which the revenue
    movements use to skip a sort (analytics/revenue_mix.py checks the order rather than trusting it).
    """
    _copy(writer, "customer_months", cur.table("customer_months").limit(0))
    rows, keys = cur.sql("select count(*), max(customer_key) + 1 from customer_months").fetchall()[0]
    parts = _slice_count(int(rows))
    step = -(-int(keys or 0) // parts) or 1
    for low in range(0, int(keys or 0), step):
        ordered = cur.sql("select * from customer_months where customer_key >= $low and customer_key < $high "
                          "order by customer_key, month", params={"low": low, "high": low + step})
        _copy(writer, "customer_months", ordered)


def facts_path(data_dir: Path, key: str) -> Path | None:
    """Where the checks' findings of one data version are kept (``key``: 12 hex digits), or None without a
    cache."""
    root = _usable_root(data_dir)
    return None if root is None else root / f"facts-{key}-{_code_version()}.json"


def load_facts(data_dir: Path, key: str) -> dict[str, Any] | None:
    """What :func:`save_facts` kept for ``key``; None when nothing (or nothing readable) was kept."""
    path = facts_path(data_dir, key)
    try:
        facts = json.loads(path.read_text()) if path is not None and path.is_file() else None
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None


def save_facts(data_dir: Path, key: str, facts: dict[str, Any]) -> None:
    """Keep ``facts`` (JSON values) for ``key``, atomically; best effort."""
    path = facts_path(data_dir, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.partial")
        partial.write_text(json.dumps(facts))
        os.replace(partial, path)
    except OSError:
        pass


def _prune(root: Path) -> None:
    """Keep the ``CACHE_KEEP`` most recently used data versions (and twice as many files of facts); delete the
    others (only our own folders and files)."""
    try:
        versions = sorted((p for p in root.iterdir() if p.is_dir() and _CACHE_NAME_RE.match(p.name)),
                          key=lambda p: p.stat().st_mtime, reverse=True)
        for old in versions[CACHE_KEEP:]:
            for child in old.iterdir():
                child.unlink()
            old.rmdir()
        facts = sorted((p for p in root.iterdir() if p.is_file() and _FACTS_NAME_RE.match(p.name)),
                       key=lambda p: p.stat().st_mtime, reverse=True)
        for old in facts[2 * CACHE_KEEP:]:
            old.unlink()
    except OSError:
        pass
