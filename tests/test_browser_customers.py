"""The Customers page in a real browser: drilled into from another page through the URL, filtered, downloaded;
customer ids that look like HTML or markdown stay text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polars as pl
import pytest
from playwright.sync_api import Browser, Page, expect

from analytics.clv_models.customers import customer_list, narrow
from analytics.clv_models.scores import ClvSettings
from analytics.filters import Filters
from queries import DataSource
from tests.browser import SCREENSHOTS, running_app, wait_idle

HOSTILE_IDS = ["<b>x</b>", "[x](javascript:alert(1))"]
VIEWPORT = {"width": 1440, "height": 1000}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 customers from the seeded generator, the two biggest buyers renamed to ids that look like markup."""
    from sample_data.generate import generate
    folder = tmp_path_factory.mktemp("customers-data")
    generate(600, 5, folder, date(2023, 1, 1), date(2025, 6, 30), progress=False)
    transactions = pl.read_parquet(folder / "transactions.parquet")
    top = transactions.group_by("customer_id").len().sort(["len", "customer_id"], descending=True)["customer_id"]
    renames = dict(zip(top.head(2).to_list(), HOSTILE_IDS, strict=True))
    for name in ("customers", "transactions"):
        frame = pl.read_parquet(folder / f"{name}.parquet")
        frame.with_columns(pl.col("customer_id").replace(renames)).write_parquet(folder / f"{name}.parquet")
    return folder


@pytest.fixture(scope="module")
def app_url(data_dir: Path) -> Iterator[str]:
    with running_app(data_dir, timeout=180) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=120_000)
    wait_idle(page, timeout=120_000)
    expect(page.locator("[data-testid=stException]")).to_have_count(0)


def listed_count(page: Page) -> int:
    tile = page.locator("[data-testid=stMetric]", has_text="Customers listed")
    return int(tile.locator("[data-testid=stMetricValue]").inner_text().replace(",", ""))


def download_list(page: Page, tmp_path: Path) -> pl.DataFrame:
    with page.expect_download() as info:
        page.get_by_role("button", name="customers listed (CSV)").click()
    path = tmp_path / "list.csv"
    info.value.save_as(path)
    return pl.read_csv(path, schema_overrides={"customer_id": pl.String})


def test_the_list_downloads_exactly_what_it_shows_and_ids_stay_text(page: Page, app_url: str, data_dir: Path,
                                                                     tmp_path: Path):
    open_page(page, app_url + "/customers?p_alive_below=0.6")
    source = DataSource.open(data_dir)
    expected = narrow(customer_list(source, Filters(), ClvSettings()).customers, p_alive_below=0.6)
    source.close()
    assert listed_count(page) == expected.height > 0
    csv = download_list(page, tmp_path)
    assert csv.height == expected.height and set(csv["customer_id"]) == set(expected["customer_id"])
    open_page(page, app_url + "/customers")
    whole = download_list(page, tmp_path)
    assert set(HOSTILE_IDS) <= set(whole["customer_id"])  # the ids come back verbatim, as text
    # Nothing on the page was made from them: no bold x, no javascript link, no alert.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert page.locator("b", has_text="x").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert dialogs == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 3800})
    page.screenshot(path=str(SCREENSHOTS / "customers.png"))


def test_a_cohort_of_the_cohorts_page_drills_into_the_list(page: Page, app_url: str, data_dir: Path):
    open_page(page, app_url + "/cohorts?segment=pro")
    link = page.get_by_role("button", name="List the customers of")
    link.wait_for(timeout=120_000)
    label = link.inner_text()
    cohort = label.split("List the customers of ")[1].split(" ")[0]
    link.click()
    page.wait_for_url(lambda url: "/customers" in url, timeout=60_000)
    page.wait_for_selector("h1", timeout=120_000)
    wait_idle(page, timeout=120_000)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("cohort") == [cohort] and query.get("segment") == ["pro"]
    expect(page.get_by_text("Filters in force: monthly · all dates · segment: pro")).to_be_visible()
    source = DataSource.open(data_dir)
    expected = narrow(customer_list(source, Filters(segment=("pro",)), ClvSettings()).customers, cohort=cohort)
    source.close()
    assert listed_count(page) == expected.height


def test_a_channel_on_value_and_cac_drills_into_the_list(page: Page, app_url: str):
    open_page(page, app_url + "/value?grain=quarter")
    link = page.get_by_role("button", name="paid_search", exact=True)
    link.wait_for(timeout=120_000)
    link.click()
    page.wait_for_url(lambda url: "channel=paid_search" in url, timeout=60_000)
    page.wait_for_selector("h1", timeout=120_000)
    wait_idle(page, timeout=120_000)
    # The channel drilled into replaces the sidebar's (empty) channel filter; the other filters stay.
    expect(page.get_by_text("Filters in force: quarterly · all dates · channel: paid_search")).to_be_visible()
    query = parse_qs(urlparse(page.url).query)
    assert "/customers" in page.url and query.get("channel") == ["paid_search"] and query.get("grain") == ["quarter"]
    channels = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]", has_text="Acquisition channel")
    expect(channels).to_contain_text("paid_search")
