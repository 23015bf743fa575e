"""Real-browser tests (Playwright + Debian's Chromium): what only a browser shows — the URL follows the
filters, a copied URL reproduces the view, page switches keep the filters, and every chart is drawn."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, running_app, wait_idle


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:  # the bundled sample data, as a first-time user sees it
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def assert_healthy(page: Page) -> None:
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    charts = page.locator("[data-testid=stPlotlyChart]")
    for i in range(charts.count()):
        # Plotly draws into an SVG once it has rendered; an empty container means a broken chart.
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached(timeout=30_000)


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def chart_title(page: Page) -> str:
    return page.locator("[data-testid=stPlotlyChart] .gtitle").first.text_content() or ""


def test_every_page_renders(page: Page, app_url: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, title in (("/", "Overview"), ("/data-health", "Data health")):
        page.goto(app_url + path)
        wait_idle(page)
        expect(page.locator("h1").first).to_contain_text(title)
        assert_healthy(page)
        page.screenshot(path=str(SCREENSHOTS / f"{title.lower().replace(' ', '_')}.png"), full_page=True)


def test_filters_live_in_the_url_and_survive_page_switches(page: Page, browser: Browser, app_url: str):
    page.goto(app_url + "/")
    wait_idle(page)
    monthly_title = chart_title(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_role("radio", name="quarter").click()
    page.wait_for_url(lambda url: "grain=quarter" in url, timeout=30_000)
    wait_idle(page)
    expect(page.locator("[data-testid=stPlotlyChart] .gtitle").first).not_to_have_text(monthly_title,
                                                                                          timeout=30_000)
    quarterly_title = chart_title(page)
    assert quarterly_title.startswith(("Q1", "Q2", "Q3", "Q4")) or " in Q" in quarterly_title
    revenue_tile = page.locator("[data-testid=stMetricValue]").nth(2).text_content()
    shared_url = page.url

    # A copied URL in a fresh browser context reproduces the widget state and the numbers.
    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    fresh = other.new_page()
    fresh.goto(shared_url)
    wait_idle(fresh)
    assert chart_title(fresh) == quarterly_title
    assert fresh.locator("[data-testid=stMetricValue]").nth(2).text_content() == revenue_tile
    other.close()

    # Switching pages through the navigation keeps the shared filters in the URL.
    sidebar.get_by_role("link", name="Data health").click()
    page.wait_for_url(lambda url: "/data-health" in url, timeout=30_000)
    wait_idle(page)
    assert query(page).get("grain") == ["quarter"]
    sidebar.get_by_role("link", name="Overview").click()
    page.wait_for_url(lambda url: "data-health" not in url, timeout=30_000)
    wait_idle(page)
    assert query(page).get("grain") == ["quarter"]
    expect(page.locator("[data-testid=stPlotlyChart] .gtitle").first).to_have_text(quarterly_title,
                                                                                      timeout=30_000)
