"""Checking a data folder's exports against the contract (:mod:`queries.contract`) and registering them.

``read_mapping`` reads the optional column mapping (``retention.toml``); ``register_export`` checks one export
(its files can be read, its required columns exist, each column's type fits its kind) and, when nothing is
wrong, creates the view over its files (``raw_NAME``) and the normalised view ``NAME`` that every query reads
(for an export with a unique key, a table keeping the earliest row of each key). Every finding is a
:class:`~queries.problems.Problem`, never an exception.

SQL identifiers here come only from the contract or from column names checked against the files' real columns;
values are bound. Statements over those identifiers are built with DuckDB's relational API (``con.table(name)``,
``.filter``, ``.project``, ``.create_view``): a table goes in by name, and each formatted piece is parsed as one
expression, never as a statement.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import duckdb

from queries.contract import EXPORTS, MAPPING_FILE, ColumnSpec, ExportSpec
from queries.problems import Problem
from queries.rollup_cache import attach_saved, saved_copy, view_of_saved

_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_DATE_TYPES = {
    "DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE",
    "DATETIME",
}


def quote_identifier(name: str) -> str:
    """Quote a column name that was checked against the file's real columns (never free user text).

    >>> quote_identifier("net revenue"), quote_identifier('a"b')
    ('"net revenue"', '"a""b"')
    """
    return '"' + name.replace('"', '""') + '"'


def _base_type(duckdb_type: str) -> str:
    return duckdb_type.split("(")[0].strip().upper()


def read_mapping(data_dir: Path) -> tuple[dict[str, dict[str, str]], list[Problem]]:
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


_SYMBOL_RE = re.compile(r"^[^\s\d]{1,3}$")
LABEL_DIMENSIONS = ("segment", "channel", "region")


def read_display_settings(data_dir: Path) -> tuple[str | None, dict[str, dict[str, str]], list[Problem]]:
    """(currency, display names by dimension, warnings) from ``retention.toml``: ``currency = "EUR"`` (a 3-letter
    ISO code, upper-cased, or a short symbol such as "€") and ``[labels.<segment|channel|region>]`` tables of
    code = "display name". A bad value is a warning, never an error: money then shows without a currency, a
    bad label keeps the default display name. (An unreadable file is reported by :func:`read_mapping`.)"""
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return None, {}, []
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None, {}, []
    problems: list[Problem] = []
    currency = doc.get("currency")
    if currency is not None:
        text = currency.strip() if isinstance(currency, str) else ""
        if re.fullmatch(r"[A-Za-z]{3}", text):
            currency = text.upper()
        elif _SYMBOL_RE.match(text) and not text.isalpha():
            currency = text
        else:
            problems.append(Problem("warning", MAPPING_FILE,
                                    f"{path}: currency = {currency!r} is neither a 3-letter ISO code (\"EUR\") nor a "
                                    "short symbol (\"€\"): money is shown without a currency. Fix the line.",
                                    column="currency", file=str(path)))
            currency = None
    labels: dict[str, dict[str, str]] = {}
    table = doc.get("labels", {})
    if not isinstance(table, dict):
        table = {}
        problems.append(Problem("warning", MAPPING_FILE, f"{path}: [labels] must hold tables such as "
                                '[labels.channel] paid_social = "Paid social (Meta)"; ignored.', file=str(path)))
    for dimension, values in table.items():
        if dimension not in LABEL_DIMENSIONS or not isinstance(values, dict):
            problems.append(Problem("warning", MAPPING_FILE,
                                    f"{path}: [labels.{dimension}] is ignored: display names are for "
                                    f"{', '.join(LABEL_DIMENSIONS)} (each a table of code = \"name\").",
                                    file=str(path)))
            continue
        for code, shown in values.items():
            if isinstance(shown, str) and shown.strip():
                labels.setdefault(dimension, {})[str(code)] = shown.strip()
            else:
                problems.append(Problem("warning", MAPPING_FILE,
                                        f"{path}: [labels.{dimension}] {code} = {shown!r} is not a display name "
                                        "(a non-empty string); the default name is used.", file=str(path)))
    return currency, labels, problems


def _probe_files(con: duckdb.DuckDBPyConnection,
                 files: list[Path]) -> tuple[list[tuple[Path, str]], dict[Path, set[str]]]:
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


def register_export(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    spec: ExportSpec,
    files: list[Path],
    mapping: dict[str, str],
    cache_dir: Path | None = None,
) -> tuple[list[Problem], dict[str, str]]:
    """Check one export and, if it has no error, create ``raw_NAME`` and the normalised view ``NAME``.

    One step after another, each only when the steps before it found nothing: the files (present, readable as
    Parquet), the columns (the required ones in every file, the mapped ones somewhere), the view ``raw_NAME``
    over the files, the types and their normalisation, then ``NAME`` itself, de-duplicated when the export has a
    unique key. Returns the problems found and the contract columns present, each with its name in the files.
    """
    if not files:
        return _missing_export(data_dir, spec), {}
    problems, file_columns = _check_files(con, data_dir, spec.name, files)
    if problems:
        return problems, {}
    problems, mapped = _check_columns(data_dir, spec, files, file_columns, mapping)
    if problems:
        return problems, mapped
    types = _create_raw_view(con, data_dir, spec.name, files)
    problems, select_list = _normalised_columns(con, spec, mapped, types)
    if problems:
        return problems, mapped
    if spec.unique_key is None:
        con.table(f"raw_{spec.name}").project(", ".join(select_list)).create_view(spec.name)
    else:
        _create_deduplicated(con, spec, spec.unique_key, select_list, cache_dir)
    return [], mapped


def _relative(data_dir: Path, path: Path) -> str:
    """``path`` as shown in a message: relative to the data folder when it is inside it."""
    try:
        return str(path.relative_to(data_dir))
    except ValueError:
        return str(path)


def _missing_export(data_dir: Path, spec: ExportSpec) -> list[Problem]:
    """The finding for an export without a file: an error when the contract requires it, else none."""
    name = spec.name
    if spec.required:
        return [Problem("error", name,
                        f"The required {name} export is missing: put {name}.parquet or a {name}/ folder of "
                        f"Parquet files in {data_dir}.")]
    return []


def _check_files(con: duckdb.DuckDBPyConnection, data_dir: Path, name: str,
                 files: list[Path]) -> tuple[list[Problem], dict[Path, set[str]]]:
    """An error per file that cannot be read as Parquet, and the columns of each file."""
    bad_files, file_columns = _probe_files(con, files)
    return [Problem("error", name,
                    f"{_relative(data_dir, path)} cannot be read as Parquet ({reason}). Re-export the file, or move "
                    f"it out of the data folder.", file=_relative(data_dir, path))
            for path, reason in bad_files], file_columns


def _check_columns(data_dir: Path, spec: ExportSpec, files: list[Path], file_columns: dict[Path, set[str]],
                   mapping: dict[str, str]) -> tuple[list[Problem], dict[str, str]]:
    """Each contract column looked up in the files under its mapped name: an error when a required one is missing
    from any file, a warning when a mapped optional one is in none. Returns the problems and the columns found
    (contract name -> name in the files)."""
    name = spec.name
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
            where = _relative(data_dir, example) + (f" and {len(lacking) - 1} more file(s)" if len(lacking) > 1
                                                    else "")
            hint = (f'If your export names it differently, map it in {MAPPING_FILE} in the data folder: '
                    f'[columns.{name}] {col.name} = "your_column_name".')
            label = f"'{col.name}'" if source == col.name else f"'{source}' (mapped from '{col.name}')"
            problems.append(Problem("error", name,
                                    f"Required column {label} is missing from {where}. Columns found there: "
                                    f"{seen or 'none'}. {hint}", column=col.name, file=_relative(data_dir, example)))
        elif has_it:
            mapped[col.name] = source
        elif source != col.name:
            problems.append(Problem("warning", name,
                                    f"{MAPPING_FILE} maps {name}.{col.name} to '{source}', but no {name} file has a "
                                    f"column '{source}'; the optional column is treated as absent.",
                                    column=col.name))
    return problems, mapped


def _create_raw_view(con: duckdb.DuckDBPyConnection, data_dir: Path, name: str, files: list[Path]) -> dict[str, str]:
    """Create ``raw_NAME`` over every file of the export (columns matched by name, the file of each row in
    ``filename``, Hive partitions read when a folder is named like ``key=value``); returns its column types."""
    hive = any("=" in part for p in files for part in p.relative_to(data_dir).parts[:-1])
    raw = con.read_parquet([str(p) for p in files], union_by_name=True, hive_partitioning=hive, filename=True)
    raw.create_view(f"raw_{name}")
    return {row[0]: row[1] for row in con.sql(f"describe raw_{name}").fetchall()}


def _normalised_columns(con: duckdb.DuckDBPyConnection, spec: ExportSpec, mapped: dict[str, str],
                        types: dict[str, str]) -> tuple[list[Problem], list[str]]:
    """Each present column's type checked against its kind. Returns the problems and the select list of the
    normalised view: every contract column, normalised to its kind, or its default when the export lacks it."""
    problems: list[Problem] = []
    select_list: list[str] = []
    for col in spec.columns:
        if col.name not in mapped:
            select_list.append(f"{col.missing_default} as {col.name}")
            continue
        source = mapped[col.name]
        problem = _check_type(con, spec.name, col, source, types[source])
        if problem:
            problems.append(problem)
            continue
        select_list.append(f"{_normalise(col, quote_identifier(source), types[source])} as {col.name}")
    return problems, select_list


def _create_deduplicated(con: duckdb.DuckDBPyConnection, spec: ExportSpec, key: str, select_list: list[str],
                         cache_dir: Path | None) -> None:
    """Create ``NAME_all`` (every row, normalised) and ``NAME``: one row per unique key with an integer
    surrogate key, or a view of the copy in the rollup cache that an earlier process saved."""
    name = spec.name
    # Every row is kept in NAME_all (the duplicate check reads it); NAME keeps one row per key, the earliest
    # by the first date column, so that duplicated rows cannot double-count anything downstream.
    order = next(c.name for c in spec.columns if c.kind == "date")
    con.table(f"raw_{name}").project(", ".join(select_list)).create_view(f"{name}_all")
    # A table, not a view: every query joins it, and de-duplicating a million customers on each query cost
    # more (about 2 s at 1M customers) than holding them in memory once per data version (0.7 s, ~100 MB).
    saved = saved_copy(cache_dir)
    if saved is not None:
        # The same files and code saved this table before: query it in place, so that its customer_key matches
        # the saved rollup (and the de-duplication is not paid again).
        if attach_saved(con, saved):
            view_of_saved(con, name)
            return
        # Numbered afresh below, the customers would not match the saved rollup: forget the copy.
        (saved.parent / "complete").unlink(missing_ok=True)
    # customer_key: 1..n, what the rollup joins on (an integer join is cheaper than text). In no particular
    # order: numbering in customer_id order doubled the cost of this table (a sort of every id).
    surrogate = key.removesuffix("_id") + "_key"
    ranked = (con.table(f"{name}_all").filter(f"{key} is not null and {order} is not null")
              .project(f"*, row_number() over (partition by {key} order by {order}, {key}) as row_rank"))
    (ranked.filter("row_rank = 1")
     .project(f"* exclude (row_rank), cast(row_number() over () as integer) as {surrogate}")
     .create(name))


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
    rows = (con.table(f"raw_{export}").filter(f"{ident} is not null and try_cast({ident} as {target}) is null")
            .project(f"filename, {ident} as value, count(*) over () as n").limit(3).fetchall())
    if not rows:
        return None
    examples = ", ".join(repr(r[1]) for r in rows)
    wanted = "dates (YYYY-MM-DD)" if col.kind == "date" else "numbers"
    return Problem("error", export,
                   f"Column {label} holds text that cannot be read as {wanted}: {rows[0][2]} value(s), e.g. "
                   f"{examples} in {Path(rows[0][0]).name}. Fix those values or re-export the column with a "
                   f"{'date' if col.kind == 'date' else 'numeric'} type.",
                   column=col.name, file=Path(rows[0][0]).name)
