"""Fault injection: hostile data folders, each generated in the test from one small seeded export (2,000
customers, ``sample_data.generate`` seed 7), run through the headless export as a user would.

One case per class of the "Guard the numbers" issue and per class handled before it. Each asserts either exit
status 2 with a message naming the file / column and what to do, or exit 0 with the Data health row and sound
figures (every number in every CSV finite and below 1e13; the Overview's tiles and sentences free of NaN, inf
and 300-digit numbers); never a traceback; the data folder byte-for-byte unchanged. Where the hostile rows are
left out by design, the figures must equal the clean export's (or the clean export without those rows).
The export runs in-process (``report.export.main``); in a subprocess only where the process environment is the
point (the server's time zone).
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.executive import executive_summary, headline_sentences
from analytics.filters import Filters
from queries import DataSource
from report.export import main as export_main
from sample_data.generate import generate
from tests.conftest import ROOT
from ui.kpi_format import format_change, format_value

TODAY = "2026-01-15"  # the generated data ends on 2025-12-31; "today" is pinned so no test reads the calendar
#: Tables whose figures must equal the clean export's when the hostile rows are left out by design.
FIGURES = ("activity_by_period.csv", "cohort_retention.csv", "revenue_mix.csv", "clv_cac.csv", "value_curve.csv",
           "survival_summary.csv", "revenue_concentration.csv")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("base")
    generate(2000, seed=7, out=folder, progress=False)
    return folder


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RETENTION_TODAY", TODAY)
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache"))


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    out: Path

    def table(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.out / name, infer_schema_length=None)

    def health_row(self, check: str, export: str | None = None) -> dict[str, object]:
        rows = self.table("data_health.csv").filter(pl.col("check") == check)
        if export is not None:
            rows = rows.filter(pl.col("export") == export)
        assert rows.height >= 1, self.table("data_health.csv")
        return rows.row(0, named=True)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (links not followed) with the SHA-256 of its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = os.fsencode(str(path.relative_to(folder))).hex()
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "dir"
    return found


@pytest.fixture
def export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the headless export on a folder in-process; assert no traceback and the folder unchanged."""
    counter = iter(range(100))

    def run(folder: Path, *args: str) -> Run:
        before = snapshot(folder)
        out = tmp_path / f"out{next(counter)}"
        try:
            status = export_main(["--data", str(folder), "--out", str(out), *args])
        except SystemExit as exc:  # argparse
            status = int(exc.code or 0)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        assert snapshot(folder) == before, "the data folder changed"
        return Run(status, captured.out, captured.err, out)

    return run


@pytest.fixture(scope="module")
def clean(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clean export's tables (the figures hostile folders are compared with)."""
    out = tmp_path_factory.mktemp("clean-out")
    os.environ["RETENTION_TODAY"] = TODAY
    try:
        assert export_main(["--data", str(base), "--out", str(out)]) == 0
    finally:
        os.environ.pop("RETENTION_TODAY", None)
    return out


def copy_of(base: Path, tmp_path: Path, name: str = "data") -> Path:
    folder = tmp_path / name
    shutil.copytree(base, folder)
    return folder


def read(folder: Path, export: str) -> pl.DataFrame:
    return pl.read_parquet(folder / f"{export}.parquet")


def assert_sound(run: Run) -> None:
    """Every number of every CSV finite and below 1e13 in size; no 'nan' or 'inf' written as text."""
    for path in sorted(run.out.glob("*.csv")):
        frame = pl.read_csv(path, infer_schema_length=None)
        for name, dtype in frame.schema.items():
            column = frame[name].drop_nulls()
            if dtype.is_numeric():
                values = column.cast(pl.Float64).to_list()
                assert all(math.isfinite(v) and abs(v) < 1e13 for v in values), (path.name, name)
            elif dtype == pl.String and name != "message":
                assert not column.str.to_lowercase().is_in(["nan", "inf", "-inf", "infinity"]).any(), (path.name,
                                                                                                       name)


def assert_overview_sound(folder: Path, as_of: date | None = None) -> None:
    """The Overview's tiles and sentences as shown: no NaN, inf or absurdly long number."""
    source = DataSource.open(folder, as_of=as_of)
    try:
        summary = executive_summary(source, Filters())
    finally:
        source.close()
    shown = [format_value(k, k.value) for k in summary.kpis] + [format_change(k) or "" for k in summary.kpis]
    for text in shown + headline_sentences(summary):
        lowered = text.lower()
        assert "nan" not in lowered.replace("not reached", "") and "inf" not in lowered, text
        assert not any(len(word) > 15 for word in text.replace(",", "").split() if word[:1].isdigit()), text


def assert_same_figures(run: Run, expected: Path) -> None:
    for name in FIGURES:
        assert (run.out / name).read_bytes() == (expected / name).read_bytes(), name


def expected_without(base: Path, tmp_path: Path, export: Callable[..., Run],
                     keep: Callable[[pl.DataFrame], pl.DataFrame]) -> Path:
    """The clean export of the base data with the transactions ``keep`` leaves."""
    folder = copy_of(base, tmp_path, "expected")
    keep(read(base, "transactions")).write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 0
    return run.out


# ------------------------------------------------------------------------------------- silently wrong numbers
def test_a_transaction_in_2099_is_left_out_and_counted(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions")
    future = tx.head(1).with_columns(transaction_id=pl.lit("T-FUTURE"), transaction_date=pl.lit(date(2099, 1, 1)))
    pl.concat([tx, future]).write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 0
    row = run.health_row("transactions after as-of")
    assert (row["level"], row["affected"]) == ("warning", 1)
    assert "2025-12-31" in str(row["message"]) and "future" in str(row["message"])
    assert run.table("data_coverage.csv").filter(pl.col("export") == "transactions")["last_date"][0] == "2025-12-31"
    assert_same_figures(run, clean)
    assert_sound(run)
    assert_overview_sound(folder)


def test_an_as_of_date_can_be_asked_for(base, tmp_path, export):
    run = export(base, "--as-of", "2024-06-30")
    assert run.status == 0
    periods = run.table("activity_by_period.csv")
    assert periods["period"].max() == "2024-06-01" and periods["is_complete"].all()
    row = run.health_row("transactions after as-of")
    assert row["level"] == "info" and int(row["affected"]) > 0
    assert export(base, "--as-of", "June").status == 2  # argparse: the flag's message, no traceback


def test_non_finite_and_absurd_amounts_are_left_out_row_by_row(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions")
    amounts = tx["amount"].to_list()
    amounts[10], amounts[20], amounts[30], amounts[40] = math.nan, math.inf, -math.inf, 1e300
    tx.with_columns(amount=pl.Series(amounts)).write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 0
    assert (run.health_row("non-finite amount")["level"], run.health_row("non-finite amount")["affected"]) == (
        "error", 3)
    assert run.health_row("implausible amount")["affected"] == 1
    assert "left out of every table" in run.stderr
    assert_sound(run)
    assert_overview_sound(folder)
    # The same figures as the data without those four rows.
    expected = expected_without(base, tmp_path, export,
                                lambda t: t.filter(~pl.int_range(pl.len()).is_in([10, 20, 30, 40])))
    assert_same_figures(run, expected)


def test_an_amount_a_thousand_times_the_usual_is_flagged(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions")
    # 1,000 x the 99.9th percentile of |amount| is ~4 million here (hand check below); 5e9 is far beyond it.
    p999 = tx["amount"].abs().quantile(0.999, interpolation="lower")
    assert p999 is not None and 1_000 < p999 < 10_000
    tx.with_columns(amount=pl.when(pl.int_range(pl.len()) == 5).then(5e9).otherwise(pl.col("amount"))).write_parquet(
        folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 0
    row = run.health_row("implausible amount")
    assert row["affected"] == 1 and "99.9th percentile" in str(row["message"])
    assert_sound(run)
    assert_same_figures(run, expected_without(base, tmp_path, export, lambda t: t.filter(pl.int_range(pl.len()) != 5)))


def test_text_nan_and_inf_amounts(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions").with_columns(pl.col("amount").cast(pl.String))
    amounts = tx["amount"].to_list()
    amounts[3], amounts[4] = "NaN", "inf"
    tx.with_columns(amount=pl.Series(amounts)).write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 0
    assert run.health_row("non-finite amount")["affected"] == 2
    assert_sound(run)


def test_bad_spend_and_acquisition_costs(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    spend = read(base, "marketing_spend")
    values = spend["spend"].to_list()
    values[0], values[1] = math.nan, -5000.0
    spend.with_columns(spend=pl.Series(values)).write_parquet(folder / "marketing_spend.parquet")
    customers = read(base, "customers")
    costs = customers["acquisition_cost"].to_list()
    costs[1] = math.inf
    customers.with_columns(acquisition_cost=pl.Series(costs)).write_parquet(folder / "customers.parquet")
    run = export(folder)
    assert run.status == 0
    assert run.health_row("invalid spend")["affected"] == 2
    assert run.health_row("invalid acquisition_cost")["affected"] == 1
    assert_sound(run)
    assert_overview_sound(folder)


def test_the_same_export_as_a_file_and_a_folder_is_refused(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    (folder / "transactions").mkdir()
    shutil.copy(folder / "transactions.parquet", folder / "transactions" / "part-0.parquet")
    run = export(folder)
    assert run.status == 2
    assert "transactions.parquet and the folder transactions/" in run.stderr and "Keep one" in run.stderr


def test_a_hive_folder_named_after_a_column_does_not_override_it(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    (folder / "transactions.parquet").unlink()
    (folder / "transactions" / "amount=1000000").mkdir(parents=True)
    shutil.copy(base / "transactions.parquet", folder / "transactions" / "amount=1000000" / "part-0.parquet")
    run = export(folder)
    assert run.status == 0
    row = run.health_row("load", "transactions")
    assert row["level"] == "warning" and "transactions/amount=1000000/" in str(row["message"])
    assert_same_figures(run, clean)


def test_zoned_timestamps_give_the_same_figures_whatever_the_server_time_zone(base, tmp_path):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions").with_columns(
        transaction_date=pl.col("transaction_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        + pl.duration(hours=20))
    tx.write_parquet(folder / "transactions.parquet")
    (folder / "retention.toml").write_text('timezone = "Asia/Tokyo"\n')
    outputs = []
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        out = tmp_path / f"out-{zone.replace('/', '-')}"
        env = os.environ | {"TZ": zone, "RETENTION_TODAY": TODAY, "RETENTION_CACHE_DIR": str(tmp_path / zone[:3])}
        done = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(folder), "--out", str(out)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        outputs.append({name: (out / name).read_bytes() for name in FIGURES})
    assert outputs[0] == outputs[1] == outputs[2]
    # 20:00 UTC is 05:00 the next day in Tokyo: every transaction moves one day later than its UTC date.
    periods = pl.read_csv(tmp_path / "out-UTC" / "activity_by_period.csv")
    assert periods["period"].max() == "2026-01-01"


def test_a_rewritten_file_of_the_same_size_and_mtime_is_a_new_version(tmp_path, export):
    folder = tmp_path / "data"
    folder.mkdir()
    pl.DataFrame({"customer_id": ["a", "b"], "signup_date": [date(2024, 1, 1)] * 2}).write_parquet(
        folder / "customers.parquet")
    path = folder / "transactions.parquet"

    def write(amounts: list[float]) -> None:
        pl.DataFrame({"customer_id": ["a", "b"], "transaction_date": [date(2024, 1, 5)] * 2,
                      "amount": amounts}).write_parquet(path, compression="uncompressed", statistics=True)

    write([10.0, 20.0])
    stat = path.stat()
    first = export(folder)
    assert first.table("activity_by_period.csv")["revenue"].to_list() == [30.0]
    write([10.0, 50.0])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    second = export(folder)
    assert second.table("activity_by_period.csv")["revenue"].to_list() == [60.0]  # not the cached 30


# --------------------------------------------------------------------------------------- the app kept running
def test_a_mapped_optional_column_that_is_missing_is_a_warning(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    (folder / "retention.toml").write_text('[columns.transactions]\ngross_margin = "no_such_col"\n')
    run = export(folder)
    assert run.status == 0
    row = run.health_row("load", "transactions")
    assert '[columns.transactions] gross_margin = "no_such_col"' in str(row["message"])
    assert_same_figures(run, clean)


def test_exports_linked_outside_the_data_folder_are_read(base, clean, tmp_path, export):
    store = copy_of(base, tmp_path, "annex")
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("customers", "transactions", "marketing_spend"):
        (folder / f"{name}.parquet").symlink_to(store / f"{name}.parquet")
    run = export(folder)
    assert run.status == 0
    assert_same_figures(run, clean)


def test_hive_and_plain_folders_mixed(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions")
    (folder / "transactions.parquet").unlink()
    (folder / "transactions" / "year=2022").mkdir(parents=True)
    tx.filter(pl.col("transaction_date").dt.year() == 2022).write_parquet(
        folder / "transactions" / "year=2022" / "part-0.parquet")
    tx.filter(pl.col("transaction_date").dt.year() != 2022).write_parquet(folder / "transactions" / "later.parquet")
    run = export(folder)
    assert run.status == 0
    assert_same_figures(run, clean)


def test_a_file_name_that_is_not_text_is_skipped_with_a_warning(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    tx = read(base, "transactions")
    (folder / "transactions.parquet").unlink()
    (folder / "transactions").mkdir()
    tx.write_parquet(folder / "transactions" / "part-0.parquet")
    tx.head(50).write_parquet(folder / "transactions" / "part-1.parquet")
    os.rename(os.fsencode(str(folder / "transactions" / "part-1.parquet")),
              os.fsencode(str(folder / "transactions")) + b"/caf\xe9.parquet")  # a Latin-1 name, not UTF-8
    run = export(folder)
    assert run.status == 0
    row = run.health_row("load", "transactions")
    assert "caf\\xe9.parquet" in str(row["message"]) and "skipped" in str(row["message"])
    assert run.table("data_coverage.csv").filter(pl.col("export") == "transactions")["rows"][0] == tx.height


def _damage_a_page(path: Path, column: str) -> None:
    """Overwrite 64 bytes in the middle of ``column``'s first data page (compressed: the page cannot decode)."""
    meta = pq.ParquetFile(path).metadata
    chunk = next(meta.row_group(0).column(i) for i in range(meta.num_columns)
                 if meta.row_group(0).column(i).path_in_schema == column)
    start = chunk.data_page_offset + chunk.total_compressed_size // 3
    data = bytearray(path.read_bytes())
    data[start:start + 64] = bytes([0xFF]) * 64
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("compression", ["snappy", "zstd"])
def test_a_damaged_data_page_is_an_error_naming_the_file(base, tmp_path, export, compression):
    import duckdb
    folder = copy_of(base, tmp_path)
    target = folder / "transactions.parquet"
    pq.write_table(pq.read_table(base / "transactions.parquet"), target, compression=compression)
    _damage_a_page(target, "customer_id")
    with pytest.raises(duckdb.Error):  # the damage is real: reading it plainly fails
        duckdb.sql("select max(hash(customer_id)) from read_parquet($p)", params={"p": str(target)}).fetchall()
    run = export(folder)
    assert run.status == 2
    assert "transactions.parquet is damaged" in run.stderr and "Re-export the file" in run.stderr
    assert (run.out / "data_health.csv").is_file()


def test_a_column_chunk_in_another_file_is_an_error(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    table = pq.read_table(base / "transactions.parquet")
    target = folder / "transactions.parquet"
    # A footer whose column chunks point into another file (Parquet's file_path), which is not there.
    pq.write_table(table, target)
    meta = pq.ParquetFile(target).metadata
    meta.set_file_path("elsewhere.parquet")
    body = target.read_bytes()
    footer_length = int.from_bytes(body[-8:-4], "little")
    sink = pa.BufferOutputStream()
    meta.write_metadata_file(sink)
    new_footer = sink.getvalue().to_pybytes()[4:]  # "PAR1" + footer + length + "PAR1": drop the leading magic
    target.write_bytes(body[:-8 - footer_length] + new_footer)
    run = export(folder)
    assert run.status == 2
    assert "transactions.parquet" in run.stderr and ("damaged" in run.stderr or "cannot be read" in run.stderr)


def test_a_damaged_rollup_copy_is_rebuilt_with_a_notice(base, clean, tmp_path, export):
    first = export(base)
    cache = tmp_path / "cache"
    (saved,) = cache.glob("*/rollup.duckdb")
    assert (saved.parent / "complete").is_file()
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0xFF
    saved.write_bytes(bytes(data))
    second = export(base)
    assert second.status == 0
    row = second.health_row("load", "rollup cache")
    assert row["level"] == "warning" and "rebuilt" in str(row["message"])
    assert_same_figures(second, first.out)
    third = export(base)  # saved again, and this time loaded without a notice
    assert third.table("data_health.csv").filter(pl.col("export") == "rollup cache").height == 0


# --------------------------------------------------------------------------- classes handled before the issue
def test_missing_export(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    (folder / "customers.parquet").unlink()
    run = export(folder)
    assert run.status == 2 and "The required customers export is missing" in run.stderr


def test_missing_column(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    read(base, "transactions").drop("amount").write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 2
    assert "Required column 'amount' is missing from transactions.parquet" in run.stderr
    assert '[columns.transactions] amount = "your_column_name"' in run.stderr


def test_wrong_type(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    read(base, "customers").with_columns(signup_date=pl.lit(1.5)).write_parquet(folder / "customers.parquet")
    run = export(folder)
    assert run.status == 2 and "customers.signup_date has type DOUBLE" in run.stderr


def test_truncated_file(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    body = (folder / "transactions.parquet").read_bytes()
    (folder / "transactions.parquet").write_bytes(body[: len(body) // 2])
    run = export(folder)
    assert run.status == 2 and "transactions.parquet cannot be read as Parquet" in run.stderr


def test_empty_export(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    read(base, "transactions").clear().write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 2 and "has no rows" in run.stderr


def test_every_transaction_in_the_future(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    read(base, "transactions").with_columns(pl.col("transaction_date").dt.offset_by("80y")).write_parquet(
        folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 2 and "dated after today (2026-01-15)" in run.stderr and "--as-of" in run.stderr


def test_duplicates_orphans_and_refunds_are_flagged(base, tmp_path, export):
    folder = copy_of(base, tmp_path)
    customers = read(base, "customers")
    pl.concat([customers, customers.head(3)]).write_parquet(folder / "customers.parquet")
    tx = read(base, "transactions")
    orphan = tx.head(2).with_columns(customer_id=pl.lit("NOBODY"), transaction_id=pl.Series(["X1", "X2"]))
    pl.concat([tx, tx.head(4), orphan]).write_parquet(folder / "transactions.parquet")
    run = export(folder)
    assert run.status == 0
    assert run.health_row("duplicate customer_id")["affected"] == 3
    assert run.health_row("duplicate transaction_id")["affected"] == 4
    assert run.health_row("unknown customer")["affected"] == 2
    refunds = run.health_row("negative amounts")
    assert refunds["level"] == "info" and int(refunds["affected"]) == tx.filter(pl.col("amount") < 0).height
    assert_sound(run)


def test_zoned_dates_by_hand(tmp_path):
    """A transaction at 2024-01-31 20:00 UTC is on 2024-02-01 in Tokyo and on 2024-01-31 in UTC (default)."""
    folder = tmp_path / "data"
    folder.mkdir()
    pl.DataFrame({"customer_id": ["a"], "signup_date": [date(2024, 1, 1)]}).write_parquet(folder / "customers.parquet")
    stamp = datetime(2024, 1, 31, 20, 0, tzinfo=UTC)
    pl.DataFrame({"customer_id": ["a"], "transaction_date": [stamp], "amount": [5.0]}).write_parquet(
        folder / "transactions.parquet")
    source = DataSource.open(folder, today=date(2025, 1, 1))
    assert source.as_of == date(2024, 1, 31) and source.timezone == "UTC"
    source.close()
    (folder / "retention.toml").write_text('timezone = "asia/tokyo"\n')
    source = DataSource.open(folder, today=date(2025, 1, 1))
    assert source.as_of == date(2024, 2, 1) and source.timezone == "Asia/Tokyo"
    source.close()
    (folder / "retention.toml").write_text('timezone = "Mars/Olympus"\n')
    source = DataSource.open(folder, today=date(2025, 1, 1))
    assert source.timezone == "UTC" and any("Mars/Olympus" in p.message for p in source.problems)
    source.close()



def test_a_table_that_fails_is_named_without_a_traceback(base, export, monkeypatch):
    import report.export as export_module

    def broken(source, settings):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(export_module.TABLES, "revenue_mix.csv", broken)
    run = export(base)
    assert run.status == 2
    assert "revenue_mix.csv could not be computed (ZeroDivisionError: division by zero)" in run.stderr
    assert (run.out / "cohort_retention.csv").is_file() and not (run.out / "revenue_mix.csv").exists()


# ------------------------------------------------------------------------------------- the retention process
def test_hostile_touchpoints_are_counted_and_leave_every_other_figure_alone(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    touches = read(base, "touchpoints")
    first = read(base, "customers").row(0, named=True)
    hostile = pl.DataFrame({
        "customer_id": ["NOBODY", first["customer_id"], first["customer_id"], first["customer_id"],
                        first["customer_id"]],
        "touch_date": [date(2023, 5, 1), date(2000, 1, 1), date(2099, 1, 1), date(2023, 5, 2), date(2023, 5, 3)],
        "touchpoint": ["welcome_call", "welcome_call", "offer", None, "offer"],
        "outcome": [None, None, "accepted", None, "   "],
        "cost": [math.nan, -5.0, math.inf, 1e300, 3.0],
    }, schema=touches.schema)
    pl.concat([touches, hostile]).write_parquet(folder / "touchpoints.parquet")
    run = export(folder)
    assert run.status == 0, run.stderr
    assert run.health_row("unknown customer", "touchpoints")["affected"] == 1
    assert run.health_row("before signup", "touchpoints")["affected"] == 1
    # NaN, -5 and 1e300 (inf is on the 2099 row, left out with it: after the as-of date).
    assert run.health_row("invalid cost", "touchpoints")["affected"] == 4
    assert_sound(run)
    assert_same_figures(run, clean)
    # The offer without an outcome ("   ") and the one in 2099 are not offers with an outcome.
    assert run.table("offer_conversion.csv").equals(pl.read_csv(clean / "offer_conversion.csv",
                                                                infer_schema_length=None))


def test_touchpoints_without_a_required_column_are_refused_by_name(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    read(base, "touchpoints").drop("touchpoint").write_parquet(folder / "touchpoints.parquet")
    run = export(folder)
    assert run.status == 2
    assert "touchpoints" in run.stderr and "touchpoint" in run.stderr and "retention.toml" in run.stderr
    # Everything that does not need the touchpoints is written, with the clean figures.
    assert_same_figures(run, clean)
    assert (run.out / "lifecycle.csv").exists()


def test_leads_naming_unknown_customers_and_duplicate_lead_ids(base, clean, tmp_path, export):
    folder = copy_of(base, tmp_path)
    leads = read(base, "leads")
    extra = pl.DataFrame({"lead_id": [leads["lead_id"][0], "LX1"], "created_date": [date(2024, 1, 1)] * 2,
                          "channel": ["organic", None], "customer_id": [None, "NOBODY"]}, schema=leads.schema)
    pl.concat([leads, extra]).write_parquet(folder / "leads.parquet")
    run = export(folder)
    assert run.status == 0, run.stderr
    assert run.health_row("unknown customer", "leads")["affected"] == 1
    totals = run.table("offer_conversion.csv").filter(pl.col("period").is_null() & (pl.col("audience") == "leads"))
    clean_totals = pl.read_csv(clean / "offer_conversion.csv").filter(
        pl.col("period").is_null() & (pl.col("audience") == "leads"))
    # The repeated lead_id counts once; LX1 is a new, converted lead.
    assert totals["offers"][0] == clean_totals["offers"][0] + 1
    assert totals["accepted"][0] == clean_totals["accepted"][0] + 1
    assert_sound(run)
