"""What every page shares in Streamlit: the data source, the URL-bound filters, caching, downloads, errors.

The shell (``app.py``) draws the filters in the sidebar on every run, so they survive page switches and live
in the URL (``bind="query-params"``: a value equal to its default is left out of the URL). Pages read them
back with :func:`current_filters` and compute through :func:`compute`, which caches on small keys only:
the data folder, its fingerprint, the function and its (hashable) arguments.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from analytics.filters import GRAINS, Filters
from analytics.overview import date_bounds, filter_options
from analytics.parallel import side_by_side
from queries import DataSource, DataUnavailable, data_fingerprint, default_data_dir
from ui import sign_in, theme
from ui.format import escape_markdown

T = TypeVar("T")
DIMENSIONS = {"segment": "Segment", "channel": "Acquisition channel", "region": "Region"}


def data_dir() -> Path:
    """``--data DIR`` after ``--`` on the streamlit command line, else RETENTION_DATA_DIR, else sample_data/."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", type=Path, default=None)
    args, _ = parser.parse_known_args(sys.argv[1:])
    return (args.data or default_data_dir()).resolve()


@st.cache_resource(max_entries=4, show_spinner="Opening the data folder…")
def _open_source(folder: str, fingerprint: str) -> DataSource:
    # Keyed on the fingerprint: rewriting an export opens a new version; the old one is evicted.
    return DataSource.open(Path(folder))


def get_source() -> DataSource:
    folder = data_dir()
    return _open_source(str(folder), data_fingerprint(folder))


@st.cache_data(max_entries=128, show_spinner=False)
def _cached(name: str, folder: str, fingerprint: str, args: tuple[Any, ...], _fn: Callable[..., Any]) -> Any:
    return _fn(_open_source(folder, fingerprint), *args)


def compute(fn: Callable[..., T], *args: Any) -> T:
    """``fn(source, *args)``, cached per data version on (function, args). Args must be small and hashable."""
    source = get_source()
    return _cached(f"{fn.__module__}.{fn.__qualname__}", str(source.data_dir), source.fingerprint, args, fn)


def compute_side_by_side(*calls: tuple[Any, ...]) -> list[Any]:
    """``[compute(fn, *args) for fn, *args in calls]``, the parts computed side by side (analytics/parallel.py),
    each cached on its own as with :func:`compute`."""
    context = get_script_run_ctx()

    def attach() -> None:
        # Streamlit's documented way to let a thread of ours use the page's caches.
        add_script_run_ctx(threading.current_thread(), context)

    return side_by_side(*(partial(compute, fn, *args) for fn, *args in calls),
                        initializer=attach if context is not None else None)


def sidebar_filters() -> None:
    """Draw the shared filters in the sidebar, each bound to its URL parameter (called by app.py only)."""
    source = get_source()
    bounds = date_bounds(source)
    with st.sidebar:
        st.header("Filters")
        if bounds:
            first, last = bounds
            st.date_input("From", value=first, min_value=first, max_value=last, key="start",
                          bind="query-params", help="First day of the reporting window.")
            st.date_input("To", value=last, min_value=first, max_value=last, key="end", bind="query-params",
                          help="Last day of the reporting window; defaults to the as-of date.")
        st.segmented_control("Period", GRAINS, default="month", key="grain", bind="query-params",
                             help="Grain of every chart by period.")
        options = compute(filter_options)
        for name, label in DIMENSIONS.items():
            st.multiselect(label, options[name], key=name, bind="query-params", placeholder="All",
                           help=f"Keep only customers in these {label.lower()}s; empty = all.")


def current_filters() -> Filters:
    """The filters in force, read from the sidebar widgets' state (defaults when a page runs alone)."""
    source = get_source()
    bounds = date_bounds(source)
    state = st.session_state
    start, end = state.get("start"), state.get("end")
    # A bound equal to the data's own edge is no filter: keep the cache key the same as "all dates".
    if bounds:
        start = None if start is None or start <= bounds[0] else start
        end = None if end is None or end >= bounds[1] else end
    if start and end and start > end:
        st.sidebar.warning("“From” is after “To”: showing all dates.")
        start = end = None
    grain = state.get("grain") or "month"
    return Filters(start=start, end=end, grain=grain, segment=tuple(state.get("segment") or ()),
                   channel=tuple(state.get("channel") or ()), region=tuple(state.get("region") or ()))


def data_footer() -> None:
    """As-of date and data fingerprint, so a screenshot says which data it shows."""
    source = get_source()
    with st.sidebar:
        st.divider()
        as_of = source.as_of.isoformat() if source.as_of else "unknown"
        st.caption(f"Data: `{source.data_dir.name}` · as of **{as_of}** · fingerprint `{source.fingerprint}`")


def show_unavailable(exc: DataUnavailable) -> None:
    """The message a page shows instead of its charts when the data it needs has errors; then stop the page."""
    st.error(f"This page needs the **{exc.export}** export, which could not be used:")
    for problem in exc.problems:
        st.markdown(f"- {escape_markdown(problem.message)}")
    st.page_link("pages/data_health.py", label="See the Data health page for details", icon="🩺")
    st.stop()


def download_csv(frame: pl.DataFrame, file_name: str, label: str | None = None) -> None:
    """A CSV download of exactly the table behind a chart or table."""
    st.download_button(label or f"Download {file_name}", frame.write_csv().encode(), file_name=file_name,
                       mime="text/csv", key=f"download-{file_name}", icon=":material/download:")


def is_dark() -> bool:
    """Whether the browser shows Streamlit's dark theme (menu: Settings > Dark, or System on a dark OS). Sent by the
    browser with every run; :func:`theme_watch` reloads the page when the user switches theme without a rerun."""
    return st.context.theme.type == "dark"


def is_phone() -> bool:
    """Whether the browser is a phone, from its User-Agent ("Mobi", as MDN recommends): the server cannot know the
    screen width, and a phone's is about 360-430 pixels. Charts then use :func:`ui.theme.for_display`'s compact
    layout; the page layout itself follows the width through CSS (:data:`PHONE_CSS`)."""
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


#: On a phone, the chart toolbar keeps only the PNG camera: zoom and pan buttons covered the title and are of little
#: use on a touch screen (pinch and drag still work).
PHONE_TOOLBAR_REMOVED = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                         "resetScale2d"]


def chart(fig: go.Figure, key: str, phone_width: int | None = None) -> None:
    """Draw a figure with the project theme (not Streamlit's; dark when the app is dark, compact on a phone) and the
    PNG camera button in the toolbar. ``phone_width``: on a narrow screen (up to 640 pixels), draw the chart at
    least this many pixels wide and let it scroll sideways (the cohort heatmap: readable cells, not a sliver)."""
    phone = is_phone()
    fig = theme.for_display(fig, dark=is_dark(), compact=phone)
    config: dict[str, Any] = {"displaylogo": False,
                              "toImageButtonOptions": {"format": "png", "scale": 2, "filename": key}}
    if phone:
        config["modeBarButtonsToRemove"] = PHONE_TOOLBAR_REMOVED
    if phone_width is None:
        st.plotly_chart(fig, key=key, theme=None, config=config)
        return
    box = f"{key}_scroll"
    # The width is our own integer: no user text reaches the style.
    st.html(f"<style>@media (max-width: 640px) {{ .st-key-{box} {{ overflow-x: auto; }} "
            f".st-key-{box} > div {{ min-width: {int(phone_width)}px; }} }}</style>")
    with st.container(key=box):
        st.plotly_chart(fig, key=key, theme=None, config=config)


#: Phones (up to 640 pixels wide): tile text sized for a half-width tile (the Overview's grid puts two per row), tile
#: labels wrapped rather than cut, smaller page titles. Scoped to our keyed containers.
PHONE_CSS = """
<style>
@media (max-width: 640px) {
  .st-key-kpi_tiles [data-testid="stMetricValue"] { font-size: 1.6rem; }
  .st-key-kpi_tiles [data-testid="stMetricLabel"] p { font-size: 0.8rem; }
  .st-key-kpi_tiles [data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important;
    text-overflow: clip !important; }
  h1 { font-size: 1.8rem !important; }
}
</style>
"""


def page_style() -> None:
    """The app's own CSS (phones); no space taken on the page."""
    st.html(PHONE_CSS)


#: sessionStorage key: the theme the page was last reloaded for (one reload per switch, never a loop).
THEME_RELOAD_KEY = "retention-theme-reload"


def theme_watch() -> None:
    """Reload the page when the user switches Streamlit's theme in its menu. Streamlit sends the active theme with
    each run but does not rerun on a switch (streamlit/streamlit#11920), so the charts would keep the old theme's
    colours until the next interaction; a reload reruns with the new one (the view is in the URL, the theme choice
    in the browser's storage). The theme is read from the app's background, as Streamlit infers it."""
    rendered = "dark" if is_dark() else "light"
    with st.sidebar:
        st.html(f"""<script>(() => {{
  window.__retentionRendered = {rendered!r};
  if (window.__retentionThemeWatch) return;
  const key = {THEME_RELOAD_KEY!r};
  window.__retentionThemeWatch = setInterval(() => {{
    const app = document.querySelector("[data-testid=stApp]");
    const rgb = app && getComputedStyle(app).backgroundColor.match(/\\d+/g);
    if (!rgb || app.dataset.testScriptState === "running") return;
    const [r, g, b] = rgb.map(Number);
    const shown = 0.299 * r + 0.587 * g + 0.114 * b < 128 ? "dark" : "light";
    if (shown === window.__retentionRendered) {{ sessionStorage.removeItem(key); return; }}
    if (sessionStorage.getItem(key) === shown) return;
    sessionStorage.setItem(key, shown);
    location.reload();
  }}, 700);
}})();</script>""", unsafe_allow_javascript=True)


def table(frame: pl.DataFrame, file_name: str | None = None) -> None:
    """Show a table (dates as ISO dates, fractions as %) and, with ``file_name``, its CSV download."""
    config: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(name, format="YYYY-MM-DD")
        elif any(word in name for word in ("share", "retention", "rate", "survival")) and dtype.is_float():
            config[name] = st.column_config.NumberColumn(name, format="percent")
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
    if file_name:
        download_csv(frame, file_name)


def ensure_shell() -> None:
    """Make sure this page runs inside the app shell (app.py), never on its own.

    Streamlit still knows the legacy ``pages/`` folder discovery: in a fresh server process, until some run
    has called ``st.navigation``, a deep link such as ``/cohorts?segment=pro`` runs ``pages/cohorts.py``
    alone, without the shell's URL-bound filters, so the link would show unfiltered numbers. Every page
    calls this first; in that case it switches the server to ``st.navigation`` routing and reruns, which
    runs app.py for the same page (each page's url_path equals its file name, so the page is the same).
    """
    from streamlit.runtime.pages_manager import PagesManager

    # Private on purpose, for want of a public way (Streamlit 1.67): the choice between the legacy pages/
    # discovery and st.navigation routing is the class attribute PagesManager.uses_pages_directory, set from
    # "does a pages/ folder exist" when the first session starts and cleared only inside st.navigation().
    # No config option turns the discovery off, the layout keeps pages/ beside app.py, and calling
    # st.navigation from here instead would need the page to tell a shell-less run from an AppTest run of
    # the page alone, which only this flag does. Upstream: streamlit/streamlit#9624 (deep links on a first
    # load with st.navigation). tests/test_browser.py opens a deep link on a fresh server to catch a change.
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    # The shell has already shown the sign-in screen when this visitor may not see figures; never go on without it.
    if not sign_in.allowed():
        st.stop()


def churn_controls() -> tuple[str, int]:
    """The churn definition (sidebar, bound to the URL as ``churn`` and ``inactivity_days``), shared by every
    page that needs survival, so the definition chosen on one page holds on the others. The default is
    explicit where the customers export has churn dates, else inactivity."""
    from analytics.survival import CHURN_DEFINITIONS, DEFAULT_INACTIVITY_DAYS, default_churn_definition

    source = get_source()
    usable = source.has("customers") and source.has("transactions")
    default = compute(default_churn_definition) if usable else "inactivity"
    # No format_func on bound widgets: the URL holds the shown label, and the URL values are the option names.
    with st.sidebar:
        st.header("Churn definition")
        churn = st.radio(
            "A customer has churned", CHURN_DEFINITIONS, index=CHURN_DEFINITIONS.index(default),
            captions=["on their churn_date (cancellation)", "on their last purchase day, after N days without one"],
            key="churn", bind="query-params",
            help="Default: explicit when the customers export has churn dates, else inactivity.") or default
        days = st.number_input(
            "N: days without a purchase", min_value=1, max_value=1095, value=DEFAULT_INACTIVITY_DAYS, step=1,
            key="inactivity_days", bind="query-params", disabled=churn != "inactivity",
            help="Inactivity definition: a customer who has not bought for this many days by the as-of date has "
                 "churned (on their last purchase day). Exactly this many days counts as churned.")
    return churn, int(days)
