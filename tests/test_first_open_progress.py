"""The first open of a new export says what it builds: the shell builds the customer x month and x week rollup
before the page runs, behind a notice naming what is built (ui/shell.prepare_rollup), exactly when the rollup
would otherwise be built by the page's first query (DataSource.rollup_pending)."""

from __future__ import annotations

from analytics.cohorts import cohort_retention
from analytics.filters import Filters
from queries import DataSource
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, write_exports
from ui import shell


def test_pending_only_until_the_rollup_exists_in_this_process_or_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache"))
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    first = DataSource.open(folder)
    try:
        assert first.rollup_pending()  # a new export: nothing built, nothing saved
        cohort_retention(first, Filters())  # reads the rollup: built here, saved in the background
        assert not first.rollup_pending()
        first.wait_for_saved_copy()
    finally:
        first.close()
    later = DataSource.open(folder)  # the next server start on the same export: the saved copy is loaded
    try:
        assert not later.rollup_pending()
    finally:
        later.close()


def test_without_a_rollup_cache_every_new_process_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", "off")
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    source = DataSource.open(folder)
    try:
        assert source.rollup_pending()
        source.prepare_rollup()
        assert not source.rollup_pending() and source.rollup_origin == "built"
    finally:
        source.close()


class _Placeholder:
    def __init__(self, shown: list[str]) -> None:
        self.shown = shown

    def info(self, text: str, icon: str | None = None) -> None:
        self.shown.append(text)

    def empty(self) -> None:
        self.shown.append("<emptied>")


def test_the_shell_builds_before_the_page_and_names_what_it_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", "off")
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    source = DataSource.open(folder)
    shown: list[str] = []
    monkeypatch.setattr(shell, "get_source", lambda: source)
    monkeypatch.setattr(shell.st, "empty", lambda: _Placeholder(shown))
    try:
        shell.prepare_rollup("data_health")  # never reads the rollup: no wait there
        assert shown == [] and source.rollup_pending()
        shell.prepare_rollup("overview")
        assert not source.rollup_pending()
        rows = source.row_counts["transactions"]
        assert len(shown) == 2 and shown[1] == "<emptied>"
        assert f"its {rows:,} transactions per customer and month and per customer and week" in shown[0]
        assert "once per new export" in shown[0]
        shell.prepare_rollup("cohorts")  # built: nothing to say
        assert len(shown) == 2
    finally:
        source.close()
