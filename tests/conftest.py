"""Shared test helpers: tiny literal exports written to a temporary data folder, and one page of the app run in
Streamlit's AppTest."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from queries import DataSource  # noqa: E402

# Tests (and the app servers the browser tests start) keep their rollup cache in a throwaway folder, never in
# the user's ~/.cache.
os.environ.setdefault("RETENTION_CACHE_DIR", tempfile.mkdtemp(prefix="retention-test-cache-"))


def d(text: str) -> date:
    return date.fromisoformat(text)


def write_exports(folder: Path, customers: Any = None, transactions: Any = None,
                  marketing_spend: Any = None, touchpoints: Any = None, leads: Any = None) -> Path:
    """Write the given literal tables (dicts of columns or frames) as NAME.parquet into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in (("customers", customers), ("transactions", transactions),
                        ("marketing_spend", marketing_spend), ("touchpoints", touchpoints), ("leads", leads)):
        if table is not None:
            frame = table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)
            frame.write_parquet(folder / f"{name}.parquet")
    return folder


@pytest.fixture
def make_source(tmp_path: Path):
    """Factory: write literal exports to a fresh folder and open them. Closes every source afterwards."""
    opened: list[DataSource] = []
    counter = iter(range(1000))

    def factory(**tables: Any) -> DataSource:
        folder = write_exports(tmp_path / f"data{next(counter)}", **tables)
        source = DataSource.open(folder)
        opened.append(source)
        return source

    yield factory
    for source in opened:
        source.close()


APP = ROOT / "app.py"
PageRunner = Callable[..., AppTest]


@pytest.fixture
def run_page(monkeypatch: pytest.MonkeyPatch) -> PageRunner:
    """Runs one page of the app in AppTest, as a browser opens it: ``run_page(page_file, data_dir,
    query_params=None, timeout=120)``.

    The app starts on ``data_dir`` (``RETENTION_DATA_DIR``, as the app reads it) with ``query_params`` in the
    URL, runs the shell and its default page (the Overview), then switches to ``page_file`` (e.g.
    ``"pages/survival.py"``; None stays on the Overview). Fails when the page raised; returns the AppTest to
    assert on (see :func:`figures` and :func:`downloads`).
    """

    def run(page_file: str | None, data_dir: Path, query_params: Mapping[str, str] | None = None,
            timeout: float = 120) -> AppTest:
        monkeypatch.setenv("RETENTION_DATA_DIR", str(data_dir))
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        at.run()
        if page_file is not None:
            at.switch_page(page_file).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def figures(at: AppTest) -> list[dict[str, Any]]:
    """The page's Plotly charts, as figure JSON (AppTest shows a chart as an element whose spec is the figure)."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def downloads(at: AppTest) -> list[str]:
    """The labels of the page's download buttons."""
    return [button.proto.label for button in at.get("download_button")]


#: A small, hand-checkable business used by several tests (dates chosen so that months are easy to count).
#: Customers: a (pro, ads) signs up 2024-01-05; b (starter, ads) 2024-01-20; c (starter, organic) 2024-02-03.
SMALL_CUSTOMERS = {
    "customer_id": ["a", "b", "c"],
    "signup_date": [d("2024-01-05"), d("2024-01-20"), d("2024-02-03")],
    "segment": ["pro", "starter", "starter"],
    "acquisition_channel": ["ads", "ads", "organic"],
    "region": ["eu", "us", "eu"],
}
#: a buys in Jan (10) and Mar (20) and is refunded 4 in Mar; b buys in Jan (5) only; c buys in Feb (7), Mar (3).
SMALL_TRANSACTIONS = {
    "customer_id": ["a", "b", "c", "a", "a", "c"],
    "transaction_date": [d("2024-01-05"), d("2024-01-21"), d("2024-02-03"), d("2024-03-01"), d("2024-03-09"),
                         d("2024-03-15")],
    "amount": [10.0, 5.0, 7.0, 20.0, -4.0, 3.0],
}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (the browser tests; tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
