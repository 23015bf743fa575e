"""The prebuilt rollup on DuckDB (queries/rollup_build.py): its tables pinned by hand on tests/rollup_fixtures.py,
equal to the app's own rollup (queries/rollup.sql) on the same exports, its manifest, the refusal of a rollup built
by other code, and the command line. The Spark engine is tested against it in tests/test_rollup_spark.py."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from queries import DataSource
from queries.rollup_build import (
    MANIFEST_FILE,
    TABLES,
    RollupRefused,
    build_rollup,
    read_manifest,
    rollup_problems,
    spark_sql,
)
from queries.rollup_cache import code_version
from tests.conftest import ROOT, d
from tests.rollup_fixtures import TODAY, read_table, write_naive, write_zoned


@pytest.fixture(scope="module")
def zoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("zoned")
    data = write_zoned(base / "data")
    build_rollup(data, base / "rollup", "duckdb", today=TODAY)
    return data, base / "rollup"


def test_customer_months_by_hand(zoned: tuple[Path, Path]) -> None:
    _, rollup = zoned
    months = read_table(rollup, "customer_months").select(
        "customer_key", "month", "revenue", "known_margin", "revenue_without_margin", "transactions", "positive",
        "last_positive_date", "first_positive_value", "positive_days", "first_positive_date", "positive_spend")
    # Hand count (tests/rollup_fixtures.py, dates in Tokyo): a (key 1) pays 10 (margin 4) on Jan 31; 20 and 30 on
    # Feb 1 (20:00 and 01:00 UTC: both Feb 1 in Tokyo; the larger is the first positive value) and -5 on Feb 14.
    # b (key 2) pays 7.5 on Jan 20 and 2.5 on Mar 4; its 2030 row is after the as-of date, its NaN row implausible.
    # c (key 3) never buys; zed is unknown; a's undated row has no month.
    expected = pl.DataFrame({
        "customer_key": [1, 1, 2, 2],
        "month": [d("2024-01-01"), d("2024-02-01"), d("2024-01-01"), d("2024-03-01")],
        "revenue": [10.0, 45.0, 7.5, 2.5],
        "known_margin": [4.0, 0.0, 0.0, 0.0],
        "revenue_without_margin": [0.0, 45.0, 7.5, 2.5],
        "transactions": [1, 3, 1, 1],
        "positive": [True, True, True, True],
        "last_positive_date": [d("2024-01-31"), d("2024-02-01"), d("2024-01-20"), d("2024-03-04")],
        "first_positive_value": [10.0, 30.0, 7.5, 2.5],
        "positive_days": [1, 1, 1, 1],
        "first_positive_date": [d("2024-01-31"), d("2024-02-01"), d("2024-01-20"), d("2024-03-04")],
        "positive_spend": [10.0, 50.0, 7.5, 2.5],
    })
    assert months.to_dicts() == expected.to_dicts()


def test_customers_groups_weeks_activity_cohorts_and_health_by_hand(zoned: tuple[Path, Path]) -> None:
    _, rollup = zoned
    # The duplicate a (signed up later) is dropped; b's null segment and blank channel are 'unknown'; keys follow
    # customer_id; combos follow (segment, channel, region).
    assert read_table(rollup, "customers").select("customer_key", "customer_id", "signup_date", "segment",
                                                  "acquisition_channel").rows() == [
        (1, "a", d("2024-01-31"), "pro", "ads"), (2, "b", d("2024-01-15"), "unknown", "unknown"),
        (3, "c", d("2024-02-10"), "pro", "ads")]
    assert read_table(rollup, "customer_groups").rows() == [(1, "pro", "ads", "eu"), (2, "unknown", "unknown", "us")]
    assert read_table(rollup, "customer_index").select("customer_key", "combo").rows() == [(1, 1), (2, 2), (3, 1)]
    # Weeks from Monday: a's Jan 31 and Feb 1 share the week of Mon 2024-01-29 (10 + 20 + 30); its refund is alone
    # in the week of Feb 12 (not positive).
    weeks = read_table(rollup, "customer_weeks").select("customer_key", "week", "revenue", "transactions", "positive")
    assert weeks.rows() == [(1, d("2024-01-29"), 60.0, 3, True), (1, d("2024-02-12"), -5.0, 1, False),
                            (2, d("2024-01-15"), 7.5, 1, True), (2, d("2024-03-04"), 2.5, 1, True)]
    # Activity: the last positive day, the first month's first positive value, the previous month's last one.
    assert read_table(rollup, "customer_activity").rows() == [(1, d("2024-02-01"), 10.0, d("2024-01-31")),
                                                              (2, d("2024-03-04"), 7.5, d("2024-01-20"))]
    # Cohort 2024-01 holds a (combo 1) and b (combo 2).
    cohorts = read_table(rollup, "cohort_months").select("cohort", "period", "combo", "active_customers", "revenue")
    assert cohorts.rows() == [(d("2024-01-01"), d("2024-01-01"), 1, 1, 10.0),
                              (d("2024-01-01"), d("2024-01-01"), 2, 1, 7.5),
                              (d("2024-01-01"), d("2024-02-01"), 1, 1, 45.0),
                              (d("2024-01-01"), d("2024-03-01"), 2, 1, 2.5)]
    # Health: 10 rows; 1 undated, 1 after the as-of date (2030), 1 NaN amount, 1 unknown customer (zed), 1 refund.
    # Kept: the 8 others (the undated one included) of a, b and zed, dated (in Tokyo) from b's Jan 20 to b's Mar 4
    # (the Mar 5 row is the NaN).
    assert read_table(rollup, "health_counts").to_dicts() == [{
        "rows": 10, "undated": 1, "null_customer": 0, "null_amount": 0, "after_as_of": 1, "implausible_amount": 1,
        "unknown_customer": 1, "refunds": 1, "kept_rows": 8, "distinct_customers": 3, "first_date": d("2024-01-20"),
        "last_date": d("2024-03-04")}]


def test_manifest_records_versions_scope_and_counts(zoned: tuple[Path, Path]) -> None:
    data, rollup = zoned
    manifest = read_manifest(rollup)
    assert manifest.engine == "duckdb" and manifest.code_version == code_version()
    # The as-of date: the latest date up to TODAY (the NaN row's Mar 5 counts; the 2030 one does not). The bound:
    # 1000 x the 99.9th percentile of the 9 finite sizes (position ceil(0.999 x 9) = 9: the largest, 100).
    assert manifest.as_of == "2024-03-05" and manifest.amount_bound == 100_000.0
    assert manifest.timezone == "Asia/Tokyo" and manifest.source == str(data.resolve())
    assert manifest.row_counts["customer_months"] == 4 and manifest.row_counts["customers"] == 3
    assert set(TABLES) <= set(manifest.row_counts)


def test_a_rollup_built_by_other_code_is_refused_with_the_rebuild_command(zoned: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    data, rollup = zoned
    stale = tmp_path / "stale"
    stale.mkdir()
    raw = json.loads((rollup / MANIFEST_FILE).read_text())
    (stale / MANIFEST_FILE).write_text(json.dumps(raw | {"code_version": "00000000"}))
    with pytest.raises(RollupRefused) as refused:
        read_manifest(stale)
    message = str(refused.value)
    assert "00000000" in message and code_version() in message
    assert f"python -m analytics rollup --engine duckdb --data {data.resolve()} --out {stale}" in message
    with pytest.raises(RollupRefused, match="manifest.json is missing"):
        read_manifest(tmp_path)


def test_naive_timestamps_and_missing_optional_columns(tmp_path: Path) -> None:
    data = write_naive(tmp_path / "data")
    build_rollup(data, tmp_path / "rollup", "duckdb", today=TODAY)
    months = read_table(tmp_path / "rollup", "customer_months").select(
        "customer_key", "month", "revenue", "transactions", "positive", "first_positive_value", "positive_days",
        "positive_spend", "revenue_without_margin")
    # Hand count: customer 1 pays 3 on Dec 31 23:59 and 4 twice on Jan 1 (one day); customer 2 pays 9.99 on Feb 29
    # and is refunded 9.99 on Mar 31 (a month with no positive amount). No gross_margin column: all without margin.
    assert months.rows() == [(1, d("2023-12-01"), 3.0, 1, True, 3.0, 1, 3.0, 3.0),
                             (1, d("2024-01-01"), 8.0, 2, True, 4.0, 1, 8.0, 8.0),
                             (2, d("2024-02-01"), 9.99, 1, True, 9.99, 1, 9.99, 9.99),
                             (2, d("2024-03-01"), -9.99, 1, False, None, 0, 0.0, -9.99)]
    assert read_table(tmp_path / "rollup", "customer_groups").rows() == [(1, "unknown", "unknown", "unknown")]


@pytest.mark.parametrize("write", [write_zoned, write_naive])
def test_the_app_rollup_and_the_prebuilt_one_agree(write, tmp_path: Path) -> None:
    """One truth: queries/rollup.sql (what the app builds) and the portable SQL give the same customer x month rows
    and cohort cube on the same exports (joined on customer_id and the dimensions: their integer keys differ)."""
    data = write(tmp_path / "data")
    build_rollup(data, tmp_path / "rollup", "duckdb", today=TODAY)
    source = DataSource.open(data, today=TODAY)
    try:
        source._build_rollup()
        with source._con.cursor() as cur:
            app_months = cur.sql("select c.customer_id, m.* exclude (customer_key, combo) from customer_months m "
                                 "join customers c using (customer_key)").pl()
            app_cube = cur.sql("select g.segment, g.channel, g.region, m.* exclude (combo) from cohort_months m "
                               "join customer_groups g using (combo)").pl()
    finally:
        source.close()
    index = read_table(tmp_path / "rollup", "customers").select("customer_key", "customer_id")
    built = read_table(tmp_path / "rollup", "customer_months").join(index, on="customer_key").select(app_months.columns)
    key = ["customer_id", "month"]
    assert built.sort(key).to_dicts() == app_months.sort(key).to_dicts()
    groups = read_table(tmp_path / "rollup", "customer_groups")
    cube = read_table(tmp_path / "rollup", "cohort_months").join(groups, on="combo").select(app_cube.columns)
    key = ["segment", "channel", "region", "cohort", "period"]
    assert cube.sort(key).to_dicts() == app_cube.sort(key).to_dicts()


def test_spark_sql_avoids_the_measured_traps() -> None:
    # The transpiled SQL (what Spark runs) keeps exact sums and never falls back to an approximate percentile.
    for name in ("transaction_scope", *TABLES):
        text = spark_sql(name).upper()
        assert "PERCENTILE_APPROX" not in text and "APPROX" not in text, name
        assert "QUALIFY" not in text and "COLLECT_LIST" not in text, name
    assert "DECIMAL(38, 6)" in spark_sql("customer_months")


def test_the_command_line_builds_and_refuses_clearly(tmp_path: Path) -> None:
    data = write_naive(tmp_path / "data")
    run = subprocess.run([sys.executable, "-m", "analytics", "rollup", "--engine", "duckdb", "--data", str(data),
                          "--out", str(tmp_path / "out"), "--today", "2024-12-31"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["row_counts"]["customer_months"] == 4
    inside = subprocess.run([sys.executable, "-m", "analytics", "rollup", "--data", str(data), "--out",
                             str(data / "rollup")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert inside.returncode == 2 and "inside the data folder" in inside.stderr
    assert not (data / "rollup").exists()
    remote = subprocess.run([sys.executable, "-m", "analytics", "rollup", "--data", "s3a://bucket/x", "--out",
                             str(tmp_path / "o2")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert remote.returncode == 2 and "--engine spark" in remote.stderr


def test_today_leaves_out_later_transactions(tmp_path: Path) -> None:
    data = write_naive(tmp_path / "data")
    manifest = build_rollup(data, tmp_path / "rollup", "duckdb", today=date(2024, 1, 31))
    assert manifest.as_of == "2024-01-01"
    assert manifest.row_counts["customer_months"] == 2  # customer 1's December and January only


def test_rollup_problems_refuse_stale_code_and_warn_about_other_customers(zoned: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    data, rollup = zoned
    manifest, problems = rollup_problems(rollup, data)
    assert manifest is not None and problems == []
    # The same exports with one more customer: the rollup was built from other customers (a warning).
    other = write_zoned(tmp_path / "other")
    pl.DataFrame({"customer_id": ["a", "b", "c", "d"],
                  "signup_date": [d("2024-01-31"), d("2024-01-15"), d("2024-02-10"), d("2024-02-11")]}
                 ).write_parquet(other / "customers.parquet")
    manifest, problems = rollup_problems(rollup, other)
    assert manifest is not None and [p.level for p in problems] == ["warning"]
    assert "other customers" in problems[0].message and "python -m analytics rollup" in problems[0].message
    # No manifest at all: an error that says how to build one.
    manifest, problems = rollup_problems(tmp_path, data)
    assert manifest is None and [p.level for p in problems] == ["error"]
    assert "python -m analytics rollup" in problems[0].message
