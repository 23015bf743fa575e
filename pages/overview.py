"""Overview: the data at a glance (row counts, revenue and active customers by period)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.overview import activity_by_period
from queries import DataUnavailable
from ui import charts, shell
from ui.format import money

shell.ensure_shell()
st.title("Overview")
source = shell.get_source()
filters = shell.current_filters()
try:
    activity = shell.compute(activity_by_period, filters)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

st.caption(f"Filters in force: {filters.describe()}")
tiles = st.columns(4)
tiles[0].metric("Customers", f"{source.row_counts.get('customers', 0):,}", help="Rows in the customers export.")
tiles[1].metric("Transactions", f"{source.row_counts.get('transactions', 0):,}",
                help="Rows in the transactions export, refunds included.")
tiles[2].metric("Revenue in window", money(activity["revenue"].sum()),
                help="Sum of amount over the selected window and customers, net of refunds.")
tiles[3].metric("As-of date", source.as_of.isoformat() if source.as_of else "–",
                help="The latest transaction date: the end of every curve and the date incomplete periods "
                     "are judged against.")

shell.chart(charts.activity_chart(activity, filters.grain), key="activity")
with st.expander("Definitions"):
    st.markdown(
        "- **Revenue**: sum of `amount` in the period, net of refunds (negative amounts).\n"
        "- **Active customers**: distinct customers with at least one transaction of positive amount in the "
        "period.\n"
        "- **New customers**: customers whose `signup_date` falls in the period.\n"
        "- A period is **incomplete** (hatched) when it ends after the as-of date."
    )
shell.table(activity, "activity_by_period.csv")
