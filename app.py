"""The dashboard shell: page config, theme, data source, shared filters (in the URL) and navigation.

Start it with ``streamlit run app.py`` (bundled sample data) or ``streamlit run app.py -- --data DIR``.
Because this script runs before every page, the sidebar filters survive page switches and stay in the URL.
"""

from __future__ import annotations

import streamlit as st

from ui import shell, theme  # noqa: F401  (importing theme registers the Plotly template)

st.set_page_config(page_title="Retention analytics", page_icon=":material/insights:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/cohorts.py", title="Cohorts", icon=":material/stacked_line_chart:", url_path="cohorts"),
    st.Page("pages/revenue_mix.py", title="Revenue mix", icon=":material/pie_chart:", url_path="revenue_mix"),
    st.Page("pages/value.py", title="Value & CAC", icon=":material/payments:", url_path="value"),
    st.Page("pages/survival.py", title="Survival", icon=":material/timelapse:", url_path="survival"),
    st.Page("pages/customers.py", title="Customers", icon=":material/group:", url_path="customers"),
    st.Page("pages/budget.py", title="Budget what-if", icon=":material/tune:", url_path="budget"),
    st.Page("pages/data_health.py", title="Data health", icon=":material/health_and_safety:",
            url_path="data_health"),
]

navigation = st.navigation(PAGES)
shell.sidebar_filters()
shell.data_footer()
navigation.run()
