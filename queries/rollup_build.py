"""The prebuilt rollup: the tables that read the transactions, built on DuckDB or on Spark, written as Parquet.

``build_rollup(data, out, engine)`` reads the customers and transactions exports of ``data`` (a local folder, or on
Spark any URI the cluster reads: s3a://, gs://, abfss://), runs the portable SQL of this folder
(``portable_*.sql``) on the engine and writes each table to ``out/NAME/`` as Parquet, then ``out/manifest.json``
(:class:`Manifest`): data version, code version (:func:`queries.rollup_cache.code_version`), engine, as-of date,
amounts' bound and row counts. One SQL source: the files are written in a portable subset of DuckDB's dialect and
transpiled to Spark SQL with the pinned sqlglot (requirements-spark.txt); :func:`spark_sql` shows what Spark runs.
The portable subset and the traps it avoids are listed in docs/performance.md and CONVENTIONS.md ("Portable SQL").

``read_manifest(folder)`` reads a prebuilt rollup's manifest and refuses (:class:`RollupRefused`) one built by other
code, with the exact command that rebuilds it; ``rollup_problems`` turns that, and a rollup built from other
customers than the data folder's, into the app's :class:`Problem` records. The app and the export read a prebuilt
rollup with ``--rollup DIR`` (queries/prebuilt.py).

What the build does not take from queries/validation.py: string dates with a time of day; and on a URI (object
storage), retention.toml (its time zone and column mapping apply to a local data folder). Every other normalisation
and exclusion of the figures (de-duplicated customers, blank dimensions as 'unknown', amounts not finite or
implausible, transactions after the as-of date, zoned timestamps cut to dates in the data's time zone, customers
who signed up after an as-of date asked for) is in the portable SQL.

pyspark is imported only when the Spark engine is asked for: the app's install stays light.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb

from queries.as_of import today as calendar_today
from queries.exports import _footer, data_fingerprint, discover_exports
from queries.problems import Problem
from queries.rollup_cache import code_version
from queries.sql import load_sql
from queries.validation import MONEY_LIMIT, PLAUSIBLE_MULTIPLE, read_mapping, read_timezone

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
MANIFEST_FILE = "manifest.json"
#: Where a build to object storage writes its manifest: Spark writes a folder of part files, here one JSON line.
MANIFEST_FOLDER = "manifest_json"
MANIFEST_FORMAT = 1
#: The tables written, in build order (each reads those before it), with the columns that identify a row.
TABLES: dict[str, tuple[str, ...]] = {
    "customers": ("customer_key",),
    "customer_groups": ("combo",),
    "customer_index": ("customer_key",),
    "customer_months": ("customer_key", "month"),
    "customer_weeks": ("customer_key", "week"),
    "customer_activity": ("customer_key",),
    "cohort_months": ("cohort", "period", "combo"),
    "health_counts": (),
}
#: (the export's column or None, the contract's column, the SQL type of a typed null): :func:`input_plan`.
InputColumn = tuple[str | None, str, str | None]
#: The raw columns each input needs, with the SQL type of a typed null for an optional column that is missing.
_INPUT_COLUMNS: dict[str, dict[str, str | None]] = {
    "transactions": {"customer_id": None, "transaction_date": None, "amount": None, "gross_margin": "double"},
    "customers": {"customer_id": None, "signup_date": None, "segment": "string", "acquisition_channel": "string",
                  "region": "string"},
}


class RollupRefused(Exception):
    """A prebuilt rollup that must not be used; the message says why and how to rebuild it."""


def input_plan(name: str, present: Collection[str], mapping: Mapping[str, str], where: str) -> list[InputColumn]:
    """How each column of the input ``name`` the build reads is taken from an export whose columns are ``present``:
    (the export's column, or None for a typed null; the contract's name; the SQL type of that null), renamed by the
    ``[columns.NAME]`` mapping of retention.toml (contract name -> export's name). A required column that is missing
    is refused, naming the export (``where``) and the mapping line that would fix it. One plan for both engines.

    >>> input_plan("transactions", ["cid", "transaction_date", "amount"], {"customer_id": "cid"}, "/data")[::3]
    [('cid', 'customer_id', None), (None, 'gross_margin', 'double')]
    """
    plan: list[InputColumn] = []
    for column, null_type in _INPUT_COLUMNS[name].items():
        source = mapping.get(column, column)
        if source in present:
            plan.append((source, column, null_type))
        elif null_type is None:
            mapped = f" (mapped from {column} in retention.toml)" if source != column else ""
            raise RollupRefused(f"Required column {source}{mapped} is missing from the {name} export in {where}. "
                                f"Re-export it with that column, or map it in the data folder's retention.toml: "
                                f'[columns.{name}] {column} = "your column name".')
        else:
            plan.append((None, column, null_type))
    return plan


@dataclass
class Manifest:
    """What ``out/manifest.json`` records about a prebuilt rollup."""

    engine: str
    code_version: str
    data_version: str
    source: str
    created: str
    as_of: str | None
    amount_bound: float
    timezone: str
    row_counts: dict[str, int] = field(default_factory=dict)
    #: A fingerprint of the customers export the rollup was built from (its files' Parquet footers): the app warns
    #: when the data folder's customers differ.
    customers_version: str = ""
    #: The as-of date asked for (``--as-of``), None for the default: customers who signed up after it are left out.
    as_of_requested: str | None = None
    format: int = MANIFEST_FORMAT


def rebuild_command(data: str, out: Path | str, engine: str = "duckdb") -> str:
    """The command that rebuilds a rollup.

    >>> rebuild_command("s3a://bucket/exports", "/srv/rollup", "spark")
    'python -m analytics rollup --engine spark --data s3a://bucket/exports --out /srv/rollup'
    """
    return (f"python -m analytics rollup --engine {shlex.quote(engine)} --data {shlex.quote(str(data))} "
            f"--out {shlex.quote(str(out))}")


def manifest_path(folder: Path) -> Path:
    """The manifest file of a prebuilt rollup: ``manifest.json`` (a build to a local folder), else the part file that
    a build to object storage wrote in ``manifest_json/`` (the rollup synced to this machine as it was written)."""
    single = folder / MANIFEST_FILE
    if single.is_file():
        return single
    parts = sorted(p for p in (folder / MANIFEST_FOLDER).glob("part-*") if not p.name.endswith(".crc"))
    return parts[0] if parts else single


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the prebuilt rollup in ``folder`` (:func:`manifest_path`); raises :class:`RollupRefused` when
    it is missing, unreadable, or written by code other than this (its tables could hold other columns or
    definitions)."""
    path = manifest_path(folder)
    try:
        raw = json.loads(path.read_text())
        manifest = Manifest(**raw)
    except FileNotFoundError:
        raise RollupRefused(f"{folder} holds no prebuilt rollup ({MANIFEST_FILE} is missing). Build one with "
                            f"`{rebuild_command('DATA_DIR', folder)}`.") from None
    except (OSError, ValueError, TypeError) as exc:
        raise RollupRefused(f"The rollup manifest {path} cannot be read ({exc}). Rebuild the rollup with "
                            f"`{rebuild_command('DATA_DIR', folder)}`.") from None
    if manifest.code_version != code_version():
        raise RollupRefused(
            f"The rollup in {folder} was built by another version of the code (code version "
            f"{manifest.code_version}; this app is {code_version()}), so its tables may not mean what this app "
            f"expects. Rebuild it with `{rebuild_command(manifest.source, folder, manifest.engine)}`.")
    return manifest


def rollup_problems(rollup_dir: Path, data_dir: Path) -> tuple[Manifest | None, list[Problem]]:
    """What the app would say about using the prebuilt rollup in ``rollup_dir`` with the data folder ``data_dir``:
    the manifest (None when refused) and the problems, as the Data health page lists them: an error when the
    rollup is refused (:func:`read_manifest`: missing, unreadable, or built by other code; the message has the
    rebuild command), a warning when it was built from other customers than the data folder's (its figures would
    join the rollup's customers to these: rebuild it)."""
    try:
        manifest = read_manifest(rollup_dir)
    except RollupRefused as exc:
        return None, [Problem("error", "rollup", str(exc))]
    problems = []
    if manifest.customers_version and manifest.customers_version != customers_version(data_dir):
        problems.append(Problem(
            "warning", "rollup",
            f"The rollup in {rollup_dir} was built from other customers than those in {data_dir} (built "
            f"{manifest.created} from {manifest.source}). Rebuild it with "
            f"`{rebuild_command(manifest.source, rollup_dir, manifest.engine)}` after the exports change."))
    return manifest, problems


def customers_version(data_dir: Path) -> str:
    """A fingerprint of a local data folder's customers export (file names and Parquet footers), to tell whether a
    prebuilt rollup was built from the customers the app reads."""
    digest = hashlib.sha256()
    for path in discover_exports(data_dir)["customers"]:
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(_footer(path))
    return digest.hexdigest()[:12]


def portable_sql(name: str) -> str:
    """The portable SQL of ``queries/portable_NAME.sql`` (DuckDB's dialect)."""
    return load_sql(f"portable_{name}")


def spark_sql(name: str) -> str:
    """``queries/portable_NAME.sql`` transpiled to Spark SQL by the pinned sqlglot (``$x`` becomes ``:x``, a named
    parameter of ``spark.sql(..., args=...)``)."""
    import sqlglot

    return str(sqlglot.transpile(portable_sql(name), read="duckdb", write="spark", comments=False)[0])


class _Runner(Protocol):
    def register_input(self, name: str) -> None: ...
    def table(self, name: str, sql_name: str, params: Mapping[str, Any]) -> int: ...
    def scalars(self, sql_name: str, params: Mapping[str, Any]) -> dict[str, Any]: ...
    def counts(self, names: Sequence[str]) -> dict[str, int]: ...
    def close(self) -> None: ...


class _DuckDBRunner:
    """The portable SQL on an in-memory DuckDB over the exports of a local folder (read directly: this connection
    runs only the build, never a query of the app, and writes nothing but the tables below into ``out``); each table
    written by DuckDB's Parquet writer."""

    def __init__(self, data_dir: Path, out: Path, tz: str, mapping: Mapping[str, Mapping[str, str]]) -> None:
        self.data_dir, self.out, self.mapping = data_dir, out, mapping
        self.con = duckdb.connect(":memory:")
        self.con.execute("set TimeZone = $tz", {"tz": tz})
        self.files = discover_exports(data_dir)

    def register_input(self, name: str) -> None:
        files = self.files[name]
        if not files:
            raise RollupRefused(f"No {name} export was found in {self.data_dir}: add {name}.parquet or a {name}/ "
                                "folder of Parquet files.")
        raw = self.con.read_parquet([str(p) for p in files], union_by_name=True)
        parts = []
        for source, column, null_type in input_plan(name, raw.columns, self.mapping.get(name, {}), str(self.data_dir)):
            if source is not None:
                parts.append(duckdb.ColumnExpression(source).alias(column))
            else:
                sql_type = "VARCHAR" if null_type == "string" else "DOUBLE"
                parts.append(duckdb.ConstantExpression(None).cast(duckdb.sqltype(sql_type)).alias(column))
        raw.select(*parts).create_view(f"raw_{name}")

    def table(self, name: str, sql_name: str, params: Mapping[str, Any]) -> int:
        sql = portable_sql(sql_name)
        self.con.sql(sql, params=dict(params)).create(name) if params else self.con.sql(sql).create(name)
        if name == "transactions":
            return int(self.con.table(name).aggregate("count(*)").fetchall()[0][0])
        folder = self.out / name
        folder.mkdir(parents=True, exist_ok=True)
        rows = self.con.table(name)
        # Unsorted, like Spark's parts: readers sort (sorting customer_months doubled its write time at 1M).
        rows.write_parquet(str(folder / "part-0.parquet"))
        return int(rows.aggregate("count(*)").fetchall()[0][0])

    def scalars(self, sql_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        result = self.con.sql(portable_sql(sql_name), params=dict(params))
        return dict(zip(result.columns, result.fetchall()[0], strict=True))

    def counts(self, names: Sequence[str]) -> dict[str, int]:
        return {name: int(self.con.table(name).aggregate("count(*)").fetchall()[0][0]) for name in names}

    def close(self) -> None:
        self.con.close()


class _SparkRunner:
    """The portable SQL transpiled to Spark SQL, on a local Spark session or a Spark Connect endpoint
    (``remote``: sc://HOST:PORT). Each table is written with Spark's Parquet writer to ``out/NAME/`` (on a Spark
    Connect endpoint, a path the cluster writes: an object-store URI, or a folder the server shares) and read back,
    so that the tables after it read the written copy rather than recomputing it."""

    def __init__(self, data: str, out: str, tz: str, remote: str | None,
                 mapping: Mapping[str, Mapping[str, str]]) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # the optional install
            raise RollupRefused("The Spark engine needs pyspark: `python -m pip install -r requirements-spark.txt` "
                                "(and Java 17 for a local Spark; a Spark Connect endpoint needs no Java).") from None
        builder = SparkSession.builder
        if remote:
            builder = builder.remote(remote)
        else:
            builder = (builder.master("local[*]").appName("retention-rollup")
                       .config("spark.sql.shuffle.partitions", "8").config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "3g"))
        self.spark = builder.getOrCreate()
        self.spark.conf.set("spark.sql.session.timeZone", tz)
        # Spark returns NULL rather than failing on a cast it cannot make only without ANSI mode; the portable SQL
        # never relies on either, and the exact decimal sums must fail loudly on overflow: keep ANSI on.
        self.spark.conf.set("spark.sql.ansi.enabled", "true")
        self.data, self.out, self.mapping = data.rstrip("/"), out.rstrip("/"), mapping
        self.local = remote is None and "://" not in data

    def _input_frame(self, name: str) -> Any:
        from pyspark.errors import AnalysisException

        if self.local:
            files = discover_exports(Path(self.data))[name]
            if not files:
                raise RollupRefused(f"No {name} export was found in {self.data}: add {name}.parquet or a {name}/ "
                                    "folder of Parquet files.")
            return self.spark.read.option("mergeSchema", "true").parquet(*[str(p) for p in files])
        for where in (f"{self.data}/{name}", f"{self.data}/{name}.parquet"):
            try:
                frame = self.spark.read.option("mergeSchema", "true").parquet(where)
                frame.schema  # noqa: B018 - resolves the path now (Spark Connect is lazy)
                return frame
            except AnalysisException:
                continue
        raise RollupRefused(f"No {name} export was found at {self.data}: the cluster could read neither "
                            f"{self.data}/{name}/ nor {self.data}/{name}.parquet.")

    def register_input(self, name: str) -> None:
        from pyspark.sql import functions as F

        frame = self._input_frame(name)
        columns = []
        for source, column, null_type in input_plan(name, frame.columns, self.mapping.get(name, {}), self.data):
            if source is not None:
                columns.append(F.col(f"`{source}`").alias(column))
            else:
                columns.append(F.lit(None).cast(null_type or "string").alias(column))
        frame.select(*columns).createOrReplaceTempView(f"raw_{name}")

    def table(self, name: str, sql_name: str, params: Mapping[str, Any]) -> int:
        frame = self.spark.sql(spark_sql(sql_name), args=dict(params)) if params else self.spark.sql(
            spark_sql(sql_name))
        if name != "transactions":
            where = f"{self.out}/{name}"
            frame.write.mode("overwrite").parquet(where)
            frame = self.spark.read.parquet(where)
        frame.createOrReplaceTempView(name)
        return -1  # counted by counts(), in one job for every table

    def counts(self, names: Sequence[str]) -> dict[str, int]:
        from pyspark.sql import functions as F

        frames = [self.spark.table(name).select(F.lit(name).alias("name")) for name in names]
        union = frames[0]
        for frame in frames[1:]:
            union = union.unionAll(frame)
        rows = union.groupBy("name").agg(F.count("*").alias("rows")).collect()
        found = {row["name"]: int(row["rows"]) for row in rows}
        return {name: found.get(name, 0) for name in names}

    def scalars(self, sql_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        row = self.spark.sql(spark_sql(sql_name), args=dict(params)).collect()[0]
        return dict(row.asDict())

    def close(self) -> None:
        pass  # the session is left to its owner: a local one is reused by the next build in this process


def build_rollup(data: str | Path, out: str | Path, engine: Engine = "duckdb", spark_remote: str | None = None,
                 today: date | None = None, as_of: date | None = None) -> Manifest:
    """Build the prebuilt rollup of ``data`` into ``out`` (created; its tables replaced) and return its manifest.

    The as-of date is the latest transaction date not after ``today`` (default: the calendar's), or ``as_of`` when
    asked for and earlier (then customers who signed up after it are left out too, as the app does with --as-of);
    the amounts' bound ``PLAUSIBLE_MULTIPLE`` x their 99.9th percentile (at most ``MONEY_LIMIT``), as the app draws
    them (queries/runner.py). For a local folder, retention.toml's ``timezone`` and ``[columns.*]`` mapping apply;
    for a URI, UTC and the contract's column names.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
    today = today or calendar_today()
    data_text = str(data)
    local = "://" not in data_text
    data_dir = Path(data_text).resolve() if local else None
    if data_dir is not None and not data_dir.is_dir():
        raise RollupRefused(f"The data folder {data_dir} does not exist: pass --data DIR (a folder holding the "
                            "customers and transactions Parquet exports) or, with --engine spark, a URI the cluster "
                            "reads.")
    if engine == "duckdb" and data_dir is None:
        raise RollupRefused(f"--data {data_text} is a URI: the DuckDB engine reads local folders. Use --engine "
                            "spark for object storage.")
    tz = read_timezone(data_dir)[0] if data_dir is not None else "UTC"
    mapping: dict[str, dict[str, str]] = {}
    if data_dir is not None:
        mapping, mapping_problems = read_mapping(data_dir)
        errors = [p.message for p in mapping_problems if p.level == "error"]
        if errors:
            raise RollupRefused(" ".join(errors))
    out_text = str(out)
    if "://" not in out_text:
        out_path = Path(out_text).resolve()
        if data_dir is not None and (out_path == data_dir or data_dir in out_path.parents):
            raise RollupRefused(f"--out {out_path} is inside the data folder {data_dir}: the rollup is written "
                                "elsewhere, never into the exports. Pick another folder.")
        out_path.mkdir(parents=True, exist_ok=True)
        out_text = str(out_path)
    runner: _Runner
    if engine == "duckdb":
        assert data_dir is not None
        runner = _DuckDBRunner(data_dir, Path(out_text), tz, mapping)
    else:
        runner = _SparkRunner(str(data_dir) if data_dir is not None else data_text, out_text, tz, spark_remote,
                              mapping)
    try:
        runner.register_input("transactions")
        runner.register_input("customers")
        scope = runner.scalars("transaction_scope", {"today": today})
        latest, p999 = scope["latest_date"], scope["p999"]
        asked = as_of
        as_of = min(asked, latest) if asked is not None and latest is not None else latest
        bound = MONEY_LIMIT
        if p999 is not None and float(p999) > 0:
            bound = min(MONEY_LIMIT, PLAUSIBLE_MULTIPLE * float(p999))
        # No transaction dated up to today: none can be used (as in queries/validation.py).
        kept_until = as_of if as_of is not None else date(1, 1, 1)
        runner.table("transactions", "transactions", {"as_of": kept_until, "amount_bound": bound})
        for name in TABLES:
            params: dict[str, Any] = {"as_of": kept_until, "amount_bound": bound} if name == "health_counts" else {}
            if name == "customers":
                # Asked for an as-of date, the app leaves out the customers who signed up after it (no time at risk).
                params = {"signed_up_by": as_of if asked is not None and as_of is not None else date(9999, 12, 31)}
            runner.table(name, name, params)
        counts = runner.counts(["transactions", *TABLES])
    finally:
        runner.close()
    manifest = Manifest(
        engine=engine, code_version=code_version(),
        data_version=data_fingerprint(data_dir) if data_dir is not None else hashlib.sha256(
            data_text.encode()).hexdigest()[:12],
        source=str(data_dir) if data_dir is not None else data_text,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        as_of=as_of.isoformat() if as_of is not None else None, amount_bound=bound, timezone=tz,
        as_of_requested=asked.isoformat() if asked is not None else None,
        row_counts=counts, customers_version=customers_version(data_dir) if data_dir is not None else "")
    if "://" not in out_text:
        (Path(out_text) / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    else:
        _write_remote_manifest(runner, out_text, manifest)
    return manifest


def _write_remote_manifest(runner: _Runner, out: str, manifest: Manifest) -> None:
    """The manifest of a rollup written to object storage: one JSON line that the cluster writes in
    ``out/manifest_json/`` (Spark writes folders, not single files), last; :func:`manifest_path` reads it there."""
    assert isinstance(runner, _SparkRunner)
    runner.spark.createDataFrame([(json.dumps(asdict(manifest)),)], "value string").coalesce(1).write.mode(
        "overwrite").text(f"{out}/{MANIFEST_FOLDER}")


__all__ = ["ENGINES", "Manifest", "RollupRefused", "build_rollup", "read_manifest", "rebuild_command",
           "rollup_problems", "spark_sql"]
