"""Hostile data in a real browser (Playwright + Debian's Chromium): the Data health page names what is wrong on
three hostile folders while the other pages keep working; a link's unusable values get one notice; a fresh server
serves 16 first visits at once without an exception."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Browser, Page, expect

from sample_data.generate import generate
from tests.browser import SCREENSHOTS, running_app, wait_idle
from tests.test_faults import TODAY, _damage_a_page

VIEWPORT = {"width": 1440, "height": 1000}
ENV = {"RETENTION_TODAY": TODAY}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser-base")
    generate(2000, seed=7, out=folder, progress=False)
    return folder


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


def hostile(base: Path, tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / kind
    shutil.copytree(base, folder)
    tx = pl.read_parquet(base / "transactions.parquet")
    if kind == "excluded":  # a transaction in 2099, NaN and 1e300 amounts
        amounts = tx["amount"].to_list()
        amounts[10], amounts[20] = float("nan"), 1e300
        future = tx.head(1).with_columns(transaction_id=pl.lit("T-FUTURE"), transaction_date=pl.lit(date(2099, 1, 1)))
        pl.concat([tx.with_columns(amount=pl.Series(amounts)), future]).write_parquet(folder / "transactions.parquet")
    elif kind == "damaged":  # a flipped page: transactions unusable, customers fine
        pq.write_table(pq.read_table(base / "transactions.parquet"), folder / "transactions.parquet",
                       compression="snappy")
        _damage_a_page(folder / "transactions.parquet", "customer_id")
    elif kind == "warned":  # a mapped optional column that is missing, a folder named like a column
        (folder / "retention.toml").write_text('[columns.transactions]\ngross_margin = "no_such_col"\n')
        (folder / "transactions.parquet").unlink()
        (folder / "transactions" / "amount=1000000").mkdir(parents=True)
        shutil.copy(base / "transactions.parquet", folder / "transactions" / "amount=1000000" / "part-0.parquet")
    return folder


def no_exception(page: Page) -> None:
    expect(page.locator("[data-testid=stException]")).to_have_count(0)


@pytest.mark.parametrize("kind", ["excluded", "damaged", "warned"])
def test_data_health_names_the_problem_and_the_other_pages_work(base, tmp_path, page, kind):
    folder = hostile(base, tmp_path, kind)
    log = tmp_path / "server.log"
    with running_app(folder, log_path=log, env=ENV) as url:
        page.goto(url + "/data_health")
        wait_idle(page)
        expect(page.locator("h1").first).to_contain_text("Data health")
        no_exception(page)
        main = page.locator("[data-testid=stMain]")
        if kind == "excluded":
            expect(main.get_by_text("left out of every figure, and the rest of the data is used")).to_be_visible()
            expect(main.get_by_text(re.compile(r"non-finite amount — transactions \(1\)"))).to_be_visible()
            expect(main.get_by_text(re.compile(r"implausible amount — transactions \(1\)"))).to_be_visible()
            expect(main.get_by_text(re.compile(r"transactions after as-of — transactions \(1\)"))).to_be_visible()
            expect(main.get_by_text("as of 2025-12-31", exact=False).first).to_be_visible()
        elif kind == "damaged":
            expect(main.get_by_text("transactions.parquet is damaged", exact=False)).to_be_visible()
        else:
            warnings = main.locator("[data-testid=stExpander] summary").filter(has_text="load — transactions")
            expect(warnings).to_have_count(2)
            for i in range(2):
                warnings.nth(i).click()
            expect(main.locator("p").filter(has_text='gross_margin = "no_such_col"')).to_be_visible()
            expect(main.locator("p").filter(has_text="transactions/amount=1000000/")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1440, "height": 2600})
        page.screenshot(path=str(SCREENSHOTS / f"data_health_{kind}.png"))
        page.set_viewport_size(VIEWPORT)
        for path in ("/", "/revenue_mix", "/value"):
            page.goto(url + path)
            wait_idle(page)
            no_exception(page)
            text = page.locator("[data-testid=stMain]").inner_text()
            if kind == "damaged":
                assert "needs the transactions export" in text
            else:
                assert not re.search(r"\bnan\b|\binf\b|\d{16,}", text, re.I), text[:2000]
                expect(page.locator("[data-testid=stPlotlyChart]").first).to_be_visible()
    assert "Traceback" not in log.read_text()


def test_a_link_with_unusable_values_gets_one_notice(base, page):
    with running_app(base, env=ENV) as url:
        page.goto(url + "/value?grain=decade&churn=maybe&margin=7&as_of=June&segment=pro&segment=nosuch")
        wait_idle(page)
        no_exception(page)
        notice = page.locator("[data-testid=stAlert]").filter(has_text="Some values in the link could not be used")
        expect(notice).to_have_count(1)
        text = notice.inner_text()
        for expected in ("grain=decade was ignored: grain must be week, month or quarter",
                         "churn=maybe was ignored: churn must be explicit or inactivity",
                         "margin=7 was ignored: margin must be a fraction from 0.05 to 1",
                         "as_of=June was ignored: as_of must be a date written YYYY-MM-DD",
                         "segment=pro, nosuch was changed to pro: segment must be one or more of the data's "
                         "segments"):
            assert expected in text, text
        # The page falls back to the defaults and works.
        expect(page.locator("h1").first).to_contain_text("Customer value")
        expect(page.locator("[data-testid=stPlotlyChart]").first).to_be_visible()
        # A clean link has no notice.
        page.goto(url + "/value?grain=quarter")
        wait_idle(page)
        expect(page.get_by_text("Some values in the link could not be used")).to_have_count(0)


def test_sixteen_first_visits_at_once_to_a_fresh_server(browser, tmp_path):
    # Small data: the race is in the imports and the routing of first runs, not in the computation (16 sessions
    # compute their first results side by side on a 2-core machine).
    data = tmp_path / "data"
    generate(200, seed=7, out=data, progress=False)
    log = tmp_path / "server.log"
    with running_app(data, log_path=log, env=ENV) as url:
        contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(16)]
        pages = [context.new_page() for context in contexts]
        # Every request leaves before any page is drawn: the sessions start together on the fresh server.
        for page in pages:
            page.goto(url + "/revenue_mix", wait_until="commit")
        for page in pages:
            page.bring_to_front()  # a page in the background does not draw its charts
            # Every session gets the shell (its filters), and its charts, however the server routed its first run.
            expect(page.locator("[data-testid=stPlotlyChart]").first).to_be_visible(timeout=300_000)
            wait_idle(page, timeout=240_000)
            no_exception(page)
            expect(page.locator("h1").first).to_contain_text("Revenue mix")
            expect(page.locator("[data-testid=stSidebar]").get_by_text("Filters")).to_be_visible()
        for context in contexts:
            context.close()
    server_log = log.read_text()
    assert "Traceback" not in server_log and "partially initialized module" not in server_log
