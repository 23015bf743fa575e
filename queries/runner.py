"""The only code that talks to DuckDB.

``DataSource.open(data_dir)`` finds the Parquet exports of a data folder, checks them against the contract
(:mod:`queries.contract`), registers one normalised view per usable export (``customers``, ``transactions``,
``marketing_spend``), locks DuckDB down to that folder and answers named queries (one ``.sql`` file per
result in this folder) with bound parameters, as Polars frames.

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
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from queries.contract import EXPORTS, MAPPING_FILE, ColumnSpec, ExportSpec
from queries.exports import data_fingerprint, discover_exports
from queries.problems import DataUnavailable, Problem
from queries.rollup_cache import (
    attach_saved, cache_dir_for, reads_rollup, run_rollup_sql, save_copy, saved_copy,
)
from queries.sql import load_sql

RESULT_CACHE_ENTRIES = 256
#: Results are also bounded by size: one survival result is ~25 MB at a million customers.
RESULT_CACHE_BYTES = 512 * 1024 * 1024

_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_DATE_TYPES = {
    "DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE",
    "DATETIME",
}
_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def quote_identifier(name: str) -> str:
    """Quote a column name that was checked against the file's real columns (never free user text)."""
    return '"' + name.replace('"', '""') + '"'


def _base_type(duckdb_type: str) -> str:
    return duckdb_type.split("(")[0].strip().upper()


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

        if not data_dir.is_dir():
            problems.append(Problem(
                "error", "data folder",
                f"The data folder {data_dir} does not exist. Start the app with `-- --data DIR` or set "
                "RETENTION_DATA_DIR to a folder holding customers and transactions Parquet exports.",
            ))
        else:
            mapping, mapping_problems = _read_mapping(data_dir)
            problems.extend(mapping_problems)
            for spec in EXPORTS.values():
                export_problems, mapped = _register_export(con, data_dir, spec, files[spec.name],
                                                           mapping.get(spec.name, {}), cache_dir)
                problems.extend(export_problems)
                column_map[spec.name] = mapped
                if files[spec.name] and not any(p.level == "error" for p in export_problems):
                    row_counts[spec.name] = int(con.sql(f"select count(*) from {spec.name}").fetchall()[0][0])
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
        source = cls(data_dir, fingerprint, files, problems, usable, row_counts, as_of, column_map, con)
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
            result = cur.sql(sql, params=bound).pl() if bound else cur.sql(sql).pl()
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


# ---------------------------------------------------------------------- helpers of open()
def _read_mapping(data_dir: Path) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return {}, []
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {}, [Problem("error", MAPPING_FILE, f"{path} is not valid TOML ({exc}). Fix the file or remove it.",
                            file=str(path))]
    columns = doc.get("columns", {})
    problems: list[Problem] = []
    mapping: dict[str, dict[str, str]] = {}
    if not isinstance(columns, dict):
        return {}, [Problem("error", MAPPING_FILE, f"{path}: [columns] must be a table of tables, e.g. "
                            '[columns.transactions] amount = "net_revenue".', file=str(path))]
    for export, table in columns.items():
        if export not in EXPORTS or not isinstance(table, dict):
            problems.append(Problem("error", MAPPING_FILE,
                                    f"{path}: [columns.{export}] is not an export of the contract; use one of "
                                    f"{', '.join(EXPORTS)}.", file=str(path)))
            continue
        known = {c.name for c in EXPORTS[export].columns}
        for contract_name, source_name in table.items():
            if contract_name not in known or not isinstance(source_name, str):
                problems.append(Problem("error", MAPPING_FILE,
                                        f"{path}: [columns.{export}] {contract_name} = {source_name!r} does not "
                                        f"map a contract column; the keys are {', '.join(sorted(known))} and the "
                                        "values your export's column names, as strings.", file=str(path)))
                continue
            mapping.setdefault(export, {})[contract_name] = source_name
    return mapping, problems


def _probe_files(con: duckdb.DuckDBPyConnection, files: list[Path]) -> tuple[list[tuple[Path, str]], dict[Path, set[str]]]:
    """Per file: read the Parquet footer. Returns (unreadable files with the reason, columns of each file)."""
    paths = [str(p) for p in files]
    columns: dict[Path, set[str]] = {p: set() for p in files}
    try:
        rows = con.sql("select file_name, name from parquet_schema($files)", params={"files": paths}).fetchall()
    except duckdb.Error:
        # One bad file fails the whole call; find which by reading each footer alone.
        bad: list[tuple[Path, str]] = []
        for path in files:
            try:
                for _, name in con.sql("select file_name, name from parquet_schema($f)",
                                       params={"f": str(path)}).fetchall():
                    columns[path].add(name)
            except duckdb.Error as exc:
                bad.append((path, str(exc).splitlines()[0]))
        return bad, columns
    by_name = {str(p): p for p in files}
    for file_name, name in rows:
        columns[by_name.get(file_name, Path(file_name))].add(name)
    return [], columns


def _register_export(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    spec: ExportSpec,
    files: list[Path],
    mapping: dict[str, str],
    cache_dir: Path | None = None,
) -> tuple[list[Problem], dict[str, str]]:
    """Check one export and, if it has no error, create ``raw_NAME`` and the normalised view ``NAME``."""
    name = spec.name
    if not files:
        if spec.required:
            return [Problem("error", name,
                            f"The required {name} export is missing: put {name}.parquet or a {name}/ folder of "
                            f"Parquet files in {data_dir}.")], {}
        return [], {}

    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(data_dir))
        except ValueError:
            return str(path)

    bad_files, file_columns = _probe_files(con, files)
    if bad_files:
        return [Problem("error", name,
                        f"{rel(path)} cannot be read as Parquet ({reason}). Re-export the file, or move it out of "
                        f"the data folder.", file=rel(path))
                for path, reason in bad_files], {}

    problems: list[Problem] = []
    mapped: dict[str, str] = {}
    for col in spec.columns:
        source = mapping.get(col.name, col.name)
        has_it = [p for p in files if source in file_columns[p]]
        if col.required and len(has_it) < len(files):
            lacking = [p for p in files if source not in file_columns[p]]
            example = lacking[0]
            seen = ", ".join(sorted(c for c in file_columns[example] if c not in ("schema", "duckdb_schema",
                                                                                  "root")))
            where = rel(example) + (f" and {len(lacking) - 1} more file(s)" if len(lacking) > 1 else "")
            hint = (f'If your export names it differently, map it in {MAPPING_FILE} in the data folder: '
                    f'[columns.{name}] {col.name} = "your_column_name".')
            label = f"'{col.name}'" if source == col.name else f"'{source}' (mapped from '{col.name}')"
            problems.append(Problem("error", name,
                                    f"Required column {label} is missing from {where}. Columns found there: "
                                    f"{seen or 'none'}. {hint}", column=col.name, file=rel(example)))
        elif has_it:
            mapped[col.name] = source
        elif source != col.name:
            problems.append(Problem("warning", name,
                                    f"{MAPPING_FILE} maps {name}.{col.name} to '{source}', but no {name} file has a "
                                    f"column '{source}'; the optional column is treated as absent.",
                                    column=col.name))
    if problems:
        return problems, mapped

    hive = any("=" in part for p in files for part in p.relative_to(data_dir).parts[:-1])
    raw = con.read_parquet([str(p) for p in files], union_by_name=True, hive_partitioning=hive, filename=True)
    raw.create_view(f"raw_{name}")
    types = {row[0]: row[1] for row in con.sql(f"describe raw_{name}").fetchall()}

    select_list: list[str] = []
    for col in spec.columns:
        if col.name not in mapped:
            select_list.append(f"{col.missing_default} as {col.name}")
            continue
        source = mapped[col.name]
        problem = _check_type(con, name, col, source, types[source])
        if problem:
            problems.append(problem)
            continue
        select_list.append(f"{_normalise(col, quote_identifier(source), types[source])} as {col.name}")
    if problems:
        return problems, mapped
    if spec.unique_key is None:
        con.execute(f"create view {name} as select {', '.join(select_list)} from raw_{name}")
        return [], mapped
    # Every row is kept in NAME_all (the duplicate check reads it); NAME keeps one row per key, the earliest
    # by the first date column, so that duplicated rows cannot double-count anything downstream.
    key = spec.unique_key
    order = next(c.name for c in spec.columns if c.kind == "date")
    con.execute(f"create view {name}_all as select {', '.join(select_list)} from raw_{name}")
    # A table, not a view: every query joins it, and de-duplicating a million customers on each query cost
    # more (about 2 s at 1M customers) than holding them in memory once per data version (0.7 s, ~100 MB).
    saved = saved_copy(cache_dir)
    if saved is not None:
        # The same files and code saved this table before: query it in place, so that its customer_key matches
        # the saved rollup (and the de-duplication is not paid again).
        if attach_saved(con, saved):
            con.execute(f"create view {name} as select * from saved.{name}")
            return [], mapped
        # Numbered afresh below, the customers would not match the saved rollup: forget the copy.
        (saved.parent / "complete").unlink(missing_ok=True)
    # customer_key: 1..n, what the rollup joins on (an integer join is cheaper than text). In no particular
    # order: numbering in customer_id order doubled the cost of this table (a sort of every id).
    surrogate = key.removesuffix("_id") + "_key"
    con.execute(
        f"create table {name} as select * exclude (row_rank), "
        f"cast(row_number() over () as integer) as {surrogate} from ("
        f"select *, row_number() over (partition by {key} order by {order}, {key}) as row_rank "
        f"from {name}_all where {key} is not null and {order} is not null) as ranked where row_rank = 1"
    )
    return [], mapped


def _normalise(col: ColumnSpec, ident: str, duckdb_type: str) -> str:
    base = _base_type(duckdb_type)
    if col.kind == "id":
        return f"cast({ident} as varchar)"
    if col.kind == "date":
        return f"cast({ident} as date)" if base != "VARCHAR" else f"cast(cast({ident} as timestamp) as date)"
    if col.kind == "number":
        return f"cast({ident} as double)"
    # Dimensions: a blank or missing label is its own group, named like a missing column.
    return f"coalesce(nullif(trim(cast({ident} as varchar)), ''), 'unknown')"


def _check_type(con: duckdb.DuckDBPyConnection, export: str, col: ColumnSpec, source: str,
                duckdb_type: str) -> Problem | None:
    base = _base_type(duckdb_type)
    label = f"{export}.{source}" + ("" if source == col.name else f" (mapped to {col.name})")
    if col.kind == "text":
        return None
    if col.kind == "id":
        if base in _INTEGER_TYPES or base == "VARCHAR":
            return None
        return Problem("error", export, f"Column {label} has type {duckdb_type}; an id must be text or a whole "
                       "number. Re-export it as string or integer.", column=col.name)
    allowed = _DATE_TYPES if col.kind == "date" else _INTEGER_TYPES | _FLOAT_TYPES | {"DECIMAL"}
    if base in allowed:
        return None
    if base != "VARCHAR":
        wanted = "a date or timestamp" if col.kind == "date" else "a number"
        return Problem("error", export, f"Column {label} has type {duckdb_type} but must be {wanted}. Re-export "
                       "it with that type, or map another column in retention.toml.", column=col.name)
    target = "timestamp" if col.kind == "date" else "double"
    ident = quote_identifier(source)
    rows = con.sql(
        f"select filename, {ident} as value, count(*) over () as n from raw_{export} "
        f"where {ident} is not null and try_cast({ident} as {target}) is null limit 3"
    ).fetchall()
    if not rows:
        return None
    examples = ", ".join(repr(r[1]) for r in rows)
    wanted = "dates (YYYY-MM-DD)" if col.kind == "date" else "numbers"
    return Problem("error", export,
                   f"Column {label} holds text that cannot be read as {wanted}: {rows[0][2]} value(s), e.g. "
                   f"{examples} in {Path(rows[0][0]).name}. Fix those values or re-export the column with a "
                   f"{'date' if col.kind == 'date' else 'numeric'} type.",
                   column=col.name, file=Path(rows[0][0]).name)


def _lock_down(con: duckdb.DuckDBPyConnection, data_dir: Path, cache_dir: Path | None = None) -> None:
    """After the views exist: no file outside the data folder (and this data version's rollup cache folder), no
    network, no way to undo it."""
    allowed = [str(data_dir)] + ([str(cache_dir)] if cache_dir is not None else [])
    con.execute("set allowed_directories = $dirs", {"dirs": allowed})
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
