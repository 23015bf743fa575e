"""KPI tiles of the Overview: value, change against the comparison, a small trend coloured by whether it is good
for the business, and a link to the page behind the figure."""

from __future__ import annotations

import streamlit as st

from analytics import catalog
from analytics.executive import ExecutiveSummary, Kpi
from analytics.filters import Filters
from analytics.formats import NO_CHANGE, current
from ui import overview_charts

PAGE_FILES = {"cohorts": "pages/cohorts.py", "revenue_mix": "pages/revenue_mix.py", "survival": "pages/survival.py",
              "value": "pages/value.py", "budget": "pages/budget.py"}


def kpi_tile(kpi: Kpi, column, summary: ExecutiveSummary, filters: Filters) -> None:
    """One tile. The sparkline is drawn apart from st.metric, whose chart takes the colour of the delta: the
    delta is coloured by the last change, the line by the recent trend (analytics.catalog.trend_direction)."""
    fmt = current()
    with column.container(border=True):
        change = fmt.change(kpi.unit, kpi.value, kpi.previous)
        better = kpi.higher_is_better
        value = catalog.show(kpi.key, kpi.value, surface="overview tile", context=summary.context(kpi.key, filters))
        against = summary.comparison_label()
        st.metric(kpi.label, value, change,
                  delta_color="off" if change == NO_CHANGE or better is None else "normal" if better else "inverse",
                  delta_arrow="off" if change == NO_CHANGE else "auto",
                  delta_description=f"vs {against}" if change and against else None,
                  help=kpi.figure.definition)
        points = [y for y in kpi.trend["y"].to_list() if y is not None]
        if len(points) >= 2:
            # Transparent on either theme; the line's colour says good / bad / flat (overview_charts.sparkline).
            st.markdown(overview_charts.sparkline(kpi), unsafe_allow_html=True)
        if kpi.page in PAGE_FILES:
            # No query_params: the shell's URL-bound widgets carry the filters to the next page by themselves;
            # passing them too repeated each one at every click (?grain=quarter&grain=quarter...).
            st.page_link(PAGE_FILES[kpi.page], label="Details", icon=":material/arrow_forward:")
