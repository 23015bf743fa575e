"""Sign-in (ui/sign_in.py) and the allow-list (ui/access.py): who may see figures when ``[auth]`` is configured.

The allow-list is pinned on literal settings; the gate runs in AppTest with seeded secrets and a seeded
``st.user`` (Streamlit's own test hooks: no identity provider needed here; the end-to-end sign-in through a real
OpenID Connect provider is tests/test_sign_in_browser.py).
"""

from __future__ import annotations

import doctest
import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import ui.access
from tests.conftest import APP, SMALL_CUSTOMERS, SMALL_TRANSACTIONS, write_exports
from ui.access import AccessList, AccessSettingsError

PEOPLE = AccessList.from_settings({"allowed_emails": ["CFO@example.com", " chair@board.example.org "],
                                   "allowed_domains": ["finance.example.net", "@Example.com"]})


@pytest.mark.parametrize(("email", "allowed"), [
    ("cfo@example.com", True),                 # listed address
    ("Chair@Board.Example.org", True),         # listed address, other case
    ("anyone@example.com", True),              # listed domain (written with a leading @ and in capitals)
    ("x@FINANCE.example.net", True),
    ("eve@evil-example.com", False),           # a domain that ends like a listed one is another domain
    ("eve@example.com.evil.io", False),
    ("eve@eu.example.com", False),             # a subdomain is not the domain
    ("other@board.example.org", False),        # only chair@ of that domain is listed
    ("example.com", False),                    # no @: not an address
    ("eve@evil.io@example.com", False),        # two @: not one mailbox, refused rather than guessed
    ("", False),
    (None, False),
])
def test_allow_list_matches_addresses_and_exact_domains(email: Any, allowed: bool):
    assert PEOPLE.allows(email) is allowed


def test_an_address_the_provider_has_not_verified_is_refused():
    assert PEOPLE.allows("cfo@example.com", email_verified=True)
    assert PEOPLE.allows("cfo@example.com", email_verified=None)  # providers that send no such claim
    assert not PEOPLE.allows("cfo@example.com", email_verified=False)


def test_no_access_section_lets_nobody_in():
    nobody = AccessList.from_settings(None)
    assert nobody.is_empty and not nobody.allows("cfo@example.com")
    assert AccessList.from_settings({"allowed_emails": "solo@example.com"}).allows("solo@example.com")


@pytest.mark.parametrize(("section", "names"), [
    ({"allowed_emails": 5}, "allowed_emails must be a list"),
    ({"allowed_domains": ["example"]}, "'example', which is not a domain"),
    ({"allowed_domains": ["x@example.com"]}, "not a domain"),
    ({"allowed_email": ["a@example.com"]}, "unknown key(s) allowed_email"),
])
def test_bad_settings_say_which_key_and_what_to_write(section: dict[str, Any], names: str):
    with pytest.raises(AccessSettingsError, match=re.escape(names)) as error:
        AccessList.from_settings(section)
    assert ".streamlit/secrets.toml" in str(error.value)


def test_the_docstring_examples_hold():
    assert doctest.testmod(ui.access).failed == 0


# --- The gate in the app (AppTest) ---------------------------------------------------------------------------

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-secret-0123456789",
        "client_id": "dashboard", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture
def app(tmp_path, monkeypatch):
    """AppTest of the shell on a tiny export, with ``secrets`` and ``user`` seeded (None = not set)."""
    monkeypatch.setenv("RETENTION_DATA_DIR", str(write_exports(tmp_path / "data", SMALL_CUSTOMERS,
                                                                SMALL_TRANSACTIONS)))

    def run(secrets: dict[str, Any] | None, user: dict[str, Any] | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=120)
        if secrets is not None:
            at.secrets.update(secrets)
        if user is not None:
            at.user = user
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def shows_data(at: AppTest) -> bool:
    """Any figure at all: a chart, a KPI, a table, a filter, the data footer or a digit in the page's text."""
    texts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.error, *at.warning, *at.info)
             if isinstance(getattr(e, "value", None), str)]
    return bool(at.get("plotly_chart") or at.get("metric") or at.get("arrow_data_frame") or at.sidebar.multiselect
                or any(re.search(r"\d", text) for text in texts))


def test_without_auth_the_app_is_open_as_before(app):
    at = app(None)
    assert shows_data(at) and not [b for b in at.button if b.label == "Sign in"]


def test_signed_out_visitors_see_a_sign_in_button_and_no_figures(app):
    at = app({"auth": AUTH, "access": {"allowed_domains": ["example.com"]}}, {"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in"]
    assert not shows_data(at)


def test_a_user_outside_the_list_is_refused_with_a_sign_out(app):
    at = app({"auth": AUTH, "access": {"allowed_domains": ["example.com"]}},
             {"is_logged_in": True, "email": "eve@evil-example.com"})
    assert "eve@evil-example.com" in at.warning[0].value and "not on this dashboard's access list" in \
        at.warning[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert not shows_data(at)


def test_an_allowed_user_sees_the_figures_and_a_sign_out(app):
    at = app({"auth": AUTH, "access": {"allowed_domains": ["example.com"]}},
             {"is_logged_in": True, "email": "cfo@Example.com"})
    assert shows_data(at) and at.get("plotly_chart")
    assert "Sign out" in [b.label for b in at.sidebar.button]


@pytest.mark.parametrize(("access", "message"), [
    (None, "nobody is on the access list yet"),
    ({"allowed_emails": 5}, "allowed_emails must be a list"),
])
def test_an_empty_or_broken_access_list_shows_no_figures(app, access, message):
    secrets = {"auth": AUTH} | ({"access": access} if access is not None else {})
    at = app(secrets, {"is_logged_in": True, "email": "cfo@example.com"})
    shown = " ".join(e.value for e in (*at.warning, *at.error))
    assert message in shown
    assert not at.get("plotly_chart") and not at.get("metric")
