"""The read path of a prebuilt rollup (``--rollup DIR``): its Parquet tables as the app's rollup; no transactions.

A rollup built by ``python -m analytics rollup`` (:mod:`queries.rollup_build`, on DuckDB or Spark) holds every table
that reads the transactions. :func:`register` makes its tables the ones queries/rollup.sql would have built
(``customer_groups``, ``customer_index``, ``customer_months``, ``customer_activity``, ``cohort_months``, the same
columns in the same order), views of its Parquet files read in place through the read-only file system, plus
``customer_weeks`` for the week grain (as queries/rollup.sql builds it) and ``prebuilt_health_counts`` for Data health.
The macros of rollup.sql are created over them unchanged.

What a figure needs and the rollup does not hold (a window that starts or ends mid-month or mid-week, a check of
individual transactions) is never answered with a different number: ``transactions`` is a view that stops any query
reading it with :data:`NEEDS_TRANSACTIONS` (DuckDB's ``error()``, raised only when a row is read: branches of the
rollup's macros that the arguments rule out are folded away and never read it), which queries/runner.py turns into
a :class:`queries.problems.DataUnavailable` with :func:`needs_transactions_message`.

The customers come from the data folder (their churn dates and acquisition costs are not in the rollup) with the
rollup's customer_key: :func:`rekey_customers` (the app numbers its customers in no particular order, the build in
customer_id order).

Where the folder comes from (:func:`configured_rollup_dir`): ``--rollup DIR``, else the ``RETENTION_ROLLUP_DIR``
environment variable, else ``rollup_dir`` in the data folder's retention.toml (relative to the data folder).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import duckdb

from queries.contract import MAPPING_FILE
from queries.problems import Problem
from queries.readonly import ro_path
from queries.rollup_build import RollupRefused, rebuild_command
from queries.sql import QUERY_DIR, load_sql

ROLLUP_ENV = "RETENTION_ROLLUP_DIR"
#: The text DuckDB's error() raises when a query reads the transactions of a prebuilt rollup's data source.
NEEDS_TRANSACTIONS = "needs-transactions: a prebuilt rollup holds no individual transactions"
#: The columns of each table as queries/rollup.sql creates them (the prebuilt ones carry month_key and the like
#: besides, which no query reads), in that order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_groups": ("combo", "segment", "channel", "region"),
    "customer_index": ("customer_id", "customer_key", "signup_date", "combo"),
    "customer_months": ("customer_key", "month", "signup_date", "combo", "revenue", "known_margin",
                        "revenue_without_margin", "transactions", "positive", "last_positive_date",
                        "first_positive_value", "positive_days", "first_positive_date", "positive_spend"),
    "customer_activity": ("customer_key", "last_positive_date", "first_positive_value", "previous_positive_date"),
    "cohort_months": ("cohort", "period", "combo", "active_customers", "revenue", "known_margin",
                      "revenue_without_margin"),
    "customer_weeks": ("customer_key", "week", "signup_date", "combo", "revenue", "known_margin",
                       "revenue_without_margin", "transactions", "positive"),
}
#: Queries answered otherwise from a prebuilt rollup: ``prebuilt_NAME.sql`` stands for ``NAME.sql`` (same result).
PREBUILT_ANSWERS = frozenset(p.stem.removeprefix("prebuilt_") for p in QUERY_DIR.glob("prebuilt_*.sql")) - {
    "periods", "health_counts"}
#: The transactions view's columns and types (as queries/validation.py registers them), so that every query binds.
_TRANSACTION_COLUMNS = (("customer_id", "varchar"), ("transaction_date", "date"), ("amount", "double"),
                        ("transaction_id", "varchar"), ("gross_margin", "double"))


def configured_rollup_dir(data_dir: Path, flag: Path | str | None = None) -> tuple[Path | None, list[Problem]]:
    """The prebuilt rollup folder to read, or None (read the transactions): ``flag`` (``--rollup DIR``), else
    ``RETENTION_ROLLUP_DIR``, else ``rollup_dir`` in ``data_dir``'s retention.toml (a relative path is taken from the
    data folder); with the warnings about a ``rollup_dir`` setting that cannot be used."""
    if flag is not None and str(flag).strip():
        return Path(flag).expanduser().resolve(), []
    env = os.environ.get(ROLLUP_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve(), []
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return None, []
    try:
        value = tomllib.loads(path.read_text()).get("rollup_dir")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None, []  # queries/validation.py reports an unreadable retention.toml
    if value is None:
        return None, []
    if not isinstance(value, str) or not value.strip():
        return None, [Problem("warning", MAPPING_FILE, f"{path}: rollup_dir = {value!r} is not a folder name: the "
                              "transactions are read instead. Write rollup_dir = \"/path/to/rollup\" or remove the "
                              "line.", column="rollup_dir", file=str(path))]
    return (data_dir / Path(value).expanduser()).resolve(), []


def table_files(rollup_dir: Path, name: str) -> list[Path]:
    """The Parquet files of one table of a prebuilt rollup (``NAME/*.parquet``, as DuckDB and Spark write them);
    raises :class:`RollupRefused` when there are none."""
    files = sorted((rollup_dir / name).glob("*.parquet"))
    if not files:
        raise RollupRefused(f"The prebuilt rollup in {rollup_dir} has no {name} table ({name}/*.parquet is missing). "
                            f"Rebuild it with `{rebuild_command('DATA_DIR', rollup_dir)}`.")
    return files


def register(con: duckdb.DuckDBPyConnection, rollup_dir: Path) -> None:
    """Create the rollup's tables (views of the Parquet files) and the transactions view that refuses to be read
    (the macros come once the customers exist: :func:`create_macros`). Raises
    :class:`RollupRefused` when a table is missing, duckdb.Error when one cannot be read."""
    for name, columns in COLUMNS.items():
        files = [ro_path(p.resolve()) for p in table_files(rollup_dir, name)]
        con.read_parquet(files, hive_partitioning=False).select(*columns).create_view(name, replace=True)
    health = [ro_path(p.resolve()) for p in table_files(rollup_dir, "health_counts")]
    con.read_parquet(health, hive_partitioning=False).create_view("prebuilt_health_counts", replace=True)
    # Every column is error() too, not a constant null: the optimizer folds a filter on a constant (amount > 0 on a
    # null amount) to false and skips the scan, which answered a query with no rows instead of stopping it.
    stop = f"error('{NEEDS_TRANSACTIONS}')"
    listed = ", ".join(f"cast({stop} as {kind}) as {name}" for name, kind in _TRANSACTION_COLUMNS)
    # A view cannot hold a bound parameter: the text is this module's constant and allow-listed names, no user text.
    con.execute(f"create or replace view transactions as select {listed} from (select 1) "  # noqa: S608
                f"where {stop} is null")


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The macros of queries/rollup.sql over the registered tables; after the customers exist, which customer_churn
    reads. Their branches that read the transactions (a window cutting a month or a week) reach the view that stops
    the query (:func:`register`), which the runner turns into a notice."""
    code = "\n".join(line for line in load_sql("rollup").splitlines() if not line.lstrip().startswith("--"))
    for statement in code.split(";\n"):
        if statement.lstrip().startswith("create macro"):
            con.execute(statement.replace("create macro", "create or replace macro", 1))


def rekey_customers(con: duckdb.DuckDBPyConnection) -> None:
    """Give the data folder's de-duplicated customers the rollup's customer_key (by customer_id), then create the
    macros; a customer the rollup does not know (the exports changed after the build: Data health warns) gets no
    key and joins nothing."""
    con.execute("create or replace table customers_rekeyed as select c.* exclude (customer_key), i.customer_key "
                "from customers as c left join customer_index as i on i.customer_id = c.customer_id")
    con.execute("drop table customers")
    con.execute("alter table customers_rekeyed rename to customers")
    create_macros(con)


def needs_transactions_message(rollup_dir: Path) -> str:
    """What a page or the export says instead of a figure that needs the individual transactions."""
    return (f"This figure needs the individual transactions, which the prebuilt rollup in {rollup_dir} does not hold "
            "(it holds whole months and whole weeks per customer): a window that starts or ends inside a month (or, "
            "at week grain, inside a week), the predictive CLV models and the checks of single transactions. Pick "
            "month boundaries for the window, or open the data folder without --rollup (and without "
            f"{ROLLUP_ENV} or rollup_dir in retention.toml) to see it.")

