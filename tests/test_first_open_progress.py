"""The first open of a new export says what it builds: the shell shows its progress message exactly while the
customer x month rollup may still have to be built (ui/shell.py, _builds_rollup)."""

from __future__ import annotations

from analytics.cohorts import cohort_retention
from analytics.filters import Filters
from queries import DataSource
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, write_exports
from ui import shell


def test_the_build_message_shows_only_until_the_rollup_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache"))
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    first = DataSource.open(folder)
    try:
        assert shell._builds_rollup(first)  # a new export: nothing built, nothing saved
        cohort_retention(first, Filters())  # reads the rollup: built here, saved in the background
        assert not shell._builds_rollup(first)
        first.wait_for_saved_copy()
    finally:
        first.close()
    later = DataSource.open(folder)  # the next server start on the same export: the saved copy is loaded
    try:
        assert not shell._builds_rollup(later)
    finally:
        later.close()


def test_without_a_rollup_cache_every_new_process_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", "off")
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    source = DataSource.open(folder)
    try:
        assert shell._builds_rollup(source)
        cohort_retention(source, Filters())
        assert not shell._builds_rollup(source)
    finally:
        source.close()
