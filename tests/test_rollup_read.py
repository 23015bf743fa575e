"""The read path of a prebuilt rollup (``--rollup DIR``, queries/prebuilt.py): every table the export writes from
the rollup equals, byte for byte, the one written straight from the transactions; a table the rollup cannot answer
is not written, with a notice, never a different number; the transactions are never read.

Fixtures: the sample data (the export's every file; its transactions file made unreadable after the build), and
tests/rollup_fixtures.py (month ends in Tokyo time, refunds, null dimensions, a duplicated and an unknown customer, a
customer without purchases) under several settings: week grain (weeks straddling months), quarters, windows on month
boundaries and inside a month. The Spark build's export is compared in tests/test_rollup_spark.py.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics.filters import Filters
from queries import DataSource, DataUnavailable
from queries.prebuilt import NEEDS_TRANSACTIONS, configured_rollup_dir
from queries.rollup_build import RollupRefused, build_rollup
from report import export
from tests.conftest import ROOT, SMALL_CUSTOMERS, SMALL_TRANSACTIONS, figures, write_exports
from tests.rollup_fixtures import TODAY, write_naive, write_zoned

#: Tables a prebuilt rollup cannot answer on the sample data: the predictive CLV models read single purchase days
#: (clv_first_purchase_spend, clv_holdout_purchases, clv_weekly_repeat_purchases).
NEEDS_SINGLE_TRANSACTIONS = {"clv_model.csv", "customer_scores.csv", "clv_validation.csv"}
#: The table that says where its figures come from: Data health names the build and reads its counts (different
#: text, by design).
STATES_ITS_SOURCE = {"data_health.csv"}


def export_files(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = export.main(argv)
    return code, capsys.readouterr().err


def same_files(plain: Path, prebuilt: Path) -> list[str]:
    """The files of ``plain`` that ``prebuilt`` holds byte for byte the same; raises on one that differs."""
    same = []
    for path in sorted(plain.iterdir()):
        other = prebuilt / path.name
        if path.name in STATES_ITS_SOURCE or not other.exists():
            continue
        assert other.read_bytes() == path.read_bytes(), path.name
        same.append(path.name)
    return same


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample data copied, its export straight from the transactions, a rollup built on DuckDB; then the
    copy's transactions file overwritten with bytes that are not Parquet, so that an export with the rollup cannot
    have read it."""
    base = tmp_path_factory.mktemp("sample")
    data = base / "data"
    shutil.copytree(ROOT / "sample_data", data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    assert export.main(["--data", str(data), "--out", str(base / "plain")]) == 0
    build_rollup(data, base / "rollup", "duckdb")
    # Not Parquet any more: reading it would fail (only the fingerprint hashes its last bytes).
    (data / "transactions.parquet").write_bytes(b"these are not the transactions")
    return {"data": data, "plain": base / "plain", "rollup": base / "rollup", "base": base}


def test_export_from_a_duckdb_rollup_equals_the_export_from_the_transactions(
        sample: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = sample["base"] / "prebuilt"
    code, err = export_files(["--data", str(sample["data"]), "--rollup", str(sample["rollup"]), "--out", str(out)],
                             capsys)
    assert code == 0, err
    written = {p.name for p in out.iterdir()}
    expected = {p.name for p in sample["plain"].iterdir()}
    assert written == expected - NEEDS_SINGLE_TRANSACTIONS
    assert set(same_files(sample["plain"], out)) == expected - NEEDS_SINGLE_TRANSACTIONS - STATES_ITS_SOURCE
    assert "notice: clv_model.csv, customer_scores.csv, clv_validation.csv not written" in err
    health = pl.read_csv(out / "data_health.csv")
    assert "prebuilt rollup" in health["check"].to_list()
    # The build's counts: 3,926 refunds, as the export from the transactions counted them.
    plain_health = pl.read_csv(sample["plain"] / "data_health.csv")
    refunds = [h.filter(pl.col("check") == "negative amounts")["affected"][0] for h in (health, plain_health)]
    assert refunds[0] == refunds[1] == 3926


def test_the_rollup_dir_comes_from_the_environment_or_retention_toml(
        sample: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = sample["data"]
    assert configured_rollup_dir(data) == (None, [])
    monkeypatch.setenv("RETENTION_ROLLUP_DIR", str(sample["rollup"]))
    assert configured_rollup_dir(data)[0] == sample["rollup"].resolve()
    assert configured_rollup_dir(data, tmp_path)[0] == tmp_path.resolve()  # the flag wins
    monkeypatch.delenv("RETENTION_ROLLUP_DIR")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "retention.toml").write_text('rollup_dir = "../rollup"\n')
    assert configured_rollup_dir(folder)[0] == (tmp_path / "rollup").resolve()
    (folder / "retention.toml").write_text("rollup_dir = 3\n")
    found, problems = configured_rollup_dir(folder)
    assert found is None and "rollup_dir = 3" in problems[0].message


def test_a_rollup_built_by_other_code_is_refused_with_the_rebuild_command(
        sample: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "stale"
    shutil.copytree(sample["rollup"], stale)
    manifest = json.loads((stale / "manifest.json").read_text())
    (stale / "manifest.json").write_text(json.dumps(manifest | {"code_version": "00000000"}))
    code, err = export_files(["--data", str(sample["data"]), "--rollup", str(stale), "--out",
                              str(tmp_path / "out")], capsys)
    assert code == 2
    assert "built by another version of the code" in err
    assert f"python -m analytics rollup --engine duckdb --data {manifest['source']} --out {stale}" in err
    # The app keeps running: the source opens, the pages that need the transactions say why.
    source = DataSource.open(sample["data"], rollup_dir=stale)
    with pytest.raises(DataUnavailable):
        source.require("transactions")
    source.close()


NEEDS = "needs transactions"


def _tables(source: DataSource, settings: export.Settings) -> dict[str, object]:
    """Every table of the export: its frame, or why it could not be computed."""
    out: dict[str, object] = {}
    for name, compute in export.TABLES.items():
        if name in STATES_ITS_SOURCE:
            continue
        try:
            out[name] = compute(source, settings)
        except DataUnavailable as exc:
            out[name] = NEEDS if NEEDS_TRANSACTIONS in str(exc) or "prebuilt rollup" in str(
                exc) else f"unavailable: {exc}"
        except Exception as exc:  # noqa: BLE001 - the same failure on both paths is a match
            out[name] = f"{type(exc).__name__}: {exc}"
    return out


#: (label, settings, tables the rollup cannot answer besides the predictive CLV ones)
CASES = [
    ("all months", Filters(), set()),
    ("weeks straddling months", Filters(grain="week"), set()),
    ("quarters", Filters(grain="quarter"), set()),
    ("month boundaries", Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)), set()),
    ("weeks on Monday to Sunday", Filters(grain="week", start=date(2024, 1, 29), end=date(2024, 2, 11)), set()),
]


#: The trailing-12-months window of revenue concentration starts the day after the as-of date, 12 months earlier:
#: inside a month unless the as-of date is a month's last day, and the days of a month are not in the rollup.
T12M = {"revenue_concentration.csv", "revenue_lorenz.csv"}
#: A window ending 2024-02-11, inside February: every figure as of its end (survival, churn, the CLV:CAC curves, the
#: budget's calibration, the cohorts' end) needs February's first days.
MID_MONTH_END = {"budget_scenarios.csv", "budget_uncertainty.csv", "clv_cac.csv", "cohort_retention.csv",
                 "hazard_ratios.csv", "overview_kpis.csv", "revenue_movements.csv", "survival_curve.csv",
                 "survival_summary.csv", "value_curve.csv"} | T12M
#: Tables refused besides the predictive CLV ones, by case. The zoned fixture's as-of date is 2024-03-05 (a Tuesday
#: inside March): T12M starts inside a month, and at week grain the Overview's previous week to date ends on a
#: Tuesday. The naive one's is 2024-03-31 (a month end and a Sunday): at week grain T12M starts on 2023-04-01, a
#: Saturday, inside a week.
REFUSED = {
    "zoned": {"all months": T12M, "quarters": T12M, "weeks straddling months": {"overview_kpis.csv"},
              "weeks on Monday to Sunday": MID_MONTH_END},
    "naive": {"weeks straddling months": {"overview_kpis.csv"} | T12M, "weeks on Monday to Sunday": MID_MONTH_END},
}


@pytest.mark.parametrize("write", [write_zoned, write_naive], ids=["zoned", "naive"])
def test_every_table_from_the_rollup_equals_the_transactions_or_says_it_cannot(
        write: object, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    also_refused = REFUSED[request.node.callspec.id]
    data = write(tmp_path / "data")  # type: ignore[operator]
    build_rollup(data, tmp_path / "rollup", "duckdb", today=TODAY)
    plain = DataSource.open(data, today=TODAY)
    prebuilt = DataSource.open(data, today=TODAY, rollup_dir=tmp_path / "rollup")
    try:
        assert prebuilt.as_of == plain.as_of and prebuilt.amount_bound == plain.amount_bound
        for label, filters, _ in CASES:
            settings = export.Settings(filters)
            left, right = _tables(plain, settings), _tables(prebuilt, settings)
            refused = {name for name, value in right.items() if isinstance(value, str) and value == NEEDS}
            # The naive fixture's as-of date, 2024-03-31, ends a month and a week (a Sunday): only the predictive CLV
            # tables need single transactions. The zoned one's, 2024-03-05, is a Tuesday: a table whose window ends
            # or starts there at week grain (the Overview's previous week to date) is refused too.
            assert refused - NEEDS_SINGLE_TRANSACTIONS == also_refused.get(label, set()), (label, refused)
            for name, value in left.items():
                if name in refused:
                    continue
                if isinstance(value, pl.DataFrame):
                    assert isinstance(right[name], pl.DataFrame), (label, name, right[name])
                    assert value.equals(right[name]), (label, name)  # type: ignore[arg-type]
                else:
                    assert not isinstance(right[name], pl.DataFrame) and right[name] == value, (label, name, value)
        # A window ending inside a month needs the days of that month: refused, never a different number.
        inside = export.Settings(Filters(start=date(2024, 1, 1), end=date(2024, 2, 14)))
        left, right = _tables(plain, inside), _tables(prebuilt, inside)
        refused = {name for name, value in right.items() if isinstance(value, str) and value == NEEDS}
        assert "activity_by_period.csv" in refused and "cohort_retention.csv" in refused
        for name in set(right) - refused:
            if isinstance(left[name], pl.DataFrame):
                assert left[name].equals(right[name]), name  # type: ignore[union-attr, arg-type]
    finally:
        plain.close()
        prebuilt.close()


@pytest.fixture
def small_rollup(tmp_path: Path) -> tuple[Path, Path]:
    """The small business of tests/conftest.py, its rollup built on DuckDB, then its transactions file overwritten
    with bytes that are not Parquet: a page that read it would fail."""
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    build_rollup(data, tmp_path / "rollup", "duckdb")
    (data / "transactions.parquet").write_bytes(b"these are not the transactions")
    return data, tmp_path / "rollup"


def test_a_page_opened_with_a_rollup_never_reads_the_transactions(small_rollup: tuple[Path, Path], run_page,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data, rollup = small_rollup
    monkeypatch.setenv("RETENTION_ROLLUP_DIR", str(rollup))
    at = run_page(None, data)
    # The same figures as tests/test_pages.py's test_overview_page reads from the transactions: revenue by month
    # 15, 7, 19 (hand count there).
    bars = next(f for f in figures(at) if f["data"] and f["data"][0]["type"] == "bar")
    assert bars["data"][0]["y"] == [15.0, 7.0, 19.0]
    assert any("Figures from the prebuilt rollup" in c.value for c in at.caption)
    health = run_page("pages/data_health.py", data)
    assert any(e.label.startswith("prebuilt rollup") for e in health.expander)


def test_a_refused_rollup_keeps_the_app_running_with_the_rebuild_command(small_rollup: tuple[Path, Path], run_page,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    data, rollup = small_rollup
    manifest = json.loads((rollup / "manifest.json").read_text())
    (rollup / "manifest.json").write_text(json.dumps(manifest | {"code_version": "00000000"}))
    monkeypatch.setenv("RETENTION_ROLLUP_DIR", str(rollup))
    at = run_page(None, data)
    shown = " ".join(str(e.value) for e in at.error)
    assert "cannot be used" in shown
    health = run_page("pages/data_health.py", data)
    texts = [str(e.value).replace("\\", "") for e in [*health.error, *health.markdown]]  # markdown is escaped
    assert any("built by another version of the code" in text and
               f"Rebuild it with `python -m analytics rollup --engine duckdb --data {data} --out {rollup}`" in text
               for text in texts)


def test_a_rollup_built_from_a_mapped_export_as_of_a_day_reads_like_the_app(tmp_path: Path) -> None:
    """retention.toml maps the export's own column names (client, net_revenue) and the rollup is built as of
    2024-01-31, as the app opens the data with --as-of 2024-01-31: c (signed up 2024-02-03) is left out with its
    purchases, and every table equals the app's from the transactions."""
    customers = pl.DataFrame(SMALL_CUSTOMERS).rename({"customer_id": "client"})
    transactions = pl.DataFrame(SMALL_TRANSACTIONS).rename({"customer_id": "client", "amount": "net_revenue"})
    data = write_exports(tmp_path / "data", customers=customers, transactions=transactions)
    (data / "retention.toml").write_text('[columns.customers]\ncustomer_id = "client"\n\n[columns.transactions]\n'
                                         'customer_id = "client"\namount = "net_revenue"\n')
    as_of = date(2024, 1, 31)
    manifest = build_rollup(data, tmp_path / "rollup", "duckdb", as_of=as_of)
    # Hand count: a and b (c signed up after the as-of date); a's 10 and b's 5 in January.
    assert manifest.as_of == "2024-01-31" and manifest.row_counts["customers"] == 2
    assert manifest.row_counts["transactions"] == 2
    plain = DataSource.open(data, as_of=as_of)
    prebuilt = DataSource.open(data, as_of=as_of, rollup_dir=tmp_path / "rollup")
    try:
        assert not [p for p in prebuilt.problems if p.export == "rollup"]
        settings = export.Settings(Filters())
        left, right = _tables(plain, settings), _tables(prebuilt, settings)
        refused = {n for n, v in right.items() if isinstance(v, str) and v == NEEDS}
        assert refused <= NEEDS_SINGLE_TRANSACTIONS
        for name, value in left.items():
            if isinstance(value, pl.DataFrame) and name not in refused:
                assert isinstance(right[name], pl.DataFrame), (name, right[name])
                assert value.equals(right[name]), name  # type: ignore[arg-type]
        activity = left["activity_by_period.csv"]
        assert isinstance(activity, pl.DataFrame) and activity["revenue"].to_list() == [15.0]
    finally:
        plain.close()
        prebuilt.close()


def test_a_missing_column_is_refused_with_the_mapping_that_would_fix_it(tmp_path: Path) -> None:
    customers = pl.DataFrame(SMALL_CUSTOMERS)
    transactions = pl.DataFrame(SMALL_TRANSACTIONS).rename({"amount": "net_revenue"})
    data = write_exports(tmp_path / "data", customers=customers, transactions=transactions)
    with pytest.raises(RollupRefused, match=r'Required column amount is missing from the transactions export in .*'
                                            r'\[columns.transactions\] amount = "your column name"'):
        build_rollup(data, tmp_path / "rollup", "duckdb")


def test_the_board_pack_from_a_rollup(sample: dict[str, Path], small_rollup: tuple[Path, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Written from the sample data's rollup (as of 2025-12-31, a month end) and from the small data's (as of
    2024-03-15, inside March: the export names the tables it left out)."""
    out = tmp_path / "sample"
    code, err = export_files(["--data", str(sample["data"]), "--rollup", str(sample["rollup"]), "--out", str(out),
                              "--board-pack", "--base-url", "https://dash.example.com"], capsys)
    assert code == 0, err
    assert (out / "board_pack.html").is_file()
    data, rollup = small_rollup
    code, err = export_files(["--data", str(data), "--rollup", str(rollup), "--out", str(tmp_path / "small"),
                              "--board-pack", "--base-url", "https://dash.example.com"], capsys)
    assert code == 0, err
    # Its charts are monthly up to the last complete month: none needs March's days. The T12M concentration table
    # does (it starts on 2023-03-16): named, not written.
    assert (tmp_path / "small" / "board_pack.html").is_file()
    assert "revenue_concentration.csv, revenue_lorenz.csv, clv_model.csv" in err


def test_a_manifest_synced_from_object_storage_is_read_where_the_build_wrote_it(small_rollup: tuple[Path, Path]
                                                                                 ) -> None:
    """A build to a URI writes its manifest as Spark's text writer does, one JSON line in manifest_json/part-*.txt
    (tests/test_rollup_spark.py builds one); synced as it is, the folder opens."""
    data, rollup = small_rollup
    (rollup / "manifest_json").mkdir()
    text = json.dumps(json.loads((rollup / "manifest.json").read_text()))
    (rollup / "manifest_json" / "part-00000-0a1b.txt").write_text(text + "\n")
    (rollup / "manifest_json" / "_SUCCESS").write_text("")
    (rollup / "manifest.json").unlink()
    source = DataSource.open(data, rollup_dir=rollup)
    try:
        assert source.manifest is not None and source.has("transactions")
    finally:
        source.close()


def test_customers_changed_after_the_build_are_a_warning_and_the_new_one_joins_nothing(
        small_rollup: tuple[Path, Path]) -> None:
    """The customers export rewritten after the build with a fourth customer: Data health warns with the rebuild
    command; the rollup's customers keep their keys and figures, the new one (no key in the rollup) has none."""
    data, rollup = small_rollup
    customers = pl.DataFrame(SMALL_CUSTOMERS).vstack(pl.DataFrame({
        "customer_id": ["d"], "signup_date": [date(2024, 3, 1)], "segment": ["pro"], "acquisition_channel": ["ads"],
        "region": ["eu"]}))
    customers.write_parquet(data / "customers.parquet")
    source = DataSource.open(data, rollup_dir=rollup)
    try:
        warnings = [p.message for p in source.problems if p.export == "rollup" and p.level == "warning"]
        assert len(warnings) == 1 and "built from other customers" in warnings[0]
        assert f"--out {rollup}" in warnings[0]
        # The build numbered a, b, c 1..3 in customer_id order (queries/portable_customers.sql); d is not in it.
        keys = dict(source.run("customer_ids").select("customer_id", "customer_key").iter_rows())
        assert keys == {"a": 1, "b": 2, "c": 3, "d": None}
    finally:
        source.close()
