"""Real-browser tests (Playwright + Debian's Chromium): what only a browser shows — the URL follows the
filters, a copied URL reproduces the view, page switches keep the filters, and every chart is drawn."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import SCREENSHOTS, running_app, wait_charts, wait_idle


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:  # the bundled sample data, as a first-time user sees it
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


#: (path, h1) of every page of the app.
PAGES = [("/", "Overview"), ("/cohorts", "Cohort retention"), ("/revenue_mix", "Revenue mix"),
         ("/survival", "Survival"), ("/value", "Customer value vs. acquisition cost"), ("/customers", "Customers"),
         ("/retention_process", "Retention process"), ("/budget", "Budget"), ("/data_health", "Data health"),
         ("/glossary", "Glossary")]
VIEWPORT = {"width": 1440, "height": 1000}


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
    for path, title in PAGES:
        page.goto(app_url + path)
        wait_idle(page)
        expect(page.locator("h1").first).to_contain_text(title)
        assert_healthy(page)
        # Streamlit scrolls inside its own container: a tall viewport captures the whole page.
        page.set_viewport_size({"width": 1440, "height": 3800})
        page.screenshot(path=str(SCREENSHOTS / f"{path.strip('/') or 'overview'}.png"))
        page.set_viewport_size(VIEWPORT)


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
    kpi_values = page.locator("[data-testid=stMetricValue]").all_text_contents()
    assert len(kpi_values) == 9
    shared_url = page.url

    # A copied URL in a fresh browser context reproduces the widget state and the numbers.
    other = browser.new_context(viewport=VIEWPORT)
    fresh = other.new_page()
    fresh.goto(shared_url)
    wait_idle(fresh)
    # The tiles of a first visit may still be arriving when the first run's state reads "not running" (the run
    # that attaches the shell reruns): wait for all nine before comparing them.
    expect(fresh.locator("[data-testid=stMetricValue]")).to_have_count(9, timeout=30_000)
    wait_idle(fresh)
    assert chart_title(fresh) == quarterly_title
    assert fresh.locator("[data-testid=stMetricValue]").all_text_contents() == kpi_values
    expect(fresh.locator("[data-testid=stSidebar]").get_by_role("radio", name="quarter")).to_be_checked()
    other.close()

    # Switching pages through the navigation keeps the shared filters in the URL.
    sidebar.get_by_role("link", name="Data health").click()
    page.wait_for_url(lambda url: "/data_health" in url, timeout=30_000)
    wait_idle(page)
    assert query(page).get("grain") == ["quarter"]
    sidebar.get_by_role("link", name="Overview").click()
    page.wait_for_url(lambda url: "data_health" not in url, timeout=30_000)
    wait_idle(page)
    assert query(page).get("grain") == ["quarter"]
    expect(page.locator("[data-testid=stPlotlyChart] .gtitle").first).to_have_text(quarterly_title,
                                                                                      timeout=30_000)


def test_details_links_carry_each_filter_once(page: Page, app_url: str):
    """The Overview tiles' "Details" links once repeated the query string at every click
    (?grain=quarter&segment=pro&segment=pro&grain=quarter, growing): each filter must arrive once, every time."""
    page.goto(app_url + "/?grain=quarter&segment=pro&churn=inactivity")
    wait_idle(page)
    for _ in range(2):
        page.get_by_role("link", name="Details").first.click()
        page.wait_for_url(lambda url: "/cohorts" in url, timeout=30_000)
        wait_idle(page)
        assert query(page) == {"grain": ["quarter"], "segment": ["pro"], "churn": ["inactivity"]}
        expect(page.get_by_text("Filters in force: quarterly · all dates · segment: pro")).to_be_visible()
        page.locator("[data-testid=stSidebar]").get_by_role("link", name="Overview").click()
        page.wait_for_url(lambda url: "/cohorts" not in url, timeout=30_000)
        wait_idle(page)
        assert query(page) == {"grain": ["quarter"], "segment": ["pro"], "churn": ["inactivity"]}


def test_compare_yoy_lives_in_the_url(page: Page, app_url: str):
    page.goto(app_url + "/?compare=yoy")
    wait_idle(page)
    expect(page.get_by_text("vs December 2024").first).to_be_visible()
    expect(page.locator("[data-testid=stMain]").get_by_role("radio", name="yoy")).to_be_checked()
    # The tiles compare December 2025 with December 2024; the KPI table says so too.
    assert page.get_by_text("vs November 2025").count() == 0


def test_budget_opens_on_the_question_and_its_target_lives_in_the_url(page: Page, app_url: str):
    # A bound selectbox takes its URL value as the option shown: "segment: pro" must select that option.
    page.goto(app_url + "/budget?target=segment%3A+pro")
    wait_idle(page)
    # The first visit of a fresh server calibrates three times (group, rest, scope): give it time under load.
    expect(page.get_by_role("heading", name="What if we moved budget from acquisition to retention?")).to_be_visible(
        timeout=120_000)
    expect(page.get_by_text("Retention is aimed at segment pro only").first).to_be_visible(timeout=120_000)
    wait_idle(page)
    wait_charts(page)
    assert_healthy(page)
    # Back to the whole base from the selector: the parameter leaves the URL (its default).
    # Opened from the keyboard (as a keyboard user would); a late rerun of the page can close the list again
    # before it is read, so it is opened until its option shows (at most five tries, each waiting for the option).
    combobox = page.locator("[data-testid=stSelectbox]").filter(has_text="Aim retention at").get_by_role("combobox")
    option = page.get_by_role("option", name="Whole customer base")
    for _ in range(5):
        wait_idle(page)
        combobox.focus()
        page.keyboard.press("ArrowDown")
        try:
            option.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    option.click()
    wait_idle(page)
    expect(page.get_by_text("Retention is aimed at segment pro only")).to_have_count(0)
    assert "target" not in query(page)


def test_a_deep_link_is_the_first_request_of_a_fresh_server(browser: Browser):
    """Streamlit's legacy pages/ discovery would run pages/cohorts.py without the shell on the first request
    of a new server process; the link must still get the shell and its URL filters."""
    with running_app() as url:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url + "/cohorts?grain=quarter&segment=pro")
        wait_idle(page)
        expect(page.locator("h1").first).to_contain_text("Cohort retention")
        expect(page.get_by_text("Filters in force: quarterly · all dates · segment: pro")).to_be_visible()
        sidebar = page.locator("[data-testid=stSidebar]")
        expect(sidebar.get_by_role("radio", name="quarter")).to_be_checked()
        expect(sidebar.get_by_role("link", name="Overview")).to_be_visible()
        assert_healthy(page)
        context.close()


def test_board_pack_opens_offline_with_its_charts(browser: Browser, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT
    out = tmp_path / "pack"
    subprocess.run([sys.executable, "-m", "analytics", "export", "--out", str(out), "--board-pack"], cwd=ROOT,
                   check=True, capture_output=True, timeout=300)
    context = browser.new_context(viewport=VIEWPORT, offline=True)
    page = context.new_page()
    page.goto((out / "board_pack.html").as_uri())
    expect(page.locator("h1")).to_have_text("Retention board pack")
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == 6  # five pages and the budget split (no saved scenarios)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board_pack.png"), full_page=True)
    context.close()
