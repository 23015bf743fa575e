"""The headless export: files, flags named like the URL parameters, clear failures, a read-only data folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.conftest import ROOT, SMALL_CUSTOMERS, SMALL_TRANSACTIONS, d, write_exports


def run_export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", "export", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_export_writes_every_table_with_flags(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in data.rglob("*"))
    out = tmp_path / "out"
    result = run_export("--data", str(data), "--out", str(out), "--grain", "quarter", "--segment", "starter")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} >= {"data_coverage.csv", "data_health.csv", "activity_by_period.csv"}
    activity = pl.read_csv(out / "activity_by_period.csv", try_parse_dates=True)
    # Starters b and c in Q1 2024: 5 + 7 + 3.
    assert activity.select("period", "revenue").rows() == [(d("2024-01-01"), 15.0)]
    assert sorted((p.name, p.stat().st_mtime_ns) for p in data.rglob("*")) == before


def test_bad_data_folder_exits_non_zero_with_the_app_message(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS)
    result = run_export("--data", str(data), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "required transactions export is missing" in result.stderr
    # What can still be computed is written.
    assert (tmp_path / "out" / "data_health.csv").exists()


def test_bad_flag_value_is_a_clear_error(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    result = run_export("--data", str(data), "--out", str(tmp_path / "o"), "--start", "2024-05-01", "--end",
                        "2024-01-01")
    assert result.returncode == 2 and "after end" in result.stderr and "Traceback" not in result.stderr


def test_export_refuses_to_write_into_the_data_folder(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    result = run_export("--data", str(data), "--out", str(data / "exports"))
    assert result.returncode != 0 and "never written to" in result.stderr
    assert not (data / "exports").exists()


def test_board_pack_is_self_contained_and_escapes_data(tmp_path: Path):
    customers = dict(SMALL_CUSTOMERS) | {"segment": ["<b>pro</b>", "starter", "starter"]}
    data = write_exports(tmp_path / "data", customers=customers, transactions=SMALL_TRANSACTIONS)
    out = tmp_path / "out"
    result = run_export("--data", str(data), "--out", str(out), "--board-pack", "--base-url", "https://dash.example")
    assert result.returncode == 0, result.stderr
    text = (out / "board_pack.html").read_text()
    for title in ("Revenue and active customers", "Cohort retention", "New vs. existing revenue",
                  "Survival by segment", "Customer value vs. acquisition cost"):
        assert f"<h2>{title}</h2>" in text
    assert "https://dash.example/cohorts" in text           # each section links to its view
    assert not re.search(r"<script[^>]*\bsrc=", text)       # Plotly is inlined: opens offline
    assert "Plotly.newPlot" in text and len(text) > 1_000_000
    assert "<b>pro</b>" not in text.split("<script", 1)[0]    # data shows as text, not markup
