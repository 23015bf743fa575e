"""The dashboard shell: page config, theme, data source, shared filters (in the URL) and navigation.

Start it with ``streamlit run app.py`` (bundled sample data) or ``streamlit run app.py -- --data DIR``.
Because this script runs before every page, the sidebar filters survive page switches and stay in the URL.
"""

from __future__ import annotations

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
    st.Page("pages/budget.py", title="Budget what-if", icon=":material/tune:", url_path="budget"),
    st.Page("pages/data_health.py", title="Data health", icon=":material/health_and_safety:",
            url_path="data_health"),
]

# Sign-in (off unless .streamlit/secrets.toml has [auth]) comes before the data is opened or anything is drawn;
# the page list stays hidden from a visitor who may not see the figures.
may_see_figures = sign_in.allowed()
navigation = st.navigation(PAGES, position="sidebar" if may_see_figures else "hidden")
if not sign_in.gate():
    st.stop()
shell.sidebar_filters()
shell.data_footer()
shell.theme_watch()
navigation.run()
