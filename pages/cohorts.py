"""Cohorts: do the customers we win keep buying?"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.cohorts import (
    DIMENSIONS,
    average_curve,
    cohort_retention,
    default_period_index,
    retention_by_group,
    retention_trend,
)
from queries import DataUnavailable
from ui import cohort_charts, customers_page, shell
from ui.format import period_label

METRICS = {"active": "retention", "active-or-later": "retention_unbounded", "revenue": "revenue_retention"}

shell.ensure_shell()
st.title("Cohort retention")
filters = shell.current_filters()
grain = filters.grain
try:
    table = shell.compute(cohort_retention, filters)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

controls = st.columns([2, 1, 1])
choice = controls[0].segmented_control(
    "Measure", list(METRICS), default="active", key="metric", bind="query-params",
    help="active: customers active in the period · active-or-later: active in the period or any later one · "
         "revenue: cohort revenue as a share of its signup period's revenue")
metric = METRICS[choice or "active"]
max_k = int(table["period_index"].max() or 0) if table.height else 0
k = int(controls[1].number_input(f"Headline {grain}", min_value=0, max_value=max(max_k, 1),
                                 value=min(default_period_index(grain), max(max_k, 1)), key="k",
                                 bind="query-params", help="The period shown in the trend and the titles."))
min_cohort = int(controls[2].number_input("Small cohort below", min_value=1, value=30, step=10,
                                          key="min_cohort", bind="query-params",
                                          help="Cohorts with fewer customers are marked ◦: their rates are noisy."))

st.caption(f"Filters in force: {filters.describe()} · {cohort_charts.METRIC_LABELS[metric]}")
average = average_curve(table)
shell.chart(cohort_charts.heatmap(table, metric, grain, min_cohort, average, k), key="cohort_heatmap",
            phone_width=cohort_charts.heatmap_phone_width(table))
st.caption("Grey cells with “…” are periods not complete at the as-of date: shown, but left out of every "
           "average. ◦ marks cohorts smaller than the threshold above.")
shell.table(table, "cohort_retention.csv")

cohorts = table["cohort"].unique().sort().to_list()
sizeable = [c for c in cohorts if table.filter(pl.col("cohort") == c)["cohort_size"][0] >= min_cohort]
# Five cohorts spread over the history by default: old ones show the long tail, recent ones the trend.
spread = sizeable[:: max(1, len(sizeable) // 5)][:5] if sizeable else []
picked = st.multiselect(
    "Cohorts to draw", [c.isoformat() for c in cohorts], default=[c.isoformat() for c in spread],
    key="cohorts", bind="query-params", help="Thin lines; the thick black line is the weighted average.")
chosen = [c for c in cohorts if c.isoformat() in set(picked)]
shell.chart(cohort_charts.curves(table, average, chosen, metric, grain), key="cohort_curves")
shell.table(average, "cohort_average.csv")

points = retention_trend(table, k, metric)
shell.chart(cohort_charts.trend(points, k, metric, grain, min_cohort), key="cohort_trend")
# Named after the measure (a share: shown as %), not the chart's generic "value".
shell.table(points.rename({"value": metric}), f"cohort_{grain}_{k}_trend.csv")

if cohorts:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        labels = [customers_page.cohort_label(c, grain) for c in reversed(cohorts)]
        cell = st.selectbox("Customers of a cohort", labels, key="drill_cohort", bind="query-params",
                            help="Open the customer list of one signup cohort (with the filters in force).")
        customers_page.drill_link(f"List the customers of {cell} →", cohort=cell or labels[0])

dimension = st.segmented_control("Break down by", DIMENSIONS, default="segment", key="by", bind="query-params")
dimension = dimension or "segment"
groups = shell.compute(retention_by_group, filters, dimension)
shell.chart(cohort_charts.by_group(groups, dimension, metric, grain, k), key="cohort_groups")
shell.table(groups, f"cohort_retention_by_{dimension}.csv", dimensions={"group": dimension})

with st.expander("Definitions", expanded=False):
    st.markdown(f"""
- **Cohort**: the {grain} containing a customer's `signup_date`. **Cohort size**: every customer who signed
  up in it, whether or not they ever bought.
- **{grain.capitalize()} k**: whole calendar {grain}s between the cohort's {grain} and the activity's
  (months: difference of year×12+month; weeks start on Monday).
- **Active**: at least one transaction with a positive amount in the {grain} (a refund alone is not activity).
- **Retention(k)** = active customers in {grain} k / cohort size. Retention(0) is the share of sign-ups who
  bought in their signup {grain}, so it can be below 100%.
- **Active or later(k)** = customers active in {grain} k or any later {grain} / cohort size.
- **Revenue retention(k)** = the cohort's revenue in {grain} k / its revenue in {grain} 0, net of refunds
  (can exceed 100% when customers spend more over time).
- **Incomplete**: a {grain} that ends after the as-of date ({period_label(table['period'].max(), grain)
  if table.height else '–'} is the last shown). Incomplete cells are grey and left out of averages.
- **Average**: weighted by cohort size over complete cells (sum of active customers / sum of cohort sizes);
  revenue retention weighted by signup-{grain} revenue.
- **Window**: cohorts whose {grain} starts on or after the start date's {grain}; activity up to the end date.
""")
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
