"""Revenue mix: new vs existing customers, acquisition-year layers, revenue movements, concentration."""

from __future__ import annotations

import streamlit as st

from analytics import catalog
from analytics.revenue_mix import (
    as_of_bound,
    lorenz_curve,
    new_revenue_reconciliation,
    revenue_by_acquisition_year,
    revenue_concentration,
    revenue_mix,
    revenue_movements,
)
from analytics.survival import describe_churn
from queries import DataUnavailable
from ui import revenue_mix_charts, shell
from ui.format import money, percent, period_label

shell.ensure_shell()
st.title("Revenue mix")
source = shell.get_source()
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_setting()
try:
    mix = shell.compute(revenue_mix, filters)
    layers = shell.compute(revenue_by_acquisition_year, filters)
    movements = shell.compute(revenue_movements, filters, churn_definition, inactivity_days)
    reconciliation = shell.compute(new_revenue_reconciliation, filters, churn_definition, inactivity_days)
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
context = (catalog.context_of(period=last["period"], grain=grain, filters=filters.describe()) if last else ())
when = f", {period_label(last['period'], grain, short=True)}" if last else ""
tiles[0].metric(f"{catalog.name('existing_share')}{when}",
                catalog.show("existing_share", last["existing_share"] if last else None, surface="revenue mix tile",
                             context=context), help=catalog.figure("existing_share").definition)
tiles[1].metric(f"{catalog.name('new_customer_revenue')}{when}",
                catalog.show("new_customer_revenue", last["new_revenue"] if last else None,
                             surface="revenue mix tile", context=context),
                help=catalog.figure("new_customer_revenue").definition)
tiles[2].metric(catalog.name("top_20_share"), percent(summary["top_20_share"]) if summary else "–",
                help=catalog.figure("top_20_share").definition)
tiles[3].metric(catalog.name("gini"), f"{summary['gini']:.2f}" if summary and summary["gini"] is not None else "–",
                help=catalog.figure("gini").definition)

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
done_rec = reconciliation.filter(reconciliation["is_complete"])
if done_rec.height:
    rec = done_rec.row(-1, named=True)
    catalog.note("new_customer_revenue", rec["new_customer_revenue"], surface="revenue mix reconciliation",
                 context=context)
    st.markdown(
        f"**{catalog.name('new_customer_revenue')} {money(rec['new_customer_revenue'])}** in "
        f"{period_label(rec['period'], grain)} = *{catalog.name('movement_new')}* "
        f"{money(rec['first_paying_period_revenue'])} − first payments of customers acquired earlier "
        f"{money(rec['first_paid_acquired_earlier'])} + net revenue of new customers who paid nothing net "
        f"{money(rec['new_customers_nonpositive'])}.")
    st.caption(f"Churned and paused follow the churn definition in the sidebar "
               f"({describe_churn(churn_definition, inactivity_days)}): a customer who paid nothing this {grain} is "
               "churned when they have churned by its end, paused otherwise (they come back later, or it is too "
               "early to know).")
shell.chart(revenue_mix_charts.revenue_movements_chart(movements, grain), key="revenue_movements")
with st.expander("Table: revenue movements by period"):
    shell.table(movements, "revenue_movements.csv", figures={"new": "movement_new", "churned": "movement_churned"})
with st.expander("Table: new-customer revenue reconciled to the first paying period"):
    shell.table(reconciliation, "new_revenue_reconciliation.csv",
                figures={"first_paying_period_revenue": "movement_new", "first_paid_acquired_earlier": "revenue",
                         "new_customers_nonpositive": "revenue"})

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
        "without transactions counts as revenue 0; churn under the churn definition in the sidebar:\n"
        f"  - **{catalog.name('movement_new')}**: first period with positive revenue (can be later than the signup "
        "period, so it differs from new-customer revenue: the line under the waterfall reconciles them): `+cur`;\n"
        "  - **Expansion**: `prev > 0` and `cur > prev`: `cur − prev`;\n"
        "  - **Contraction**: `prev > 0` and `0 < cur < prev`: `cur − prev` (negative);\n"
        "  - **Churned**: `prev > 0`, `cur ≤ 0`, and the customer churned in the previous period or this one: "
        "`−prev`;\n"
        "  - **Paused**: `prev > 0`, `cur ≤ 0`, not churned by the end of the period (they come back later, or it "
        "is too early to know): `−prev`;\n"
        "  - **Resumed**: `prev ≤ 0`, `cur > 0`, paid before, no churn since their last payment: `+cur`;\n"
        "  - **Reactivated**: `prev ≤ 0`, `cur > 0`, back after a churn (a purchase after their churn date): "
        "`+cur`; under *inactivity* a customer who comes back never churned, so this stays 0;\n"
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
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
