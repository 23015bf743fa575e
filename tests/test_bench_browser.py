"""The browser benchmark's own bookkeeping (bench/browser.py): where its section goes, which day it picks, how it
sums a trace. The timings themselves are measured by the benchmark, never asserted here."""

from __future__ import annotations

from datetime import date

import pytest

from bench import browser


def test_the_generated_section_replaces_only_its_own_block(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n| computation | table |\n")
    monkeypatch.setattr(browser, "DOC", doc)
    browser.write_section("first run")
    browser.write_section("second run")
    text = doc.read_text()
    # The computation table is kept; one block, the latest.
    assert text.startswith("# Performance\n\n| computation | table |\n")
    assert text.count(browser.BEGIN) == 1 and "second run" in text and "first run" not in text


def test_mid_month_is_the_15th_of_the_last_month():
    assert browser.mid_month(date(2025, 12, 31)) == date(2025, 12, 15)
    with pytest.raises(ValueError, match="2025-12-10"):
        browser.mid_month(date(2025, 12, 10))


def test_a_trace_is_summed_on_the_busiest_renderer_main_thread_top_level_only():
    # Hand-made trace: thread (1, 10) is a renderer main thread with 3 s of tasks; (1, 11) one with 1 s;
    # inside the first task a FunctionCall of 2 s holds a Layout of 0.5 s (counted as script, not again as layout).
    def x(name, ts, dur, tid=10):
        return {"name": name, "ph": "X", "pid": 1, "tid": tid, "ts": ts, "dur": dur}
    events = [
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 10, "args": {"name": "CrRendererMain"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 11, "args": {"name": "CrRendererMain"}},
        x("RunTask", 0, 2_500_000), x("FunctionCall", 0, 2_000_000), x("Layout", 100, 500_000),
        x("RunTask", 3_000_000, 500_000), x("Paint", 3_000_000, 250_000),
        x("RunTask", 0, 1_000_000, tid=11), x("FunctionCall", 0, 1_000_000, tid=11),
    ]
    bench = {"opened": 500.0, "frames": [[1000.0, 2048], [2500.0, 1024]]}
    summary = browser.summarise_trace(events, bench, drawn=4000.0)
    assert summary["main thread busy"] == pytest.approx(3.0)
    assert summary["script (JS: React, Plotly, glide-data-grid)"] == pytest.approx(2.0)
    assert summary["style and layout"] == pytest.approx(0.0)
    assert summary["paint and composite"] == pytest.approx(0.25)
    assert summary["kB received"] == pytest.approx(3.0) and summary["messages"] == 2
    assert summary["last message"] == pytest.approx(2.5) and summary["fully drawn"] == pytest.approx(4.0)
