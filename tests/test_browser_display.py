"""Phones and the dark theme, in Chromium: what only a browser shows.

Phone: Playwright's iPhone 13 (390 x 844 CSS pixels, a phone's User-Agent, touch). Dark: the browser asks for a
dark colour scheme and Streamlit's default theme setting ("Use system setting") follows it. Every page's
screenshot goes to artifacts/screenshots/ (phone_*.png, dark_*.png) to be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, running_app, wait_idle
from tests.test_browser import PAGES, assert_healthy
from ui.theme import DARK_BACKGROUND


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def playwright_and_browser() -> Iterator[tuple]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield pw, chromium
        chromium.close()


@pytest.fixture
def phone(playwright_and_browser) -> Iterator[Page]:
    pw, browser = playwright_and_browser
    device = {k: v for k, v in pw.devices["iPhone 13"].items() if k != "default_browser_type"}
    context = browser.new_context(**device)
    yield context.new_page()
    context.close()


def boxes(page: Page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                               "return {x: r.x, y: r.y, w: r.width, h: r.height}; })")


#: Pages without a chart.
NO_CHARTS = {"/data_health", "/glossary"}


def settle(page: Page, path: str = "") -> None:
    """Wait for the run to finish and every chart to be drawn (for a page with charts, the first one to appear)."""
    wait_idle(page)
    if path.split("?")[0] not in NO_CHARTS:
        expect(page.locator("[data-testid=stPlotlyChart] .main-svg").first).to_be_attached(timeout=60_000)
        wait_idle(page)
    charts = page.locator("[data-testid=stPlotlyChart]")
    for i in range(charts.count()):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached(timeout=30_000)


def full_screenshot(page: Page, name: str, width: int) -> None:
    # Streamlit scrolls inside its own container: a tall viewport captures the whole page.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 4000})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size(size)


def assert_charts_fit_a_phone(page: Page) -> None:
    """Each chart spans the width, its title is inside the chart and clear of the toolbar, its legend below."""
    main = boxes(page, "[data-testid=stMain] [data-testid=stMainBlockContainer]")[0]
    for chart in page.locator("[data-testid=stPlotlyChart]").all():
        box = chart.bounding_box()
        assert box and box["width"] >= 0.85 * (main["w"] - 32), (box, main)
        title = chart.locator(".gtitle")
        if title.count():
            t = title.first.bounding_box()
            assert t and t["x"] >= box["x"] - 1 and t["x"] + t["width"] <= box["x"] + box["width"] + 1, \
                f"title cut: {title.first.text_content()}"
            bar = chart.locator(".modebar")
            if bar.count() and bar.first.is_visible():
                b = bar.first.bounding_box()
                assert b and (t["y"] >= b["y"] + b["height"] - 2 or t["x"] + t["width"] <= b["x"]), \
                    "the toolbar covers the title"
        plot = chart.locator(".nsewdrag").first   # the plot area
        legend = chart.locator(".legend")
        if legend.count() and plot.count():
            assert legend.first.bounding_box()["y"] >= plot.bounding_box()["y"] + plot.bounding_box()["height"]


def test_phone_overview_tiles_two_per_row_and_full_width_charts(phone: Page, app_url: str):
    phone.goto(app_url + "/")
    settle(phone, "/")
    tiles = boxes(phone, "[data-testid=stMetric]")
    assert len(tiles) == 9
    assert len({round(t["x"]) for t in tiles}) == 2                      # two columns of tiles
    assert len({round(t["y"]) for t in tiles}) == 5                      # in five rows
    assert all(t["w"] < 195 for t in tiles)
    # The tiles' trends are inline SVG (ui/overview_charts.sparkline): drawn across their tile, 64 px high.
    sparks = boxes(phone, ".kpi-sparkline")
    assert len(sparks) >= 7 and all(s["w"] > 120 and round(s["h"]) == 64 for s in sparks), sparks
    assert_charts_fit_a_phone(phone)
    # The first chart now comes within three screens rather than eight.
    first_chart = phone.locator("[data-testid=stPlotlyChart]").first.bounding_box()
    assert first_chart and first_chart["y"] < 3 * 844
    full_screenshot(phone, "phone_overview.png", 390)


def test_phone_cohort_heatmap_scrolls_sideways_with_readable_cells(phone: Page, app_url: str):
    phone.goto(app_url + "/cohorts")
    settle(phone, "/cohorts")
    box = phone.locator(".st-key-cohort_heatmap_scroll")
    widths = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] > widths[1] * 2, widths                               # much wider than the screen: it scrolls
    plot = box.locator(".nsewdrag").first.bounding_box()
    periods = len(box.locator(".xtick").all()) or 1
    assert plot and plot["width"] / periods >= 20                            # each period column stays readable
    box.evaluate("e => e.scrollLeft = 400")
    assert box.evaluate("e => e.scrollLeft") > 0
    full_screenshot(phone, "phone_cohorts.png", 390)


@pytest.mark.parametrize(("path", "title"), [p for p in PAGES if p[0] not in ("/",)])
def test_phone_pages_render_readably(phone: Page, app_url: str, path: str, title: str):
    phone.goto(app_url + path)
    settle(phone, path)
    expect(phone.locator("h1").first).to_contain_text(title)
    assert_healthy(phone)
    if path != "/cohorts":   # the heatmap is meant to be wider than the screen
        assert_charts_fit_a_phone(phone)
    full_screenshot(phone, f"phone_{path.strip('/')}.png", 390)


def chart_backgrounds(page: Page) -> list[str]:
    return page.eval_on_selector_all("[data-testid=stPlotlyChart] .main-svg:first-of-type",
                                     "els => els.map(e => e.style.background)")


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_dark_theme_charts_are_dark_on_every_page(playwright_and_browser, app_url: str):
    _, browser = playwright_and_browser
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, color_scheme="dark")
    page = context.new_page()
    for path, title in PAGES:
        page.goto(app_url + path)
        settle(page, path)
        expect(page.locator("h1").first).to_contain_text(title)
        backgrounds = chart_backgrounds(page)
        assert path in NO_CHARTS or backgrounds and set(backgrounds) == {rgb(DARK_BACKGROUND)}, (path, backgrounds)
        fills = page.eval_on_selector_all("[data-testid=stPlotlyChart] .gtitle", "els => els.map(e => e.style.fill)")
        assert all(f == "rgb(237, 235, 232)" for f in fills), fills   # light titles on the dark page
        full_screenshot(page, f"dark_{path.strip('/') or 'overview'}.png", 1440)
    context.close()


def test_switching_the_theme_redraws_the_charts(playwright_and_browser, app_url: str):
    """Streamlit does not rerun when the theme changes; the page reloads itself so the charts follow."""
    _, browser = playwright_and_browser
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, color_scheme="light")
    page = context.new_page()
    page.goto(app_url + "/cohorts?grain=quarter")
    settle(page, "/cohorts")
    assert set(chart_backgrounds(page)) == {"rgb(255, 255, 255)"}
    page.emulate_media(color_scheme="dark")   # the system theme turns dark; Streamlit follows it
    expect(page.locator("[data-testid=stPlotlyChart] .main-svg").first).to_have_css(
        "background-color", rgb(DARK_BACKGROUND), timeout=60_000)
    settle(page, "/cohorts")
    assert set(chart_backgrounds(page)) == {rgb(DARK_BACKGROUND)}
    assert "grain=quarter" in page.url                                     # the view survives the reload
    context.close()
