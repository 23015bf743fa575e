"""The dashboard shell: page config, theme, data source, shared filters (in the URL) and navigation.

Start it with ``streamlit run app.py`` (bundled sample data) or ``streamlit run app.py -- --data DIR``.
Because this script runs before every page, the sidebar filters survive page switches and stay in the URL.
"""

from __future__ import annotations

# The heavy libraries are imported here, by name, before any page runs: Streamlit runs each session in its own
# thread, and Plotly looks pandas up in sys.modules (make_subplots) while another session's thread may still be
# importing it, a partly initialised module (16 first visits at once to a fresh server failed so). An import
# statement waits on Python's per-module lock until the module is complete, so every session passes here first.
import lifelines  # noqa: F401
import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.express  # noqa: F401
import plotly.graph_objects  # noqa: F401
import plotly.subplots  # noqa: F401
import polars  # noqa: F401
import pyarrow  # noqa: F401
import scipy.optimize  # noqa: F401
import streamlit as st

from ui import shell, sign_in, theme  # noqa: F401  (importing theme registers the Plotly template)

st.set_page_config(page_title="Retention analytics", page_icon=":material/insights:", layout="wide")
shell.page_style()

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/cohorts.py", title="Cohorts", icon=":material/stacked_line_chart:", url_path="cohorts"),
    st.Page("pages/revenue_mix.py", title="Revenue mix", icon=":material/pie_chart:", url_path="revenue_mix"),
    st.Page("pages/value.py", title="Value & CAC", icon=":material/payments:", url_path="value"),
    st.Page("pages/survival.py", title="Survival", icon=":material/timelapse:", url_path="survival"),
    st.Page("pages/customers.py", title="Customers", icon=":material/group:", url_path="customers"),
    st.Page("pages/budget.py", title="Budget what-if", icon=":material/tune:", url_path="budget"),
    st.Page("pages/retention_process.py", title="Retention process", icon=":material/checklist:",
            url_path="retention_process"),
    st.Page("pages/data_health.py", title="Data health", icon=":material/health_and_safety:",
            url_path="data_health"),
    st.Page("pages/glossary.py", title="Glossary", icon=":material/menu_book:", url_path="glossary"),
]

# Sign-in (off unless .streamlit/secrets.toml has [auth]) comes before the data is opened or anything is drawn;
# the page list stays hidden from a visitor who may not see the figures.
may_see_figures = sign_in.allowed()
incoming_url = shell.url_snapshot()
navigation = st.navigation(PAGES, position="sidebar" if may_see_figures else "hidden")
if not sign_in.gate():
    st.stop()
url_notice = st.empty()
completed = False
try:
    with shell.in_shell():
        shell.sidebar_filters()
        shell.data_footer()
        shell.theme_watch()
        shell.prepare_rollup(navigation.url_path)
        navigation.run()
    completed = True
finally:
    # After every widget of the shell and the page has read the URL (also when the page stopped early, not when
    # it asked for a rerun): one notice naming each value of the link that could not be used, and why.
    if completed or shell.stopped_by_page():
        shell.show_url_problems(url_notice, incoming_url, navigation.url_path)
