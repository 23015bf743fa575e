"""Sign-in end to end in Chromium: the app with ``[auth]`` configured against a local OpenID Connect provider
(the ``oidc-provider-mock`` package, started here on a free port; its authorization form signs in whatever
subject is typed, with that text as the ``email`` claim).

Signed out: no figure anywhere. An allowed user: back on the deep link they opened, with its filters. Someone
else: a clear refusal and no figures.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import SCREENSHOTS, free_port, running_app, wait_idle

DEEP_LINK = "/cohorts?grain=quarter&segment=pro"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A local OpenID Connect provider; yields its base URL once its discovery document answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"oidc_provider_mock exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the OpenID Connect test provider did not start") from None
                time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def app_url(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    secrets = tmp_path_factory.mktemp("auth") / "secrets.toml"
    secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "browser-test-cookie-secret-0123456789"
client_id = "retention-dashboard"
client_secret = "test-client-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[access]
allowed_emails = ["chair@board.example.org"]
allowed_domains = ["example.com"]
""")
    # The provider runs on plain http on this machine: Authlib refuses that unless told it is a test.
    with running_app(options=[f"--secrets.files={secrets}"], env={"AUTHLIB_INSECURE_TRANSPORT": "1"}) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})  # a context = a browser without cookies
    yield context.new_page()
    context.close()


def assert_no_figures(page: Page) -> None:
    """No chart, KPI, table or filter, and not one digit in the text of the page."""
    for testid in ("stPlotlyChart", "stMetric", "stDataFrame", "stTable", "stMultiSelect", "stDateInput"):
        expect(page.locator(f"[data-testid={testid}]")).to_have_count(0)
    text = page.locator("[data-testid=stApp]").inner_text()
    assert not re.search(r"\d", text), text


def sign_in(page: Page, app_url: str, email: str) -> None:
    """Open the deep link signed out, check it shows nothing, sign in as ``email`` at the provider."""
    page.goto(app_url + DEEP_LINK)
    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert_no_figures(page)
    button.click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"), timeout=30_000)
    page.fill("input[name=sub]", email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(lambda url: url.startswith(app_url), timeout=30_000)


def test_signed_out_visitors_see_no_figures_on_any_page(page: Page, app_url: str):
    for path in ("/", DEEP_LINK, "/value?margin=0.6", "/data_health"):
        page.goto(app_url + path)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        wait_idle(page)
        assert_no_figures(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sign_in.png"))


def test_an_allowed_user_lands_on_the_deep_link_they_opened(page: Page, app_url: str):
    sign_in(page, app_url, "cfo@example.com")
    # The provider's callback lands on the home page; the link opened before signing in is restored.
    page.wait_for_url(lambda url: url.endswith(DEEP_LINK), timeout=60_000)
    expect(page.get_by_text("Filters in force: quarterly · all dates · segment: pro")).to_be_visible(timeout=60_000)
    wait_idle(page)
    expect(page.locator("h1").first).to_contain_text("Cohort retention")
    expect(page.locator("[data-testid=stPlotlyChart] .main-svg").first).to_be_attached(timeout=30_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("cfo@example.com")).to_be_visible()
    expect(sidebar.get_by_role("radio", name="quarter")).to_be_checked()

    # Signing out ends the session: the app shows the sign-in screen again.
    sidebar.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: not url.endswith(DEEP_LINK), timeout=30_000)
    page.goto(app_url + "/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    assert_no_figures(page)


def test_a_user_outside_the_list_is_refused(page: Page, app_url: str):
    sign_in(page, app_url, "mallory@evil-example.com")  # ends like example.com, but is another domain
    refusal = page.get_by_text("is signed in but is not on this dashboard's access list")
    expect(refusal).to_be_visible(timeout=60_000)
    wait_idle(page)
    expect(page.get_by_text("mallory@evil-example.com")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_figures(page)
    # Not by typing the deep link again either.
    page.goto(app_url + DEEP_LINK)
    expect(refusal).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert_no_figures(page)
    page.screenshot(path=str(SCREENSHOTS / "sign_in_refused.png"))

