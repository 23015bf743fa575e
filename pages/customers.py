"""Customers: who is still a customer, what will each be worth, and whom to call?"""

from __future__ import annotations

import streamlit as st

from analytics import catalog
from analytics.clv_models.customers import customer_list, narrow, risk_by_group
from analytics.clv_models.scores import ClvSettings
from analytics.clv_models.validation import clv_validation
from queries import DataUnavailable
from ui import clv_charts, customers_page, shell
from ui.format import escape_markdown

shell.ensure_shell()
st.title("Customers: who is still a customer, and what are they worth?")
filters = shell.current_filters()
source = shell.get_source()
with st.sidebar:
    st.subheader("CLV settings")
    margin = st.slider("Gross margin (where the export has none)", 0.05, 1.0, 0.70, 0.05, key="margin",
                       bind="query-params", help="Applied to amount for transactions without gross_margin.")
    discount = st.slider("Annual discount rate", 0.0, 0.30, 0.10, 0.01, key="discount_rate", bind="query-params",
                         help="Future margin is worth less today: (1 + rate)^(1/12) - 1 per month.")
    calibration_end = st.date_input(
        "Calibration end", value=None, max_value=source.as_of, key="calibration_end", bind="query-params",
        help="Fit on the purchases up to this day and check the predictions after it. Empty: fit on all the "
             "data and hold out the last 26 weeks for the check.")
controls = st.columns([1, 1, 1, 1, 1])
cohort = controls[0].text_input("Signup cohort", key="cohort", bind="query-params", placeholder="e.g. 2024-03",
                                help="2024 (year), 2024-Q1 (quarter), 2024-03 (month), 2024-03-04 (week).")
below = controls[1].slider("P(alive) below", 0.05, 1.0, 1.0, 0.05, key="p_alive_below", bind="query-params",
                           help="1.0 lists everyone; lower keeps those likelier to have left.")
value_above = controls[2].number_input("Value if still active, at least", 0.0, value=0.0, step=100.0,
                                       key="value_above", bind="query-params")
at_risk_below = controls[3].slider("At risk: P(alive) below", 0.05, 0.95, 0.5, 0.05, key="at_risk_below",
                                   bind="query-params")
sort_by = controls[4].selectbox("Sort by", list(customers_page.SORTS), key="sort", bind="query-params")
settings = ClvSettings(margin=round(margin, 4), discount_rate=round(discount, 4), calibration_end=calibration_end,
                       at_risk_below=round(at_risk_below, 4))
try:
    # Not through st.cache_data: the list is a row per customer (a million rows pickled per filter choice); the
    # fits and the scores behind it are memoised in the data source, so only filtering and sorting run here.
    result = customer_list(source, filters, settings)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

st.caption(f"Filters in force: {filters.describe()}")
st.markdown(customers_page.heading(result, calibration_end is None))
if result.fit.error:
    st.info(result.fit.error, icon=":material/info:")
else:
    if result.fit.spend_error:
        st.warning(result.fit.spend_error, icon=":material/warning:")
    try:
        listed = narrow(result.customers, cohort or None, below if below < 1 else None,
                        value_above or None)
    except ValueError as exc:
        st.error(escape_markdown(str(exc)))
        listed = result.customers.head(0)
    column = customers_page.SORTS[sort_by or "value at risk"]
    listed = listed.sort([column, "customer_id"], descending=[column not in ("customer_id", "p_alive"), False],
                         nulls_last=True)
    own = {"cohort": cohort or None, "p_alive_below": below if below < 1 else None, "value_above": value_above or None}
    context = catalog.context_of(scores_as_of=result.calibration_end, filters=filters.describe(),
                                 margin=settings.margin, discount_rate=settings.discount_rate,
                                 list_filters=own if any(own.values()) else None)
    customers_page.tiles(listed, settings.at_risk_below, context)
    customers_page.customer_table(listed)
    customers_page.download_list(listed)
    st.caption(customers_page.fit_caption(result.fit))

    st.subheader("Value at risk by group")
    by = st.segmented_control("Group by", ["segment", "channel", "region"], default="segment", key="risk_by",
                              bind="query-params") or "segment"
    groups = risk_by_group(listed, by)
    shell.chart(clv_charts.value_at_risk(groups, by), key="value_at_risk")
    shell.table(groups, f"value_at_risk_by_{by}.csv")

st.subheader("Does the model predict well? The holdout check")
check = shell.compute(clv_validation, filters, settings)
if check.error:
    st.info(check.error, icon=":material/info:")
else:
    weeks = (check.holdout_end - check.calibration_end).days / 7
    st.caption(f"Fitted on purchases up to {check.calibration_end.isoformat()}, compared with the "
               f"{weeks:.0f} weeks to {check.holdout_end.isoformat()}"
               + (" (the default split: the last 26 weeks held out)." if check.is_default_split else "."))
    shell.chart(clv_charts.tracking(check.weekly, check.calibration_end), key="clv_tracking")
    shell.table(check.weekly, "clv_validation.csv")
    shell.chart(clv_charts.conditional_expectation(check.by_frequency, weeks), key="clv_conditional")
    shell.table(check.by_frequency, "clv_validation_by_frequency.csv")

if result.fit.bgnbd is not None:
    with st.expander("Model parameters"):
        shell.table(result.fit.table(), "clv_model.csv")
with st.expander("Definitions"):
    st.markdown(customers_page.definitions(calibration_end is None))
