"""The query runner: a data folder's exports as DuckDB views, answering named queries as Polars frames.

``DataSource.open(data_dir)`` finds the Parquet exports of a data folder (:mod:`queries.exports`), checks them
against the contract (:mod:`queries.contract`), registers one normalised view per usable export (``customers``,
``transactions``, ``marketing_spend``; :mod:`queries.validation`), locks DuckDB down to that folder and answers
named queries (one ``.sql`` file per result in this folder, :mod:`queries.sql`) with bound parameters, as Polars
frames. Results are kept per data version in a bounded cache; the customer x month rollup that the cube queries
read is built, or loaded from the rollup cache (:mod:`queries.rollup_cache`), the first time a query needs it.
With the modules it composes, the only code that talks to DuckDB.

Problems with the data never raise here: they are collected as :class:`Problem` records (an export that has
an error is left without a view) so that the app can show them and keep running. Asking for an export that
is not usable raises :class:`DataUnavailable`, which carries those problems.

Example::

    source = DataSource.open(Path("sample_data"))
    source.run("dimension_values", {})
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from queries.contract import EXPORTS, MAPPING_FILE
from queries.exports import data_fingerprint, discover_exports
from queries.problems import DataUnavailable, Problem
from queries.rollup_cache import cache_dir_for, reads_rollup, run_rollup_sql, save_copy, saved_copy
from queries.sql import load_sql
from queries.validation import read_display_settings, read_mapping, register_export

RESULT_CACHE_ENTRIES = 256
#: Results are also bounded by size: one survival result is ~25 MB at a million customers.
RESULT_CACHE_BYTES = 512 * 1024 * 1024

_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class DataSource:
    """A data folder's exports as DuckDB views, with the problems found while loading them."""

    data_dir: Path
    fingerprint: str
    files: dict[str, list[Path]]
    problems: list[Problem]
    usable: set[str]
    row_counts: dict[str, int]
    as_of: date | None
    column_map: dict[str, dict[str, str]]
    _con: duckdb.DuckDBPyConnection = field(repr=False)
    #: retention.toml's ``currency`` (None: not set) and ``[labels]`` display names (queries/validation.py).
    currency: str | None = None
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    _cache: OrderedDict[tuple[Any, ...], pl.DataFrame] = field(default_factory=OrderedDict, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cache_bytes: int = field(default=0, repr=False)
    #: One lock per memo being computed, so that two threads asking for it compute it once.
    _memo_locks: dict[tuple[Any, ...], threading.RLock] = field(default_factory=dict, repr=False)
    _rollup_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: Seconds the rollup took to build or load (None until a query needed it), and which it was.
    rollup_seconds: float | None = None
    rollup_origin: Literal["built", "loaded"] | None = None
    #: This data version's folder in the rollup cache (None: caching is off).
    cache_dir: Path | None = None
    _saving: threading.Thread | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ loading
    @classmethod
    def open(cls, data_dir: Path | str) -> DataSource:
        """Discover, check and register the exports of ``data_dir``. Never raises for bad data."""
        data_dir = Path(data_dir).resolve()
        fingerprint = data_fingerprint(data_dir)
        con = duckdb.connect(database=":memory:")
        con.execute(load_sql("macros"))
        problems: list[Problem] = []
        files = discover_exports(data_dir) if data_dir.is_dir() else {name: [] for name in EXPORTS}
        cache_dir = cache_dir_for(data_dir, fingerprint) if data_dir.is_dir() else None
        usable: set[str] = set()
        row_counts: dict[str, int] = {}
        column_map: dict[str, dict[str, str]] = {}
        currency: str | None = None
        labels: dict[str, dict[str, str]] = {}

        if not data_dir.is_dir():
            problems.append(Problem(
                "error", "data folder",
                f"The data folder {data_dir} does not exist. Start the app with `-- --data DIR` or set "
                "RETENTION_DATA_DIR to a folder holding customers and transactions Parquet exports.",
            ))
        else:
            mapping, mapping_problems = read_mapping(data_dir)
            problems.extend(mapping_problems)
            currency, labels, display_problems = read_display_settings(data_dir)
            problems.extend(display_problems)
            for spec in EXPORTS.values():
                export_problems, mapped = register_export(con, data_dir, spec, files[spec.name],
                                                          mapping.get(spec.name, {}), cache_dir)
                problems.extend(export_problems)
                column_map[spec.name] = mapped
                if files[spec.name] and not any(p.level == "error" for p in export_problems):
                    row_counts[spec.name] = int(con.table(spec.name).aggregate("count(*)").fetchall()[0][0])
                    if row_counts[spec.name] == 0:
                        problems.append(Problem(
                            "error", spec.name,
                            f"The {spec.name} export in {data_dir} has no rows. Re-export it with data, "
                            "or remove it from the folder.",
                        ))
                    else:
                        usable.add(spec.name)

        as_of = None
        if "transactions" in usable:
            as_of = con.sql("select max(transaction_date) from transactions").fetchall()[0][0]

        _lock_down(con, data_dir, cache_dir)
        source = cls(data_dir, fingerprint, files, problems, usable, row_counts, as_of, column_map, con,
                     currency=currency, labels=labels)
        source.cache_dir = cache_dir
        return source

    # ------------------------------------------------------------------ queries
    def has(self, export: str) -> bool:
        return export in self.usable

    def require(self, *exports: str) -> None:
        """Raise :class:`DataUnavailable` unless every named export loaded without errors."""
        for export in exports:
            if export not in self.usable:
                related = [p for p in self.problems if p.level == "error" and p.export in (export, "data folder",
                                                                                            MAPPING_FILE)]
                if not related:
                    related = [Problem("error", export,
                                       f"No {export} export was found in {self.data_dir}: add {export}.parquet "
                                       f"or a {export}/ folder of Parquet files.")]
                raise DataUnavailable(export, related)

    def run(self, name: str, params: Mapping[str, Any] | None = None, cache: bool = True) -> pl.DataFrame:
        """Run ``queries/NAME.sql`` with its ``$parameters`` bound from ``params`` and return a Polars frame.

        Parameters the query does not mention are ignored, so callers can pass one set of filter values to
        every query. Results are cached per data version (this object) on (query, parameters), bounded to
        ``RESULT_CACHE_ENTRIES`` results and ``RESULT_CACHE_BYTES`` bytes, least recently used out first;
        ``cache=False`` skips the cache for big intermediate results that a :meth:`memo` digests.
        """
        sql = load_sql(name)
        wanted = set(_PARAM_RE.findall(sql))
        params = dict(params or {})
        # $data_as_of, the latest transaction date, is bound by the runner for the rollup's macros.
        params["data_as_of"] = self.as_of
        missing = wanted - params.keys()
        if missing:
            raise ValueError(f"query {name!r} needs parameters {sorted(missing)}")
        bound = {key: params[key] for key in sorted(wanted)}
        if self.rollup_seconds is None and reads_rollup(sql):
            self._build_rollup()
        key = (name, tuple((k, _freeze(v)) for k, v in bound.items()))
        cached = self._recall(key)
        if cached is not None:
            return cached
        with self._con.cursor() as cur:
            result: pl.DataFrame = cur.sql(sql, params=bound).pl() if bound else cur.sql(sql).pl()
        if cache:
            self._remember(key, result)
        return result

    def memo(self, name: str, args: tuple[Any, ...], compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """A frame derived from query results, computed once per data version for ``(name, args)``.

        For analytics that are costly to derive from big query results but small once derived (e.g. net revenue
        retention per month end x segment x channel x region): kept in the same bounded cache as query results,
        so a filter change only filters and sums the small frame. ``args`` must be small hashable values.
        """
        key = ("memo:" + name, _freeze(args))
        cached = self._recall(key)
        if cached is not None:
            return cached
        # Pages compute parts side by side (analytics/parallel.py): a thread asking for a memo another thread
        # is computing waits for it rather than computing it again.
        with self._cache_lock:
            lock = self._memo_locks.setdefault(key, threading.RLock())
        try:
            with lock:
                cached = self._recall(key)
                if cached is None:
                    cached = compute()
                    self._remember(key, cached)
        finally:
            with self._cache_lock:
                self._memo_locks.pop(key, None)
        return cached

    def _recall(self, key: tuple[Any, ...]) -> pl.DataFrame | None:
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def _remember(self, key: tuple[Any, ...], result: pl.DataFrame) -> None:
        size = int(result.estimated_size())
        with self._cache_lock:
            if key not in self._cache:
                self._cache[key] = result
                self._cache_bytes += size
            # Oldest first; the newest result stays even when it alone is over the byte bound.
            while len(self._cache) > 1 and (len(self._cache) > RESULT_CACHE_ENTRIES
                                            or self._cache_bytes > RESULT_CACHE_BYTES):
                _, evicted = self._cache.popitem(last=False)
                self._cache_bytes -= int(evicted.estimated_size())

    def _build_rollup(self) -> None:
        """Create the customer x month rollup and its macros (queries/rollup.sql), once per data version.

        Lazy, because the Data health page never needs it; under a lock, because Streamlit runs sessions in
        threads. Loaded from the rollup cache when an earlier process saved it for this data version (same
        files, same code), else built and saved there. Raises :class:`DataUnavailable` when customers or
        transactions are not usable.
        """
        self.require("customers", "transactions")
        with self._rollup_lock:
            if self.rollup_seconds is not None:
                return
            started = time.perf_counter()
            saved = saved_copy(self.cache_dir)
            with self._con.cursor() as cur:
                # Only a copy whose customers this source uses: another process may have saved one since open(),
                # numbering the customers differently from the table built here.
                customers_saved = cur.sql("select 1 from duckdb_views() where view_name = 'customers' and "
                                          "database_name = current_database()").fetchall()
                if saved is not None and not customers_saved:
                    saved = None
                if saved is not None:
                    try:
                        run_rollup_sql(cur, saved)
                        self.rollup_origin = "loaded"
                    except duckdb.Error:
                        saved = None  # an unreadable copy: build afresh (the tables are replaced below)
                if saved is None:
                    run_rollup_sql(cur, None)
                    self.rollup_origin = "built"
            if self.rollup_origin == "built" and self.cache_dir is not None:
                # Saved while the page computes (writing ~8M rows takes seconds at 10M transactions). Not a
                # daemon thread: the interpreter waits for it at exit, so a copy is never cut short.
                self._saving = threading.Thread(target=self._save, name="save-rollup")
                self._saving.start()
            self.rollup_seconds = time.perf_counter() - started

    def _save(self) -> None:
        with self._con.cursor() as cur:
            save_copy(cur, self.cache_dir)

    def wait_for_saved_copy(self) -> None:
        """Block until the rollup copy being saved (if any) is on disk."""
        if self._saving is not None:
            self._saving.join()

    def close(self) -> None:
        self.wait_for_saved_copy()
        self._con.close()


def _lock_down(con: duckdb.DuckDBPyConnection, data_dir: Path, cache_dir: Path | None = None) -> None:
    """After the views exist: no file outside the data folder (and this data version's rollup cache folder), no
    network, no way to undo it."""
    allowed = [str(data_dir)] + ([str(cache_dir)] if cache_dir is not None else [])
    con.execute("set allowed_directories = $dirs", {"dirs": allowed})
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
