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
    assert "<h2>Budget split" not in text                  # no marketing spend in this export: no budget section
    assert "https://dash.example/cohorts" in text           # each section links to its view
    assert not re.search(r"<script[^>]*\bsrc=", text)       # Plotly is inlined: opens offline
    assert "Plotly.newPlot" in text and len(text) > 1_000_000
    assert "<b>pro</b>" not in text.split("<script", 1)[0]    # data shows as text, not markup


def test_board_pack_has_the_budget_split_at_the_pages_defaults():
    """With marketing spend (the bundled sample), the pack ends with the Budget page's split curve at the page's
    default assumptions, linked to the Budget page with the churn setting."""
    from analytics.budget import Assumptions, CalibrationSettings, budget_report, calibrate
    from analytics.filters import Filters
    from queries import DataSource
    from report.board_pack import sections
    from ui.budget_charts import split_curve_chart

    source = DataSource.open(ROOT / "sample_data")
    parts, churn_query = sections(source, Filters(), "inactivity", 90)
    budget = parts[-1]
    assert (budget.title, budget.path) == ("Budget split: acquisition vs. retention", "budget")
    expected = split_curve_chart(budget_report(
        calibrate(source, Filters(), CalibrationSettings(churn_definition="inactivity", inactivity_days=90)),
        Assumptions()))
    assert budget.figure.layout.title.text == expected.layout.title.text
    assert list(budget.figure.data[0].y) == list(expected.data[0].y)
    assert churn_query == {"churn": "inactivity", "inactivity_days": "90"}
    # A channel without acquisition cost cannot be calibrated: the section is left out, the rest stays.
    organic = sections(source, Filters(channel=("organic",)), "inactivity", 90)[0]
    assert [p.path for p in organic] == ["", "cohorts", "revenue_mix", "survival", "value"]


def test_board_pack_budget_split_follows_the_exports_budget_settings():
    """``export --board-pack --budget ... --beta ...``: the split curve is computed with those inputs, and its
    link opens the Budget page with them (the page's URL keys; its defaults left out)."""
    from analytics.budget import Assumptions, CalibrationSettings, budget_report, calibrate
    from analytics.filters import Filters
    from queries import DataSource
    from report.board_pack import BudgetInputs, sections
    from ui.budget_charts import split_curve_chart

    source = DataSource.open(ROOT / "sample_data")
    inputs = BudgetInputs(Assumptions(budget=1_500_000, retention_share=0.3, beta=0.85, r_max=0.4), margin=0.6,
                          calibration_months=6)
    budget = sections(source, Filters(), "inactivity", 90, inputs)[0][-1]
    assert budget.query == {"budget": "1500000", "retention_share": "30", "beta": "0.85", "rmax": "40",
                            "margin": "0.6", "calibration_months": "6"}
    settings = CalibrationSettings(margin=0.6, calibration_months=6, churn_definition="inactivity", inactivity_days=90)
    expected = split_curve_chart(budget_report(calibrate(source, Filters(), settings), inputs.assumptions))
    assert budget.figure.layout.title.text == expected.layout.title.text
    assert budget.figure.layout.title.text.startswith("At 1.5M a month")
    assert BudgetInputs().query() == {}
    # Saved scenarios (the page's s1..s3, the export's --scenario) reach the pack: a chart of their differences
    # from today's split, linked to the Budget page with them in the URL.
    from analytics.budget import decode_scenario
    saved = BudgetInputs(inputs.assumptions, 0.6, 6, (decode_scenario("Push|1500000|40|24|0.8|30|150000"),))
    parts = sections(source, Filters(), "inactivity", 90, saved)[0]
    assert [p.title for p in parts[-2:]] == ["Budget split: acquisition vs. retention", "Budget scenarios compared"]
    assert parts[-1].query is not None and parts[-1].query["s1"] == "Push|1500000|40|24|0.8|30|150000"
    assert list(parts[-1].figure.data[0].y) == ["This split", "Best split", "Push"]


def test_export_with_the_board_pack_never_imports_streamlit(tmp_path: Path):
    # The headless path (report/) must not load Streamlit, not even through a ui/ module: run the documented
    # command in a fresh interpreter and look at what it imported.
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    out = tmp_path / "out"
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['analytics', 'export', '--data', {str(data)!r}, '--out', {str(out)!r}, '--board-pack']\n"
        "try:\n"
        "    runpy.run_module('analytics', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print('STATUS', code, 'STREAMLIT', 'streamlit' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert "STATUS 0 STREAMLIT False" in result.stdout, result.stdout + result.stderr
    assert (out / "board_pack.html").is_file()


def test_clv_tables_on_too_little_data_and_a_bad_calibration_end(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    out = tmp_path / "out"
    result = run_export("--data", str(data), "--out", str(out), "--calibration-end", "2024-02-15")
    assert result.returncode == 0, result.stderr
    # Three customers cannot be fitted: the tables have their header and no rows, the rest is written.
    assert pl.read_csv(out / "clv_model.csv").columns == ["model", "parameter", "value"]
    assert pl.read_csv(out / "clv_model.csv").height == 0
    scores = pl.read_csv(out / "customer_scores.csv")
    assert scores.height == 0 and scores.columns[:4] == ["customer_id", "segment", "channel", "region"]
    bad = run_export("--data", str(data), "--out", str(tmp_path / "o"), "--calibration-end", "June")
    assert bad.returncode == 2 and "--calibration-end" in bad.stderr and "Traceback" not in bad.stderr
