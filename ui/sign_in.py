"""Optional sign-in in front of every page: OpenID Connect through Streamlit (``st.login``), then the
``[access]`` allow-list (:mod:`ui.access`). Off unless ``.streamlit/secrets.toml`` has an ``[auth]`` section.

The shell (app.py) calls :func:`gate` before it opens the data or draws anything, on every run of every page;
a page that Streamlit runs without the shell stops in ``shell.ensure_shell`` through :func:`allowed`.

A deep link survives the sign-in: Streamlit's OpenID callback always lands on the app's home page without the
query string, so the sign-in screen keeps the link in the tab's ``sessionStorage`` (per tab, same origin, never
sent to a server) and the first allowed run after the callback sends the tab back to it.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitMissingAuthlibError

from ui.access import SECRETS_FILE, AccessList, AccessSettingsError

#: sessionStorage key of the link a signed-out visitor opened.
RETURN_KEY = "retention-return-to"


class Access(Enum):
    OPEN = "open"              # sign-in is not configured: the app is open, as without this module
    ALLOWED = "allowed"        # signed in and on the allow-list
    SIGNED_OUT = "signed_out"
    REFUSED = "refused"        # signed in, not on the allow-list
    MISCONFIGURED = "misconfigured"


def _settings_problem() -> str | None:
    """Why the secrets cannot be trusted, or None. A secrets file that exists but does not parse must not switch
    sign-in off silently (fail closed)."""
    if st.secrets.load_if_toml_exists():
        return None
    present = [p for p in st.get_option("secrets.files") if Path(p).exists()]
    if present:
        return (f"The secrets file {present[0]} exists but could not be read (is it valid TOML?). Fix it, or "
                "remove it to run without sign-in.")
    return None


def configured() -> bool:
    """Whether sign-in is on: an ``[auth]`` section in the secrets (or an unreadable secrets file)."""
    return _settings_problem() is not None or (st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def _access_list() -> AccessList:
    return AccessList.from_settings(st.secrets.get("access"))


def status() -> tuple[Access, str]:
    """The visitor's access and, for a refusal or a misconfiguration, the message to show."""
    problem = _settings_problem()
    if problem:
        return Access.MISCONFIGURED, problem
    if not configured():
        return Access.OPEN, ""
    try:
        people = _access_list()
    except AccessSettingsError as exc:
        return Access.MISCONFIGURED, str(exc)
    if not st.user.is_logged_in:
        return Access.SIGNED_OUT, ""
    email = st.user.get("email")
    if people.is_empty:
        return Access.REFUSED, (
            f"Sign-in is on, but nobody is on the access list yet. The dashboard's owner adds who may see the "
            f"figures to `{SECRETS_FILE}`: `[access]` with `allowed_emails = [...]` and/or "
            "`allowed_domains = [...]`.")
    if people.allows(email, st.user.get("email_verified")):
        return Access.ALLOWED, ""
    who = f"**{email}**" if isinstance(email, str) and email else "This account (it has no e-mail address)"
    if st.user.get("email_verified") is False:
        return Access.REFUSED, f"{who} is not verified by your identity provider, so no figures are shown."
    return Access.REFUSED, (
        f"{who} is signed in but is not on this dashboard's access list, so no figures are shown. Ask the "
        f"dashboard's owner to add your address (or your e-mail domain) to `[access]` in `{SECRETS_FILE}`, or "
        "sign out and sign in with another account.")


def allowed() -> bool:
    """Whether this run may open the data and show figures."""
    return status()[0] in (Access.OPEN, Access.ALLOWED)


def _script(code: str) -> None:
    # st.html runs the script in the page itself (not an iframe); the body holds only our constant code.
    st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)


def _remember_link() -> None:
    _script(f"sessionStorage.setItem({json.dumps(RETURN_KEY)}, location.pathname + location.search);")


def _restore_link() -> None:
    # Back from the OpenID callback on the bare home page: go to the link opened before signing in (same origin
    # only: the stored value is a path, and a path that does not start with a single "/" is ignored).
    _script(f"""(() => {{
  const key = {json.dumps(RETURN_KEY)}, target = sessionStorage.getItem(key);
  sessionStorage.removeItem(key);
  if (target && target.startsWith("/") && !target.startsWith("//") && !location.search
      && target !== location.pathname + location.search) {{ location.replace(target); }}
}})();""")


def _sign_out_button(where: st.delta_generator.DeltaGenerator) -> None:
    where.button("Sign out", icon=":material/logout:", key="sign_out", on_click=st.logout)


def gate() -> bool:
    """Draw the sign-in screen, the refusal or the configuration error when the visitor may not see figures and
    return False (the caller stops the run); True when the app may go on. With sign-in on, the sidebar gets the
    signed-in address and a sign-out button."""
    access, message = status()
    if access is Access.OPEN:
        return True
    if access is Access.ALLOWED:
        _restore_link()
        with st.sidebar:
            st.caption(f"Signed in as **{st.user.get('email')}**")
            _sign_out_button(st.sidebar)
        return True
    st.title("Retention analytics")
    if access is Access.MISCONFIGURED:
        st.error(f"Sign-in is switched on but its settings cannot be used, so no figures are shown.\n\n{message}")
    elif access is Access.SIGNED_OUT:
        _remember_link()
        st.info("This dashboard shows revenue and customer figures: sign in to see them. You will come back to "
                "the view you opened.", icon=":material/lock:")
        if st.button("Sign in", icon=":material/login:", type="primary", key="sign_in"):
            try:
                st.login()
            except (StreamlitAuthError, StreamlitMissingAuthlibError) as exc:
                st.error(f"Sign-in cannot start: {exc}\n\nCheck the `[auth]` section of `{SECRETS_FILE}` and that "
                         "`pip install -r requirements.txt` has run (see the README, Sign-in).")
    else:
        st.warning(message, icon=":material/block:")
        _sign_out_button(st)
    return False
