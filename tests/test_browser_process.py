"""The Retention process page in a real browser: its view (touchpoint, target, filters) comes from the URL and
survives a reload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import running_app, wait_idle
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app(ROOT / "sample_data", timeout=180) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def test_the_process_view_is_reproducible_from_its_url(app_url: str, page: Page):
    page.goto(f"{app_url}/retention_process?touchpoint=welcome_call&target=60&grain=quarter")
    wait_idle(page, 240_000)
    charts = page.locator("[data-testid=stPlotlyChart]")
    expect(charts.first).to_contain_text("(target 60%)", timeout=60_000)
    expect(page.get_by_text("With the welcome call by day 7, customers churned")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Existing customers accepted")).to_be_visible()
    page.reload()
    wait_idle(page, 240_000)
    expect(page.get_by_text("With the welcome call by day 7, customers churned")).to_be_visible(timeout=60_000)
    assert "touchpoint=welcome_call" in page.url and "target=60" in page.url
