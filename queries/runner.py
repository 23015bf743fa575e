"""The query runner: a data folder's exports as DuckDB views, answering named queries as Polars frames.

``DataSource.open(data_dir, as_of=None)`` finds the Parquet exports of a data folder (:mod:`queries.exports`),
checks them against the contract (:mod:`queries.contract`), settles the as-of date (:mod:`queries.as_of`: the
latest transaction date not after today, or the date asked for), registers one normalised view per usable export
(``customers``, ``transactions``, ``marketing_spend``; :mod:`queries.validation`) without the rows no figure may
use, locks DuckDB down to reading that folder through a read-only file system (:mod:`queries.readonly`) and answers
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

import hashlib
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

from queries import prebuilt, readonly
from queries.as_of import today as calendar_today
from queries.contract import EXPORTS, MAPPING_FILE
from queries.exports import data_fingerprint, discover_exports, shown_name, undecodable_files
from queries.prebuilt import NEEDS_TRANSACTIONS, PREBUILT_ANSWERS, needs_transactions_message
from queries.problems import DataUnavailable, Problem
from queries.rollup_build import Manifest, RollupRefused, rebuild_command, rollup_problems
from queries.rollup_cache import (
    cache_dir_for,
    checksum_ok,
    forget_saved,
    load_facts,
    reads_rollup,
    run_rollup_sql,
    save_copy,
    save_facts,
    saved_copy,
)
from queries.sql import load_sql
from queries.validation import (
    MONEY_LIMIT,
    PLAUSIBLE_MULTIPLE,
    Scope,
    check_timezone,
    finish_export,
    read_display_settings,
    read_mapping,
    read_timezone,
    register_export,
)

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
    rollup_origin: Literal["built", "loaded", "prebuilt"] | None = None
    #: The prebuilt rollup read instead of the transactions (``--rollup DIR``; queries/prebuilt.py), and its
    #: manifest (None: the rollup is built from the transactions, or the prebuilt one was refused).
    rollup_dir: Path | None = None
    manifest: Manifest | None = None
    #: This data version's folder in the rollup cache (None: caching is off).
    cache_dir: Path | None = None
    _saving: threading.Thread | None = field(default=None, repr=False)
    #: The time zone zoned timestamps are cut to dates in (retention.toml ``timezone``, default UTC).
    timezone: str = "UTC"
    #: The as-of date asked for (``--as-of``, URL ``as_of``), None for the default; and the "today" used.
    as_of_request: date | None = None
    today: date | None = None
    #: The latest transaction date of the export, after today included (``as_of`` is not after today).
    latest_date: date | None = None
    #: Amounts whose size reaches this are left out of every figure (queries/validation.py, Scope).
    amount_bound: float = MONEY_LIMIT
    #: The 99.9th percentile of |amount| the bound is drawn from (None: too few amounts to draw one).
    amount_p999: float | None = None
    #: Names this data version in every cache: the fingerprint, the time zone, the as-of date and the bound.
    version: str = ""

    # ------------------------------------------------------------------ loading
    @classmethod
    def open(cls, data_dir: Path | str, as_of: date | None = None, today: date | None = None,
             rollup_dir: Path | str | None = None) -> DataSource:
        """Discover, check and register the exports of ``data_dir``. Never raises for bad data.

        ``as_of``: the as-of date asked for (None: the latest transaction date not after ``today``, which
        defaults to :func:`queries.as_of.today`). Transactions after the as-of date are left out of every figure.
        ``rollup_dir``: a prebuilt rollup (``python -m analytics rollup``) to read instead of the transactions,
        which are then never read (queries/prebuilt.py); its as-of date and amounts' bound are the build's.
        """
        data_dir = Path(data_dir).resolve()
        today = today or calendar_today()
        fingerprint = data_fingerprint(data_dir)
        con = duckdb.connect(database=":memory:")
        readonly.register(con)
        con.execute(load_sql("macros"))
        is_dir = data_dir.is_dir()
        files = discover_exports(data_dir) if is_dir else {name: [] for name in EXPORTS}
        opened = _Opening(con, data_dir, fingerprint, files, as_of, today)
        opened.rollup_dir = Path(rollup_dir).resolve() if rollup_dir is not None else None
        if not is_dir:
            opened.problems.append(Problem(
                "error", "data folder",
                f"The data folder {data_dir} does not exist. Start the app with `-- --data DIR` or set "
                "RETENTION_DATA_DIR to a folder holding customers and transactions Parquet exports.",
            ))
        else:
            opened.load()
        _lock_down(con, data_dir, opened.cache_dir, opened.outside_files(), opened.rollup_dir)
        source = cls(data_dir, fingerprint, files, opened.ordered_problems(), opened.usable, opened.row_counts,
                     opened.scope.as_of, opened.column_map, con,
                     currency=opened.currency, labels=opened.labels)
        source.cache_dir = opened.cache_dir
        source.timezone = opened.timezone
        source.as_of_request = as_of
        source.today = today
        source.latest_date = opened.latest_date
        source.amount_bound = opened.scope.amount_bound
        source.amount_p999 = opened.p999
        source.version = opened.version
        source.rollup_dir, source.manifest = opened.rollup_dir, opened.manifest
        if opened.prebuilt_seconds is not None:
            source.rollup_seconds, source.rollup_origin = opened.prebuilt_seconds, "prebuilt"
        return source

    # ------------------------------------------------------------------ queries
    def has(self, export: str) -> bool:
        return export in self.usable

    def require(self, *exports: str) -> None:
        """Raise :class:`DataUnavailable` unless every named export loaded without errors."""
        for export in exports:
            if export not in self.usable:
                sources = (export, "data folder", MAPPING_FILE) + (("rollup",) if export == "transactions" else ())
                related = [p for p in self.problems if p.level == "error" and p.export in sources]
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
        if self.rollup_dir is not None and name in PREBUILT_ANSWERS:
            name = f"prebuilt_{name}"  # the same result from a prebuilt rollup's tables (queries/prebuilt.py)
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
        try:
            with self._con.cursor() as cur:
                result: pl.DataFrame = cur.sql(sql, params=bound).pl() if bound else cur.sql(sql).pl()
        except duckdb.InvalidInputException as exc:
            if self.rollup_dir is None or NEEDS_TRANSACTIONS not in str(exc):
                raise
            # A prebuilt rollup cannot answer this (queries/prebuilt.py): say so rather than show another number.
            raise DataUnavailable("transactions", [Problem("error", "transactions",
                                                           needs_transactions_message(self.rollup_dir))]) from None
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
        if self.rollup_dir is not None:
            return  # the prebuilt rollup's tables were registered by open()
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

    def rollup_pending(self) -> bool:
        """Whether the next query that reads the rollup would build it from the transactions: not built or loaded
        in this process, no copy saved by an earlier one, no prebuilt rollup (the first open of a new export,
        seconds per million transactions; the app says what it builds meanwhile: ui/shell.prepare_rollup)."""
        return (self.rollup_seconds is None and self.rollup_dir is None and self.has("customers")
                and self.has("transactions") and saved_copy(self.cache_dir) is None)

    def prepare_rollup(self) -> None:
        """Build (or load) the rollup now rather than at the first query that reads it; raises
        :class:`DataUnavailable` as the queries would."""
        self._build_rollup()

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


class _Opening:
    """The steps of :meth:`DataSource.open` on a folder that exists, and what they found.

    Transactions are registered first: the as-of date and the amounts' plausibility bound come from them, and with
    the fingerprint and the time zone they name the data version, hence the rollup cache folder, which the
    customers are loaded from when an earlier process saved them.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, data_dir: Path, fingerprint: str,
                 files: dict[str, list[Path]], as_of: date | None, today: date) -> None:
        self.con, self.data_dir, self.fingerprint, self.files = con, data_dir, fingerprint, files
        self.as_of_request, self.today = as_of, today
        self.problems: list[Problem] = []
        self.by_export: dict[str, list[Problem]] = {name: [] for name in EXPORTS}
        self.usable: set[str] = set()
        self.row_counts: dict[str, int] = {}
        self.column_map: dict[str, dict[str, str]] = {}
        self.timezone = "UTC"
        self.currency: str | None = None
        self.labels: dict[str, dict[str, str]] = {}
        self.scope = Scope(None, MONEY_LIMIT)
        self.latest_date: date | None = None
        self.p999: float | None = None
        self.cache_dir: Path | None = None
        self.version = fingerprint
        #: A prebuilt rollup to read instead of the transactions (queries/prebuilt.py), its manifest once accepted,
        #: and the seconds its tables took to register (None: not registered).
        self.rollup_dir: Path | None = None
        self.manifest: Manifest | None = None
        self.prebuilt_seconds: float | None = None

    def load(self) -> None:
        con, data_dir = self.con, self.data_dir
        for export, names in undecodable_files(data_dir).items():
            for path in names:
                self.by_export[export].append(Problem(
                    "warning", export,
                    f"{shown_name(path.relative_to(data_dir))} is skipped: its name is not valid UTF-8 text. Rename "
                    "it (e.g. part-0.parquet) to include it.", file=shown_name(path.relative_to(data_dir))))
        mapping, mapping_problems = read_mapping(data_dir)
        self.problems.extend(mapping_problems)
        self.currency, self.labels, display_problems = read_display_settings(data_dir)
        self.problems.extend(display_problems)
        name, tz_problems = read_timezone(data_dir)
        self.timezone, check_problems = check_timezone(con, name)
        self.problems.extend(tz_problems + check_problems)
        # Zoned timestamps are cut to dates explicitly in this zone (queries/validation.py); the session zone
        # follows it too, for every cursor, whatever the server's TZ.
        con.execute("set global TimeZone = $tz", {"tz": self.timezone})
        facts_key = hashlib.sha256(f"{self.fingerprint}|{self.timezone}".encode()).hexdigest()[:12]
        facts = load_facts(data_dir, facts_key) or {}
        checked = set(facts.get("pages_ok", []))

        registered: set[str] = set()
        for spec_name in ("transactions", "customers", "marketing_spend", "touchpoints", "leads"):
            spec = EXPORTS[spec_name]
            if spec_name == "transactions" and self.rollup_dir is not None:
                continue  # a prebuilt rollup stands for them: the transactions are never read
            if spec_name == "customers":
                if self.rollup_dir is not None:
                    self._settle_prebuilt()
                else:
                    self._settle_scope(facts, facts_key)
            try:
                found, mapped = register_export(con, data_dir, spec, self.files[spec_name],
                                                mapping.get(spec_name, {}), self.timezone,
                                                check_pages=spec_name not in checked)
            except duckdb.Error as exc:  # a check that could not run: the export is unusable, the app is not
                found, mapped = [_unreadable(spec_name, exc)], {}
            self.by_export[spec_name].extend(found)
            self.column_map[spec_name] = mapped
            if self.files[spec_name] and not any(p.level == "error" for p in found):
                registered.add(spec_name)
        if registered - checked:
            save_facts(data_dir, facts_key, facts | {"pages_ok": sorted(registered | (checked & set(EXPORTS)))})

        for spec_name in EXPORTS:
            if spec_name in registered:
                self._finish(spec_name)
        if self.prebuilt_seconds is not None and "customers" in self.usable:
            started = time.perf_counter()
            prebuilt.rekey_customers(con)
            self.prebuilt_seconds += time.perf_counter() - started
            self.usable.add("transactions")

    def _settle_prebuilt(self) -> None:
        """With a prebuilt rollup: its manifest (refused when built by other code, with the rebuild command), its
        as-of date, amounts' bound and transaction count, the data version they name, and its tables
        (queries/prebuilt.py). The transactions are not read; a refused rollup leaves them unusable."""
        assert self.rollup_dir is not None
        manifest, problems = rollup_problems(self.rollup_dir, self.data_dir)
        self.problems.extend(problems)
        if manifest is None:
            return
        if manifest.timezone != self.timezone:
            self.problems.append(Problem(
                "warning", "rollup",
                f"The rollup in {self.rollup_dir} cut timestamps to dates in {manifest.timezone}, the data folder's "
                f"retention.toml says {self.timezone}: the rollup's dates are used. Rebuild it with "
                f"`{rebuild_command(manifest.source, self.rollup_dir, manifest.engine)}` after changing the time "
                "zone."))
        as_of = date.fromisoformat(manifest.as_of) if manifest.as_of else None
        if self.as_of_request is not None and self.as_of_request != as_of:
            self.problems.append(Problem(
                "warning", "rollup",
                f"The as-of date asked for, {self.as_of_request}, cannot be applied to the prebuilt rollup in "
                f"{self.rollup_dir}, which is as of {as_of}: {as_of} is used. Rebuild the rollup with --as-of "
                f"{self.as_of_request}, or open the data folder without the rollup, to read it as of that day."))
        started = time.perf_counter()
        try:
            prebuilt.register(self.con, self.rollup_dir)
            rows = self.con.sql("select rows from prebuilt_health_counts").fetchall()
        except (RollupRefused, duckdb.Error) as exc:
            reason = str(exc).splitlines()[0].replace("rodata://", "") if str(exc) else type(exc).__name__
            self.problems.append(Problem(
                "error", "rollup",
                f"The prebuilt rollup in {self.rollup_dir} cannot be read ({reason}). Rebuild it with "
                f"`{rebuild_command(manifest.source, self.rollup_dir, manifest.engine)}`."))
            return
        self.prebuilt_seconds = time.perf_counter() - started
        self.manifest = manifest
        self.row_counts["transactions"] = int(rows[0][0]) if rows else 0
        self.latest_date = as_of
        # Built with --as-of: the customers who signed up after it were left out, as the app does when asked.
        self.scope = Scope(as_of, manifest.amount_bound, as_of if manifest.as_of_requested else None)
        self.version = hashlib.sha256(
            f"{self.fingerprint}|{self.timezone}|prebuilt|{manifest.data_version}|{manifest.created}|"
            f"{manifest.code_version}".encode()).hexdigest()[:12]

    def _settle_scope(self, facts: dict[str, Any], facts_key: str) -> None:
        """The as-of date and the amounts' bound (from the transactions, when they registered), the data version
        they name, and its rollup cache folder (a saved copy whose checksum fails is forgotten, with a notice)."""
        if not any(p.level == "error" for p in self.by_export["transactions"]) and self.files["transactions"]:
            try:
                self._transaction_scope(facts, facts_key)
            except duckdb.Error as exc:
                self.by_export["transactions"].append(_unreadable("transactions", exc))
        scope = self.scope
        self.version = hashlib.sha256(
            f"{self.fingerprint}|{self.timezone}|{scope.as_of}|{scope.amount_bound!r}|{scope.signed_up_by}".encode()
        ).hexdigest()[:12]
        self.cache_dir = cache_dir_for(self.data_dir, self.version)
        saved = saved_copy(self.cache_dir)
        if saved is not None and not checksum_ok(saved):
            forget_saved(saved.parent)
            self.problems.append(Problem(
                "warning", "rollup cache",
                f"The saved rollup {saved} was damaged (its checksum does not match what was written). It is not "
                "used: the rollup is rebuilt from the exports and saved again. Nothing needs doing.",
                file=str(saved)))

    def _transaction_scope(self, facts: dict[str, Any], facts_key: str) -> None:
        if "latest_date" not in facts:
            latest, p999 = self.con.sql(load_sql("transaction_scope")).fetchall()[0]
            facts.update(latest_date=latest.isoformat() if latest else None,
                         p999=float(p999) if p999 is not None else None)
            save_facts(self.data_dir, facts_key, facts)
        latest = date.fromisoformat(facts["latest_date"]) if facts.get("latest_date") else None
        self.latest_date, self.p999 = latest, facts.get("p999")
        if latest is None:
            return
        default = latest
        if latest > self.today:  # transactions dated after today: the latest one up to today
            default = self.con.sql("select max(transaction_date) from transactions_all where transaction_date <= $d",
                                   params={"d": self.today}).fetchall()[0][0]
        as_of = default
        if self.as_of_request is not None and default is not None:
            as_of = min(self.as_of_request, default)
            if self.as_of_request > default:
                self.problems.append(Problem(
                    "warning", "transactions",
                    f"The as-of date asked for, {self.as_of_request}, is after the latest transaction date not after "
                    f"today ({default}); {default} is used."))
        bound = MONEY_LIMIT
        if self.p999 is not None and self.p999 > 0:
            bound = min(MONEY_LIMIT, PLAUSIBLE_MULTIPLE * self.p999)
        self.scope = Scope(as_of, bound, as_of if self.as_of_request is not None else None)

    def _finish(self, name: str) -> None:
        """Create the view every query reads and count the export's rows (``row_counts``: as exported; the Data
        health page counts those left out); an export with none, or none left, is an error."""
        con = self.con
        try:
            finish_export(con, EXPORTS[name], self.scope, self.cache_dir)
            # count(*) of the export as exported comes from the Parquet footers; whether a row is left after the
            # exclusions needs only the first one (counting them all read 10M amounts and dates: 0.5 s an open).
            total = int(con.table(f"{name}_all").aggregate("count(*)").fetchall()[0][0])
            kept = len(con.table(name).limit(1).fetchall())
        except duckdb.Error as exc:
            self.by_export[name].append(_unreadable(name, exc))
            return
        self.row_counts[name] = total
        if total == 0:
            self.by_export[name].append(Problem(
                "error", name, f"The {name} export in {self.data_dir} has no rows. Re-export it with data, or remove "
                "it from the folder."))
        elif kept == 0:
            why = ("every row is dated after the as-of date or has an amount that cannot be used"
                   if name == "transactions" else "no row has a usable value")
            if name == "transactions" and self.scope.as_of is None:
                why = (f"every transaction is dated after today ({self.today}). If the dates are right, open the "
                       "data with an as-of date (--as-of DATE, or as_of= in the URL)")
            self.by_export[name].append(Problem(
                "error", name, f"None of the {total:,} rows of the {name} export can be used: {why}. See the Data "
                "health page for the rows left out and why."))
        else:
            self.usable.add(name)

    def outside_files(self) -> list[Path]:
        """Export files that are links to files outside the data folder (DVC, git-annex): read where they point."""
        targets = [p.resolve() for names in self.files.values() for p in names]
        return [t for t in targets if self.data_dir not in t.parents]

    def ordered_problems(self) -> list[Problem]:
        """Problems in the order the page shows them: the folder's and the mapping's, then export by export."""
        return self.problems + [p for name in EXPORTS for p in self.by_export[name]]


def _unreadable(export: str, exc: duckdb.Error) -> Problem:
    reason = str(exc).splitlines()[0].replace("rodata://", "") if str(exc) else type(exc).__name__
    return Problem("error", export, f"The {export} export cannot be read ({reason}). Re-export it, or move the "
                   "damaged files out of the data folder.")


def _lock_down(con: duckdb.DuckDBPyConnection, data_dir: Path, cache_dir: Path | None = None,
               outside: list[Path] | None = None, rollup_dir: Path | None = None) -> None:
    """After the views exist: no local file at all (the exports and the saved rollup are read through the
    read-only file system, queries/readonly.py, and only inside the data folder, this data version's rollup cache
    folder and the files the exports link to), no network, no way to undo it."""
    allowed = [readonly.ro_folder(data_dir)] + ([readonly.ro_folder(cache_dir)] if cache_dir is not None else [])
    allowed += [readonly.ro_folder(rollup_dir)] if rollup_dir is not None else []
    con.execute("set allowed_directories = $dirs", {"dirs": allowed})
    con.execute("set allowed_paths = $paths", {"paths": [readonly.ro_path(p) for p in outside or []]})
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
