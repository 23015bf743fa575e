"""Revenue mix: new vs existing customers, acquisition-year layers, revenue movements, concentration."""

from __future__ import annotations

import streamlit as st

from analytics.revenue_mix import (
    as_of_bound,
    lorenz_curve,
    revenue_by_acquisition_year,
    revenue_concentration,
    revenue_mix,
    revenue_movements,
)
from queries import DataUnavailable
from ui import revenue_mix_charts, shell
from ui.format import money, percent, period_label

shell.ensure_shell()
st.title("Revenue mix")
source = shell.get_source()
filters = shell.current_filters()
try:
    mix = shell.compute(revenue_mix, filters)
    layers = shell.compute(revenue_by_acquisition_year, filters)
    movements = shell.compute(revenue_movements, filters)
    concentration = shell.compute(revenue_concentration, filters)
    lorenz = shell.compute(lorenz_curve, filters)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

as_of = as_of_bound(source, filters)
grain = filters.grain
st.caption(
    f"Filters in force: {filters.describe()}. Data to **{as_of}** (the as-of bound: the window's end or the "
    f"latest transaction, whichever is earlier). The window start is applied by {grain}: the charts show whole "
    f"{grain}s from the one containing the start date."
)
if mix.height and not mix["is_complete"][-1]:
    incomplete = period_label(mix["period"][-1], grain)
    st.info(f"{incomplete[0].upper()}{incomplete[1:]} is not complete: the data ends on {as_of}. Its bars are "
            "hatched, and the chart titles describe the last complete period instead.", icon=":material/info:")

done = mix.filter(mix["is_complete"])
last = done.row(-1, named=True) if done.height else None
summary = concentration.row(0, named=True) if concentration.height else None
tiles = st.columns(4)
tiles[0].metric(f"Existing share, {period_label(last['period'], grain, short=True)}" if last else "Existing share",
                percent(last["existing_share"]) if last else "–",
                help="Share of the last complete period's revenue from customers acquired in earlier periods.")
tiles[1].metric(f"New revenue, {period_label(last['period'], grain, short=True)}" if last
                else "New revenue", money(last["new_revenue"]) if last else "–",
                help="Revenue of the last complete period from customers acquired in that period.")
tiles[2].metric("Top 20% share of T12M revenue", percent(summary["top_20_share"]) if summary else "–",
                help="Share of the trailing-12-month revenue brought by the 20% of customers who brought the most.")
tiles[3].metric("Gini (T12M revenue)", f"{summary['gini']:.2f}" if summary and summary["gini"] is not None else "–",
                help="0 = every customer brings the same revenue; 1 = one customer brings it all.")

st.subheader("New and existing customers")
shell.chart(revenue_mix_charts.revenue_mix_chart(mix, grain), key="revenue_mix")
with st.expander("Table: revenue from new and existing customers"):
    shell.table(mix, "revenue_mix.csv")

st.subheader("Revenue by acquisition year")
shell.chart(revenue_mix_charts.revenue_layer_chart(layers, grain), key="revenue_by_acquisition_year")
with st.expander("Table: revenue by acquisition year"):
    shell.table(layers, "revenue_by_acquisition_year.csv")

st.subheader("Revenue movements")
if grain == "week":
    st.caption("By week, customers who pay monthly look churned in the weeks between payments and reactivated "
               "when they pay again: read churn and reactivation by month or quarter.")
shell.chart(revenue_mix_charts.revenue_waterfall_chart(movements, mix, grain), key="revenue_waterfall")
shell.chart(revenue_mix_charts.revenue_movements_chart(movements, grain), key="revenue_movements")
with st.expander("Table: revenue movements by period"):
    shell.table(movements, "revenue_movements.csv")

st.subheader("Revenue concentration, trailing 12 months")
if summary:
    st.caption(f"{summary['customers']:,} customers with transactions from {summary['window_start']} to "
               f"{summary['window_end']}, {money(summary['t12m_revenue'])} of revenue; "
               f"{summary['zero_revenue_customers']:,} of them brought none or were refunded more than they paid. "
               "This section ignores the window start: it always covers the 12 months to the as-of bound.")
shell.chart(revenue_mix_charts.lorenz_chart(lorenz, concentration), key="revenue_concentration")
with st.expander("Tables: concentration summary and Lorenz curve points"):
    shell.table(concentration, "revenue_concentration.csv")
    shell.table(lorenz, "revenue_lorenz.csv")

with st.expander("Definitions"):
    st.markdown(
        "- **Revenue**: sum of `amount`, net of refunds (negative amounts), in the data's currency. Customers in "
        "the selected segment / channel / region who signed up by the as-of bound; transactions of unknown "
        "customers, after the as-of bound, or before the customer's signup period are left out.\n"
        f"- **Cohort period**: the {grain} containing the customer's `signup_date`.\n"
        "- **New revenue**: revenue in a period from customers whose cohort period is that period. **Existing "
        "revenue**: from customers acquired in earlier periods (also before the window start). **Existing share** "
        "= existing / (new + existing); left empty when that total is not positive or a part is negative.\n"
        "- **Acquisition year**: the calendar year of the customer's `signup_date`.\n"
        "- **Incomplete period** (hatched): its last day is after the as-of bound, so it holds only part of its "
        "days; titles and tiles use the last complete period.\n"
        "- **Movements**, customer by customer, from the previous period (`prev`) to this one (`cur`); a period "
        "without transactions counts as revenue 0:\n"
        "  - **New**: first period with positive revenue (can be later than the signup period, so it differs "
        "from new revenue above): `+cur`;\n"
        "  - **Expansion**: `prev > 0` and `cur > prev`: `cur − prev`;\n"
        "  - **Contraction**: `prev > 0` and `0 < cur < prev`: `cur − prev` (negative);\n"
        "  - **Churned**: `prev > 0` and `cur ≤ 0`: `−prev`;\n"
        "  - **Reactivated**: `prev ≤ 0`, `cur > 0`, and positive revenue in some earlier period: `+cur`;\n"
        "  - **Net refunds**: the change in revenue of customers whose refunds exceeded their payments in a period "
        "(`min(cur, 0) − min(prev, 0)`); usually tiny, shown only when not zero.\n"
        "  - **Net change** = the sum of the movements = revenue of this period − revenue of the previous one.\n"
        "- **T12M revenue**: a customer's net revenue from transactions in the 12 months ending at the as-of bound. "
        "Customers: those with at least one transaction in those 12 months; a customer whose refunds exceed "
        "payments counts with revenue 0 (still one customer).\n"
        "- **Lorenz curve**: customers sorted by T12M revenue ascending (the standard Lorenz curve); a point "
        "(x, y) reads \"the x% of customers with the least revenue brought y% of it\". The dashed diagonal is "
        "every customer bringing the same.\n"
        "- **Top 20% share**: share of T12M revenue from the 20% of customers who brought the most (= 1 − the "
        "curve at 80%).\n"
        "- **Gini coefficient**: 1 − 2 × the area under the Lorenz curve (twice the shaded area): 0 when every "
        "customer brings the same, close to 1 when a few customers bring almost everything."
    )
