"""Where the dashboard is reached, for the links of the board pack: one setting, ``RETENTION_BASE_URL``.

The export takes ``--base-url`` (default: the variable, else ``http://localhost:8501``, with a warning: such links
open only on the machine that made the pack). The app's board-pack button uses the variable when it is set, else
the address the browser used (right behind a proxy that passes the Host header, see the README).
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

BASE_URL_ENV = "RETENTION_BASE_URL"
LOCAL_BASE_URL = "http://localhost:8501"


def check_base_url(text: str) -> str:
    """``text`` without a trailing slash when it is an absolute http(s) address; ValueError saying what to write.

    >>> check_base_url("https://dash.example.com/retention/")
    'https://dash.example.com/retention'
    """
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"the base URL must be an absolute http(s) address such as https://dash.example.com or "
                         f"https://example.com/retention, not {text!r}")
    return text.strip().rstrip("/")


def configured_base_url() -> str | None:
    """The ``RETENTION_BASE_URL`` setting (checked), or None when it is not set."""
    value = os.environ.get(BASE_URL_ENV, "").strip()
    if not value:
        return None
    try:
        return check_base_url(value)
    except ValueError as exc:
        raise ValueError(f"{BASE_URL_ENV}: {exc}") from None


def is_local(base_url: str) -> bool:
    """Whether links under ``base_url`` open only on this machine (localhost, a loopback or unspecified address).

    >>> is_local("http://localhost:8501"), is_local("http://127.0.0.1:8501"), is_local("https://dash.example.com")
    (True, True, False)
    """
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def app_base_url(page_url: str | None, base_url_path: str = "") -> str:
    """The dashboard's base URL for the app's board-pack button: the setting, else the scheme and host of the page
    the browser shows (``st.context.url``) with Streamlit's ``server.baseUrlPath``.

    >>> app_base_url("https://dash.example.com/retention/cohorts?grain=quarter", "retention")
    'https://dash.example.com/retention'
    >>> app_base_url("http://127.0.0.1:8501/", "")
    'http://127.0.0.1:8501'
    """
    configured = configured_base_url()
    if configured:
        return configured
    if not page_url:
        return LOCAL_BASE_URL
    parts = urlsplit(page_url)
    path = base_url_path.strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{path}" if path else "")
