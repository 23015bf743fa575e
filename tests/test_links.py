"""Where the board pack's links point (report/links.py): one setting for the app and the export, and a warning when
the links would open only on the machine that made the pack."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import report.links
from report.links import BASE_URL_ENV, app_base_url, check_base_url, is_local
from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, write_exports
from tests.test_export import run_export


def test_the_docstring_examples_hold(monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    assert doctest.testmod(report.links).failed == 0


@pytest.mark.parametrize("url", ["http://localhost:8501", "http://LOCALHOST", "http://app.localhost:8501",
                                 "http://127.0.0.1:8501", "http://127.3.4.5", "http://[::1]:8501", "http://0.0.0.0"])
def test_local_addresses_are_local(url: str):
    assert is_local(url)


@pytest.mark.parametrize("url", ["https://dash.example.com", "http://10.0.0.7:8501", "https://localhost.example.com"])
def test_other_addresses_are_not(url: str):
    assert not is_local(url)


@pytest.mark.parametrize("text", ["dash.example.com", "ftp://dash.example.com", "https://", "https://x.io/?a=1"])
def test_a_base_url_must_be_an_absolute_http_address(text: str):
    with pytest.raises(ValueError, match="absolute http"):
        check_base_url(text)


def test_the_app_uses_the_setting_else_the_address_the_browser_used(monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    # Behind a proxy under /retention (server.baseUrlPath = "retention"), on the default page and on another one.
    assert app_base_url("https://dash.example.com/retention/", "retention") == "https://dash.example.com/retention"
    assert app_base_url("https://dash.example.com/retention/value?margin=0.6", "/retention/") == \
        "https://dash.example.com/retention"
    assert app_base_url(None) == "http://localhost:8501"
    monkeypatch.setenv(BASE_URL_ENV, "https://board.example.org/dash/")
    assert app_base_url("http://127.0.0.1:8501/cohorts") == "https://board.example.org/dash"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)


def test_the_export_warns_when_the_packs_links_point_to_localhost(data: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    result = run_export("--data", str(data), "--out", str(tmp_path / "out"), "--board-pack")
    assert result.returncode == 0, result.stderr
    assert "warning: the board pack's links will point to http://localhost:8501" in result.stderr
    assert "--base-url" in result.stderr and BASE_URL_ENV in result.stderr
    assert 'href="http://localhost:8501/cohorts' in (tmp_path / "out" / "board_pack.html").read_text()


def test_the_export_takes_the_base_url_from_the_environment(data: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv(BASE_URL_ENV, "https://dash.example.com/retention")
    result = run_export("--data", str(data), "--out", str(tmp_path / "out"), "--board-pack")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert 'href="https://dash.example.com/retention/cohorts' in (tmp_path / "out" / "board_pack.html").read_text()


def test_a_bad_base_url_is_a_clear_error(data: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    result = run_export("--data", str(data), "--out", str(tmp_path / "out"), "--base-url", "dash.example.com")
    assert result.returncode == 2 and "absolute http(s) address" in result.stderr and "Traceback" not in result.stderr
    monkeypatch.setenv(BASE_URL_ENV, "dash.example.com")
    result = run_export("--data", str(data), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and f"{BASE_URL_ENV}: the base URL must be" in result.stderr
