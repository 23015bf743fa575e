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

from analytics import catalog
from analytics.filters import GRAINS, Filters
from analytics.formats import Formats, Unit, set_current
from analytics.overview import date_bounds, filter_options
from analytics.parallel import side_by_side
from analytics.survival import ChurnDefinition
from queries import DataSource, DataUnavailable, data_fingerprint, default_data_dir
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
    """Draw the shared filters in the sidebar, each bound to its URL parameter (called by app.py only), and put
    the data folder's formats (currency, display names) in force for this run."""
    set_current(formats())
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
        churn_controls()


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


def chart(fig: go.Figure, key: str) -> None:
    """Draw a figure with the project theme (not Streamlit's) and the PNG camera button in the toolbar."""
    st.plotly_chart(fig, key=key, theme=None, config={
        "displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2, "filename": key}})


#: On-screen headers of columns that the catalog's names do not say alone.
COLUMN_LABELS = {"clv_12": "Predicted CLV, 12 months", "clv_24": "Predicted CLV, 24 months",
                 "clv_36": "Predicted CLV, 36 months", "median_days": "Median time to churn",
                 "survival_30": "Still a customer after 30 days", "survival_90": "Still a customer after 90 days",
                 "survival_180": "Still a customer after 180 days", "churned": "Churned",
                 "first_paying_period_revenue": "New (first paying period)",
                 "first_paid_acquired_earlier": "First payments of customers acquired earlier",
                 "new_customers_nonpositive": "New customers who paid nothing net",
                 **{f"predicted_clv_{h}": f"Predicted CLV, {h} months" for h in (12, 24, 36)},
                 "monthly_margin_per_active": "Monthly margin per active customer",
                 "value_per_customer": "12-month margin per customer"}
#: Float columns whose name says they hold money, when the catalog does not name them.
_MONEY_WORDS = ("clv", "margin", "revenue", "spend", "cost", "cac", "value_per")
_PERCENT_WORDS = ("share", "retention", "rate", "survival")


def _column_unit(name: str, dtype: pl.DataType, figures: dict[str, str]) -> Unit | None:
    key = figures.get(name)
    fig = catalog.figure(key) if key else catalog.column_figure(name)
    if fig is not None:
        return fig.unit
    if dtype.is_float() and any(word in name for word in _PERCENT_WORDS):
        return "percent"
    if dtype.is_float() and "_to_" in name:
        return "ratio"  # value_to_cac
    if dtype.is_float() and any(word in name for word in _MONEY_WORDS):
        return "money"
    if dtype.is_integer():
        return "count"
    return "number" if dtype.is_float() else None


def _printf(unit: Unit, values: pl.Series, fmt: Formats) -> str | None:
    """A Streamlit column format for ``unit``: thousands separators, the currency after money."""
    big = values.dtype.is_numeric() and values.drop_nulls().abs().max() is not None and (
        float(values.drop_nulls().abs().max()) >= 100)  # type: ignore[arg-type]
    if unit == "money":
        return ("%,.0f" if big else "%,.2f") + fmt.suffix
    if unit == "percent":
        return "percent"
    if unit == "count":
        return "%,d" if values.dtype.is_integer() else "%,.0f"
    if unit == "days":
        return "%,.0f days"
    if unit == "ratio":
        return "%.2f×"
    if unit == "months":
        return "%d"
    if unit == "number":
        return "%,.0f" if big else "%,.2f"
    return None


def display_frame(frame: pl.DataFrame, figures: dict[str, str] | None = None,
                  dimensions: dict[str, str] | None = None) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The table as the screen shows it (display names of segment / channel / region values; numbers with
    nulls as text, "–" for none) and its column config (headers from the catalog, formats by unit, currency).
    ``figures``: column -> catalog key where the column name alone is ambiguous; ``dimensions``: column ->
    dimension whose display names its values take (segment, channel and region columns by default)."""
    fmt = formats()
    figures = figures or {}
    dims = {name: name for name in ("segment", "channel", "region") if name in frame.columns} | (dimensions or {})
    shown = frame.with_columns(
        pl.col(column).map_elements(lambda code, dim=dim: fmt.label(dim, code), return_dtype=pl.String)
        for column, dim in dims.items() if column in frame.columns and frame[column].dtype == pl.String)
    config: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        key = figures.get(name)
        fig = catalog.figure(key) if key else catalog.column_figure(name)
        label = COLUMN_LABELS.get(name) or (fig.name if fig else name.replace("_", " ").capitalize())
        unit = _column_unit(name, dtype, figures)
        if unit == "money":
            label = fmt.with_currency(label)
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif dtype.is_numeric() and unit is not None:
            if frame[name].null_count():
                # A missing number reads "–", not "None": the column becomes text (the CSV keeps the number).
                shown = shown.with_columns(pl.col(name).map_elements(
                    lambda v, u=unit: fmt.value(u, v) if u != "number" else f"{v:,.2f}",
                    return_dtype=pl.String).fill_null("–"))
                config[name] = st.column_config.TextColumn(label)
            else:
                config[name] = st.column_config.NumberColumn(label, format=_printf(unit, frame[name], fmt))
        else:
            config[name] = st.column_config.Column(label)
    return shown, config


def table(frame: pl.DataFrame, file_name: str | None = None, figures: dict[str, str] | None = None,
          dimensions: dict[str, str] | None = None) -> None:
    """Show a table formatted for reading (:func:`display_frame`: catalog names, units, currency, display names)
    and, with ``file_name``, its CSV download with the raw values and codes."""
    shown, config = display_frame(frame, figures, dimensions)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    if file_name:
        download_csv(frame, file_name)


def formats() -> Formats:
    """The data folder's formats (currency, display names), put in force for this run by the shell."""
    source = get_source()
    return Formats.of(source.currency, source.labels)


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


CHURN_CAPTIONS = {
    "combined": "on their churn_date where one is recorded, else after N days without a purchase (default)",
    "explicit": "on their churn_date (cancellation) only; customers without one never churn",
    "inactivity": "on their last purchase day, once N days pass without one (churn_date ignored)",
}


def churn_controls() -> None:
    """Draw the churn definition in the sidebar (bound to the URL as ``churn`` and ``inactivity_days``); called by
    :func:`sidebar_filters` on every page, so one setting drives every figure that depends on churn and survives
    page switches. Pages read it with :func:`churn_setting`."""
    from analytics.survival import CHURN_DEFINITIONS, DEFAULT_CHURN_DEFINITION, DEFAULT_INACTIVITY_DAYS

    # No format_func on bound widgets: the URL holds the shown label, and the URL values are the option names.
    st.header("Churn definition")
    churn = st.radio(
        "A customer has churned", CHURN_DEFINITIONS, index=CHURN_DEFINITIONS.index(DEFAULT_CHURN_DEFINITION),
        captions=[CHURN_CAPTIONS[name] for name in CHURN_DEFINITIONS], key="churn", bind="query-params",
        help="Drives every figure that depends on churn: Survival, the Overview, Value & CAC, the Budget "
             "calibration, the revenue movements and the board pack. Default: combined.")
    st.number_input(
        "N: days without a purchase", min_value=1, max_value=1095, value=DEFAULT_INACTIVITY_DAYS, step=1,
        key="inactivity_days", bind="query-params", disabled=churn == "explicit",
        help="Combined and inactivity definitions: a customer who has not bought for this many days by the as-of "
             "date has churned (on their last purchase day). Exactly this many days counts as churned.")


def churn_setting() -> tuple[ChurnDefinition, int]:
    """The churn definition in force and N (days), read from the sidebar's state (defaults when a page runs
    alone)."""
    from analytics.survival import CHURN_DEFINITIONS, DEFAULT_CHURN_DEFINITION, DEFAULT_INACTIVITY_DAYS

    churn = st.session_state.get("churn") or DEFAULT_CHURN_DEFINITION
    if churn not in CHURN_DEFINITIONS:
        churn = DEFAULT_CHURN_DEFINITION
    days = st.session_state.get("inactivity_days") or DEFAULT_INACTIVITY_DAYS
    return churn, int(days)
