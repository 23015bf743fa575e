"""The customer x month rollup (queries/rollup.sql): built from the views over the exports, and kept on disk
between processes for each data version.

``run_rollup_sql`` builds the rollup's tables and macros on a connection, or, given a saved copy, makes its tables
views of that copy. ``save_copy`` writes them (with the de-duplicated customers, whose customer_key numbers the
rollup) into one DuckDB file in this data version's cache folder (``cache_dir_for``), outside the data folder;
``saved_copy`` and ``attach_saved`` find and open it in a later process, and old versions are pruned.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import duckdb

from queries.sql import QUERY_DIR, load_sql

#: Where the rollup is kept between processes: ``RETENTION_CACHE_DIR`` (``off`` to keep nothing on disk), else
#: ``$XDG_CACHE_HOME/retention-dashboard``, else ``~/.cache/retention-dashboard``. Never the data folder.
CACHE_ENV = "RETENTION_CACHE_DIR"
#: Data versions whose rollup stays on disk (the most recently used); older ones are deleted.
CACHE_KEEP = 3
SAVED_FILE = "rollup.duckdb"
#: customer_months is built in slices of about this many transactions (peak memory; queries/rollup.sql).
ROLLUP_SLICE_ROWS = 2_500_000
ROLLUP_MAX_SLICES = 8
_CACHE_NAME_RE = re.compile(r"^[0-9a-f]{12}-[0-9a-f]{8}$")
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
    itself is keyed by the fingerprint (queries/exports.py), the other half of a cache folder's name.
    """
    digest = hashlib.sha256()
    for name in ("validation.py", "rollup_cache.py", "contract.py", "rollup.sql", "macros.sql"):
        digest.update((QUERY_DIR / name).read_bytes())
    return digest.hexdigest()[:8]


def cache_root() -> Path | None:
    """The folder holding one sub-folder per cached data version, or None when caching is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "off", "none", "0") else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "retention-dashboard"


def cache_dir_for(data_dir: Path, fingerprint: str) -> Path | None:
    """This data version's cache folder (created), or None: caching off, unwritable, or inside the data folder."""
    root = cache_root()
    if root is None:
        return None
    root = root.resolve()
    if root == data_dir or data_dir in root.parents:
        return None  # the app never writes into the user's data folder
    folder = root / f"{fingerprint}-{_code_version()}"
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
    if folder is None or not (folder / "complete").is_file() or not (folder / SAVED_FILE).is_file():
        return None
    return folder / SAVED_FILE


def attach_saved(con: duckdb.DuckDBPyConnection, saved: Path) -> bool:
    """Attach the saved copy read-only as ``saved`` (once per connection); False when it cannot be read."""
    try:
        con.execute("attach if not exists $path as saved (read_only)", {"path": str(saved)})
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
    (1, 3, 8)
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
    """Write the cached tables into one DuckDB file in ``folder`` (atomically, the marker after it); then prune
    old versions.

    Best effort: a full disk or a read-only cache only costs the next process a rebuild.
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
        cur.execute("attach $path as writing", {"path": str(partial)})
        try:
            for name in CACHED_TABLES:
                if name != "customer_months":
                    cur.table(name).create(f"writing.{name}")
            _save_customer_months(cur)
        finally:
            cur.execute("detach writing")
        os.replace(partial, folder / SAVED_FILE)
        (folder / "complete").write_text(f"{date.today().isoformat()}\n")
    except (OSError, duckdb.Error):
        partial.unlink(missing_ok=True)
        return
    _prune(folder.parent)


def _save_customer_months(cur: duckdb.DuckDBPyConnection) -> None:
    """Copy customer_months into the file being written, sorted by customer and month, in ranges of customers
    (one sort of all ~8M rows at 10M transactions would add ~0.9 GB to the peak memory; a quarter adds a
    quarter). The later processes that read the copy get each customer's months in order, which the revenue
    movements use to skip a sort (analytics/revenue_mix.py checks the order rather than trusting it).
    """
    cur.execute("create table writing.customer_months as select * from customer_months limit 0")
    rows, keys = cur.sql("select count(*), max(customer_key) + 1 from customer_months").fetchall()[0]
    parts = _slice_count(int(rows))
    step = -(-int(keys or 0) // parts) or 1
    for low in range(0, int(keys or 0), step):
        cur.execute("insert into writing.customer_months select * from customer_months "
                    "where customer_key >= $low and customer_key < $high order by customer_key, month",
                    {"low": low, "high": low + step})


def _prune(root: Path) -> None:
    """Keep the ``CACHE_KEEP`` most recently used data versions; delete the others (only our own folders)."""
    try:
        versions = sorted((p for p in root.iterdir() if p.is_dir() and _CACHE_NAME_RE.match(p.name)),
                          key=lambda p: p.stat().st_mtime, reverse=True)
        for old in versions[CACHE_KEEP:]:
            for child in old.iterdir():
                child.unlink()
            old.rmdir()
    except OSError:
        pass
