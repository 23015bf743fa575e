"""Checking a data folder's exports against the contract (:mod:`queries.contract`) and registering them.

``read_mapping`` reads the optional column mapping (``retention.toml``) and ``read_timezone`` its ``timezone``;
``register_export`` checks one export (one layout, its files can be read, its required columns exist, each
column's type fits its kind, every data page of its contract columns decodes) and, when nothing is wrong,
creates the view over its files (``raw_NAME``) and ``NAME_all``, every row normalised to the contract's kinds.
``finish_export`` then creates the view ``NAME`` that every query reads: ``NAME_all`` without the rows or values
no figure may use (transactions after the as-of date, non-finite or implausible amounts, non-finite, negative
or implausible spend and costs; the Data health page counts them from ``NAME_all``), for an export with a
unique key a table keeping the earliest row of each key. Every finding is a :class:`~queries.problems.Problem`,
never an exception.

Files are read through the read-only ``rodata://`` file system (:mod:`queries.readonly`), as the files they
link to when they are symbolic links; messages name them as they sit in the data folder.

SQL identifiers here come only from the contract or from column names checked against the files' real columns;
values are bound. Statements over those identifiers are built with DuckDB's relational API (``con.table(name)``,
``.filter``, ``.project``, ``.create_view``): a table goes in by name, and each formatted piece is parsed as one
expression, never as a statement.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from duckdb import ColumnExpression, ConstantExpression, Expression, FunctionExpression

from queries.contract import EXPORTS, MAPPING_FILE, ColumnSpec, ExportSpec
from queries.problems import Problem
from queries.readonly import from_ro_path, ro_path
from queries.rollup_cache import attach_saved, forget_saved, saved_copy, view_of_saved

_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_DATE_TYPES = {
    "DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE",
    "DATETIME",
}
_ZONED_TYPES = {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"}
#: Money at or beyond this size is never plausible (and would overflow the exact sums, decimal(38, 6)).
MONEY_LIMIT = 1e12
#: An amount this many times the 99.9th percentile of |amount| or more is implausible (left out, flagged).
PLAUSIBLE_MULTIPLE = 1000
DEFAULT_TIMEZONE = "UTC"


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


def read_timezone(data_dir: Path) -> tuple[str, list[Problem]]:
    """The ``timezone`` of ``retention.toml`` (an IANA name such as ``Europe/Paris``; default UTC): zoned timestamps
    are converted to it before they are cut to dates. Problems: not text (then UTC applies). The name itself is
    checked against DuckDB's list by :func:`check_timezone`."""
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return DEFAULT_TIMEZONE, []
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return DEFAULT_TIMEZONE, []  # read_mapping reports the file
    value = doc.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(value, str) or not value.strip():
        return DEFAULT_TIMEZONE, [Problem("warning", MAPPING_FILE,
                                          f"{MAPPING_FILE}: timezone = {value!r} is not a time zone name; UTC is "
                                          'used. Write e.g. timezone = "Europe/Paris".', file=str(path))]
    return value.strip(), []


def check_timezone(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, list[Problem]]:
    """``name`` when DuckDB knows the time zone (case as DuckDB spells it), else UTC with a warning."""
    rows = con.sql("select name from pg_timezone_names() where lower(name) = lower($name) order by name limit 1",
                   params={"name": name}).fetchall()
    if rows:
        return str(rows[0][0]), []
    return DEFAULT_TIMEZONE, [Problem("warning", MAPPING_FILE,
                                      f"{MAPPING_FILE}: timezone = {name!r} is not a known time zone; UTC is used "
                                      "to cut timestamps to dates. Use an IANA name such as \"Europe/Paris\" or "
                                      '"America/New_York".')]


@dataclass(frozen=True)
class Scope:
    """What the normalised views leave out: transactions after ``as_of``; amounts whose size reaches
    ``amount_bound`` (always at most MONEY_LIMIT)."""

    as_of: date | None
    amount_bound: float
    #: When the as-of date was asked for: customers who signed up after it are left out too (not yet won then).
    signed_up_by: date | None = None


def _probe_files(con: duckdb.DuckDBPyConnection,
                 files: list[Path]) -> tuple[list[tuple[Path, str]], dict[Path, set[str]]]:
    """Per file: read the Parquet footer. Returns (unreadable files with the reason, columns of each file)."""
    urls = {ro_path(p.resolve()): p for p in files}
    columns: dict[Path, set[str]] = {p: set() for p in files}
    try:
        rows = con.sql("select file_name, name from parquet_schema($files)", params={"files": list(urls)}).fetchall()
    except duckdb.Error:
        # One bad file fails the whole call; find which by reading each footer alone.
        bad: list[tuple[Path, str]] = []
        for url, path in urls.items():
            try:
                for _, name in con.sql("select file_name, name from parquet_schema($f)", params={"f": url}).fetchall():
                    columns[path].add(name)
            except duckdb.Error as exc:
                bad.append((path, _reason(exc)))
        return bad, columns
    for file_name, name in rows:
        found = urls.get(file_name) or urls.get(ro_path(from_ro_path(file_name)))
        if found is not None:
            columns[found].add(name)
    return [], columns


def _reason(exc: BaseException) -> str:
    """DuckDB's message, first line, without the ``rodata://`` prefix of our read-only file system."""
    return str(exc).splitlines()[0].replace("rodata://", "") if str(exc) else type(exc).__name__


def register_export(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    spec: ExportSpec,
    files: list[Path],
    mapping: dict[str, str],
    timezone: str = DEFAULT_TIMEZONE,
    check_pages: bool = True,
) -> tuple[list[Problem], dict[str, str]]:
    """Check one export and, if it has no error, create ``raw_NAME`` and ``NAME_all`` (every row, normalised).

    One step after another, each only when the steps before it found no error: one layout (not both
    ``NAME.parquet`` and ``NAME/``), the files (readable as Parquet), the columns (the required ones in every
    file, the mapped ones somewhere), the view ``raw_NAME`` over the files, the types and their normalisation,
    then every data page of the contract columns (unless ``check_pages`` is false: an earlier process checked
    this data version's pages, queries/runner.py). Returns the problems found (warnings do not stop the steps)
    and the contract columns present, each with its name in the files. :func:`finish_export` creates ``NAME``.
    """
    if not files:
        return _missing_export(data_dir, spec), {}
    problems = _check_layout(data_dir, spec.name, files)
    if problems:
        return problems, {}
    problems, file_columns = _check_files(con, data_dir, spec.name, files)
    if problems:
        return problems, {}
    problems, mapped = _check_columns(data_dir, spec, files, file_columns, mapping)
    if _has_error(problems):
        return problems, mapped
    problems += _check_partitions(data_dir, spec, files, file_columns, mapped)
    types = _create_raw_view(con, spec.name, files)
    type_problems, select_list = _normalised_columns(con, spec, mapped, types, timezone)
    problems += type_problems
    if _has_error(problems):
        return problems, mapped
    con.table(f"raw_{spec.name}").project(", ".join(select_list)).create_view(f"{spec.name}_all")
    if check_pages:
        problems += _check_pages(con, data_dir, spec, files, file_columns, mapped)
    return problems, mapped


def _has_error(problems: list[Problem]) -> bool:
    return any(p.level == "error" for p in problems)


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


def _check_layout(data_dir: Path, name: str, files: list[Path]) -> list[Problem]:
    """An error when the export is both ``NAME.parquet`` and a ``NAME/`` folder: most likely the same export
    twice (an old copy beside a new one), which would count every row twice."""
    single = data_dir / f"{name}.parquet"
    if single in files and len(files) > 1:
        return [Problem("error", name,
                        f"The {name} export is there twice: {name}.parquet and the folder {name}/ "
                        f"({len(files) - 1} Parquet file(s)) are both in {data_dir}. Reading both would count "
                        f"their rows twice. Keep one: move {name}.parquet or the {name}/ folder out of the data "
                        "folder.", file=f"{name}.parquet")]
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
    from any file, a warning when a mapped optional one is in none (the export is used without it). Returns the
    problems and the columns found (contract name -> name in the files)."""
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
                                    f'{MAPPING_FILE}: the line [columns.{name}] {col.name} = "{source}" names a column '
                                    f"that no {name} file has; the optional column {col.name} is treated as absent. "
                                    f"Fix the name on that line or remove the line.",
                                    column=col.name, file=MAPPING_FILE))
    return problems, mapped


def _check_partitions(data_dir: Path, spec: ExportSpec, files: list[Path], file_columns: dict[Path, set[str]],
                      mapped: dict[str, str]) -> list[Problem]:
    """Folder names are never read as columns (Hive partitioning is off: every contract column comes from the
    files). A warning names a folder ``key=value`` whose key is a column of the files or of the contract, which a
    Hive reader would have taken over the files' values."""
    columns = ({c for cols in file_columns.values() for c in cols} | {c.name for c in spec.columns}
               | set(mapped.values()))
    folders: dict[str, str] = {}
    for path in files:
        for depth, part in enumerate(path.relative_to(data_dir).parts[:-1]):
            key = part.split("=", 1)[0]
            if "=" in part and key in columns:
                folders.setdefault(key, str(Path(*path.relative_to(data_dir).parts[:depth + 1])))
    return [Problem("warning", spec.name,
                    f"The folder {folder}/ is named like a Hive partition of the column '{key}', which the files hold "
                    f"too. Folder names are not read as columns: '{key}' is taken from the files. Rename the folder "
                    "if that is not what you meant.", column=key, file=folder)
            for key, folder in folders.items()]


def _create_raw_view(con: duckdb.DuckDBPyConnection, name: str, files: list[Path]) -> dict[str, str]:
    """Create ``raw_NAME`` over every file of the export (columns matched by name, the file of each row in
    ``filename``; folder names are not read as columns, so Hive and plain folders mix); returns its types."""
    raw = con.read_parquet([ro_path(p.resolve()) for p in files], union_by_name=True, hive_partitioning=False,
                           filename=True)
    raw.create_view(f"raw_{name}")
    view = con.table(f"raw_{name}")
    return {column: str(dtype) for column, dtype in zip(view.columns, view.dtypes, strict=True)}


def _normalised_columns(con: duckdb.DuckDBPyConnection, spec: ExportSpec, mapped: dict[str, str],
                        types: dict[str, str], timezone: str) -> tuple[list[Problem], list[str]]:
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
        select_list.append(f"{_normalise(col, quote_identifier(source), types[source], timezone)} as {col.name}")
    return problems, select_list


def _check_pages(con: duckdb.DuckDBPyConnection, data_dir: Path, spec: ExportSpec, files: list[Path],
                 file_columns: dict[Path, set[str]], mapped: dict[str, str]) -> list[Problem]:
    """Decode every data page of the contract columns once (a hash of every value: the footer alone proves
    nothing about the pages). An error names each file whose pages cannot be read (a flipped byte in a compressed
    page, a column chunk that lives in another file), so that no query fails on it later."""
    try:
        con.table(f"{spec.name}_all").aggregate("max(hash(columns(*)))").fetchall()
        return []
    except duckdb.Error as whole:
        failure = whole
    problems: list[Problem] = []
    for path in files:
        present = [quote_identifier(c) for c in mapped.values() if c in file_columns[path]]
        try:
            (con.read_parquet(ro_path(path.resolve()), hive_partitioning=False)
             .aggregate(", ".join(f"max(hash({c}))" for c in present)).fetchall())
        except duckdb.Error as exc:
            shown = _relative(data_dir, path)
            problems.append(Problem("error", spec.name,
                                    f"{shown} is damaged: its data cannot be read ({_reason(exc)}). Re-export the "
                                    "file, or move it out of the data folder.", file=shown))
    if not problems:
        problems.append(Problem("error", spec.name,
                                f"The {spec.name} export cannot be read ({_reason(failure)}). Re-export it.",
                                file=spec.name))
    return problems


def finish_export(con: duckdb.DuckDBPyConnection, spec: ExportSpec, scope: Scope, cache_dir: Path | None) -> None:
    """Create ``NAME``, what every query reads: ``NAME_all`` without what no figure may use (the Data health page
    counts each from ``NAME_all``, :mod:`analytics.health`):

    - transactions: rows dated after ``scope.as_of``, rows whose amount is not finite or not below
      ``scope.amount_bound`` (a null amount stays: the null-key check counts it); a gross_margin that is not
      finite or not below MONEY_LIMIT becomes null (the margin % setting applies);
    - marketing_spend: rows whose spend is not finite, negative or not below MONEY_LIMIT;
    - touchpoints / leads: rows dated after ``scope.as_of``; a touch's cost that is not finite, negative or not
      below MONEY_LIMIT becomes null;
    - customers: an acquisition_cost that is not finite, negative or not below MONEY_LIMIT becomes null; when the
      as-of date was asked for, customers who signed up after it are left out; then one row per customer_id
      (:func:`_create_deduplicated`).

    The as-of date and the bound go in as DuckDB constants (the expression API), never as SQL text.
    """
    name = spec.name
    rows = con.table(f"{name}_all")
    if name == "transactions":
        day, amount = ColumnExpression("transaction_date"), ColumnExpression("amount")
        keep = amount.isnull() | (_finite(amount) & (_abs(amount) < ConstantExpression(scope.amount_bound)))
        # No as-of date (no transaction dated up to today): no transaction can be used.
        keep = keep & ((day.isnull() | (day <= ConstantExpression(scope.as_of))) if scope.as_of is not None
                       else ConstantExpression(False))
        rows = rows.filter(keep).project(*_sanitised(spec, "gross_margin", allow_negative=True))
    elif name == "marketing_spend":
        spend = ColumnExpression("spend")
        rows = rows.filter(spend.isnull() | _valid_money(spend, allow_negative=False))
    elif name in ("touchpoints", "leads"):
        # Touches and leads dated after the as-of date are not yet history; a cost that is not a finite,
        # non-negative amount below MONEY_LIMIT becomes null (the Data health page counts both).
        day = ColumnExpression("touch_date" if name == "touchpoints" else "created_date")
        if scope.as_of is not None:
            rows = rows.filter(day.isnull() | (day <= ConstantExpression(scope.as_of)))
        if name == "touchpoints":
            rows = rows.project(*_sanitised(spec, "cost", allow_negative=False))
    if spec.unique_key is None:
        rows.create_view(name)
        return
    if name == "customers":
        rows = rows.project(*_sanitised(spec, "acquisition_cost", allow_negative=False))
        if scope.signed_up_by is not None:
            rows = rows.filter(ColumnExpression("signup_date") <= ConstantExpression(scope.signed_up_by))
    rows.create_view(f"{name}_sanitised")
    _create_deduplicated(con, spec, spec.unique_key, f"{name}_sanitised", cache_dir)


def _finite(expr: Expression) -> Expression:
    return FunctionExpression("isfinite", expr)


def _abs(expr: Expression) -> Expression:
    return FunctionExpression("abs", expr)


def _valid_money(expr: Expression, allow_negative: bool) -> Expression:
    valid = _finite(expr) & (_abs(expr) < ConstantExpression(MONEY_LIMIT))
    return valid if allow_negative else valid & (expr >= ConstantExpression(0.0))


def _sanitised(spec: ExportSpec, column: str, allow_negative: bool) -> list[Expression]:
    """Every column of the export, ``column`` set to null where it is not valid money."""
    from duckdb import CaseExpression
    out: list[Expression] = []
    for col in spec.columns:
        expr = ColumnExpression(col.name)
        if col.name == column:
            expr = CaseExpression(_valid_money(expr, allow_negative), expr).otherwise(
                ConstantExpression(None).cast(duckdb.sqltype("DOUBLE"))).alias(col.name)
        out.append(expr)
    return out


def _create_deduplicated(con: duckdb.DuckDBPyConnection, spec: ExportSpec, key: str, rows: str,
                         cache_dir: Path | None) -> None:
    """Create ``NAME``: one row per unique key of the view ``rows`` with an integer surrogate key, or a view of the
    copy in the rollup cache that an earlier process saved."""
    name = spec.name
    # NAME_all keeps every row (the duplicate check reads it); NAME keeps one row per key, the earliest by the
    # first date column, so that duplicated rows cannot double-count anything downstream.
    order = next(c.name for c in spec.columns if c.kind == "date")
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
        forget_saved(saved.parent)
    # customer_key: 1..n, what the rollup joins on (an integer join is cheaper than text). In no particular
    # order: numbering in customer_id order doubled the cost of this table (a sort of every id).
    surrogate = key.removesuffix("_id") + "_key"
    ranked = (con.table(rows).filter(f"{key} is not null and {order} is not null")
              .project(f"*, row_number() over (partition by {key} order by {order}, {key}) as row_rank"))
    (ranked.filter("row_rank = 1")
     .project(f"* exclude (row_rank), cast(row_number() over () as integer) as {surrogate}")
     .create(name))


def _normalise(col: ColumnSpec, ident: str, duckdb_type: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The SQL expression of a column normalised to its kind. ``timezone`` was checked against DuckDB's list of
    time zone names (:func:`check_timezone`), so it is one of those names, never free text.

    >>> _normalise(ColumnSpec("d", "date", True, ""), '"d"', "TIMESTAMP WITH TIME ZONE", "Asia/Tokyo")
    'cast(timezone(\\'Asia/Tokyo\\', "d") as date)'
    """
    base = _base_type(duckdb_type)
    if col.kind == "id":
        return f"cast({ident} as varchar)"
    if col.kind == "date":
        if duckdb_type.upper() in _ZONED_TYPES:
            # A zoned instant becomes a calendar date in the data's time zone, whatever the server's TZ.
            return f"cast(timezone('{timezone}', {ident}) as date)"
        return f"cast({ident} as date)" if base != "VARCHAR" else f"cast(cast({ident} as timestamp) as date)"
    if col.kind == "number":
        return f"cast({ident} as double)"
    if col.keep_null:
        return f"nullif(trim(cast({ident} as varchar)), '')"
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
    try:
        rows = (con.table(f"raw_{export}").filter(f"{ident} is not null and try_cast({ident} as {target}) is null")
                .project(f"filename, {ident} as value, count(*) over () as n").limit(3).fetchall())
    except duckdb.Error:
        return None  # a damaged page: the page check names the file (_check_pages)
    if not rows:
        return None
    examples = ", ".join(repr(r[1]) for r in rows)
    wanted = "dates (YYYY-MM-DD)" if col.kind == "date" else "numbers"
    return Problem("error", export,
                   f"Column {label} holds text that cannot be read as {wanted}: {rows[0][2]} value(s), e.g. "
                   f"{examples} in {Path(rows[0][0]).name}. Fix those values or re-export the column with a "
                   f"{'date' if col.kind == 'date' else 'numeric'} type.",
                   column=col.name, file=Path(rows[0][0]).name)
