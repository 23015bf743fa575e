"""Real-browser test of the app on a prebuilt rollup (issue 21): started with RETENTION_ROLLUP_DIR on a copy of the
sample data whose transactions file is not Parquet any more, every page renders without an exception, its charts
drawn; the sidebar says where the figures come from, and the Customers page (scored by the predictive CLV models)
says it needs single transactions rather than show other numbers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from queries.rollup_build import build_rollup
from tests.browser import running_app, wait_idle
from tests.conftest import ROOT
from tests.test_browser import PAGES, VIEWPORT, assert_healthy


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("rollup-app")
    data = base / "data"
    shutil.copytree(ROOT / "sample_data", data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    build_rollup(data, base / "rollup", "duckdb")
    (data / "transactions.parquet").write_bytes(b"these are not the transactions")
    with running_app(data, env={"RETENTION_ROLLUP_DIR": str(base / "rollup")}) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


def test_every_page_renders_from_a_rollup_without_the_transactions(page: Page, app_url: str) -> None:
    for path, title in PAGES:
        page.goto(app_url + path)
        wait_idle(page)
        expect(page.locator("h1").first).to_contain_text(title)
        assert_healthy(page)
        expect(page.locator("[data-testid=stSidebar]")).to_contain_text("Figures from the prebuilt rollup")
    # The customer list is scored by the predictive CLV models, which read single purchase days: a notice instead.
    page.goto(app_url + "/customers")
    wait_idle(page)
    expect(page.get_by_text("This page needs single transactions").first).to_be_attached()
    expect(page.get_by_text("needs the individual transactions").first).to_be_attached()
