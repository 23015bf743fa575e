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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
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
from queries import DataSource, DataUnavailable, Problem, data_fingerprint, default_data_dir
from queries.as_of import parse_as_of, today
from queries.prebuilt import configured_rollup_dir
from queries.rollup_build import manifest_path
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


def rollup_dir() -> tuple[Path | None, list[Problem]]:
    """The prebuilt rollup to read instead of the transactions: ``--rollup DIR`` after ``--`` on the streamlit
    command line, else RETENTION_ROLLUP_DIR, else ``rollup_dir`` in the data folder's retention.toml
    (queries/prebuilt.py); None: the transactions are read."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--rollup", type=Path, default=None)
    args, _ = parser.parse_known_args(sys.argv[1:])
    return configured_rollup_dir(data_dir(), args.rollup)


def _rollup_stamp(folder: Path | None) -> str | None:
    """The prebuilt rollup's folder and its manifest's modification time: a rebuild (a new manifest.json, written
    last) opens a new data version on the next run, without a restart."""
    if folder is None:
        return None
    try:
        return f"{folder}|{manifest_path(folder).stat().st_mtime_ns}"
    except OSError:
        return f"{folder}|missing"


@st.cache_resource(max_entries=4, show_spinner="Opening the data folder…")
def _open_source(folder: str, fingerprint: str, as_of: str | None, day: str, rollup: str | None = None) -> DataSource:
    # Keyed on the fingerprint, the as-of date asked for and today (which the default as-of date is capped at):
    # rewriting an export, or asking for another as-of date, opens a new version; the old one is evicted. With a
    # prebuilt rollup, also on its folder and manifest (a rebuild is a new version).
    prebuilt, setting_problems = rollup_dir() if rollup is not None else (None, [])
    source = DataSource.open(Path(folder), as_of=date.fromisoformat(as_of) if as_of else None,
                             today=date.fromisoformat(day), rollup_dir=prebuilt)
    source.problems.extend(setting_problems)
    return source


def requested_as_of() -> date | None:
    """The as-of date asked for in the URL (``as_of=YYYY-MM-DD``, the sidebar's "As-of date"), None for the
    default (the latest transaction date not after today). An invalid value counts as none (:func:`check_url`
    says so)."""
    if "as_of" in st.session_state:
        value = st.session_state["as_of"]
        return value if isinstance(value, date) else None
    raw = st.query_params.get("as_of")
    try:
        return parse_as_of(raw) if raw else None
    except ValueError:
        return None


def _source_key() -> tuple[str, str, str | None, str, str | None]:
    folder = data_dir()
    as_of = requested_as_of()
    return (str(folder), data_fingerprint(folder), as_of.isoformat() if as_of else None, today().isoformat(),
            _rollup_stamp(rollup_dir()[0]))


def get_source() -> DataSource:
    return _open_source(*_source_key())


@st.cache_data(max_entries=128, show_spinner=False)
def _cached(name: str, key: tuple[str, str, str | None, str, str | None], args: tuple[Any, ...],
            _fn: Callable[..., Any]) -> Any:
    return _fn(_open_source(*key), *args)


def compute(fn: Callable[..., T], *args: Any) -> T:
    """``fn(source, *args)``, cached per data version (files, as-of date asked for, today) on (function, args).
    Args must be small and hashable."""
    return _cached(f"{fn.__module__}.{fn.__qualname__}", _source_key(), args, fn)


def compute_side_by_side(*calls: tuple[Any, ...]) -> list[Any]:
    """``[compute(fn, *args) for fn, *args in calls]``, the parts computed side by side (analytics/parallel.py),
    each cached on its own as with :func:`compute`."""
    context = get_script_run_ctx()

    def attach() -> None:
        # Streamlit's documented way to let a thread of ours use the page's caches.
        add_script_run_ctx(threading.current_thread(), context)

    return side_by_side(*(partial(compute, fn, *args) for fn, *args in calls),
                        initializer=attach if context is not None else None)


#: The pages that never read the rollup (Data health checks the exports themselves; the Glossary computes nothing):
#: a first open there does not wait for it.
_PAGES_WITHOUT_ROLLUP = frozenset({"data_health", "glossary"})


def prepare_rollup(url_path: str) -> None:
    """On the first open of a new export, build the customer x month and x week rollup before the page runs, with a
    notice that says what is being built and why the wait happens once (called by app.py only).

    Without it the first page simply runs for as long as the build takes (~10 s at 10M transactions on two cores,
    docs/performance.md) with nothing but Streamlit's running indicator. The notice is a plain element in a
    placeholder, emptied when the build is done: nothing animates or reruns after the page has finished."""
    if url_path in _PAGES_WITHOUT_ROLLUP:
        return
    try:
        source = get_source()
    except DataUnavailable:
        return  # the page shows what is wrong with the data folder
    if not source.rollup_pending():
        return
    rows = source.row_counts.get("transactions", 0)
    notice = st.empty()
    notice.info(
        f"Preparing this export for the first time: summarising its {rows:,} transactions per customer and month and "
        "per customer and week, the tables every chart reads. This happens once per new export (about 10 seconds at "
        "10 million transactions on a 2-core machine); the summary is kept in the cache folder, outside the data "
        "folder, and later visits and restarts open in seconds.", icon=":material/hourglass_top:")
    try:
        source.prepare_rollup()
    except DataUnavailable:
        pass  # the page shows what is wrong with the data
    finally:
        notice.empty()


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
        st.date_input("As-of date", value=None, key="as_of", bind="query-params", format="YYYY-MM-DD",
                      help="Read the data as of this day: later transactions are left out of every figure. Empty "
                           "= the latest transaction date not after today.")
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
        asked = " (asked for)" if source.as_of_request else ""
        st.caption(f"Data: `{source.data_dir.name}` · as of **{as_of}**{asked} · fingerprint `{source.fingerprint}`")
        if source.manifest is not None:
            st.caption(f"Figures from the prebuilt rollup `{source.rollup_dir}`, built {source.manifest.created} on "
                       f"{source.manifest.engine}; the transactions are not read. Figures that need single "
                       "transactions say so (Data health lists the build's checks).")
        elif source.rollup_dir is not None:
            st.error(f"The prebuilt rollup `{source.rollup_dir}` cannot be used: see Data health for why and the "
                     "command that rebuilds it.", icon=":material/error:")


#: What each URL parameter accepts, for the notice about a value that could not be used (:func:`check_url`).
URL_RULES = {
    "start": "a date written YYYY-MM-DD, within the data's dates",
    "end": "a date written YYYY-MM-DD, within the data's dates",
    "as_of": "a date written YYYY-MM-DD",
    "grain": "week, month or quarter",
    "segment": "one or more of the data's segments",
    "channel": "one or more of the data's acquisition channels",
    "region": "one or more of the data's regions",
    "churn": "explicit or inactivity",
    "inactivity_days": "a whole number of days from 1 to 1095",
    "survival_by": "segment, channel, region or cohort_year",
    "margin": "a fraction from 0.05 to 1, e.g. 0.7",
    "discount_rate": "a fraction from 0 to 0.3, e.g. 0.1",
    "horizon": "12, 24 or 36",
    "target_ratio": "a number from 1 to 10",
    "min_customers": "a whole number from 10 to 100000",
    "metric": "active, active-or-later or revenue",
    "k": "a whole number of periods from 0 to the oldest cohort's age",
    "min_cohort": "a whole number, at least 1",
    "cohorts": "one or more of the data's cohort start dates",
    "by": "segment, channel or region",
    "calibration_months": "a whole number of months from 3 to 36",
    "budget": "a whole amount, at least 0",
    "retention_share": "a whole percentage from 0 to 100",
    "horizon_months": "a whole number of months from 12 to 60",
    "beta": "a number from 0.1 to 1",
    "rmax": "a whole percentage from 0 to 60",
    "bhalf": "a whole amount, at least 1",
}


def url_snapshot() -> dict[str, list[str]] | None:
    """The URL's parameters as the session's first run found them, until a run has checked them (None after):
    :func:`show_url_problems` compares what the widgets made of them. Called by app.py before anything reads
    the URL."""
    state = st.session_state
    if state.get("_url_checked"):
        return None
    if "_url_incoming" not in state:
        state["_url_incoming"] = {key: st.query_params.get_all(key) for key in st.query_params}
    incoming: dict[str, list[str]] = state["_url_incoming"]
    return incoming


def stopped_by_page() -> bool:
    """Whether the exception leaving app.py's ``try`` is a page's ``st.stop()`` (its widgets have run)."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    return isinstance(sys.exc_info()[1], StopException)


def show_url_problems(placeholder: Any, incoming: dict[str, list[str]] | None, page: str) -> None:
    """Fill ``placeholder`` (above the page) with one notice listing the link's values that could not be used.

    Checked once, on the session's first complete run (``incoming``); the notice stays on the page the link
    opened (``page``) through the reruns that follow (Streamlit reruns as the browser settles the widgets) and
    goes when the user moves to another page."""
    state = st.session_state
    if incoming is not None:
        state["_url_checked"] = True
        state["_url_notice"] = (page, url_problems(incoming))
    shown_page, problems = state.get("_url_notice", ("", []))
    if problems and shown_page == page:
        placeholder.warning("Some values in the link could not be used:\n\n" + "\n".join(
            f"- {escape_markdown(p)}" for p in problems), icon=":material/link_off:")


def _shown(value: Any) -> list[str]:
    """A widget's value as the URL writes it, to compare with what the URL held."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [item for v in value for item in _shown(v)]
    if isinstance(value, date):
        return [value.isoformat()]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value)), str(value)]
    return [str(value)]


def url_problems(incoming: dict[str, list[str]]) -> list[str]:
    """One sentence per URL parameter whose value the page could not use as given: Streamlit drops a value that
    is not one of a widget's options or cannot be read, and moves one outside a widget's range, silently."""
    problems = []
    for key, values in incoming.items():
        if key.startswith("_") or key not in URL_RULES:
            continue
        raw = ", ".join(values)
        now = st.query_params.get_all(key)
        if now == values:
            continue
        if key == "as_of" and values:
            try:
                parse_as_of(values[0])
                continue
            except ValueError:
                pass
        current = _shown(st.session_state.get(key))
        if not now and (set(values) <= set(current) or (current == [] and values == [""])):
            continue  # the default, which the URL leaves out
        rule = URL_RULES[key]
        if now:
            problems.append(f"{key}={raw} was changed to {', '.join(now)}: {key} must be {rule}.")
        else:
            problems.append(f"{key}={raw} was ignored: {key} must be {rule}. The default is shown.")
    return problems


def show_unavailable(exc: DataUnavailable) -> None:
    """The message a page shows instead of its charts when the data it needs has errors, or needs single
    transactions that a prebuilt rollup does not hold (queries/prebuilt.py); then stop the page."""
    source = get_source()
    if source.manifest is not None and exc.export == "transactions" and source.has("transactions"):
        st.info("This page needs single transactions, which the prebuilt rollup does not hold; nothing else is "
                "shown in their place:", icon=":material/info:")
        for problem in exc.problems:
            st.markdown(f"- {escape_markdown(problem.message)}")
        st.stop()
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


#: On-screen headers of columns that the catalog's names do not say alone.
COLUMN_LABELS = {"ci_lower": "95% CI, lower", "ci_upper": "95% CI, upper",
                 "clv_12": "Predicted CLV, 12 months", "clv_24": "Predicted CLV, 24 months",
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
    #
    # Whether this run came through the shell is read from the shell itself (in_shell), not from that class
    # attribute: when several sessions start at once on a fresh server, each of them may have been routed by
    # the legacy discovery, while only the first to get here still sees the attribute set; the others would
    # stay without the shell (seen with 16 first visits at once: tests/test_browser_faults.py).
    if not getattr(_shell_run, "active", False):
        PagesManager.uses_pages_directory = False
        st.rerun()
    # The shell has already shown the sign-in screen when this visitor may not see figures; never go on without it.
    if not sign_in.allowed():
        st.stop()


#: Whether the script run on this thread is the shell's (app.py sets it around navigation.run()).
_shell_run = threading.local()


@contextmanager
def in_shell() -> Iterator[None]:
    """Mark the script run on this thread as running inside the shell (app.py), for :func:`ensure_shell`."""
    _shell_run.active = True
    try:
        yield
    finally:
        _shell_run.active = False


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
