"""KPI tiles of the Overview: value, change on the previous period, a small trend, and a link to the page."""

from __future__ import annotations

import streamlit as st

from analytics.executive import Kpi
from ui.kpi_format import NO_CHANGE, format_change, format_value

PAGE_FILES = {"cohorts": "pages/cohorts.py", "revenue_mix": "pages/revenue_mix.py", "survival": "pages/survival.py",
              "value": "pages/value.py"}


def kpi_tile(kpi: Kpi, column, query: dict[str, str]) -> None:
    with column.container(border=True):
        change = format_change(kpi)
        st.metric(kpi.label, format_value(kpi, kpi.value), change,
                  delta_color="off" if change == NO_CHANGE else "normal" if kpi.higher_is_better else "inverse",
                  delta_arrow="off" if change == NO_CHANGE else "auto",
                  help=kpi.help + " The change is against the previous period.",
                  chart_data=[y for y in kpi.trend["y"].to_list() if y is not None] or None, chart_type="line")
        if kpi.page in PAGE_FILES:
            st.page_link(PAGE_FILES[kpi.page], label="Details", icon=":material/arrow_forward:", query_params=query)
