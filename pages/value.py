"""Value & CAC: what is a customer worth, what did we pay to win them, and when do we get it back?"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import catalog
from analytics.clv_models.channels import channel_model_clv, clv_comparison
from analytics.executive import blended_value, value_context
from analytics.money import money_total
from analytics.scope import as_of_bound
from analytics.survival import describe_churn
from analytics.value import HORIZONS, ValueSettings, clv_report
from queries import DataUnavailable
from ui import clv_charts, customers_page, shell, value_charts
from ui.format import label, money

shell.ensure_shell()
st.title("Customer value vs. acquisition cost")
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_setting()
with st.sidebar:
    st.subheader("Value settings")
    margin = st.slider("Gross margin (where the export has none)", 0.05, 1.0, 0.70, 0.05, key="margin",
                       bind="query-params", help="Applied to amount for transactions without gross_margin.")
    discount = st.slider("Annual discount rate", 0.0, 0.30, 0.10, 0.01, key="discount_rate", bind="query-params",
                         help="Future margin is worth less today: (1 + rate)^(1/12) - 1 per month.")
    horizon = st.segmented_control("CLV horizon (months)", list(HORIZONS), default=24, key="horizon",
                                   bind="query-params") or 24
    target = st.number_input("Target LTV:CAC", 1.0, 10.0, 3.0, 0.5, key="target_ratio", bind="query-params")
    min_customers = int(st.number_input("Flag channels with fewer customers than", 10, 100_000, 100, 10,
                                        key="min_customers", bind="query-params"))
settings = ValueSettings(margin=round(margin, 4), discount_rate=round(discount, 4), horizon=int(horizon),
                         target_ratio=float(target), min_customers=min_customers,
                         churn_definition=churn_definition, inactivity_days=inactivity_days)
try:
    report = shell.compute(clv_report, filters, settings)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

st.caption(f"Filters in force: {filters.describe()} · margin {margin:.0%} where the export has no gross_margin · "
           f"discount {discount:.0%} a year · churn: {describe_churn(churn_definition, inactivity_days)}")
if not report.has_cac:
    st.info("This data has neither a marketing_spend export nor acquisition_cost on customers, so CAC, "
            "LTV:CAC and payback cannot be computed: the page shows customer value only.")

channels = report.channels
as_of = as_of_bound(shell.get_source(), filters)
context = value_context(as_of, filters, settings)
tiles = st.columns(4)
tiles[0].metric(catalog.name("blended_cac"), catalog.show("blended_cac", report.blended_cac, surface="value tile",
                                                           context=context),
                help=catalog.figure("blended_cac").definition + " The Budget page's CAC counts the paid channels only.")
known = channels.filter(pl.col("customers") > 0)
total = known["customers"].sum()
clv_col = f"clv_{settings.horizon}"
avg_clv = money_total(known[clv_col].fill_null(0) * known["customers"]) / total if total else None
tiles[1].metric(f"{catalog.name('predicted_clv')}, {horizon} months", money(avg_clv),
                help=catalog.figure("predicted_clv").definition + " Customer-weighted across channels.")
ratio, _, _ = blended_value(report, settings.horizon)
tiles[2].metric(catalog.name("ltv_cac_blended"), catalog.show("ltv_cac_blended", ratio, surface="value tile",
                                                               context=context),
                help=catalog.figure("ltv_cac_blended").definition)
small = known.filter(pl.col("is_small"))["channel"].to_list()
tiles[3].metric("Channels", f"{known.height}", help="Channels with customers in the window.")

shell.chart(value_charts.value_curves(report.curves, channels), key="value_curves")
st.caption(f"Stars mark the payback month; dashed lines are each channel's CAC. Curves use the signup cohorts "
           f"that have completed {horizon} months, so every customer counts at every month shown.")
shell.table(report.curves, "value_curve.csv")

shell.chart(value_charts.ltv_cac_bars(channels, settings.horizon, settings.target_ratio), key="ltv_cac")
table = channels.select(
    "channel", "customers", "cac", "clv_12", "clv_24", "clv_36", "ltv_cac",
    pl.col("payback_month").cast(pl.String).fill_null("not yet").alias("payback_month"),
    "max_affordable_cac", "is_small")
if small:
    st.warning(f"Fewer than {min_customers} customers: {', '.join(label('channel', c) for c in small)}. Their value "
               "and ratios are noisy.",
               icon=":material/warning:")
shell.table(table, "clv_cac.csv")

st.subheader("Prediction vs. the simple formula")
compare = channels.select("channel", pl.col(clv_col).alias(f"predicted_clv_{horizon}")).join(
    report.simple_clv, on="channel", how="left")
st.caption("The simple formula (monthly margin per active customer / monthly churn rate) assumes a constant "
           "churn rate and no discounting, forever; the prediction follows the observed survival curve over "
           f"{horizon} months and discounts. Where churn is rare, the simple formula runs far higher.")
shell.table(compare, "clv_simple_vs_predicted.csv")
order = channels.filter(pl.col("customers") > 0).sort("customers", descending=True)["channel"].to_list()
shell.chart(value_charts.survival_projection(report.projection, order), key="value_survival")
shell.table(report.projection, "clv_projection.csv")

st.subheader("Survival-based CLV beside the purchase model (BG/NBD + Gamma-Gamma)")
# On demand: a BG/NBD fit per channel takes seconds at a million customers, more than the rest of the page.
if st.toggle("Compare with the purchase model", key="model_clv", bind="query-params",
             help="Fits BG/NBD on each channel's customers (a few seconds on large data; then cached)."):
    model = shell.compute(channel_model_clv, filters, settings)
    comparison = clv_comparison(channels, model, settings.horizon)
    shell.chart(clv_charts.model_vs_survival(comparison, settings.horizon), key="clv_model_vs_survival")
    st.caption(f"Model CLV ({horizon} months): the channel's buyer share × margin × (first purchase + expected "
               "repeat purchases × expected spend), discounted as above; BG/NBD fitted on each channel's customers. "
               "The two agree when customers buy at a steady pace; the model knows nothing of spend growing with "
               "tenure.")
    shell.table(comparison, f"clv_model_vs_survival_{horizon}.csv")
customers_page.drill_links("The customers of each channel, with P(alive) and value at risk:", "channel",
                           [c for c in order if c])

shell.chart(value_charts.cohort_ratio(report.cohort_ratio, 12), key="cohort_ratio")
shell.table(report.cohort_ratio, "value_to_cac_by_cohort.csv")
shell.chart(value_charts.cac_trend(report.cac_monthly), key="cac_trend")
shell.table(report.cac_monthly, "cac_by_channel_month.csv")

with st.expander("Definitions"):
    st.markdown(f"""
- **Gross margin** of a transaction: its `gross_margin` where the export has one, otherwise amount × the
  margin setting ({margin:.0%}; default 70%).
- **Month of life** t: t = 1 is the signup month, t = 2 the next calendar month, and so on.
- **CAC** of a channel: its marketing spend / customers it acquired (per month, or total / total over the
  window). Without a spend export: the mean `acquisition_cost` of its customers. **Blended CAC incl. organic**:
  all cost / all customers acquired, organic included (the Budget page's *CAC, paid channels* leaves organic
  customers out and covers its calibration window only). Spend is per channel, so segment and region filters do
  not change a channel's CAC.
- **Value curve**: cumulative gross margin per acquired customer (churned customers stay in the denominator),
  over the months every customer in the curve has completed.
- **Payback month**: the first month of life at which the value curve reaches CAC.
- **Predicted CLV (H months)** = Σ t=1..H S(t) × m(t) / (1 + d)^t: S(t) the Kaplan-Meier survival at the start
  of month t (Weibull extension, dashed, beyond the oldest customer), m(t) the mean margin per still-active
  customer in month t (held at the mean of the last three observed months beyond the data), d the monthly
  rate of the annual discount rate ({discount:.0%} → {(1 + discount) ** (1 / 12) - 1:.3%} a month).
- **Simple CLV** = monthly margin per active customer / monthly churn rate (churn events per customer-month).
- **LTV:CAC** = predicted CLV / CAC. **Maximum affordable CAC** = predicted CLV / target ratio ({target:g}×).
- **Model CLV (H months)** = buyer share × margin rate × (first purchase spend / (1 + d) + E[spend per repeat
  purchase] × Σ t=1..H (E[X(t)] − E[X(t−1)]) / (1 + d)^t): E[X(t)] the repeat purchases a BG/NBD fitted on the
  channel's customers expects t months after a first purchase, the spend from the Customers page's Gamma-Gamma
  fit given the first purchase's spend; buyer share = customers who bought / customers acquired. **Model
  LTV:CAC** = model CLV / CAC.
- **12-month value : CAC by cohort**: margin per customer over the first 12 months of the signup quarters
  that have completed them / that quarter's CAC.
- **Survival** in the CLV follows the churn definition in the sidebar
  ({describe_churn(churn_definition, inactivity_days)}).
""")
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
