"""Retention process: did the planned touches happen, are they associated with keeping customers, and do
existing customers accept offers more often than leads convert?"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import catalog
from analytics.retention_process import (
    coverage_overall,
    export_coverage,
    export_effects,
    offer_conversion,
    offer_conversion_by_channel,
    process_cost,
    touch_delays,
    touchpoint_coverage,
    touchpoint_effects,
)
from analytics.survival import describe_churn
from queries import DataUnavailable
from ui import process_charts, process_page, shell

shell.ensure_shell()
st.title("Retention process")
source = shell.get_source()
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_setting()
try:
    source.require("customers", "transactions")
except DataUnavailable as exc:
    shell.show_unavailable(exc)
st.caption(f"Filters in force: {filters.describe()} · churn: {describe_churn(churn_definition, inactivity_days)} · "
           f"as of **{source.as_of}**")

st.header("Did the touches happen?")
if not source.has("touchpoints"):
    process_page.missing_export(source, "touchpoints")
else:
    coverage = shell.compute(touchpoint_coverage, filters)
    target = st.slider("Target coverage", 0, 100, 80, step=5, format="%d%%", key="target", bind="query-params",
                       help="The share of new customers every planned touchpoint should reach within its window.")
    shell.chart(process_charts.coverage_chart(coverage, filters.grain, target / 100), key="process_coverage")
    overall = coverage_overall(coverage)
    shell.table(overall, "touchpoint_coverage_overall.csv", figures=dict.fromkeys(
        ("coverage", "ci_lower", "ci_upper"), "touch_coverage"))
    shell.download_csv(export_coverage(coverage), "touchpoint_coverage.csv")
    names = overall["touchpoint"].to_list()  # lowest coverage first: the default is the weakest step
    windows = dict(zip(coverage["touchpoint"], coverage["window_days"], strict=True))
    if names:
        # Raw names, not display labels: the URL keeps the value as shown, and the export's name is the stable one.
        picked = st.selectbox("Touchpoint", names, key="touchpoint", bind="query-params",
                              help="The touchpoint of the time-to-touch chart and the landmark analysis below.")
        picked = picked or names[0]
        delays = shell.compute(touch_delays, filters)
        shell.chart(process_charts.delay_chart(delays, picked, windows.get(picked)), key="process_delays")
        shell.download_csv(delays, "touch_delays.csv")

        st.header("Do the customers who get it stay?")
        effects = shell.compute(touchpoint_effects, filters, churn_definition, inactivity_days)
        chosen = effects.table.filter(pl.col("touchpoint") == picked)
        if chosen.height:
            shell.chart(process_charts.landmark_chart(effects.curves, chosen.row(0, named=True)),
                        key="process_landmark")
        st.caption("An **association in observational data, not proof of cause**: customers who got the touch may "
                   "differ in ways the data does not show. Each comparison starts at the landmark (the touchpoint's "
                   "window after signup) with the customers still customers then, so the touch is not credited "
                   "with the survival of customers who simply stayed long enough to receive it.")
        shell.table(effects.table, figures={"hazard_ratio": "touch_hazard_ratio"})
        shell.download_csv(export_effects(effects), "touchpoint_effect.csv")
        shell.download_csv(effects.curves, "touchpoint_landmark_curves.csv")

st.header("Selling to existing customers vs prospects")
if not source.has("touchpoints") and not source.has("leads"):
    st.caption("Needs the touchpoints export (offers with an outcome) or the leads export.")
else:
    if not source.has("leads"):
        process_page.missing_export(source, "leads")
    rates = shell.compute(offer_conversion, filters)
    shell.chart(process_charts.offer_chart(rates, filters.grain), key="process_offers")
    by_channel = shell.compute(offer_conversion_by_channel, filters)
    shell.chart(process_charts.offer_channel_chart(by_channel), key="process_offer_channels")
    shell.table(by_channel, "offer_conversion_by_channel.csv", figures=dict.fromkeys(
        ("ci_lower", "ci_upper"), "offer_acceptance"))  # units (percent); "rate" reads as a percent already
    shell.download_csv(rates, "offer_conversion.csv")
st.header("What the process costs")
cost = shell.compute(process_cost, filters, churn_definition, inactivity_days) if source.has("touchpoints") else None
if cost is None:
    st.caption("Needs touchpoints with a `cost` column.")
else:
    scope = catalog.context_of(window_end=cost.window_end, filters=filters.describe(), churn=churn_definition)
    tiles = st.columns(2)
    tiles[0].metric(catalog.name("process_cost_per_customer_month"), catalog.show(
        "process_cost_per_customer_month", cost.cost_per_customer_month, surface="process page", context=scope))
    tiles[1].metric(catalog.name("margin_per_customer"), catalog.show(
        "margin_per_customer", cost.margin_per_customer_month, surface="process page", context=scope))
    st.caption(f"{cost.window_start} to {cost.window_end}: touch costs of {cost.cost:,.0f} over "
               f"{cost.customer_months:,} customer-months retained; margin at 70% of amount where the export has no "
               "gross_margin (the Budget page's calibration, same months).")
    shell.table(cost.by_touchpoint, "touchpoint_costs.csv")
process_page.definitions(filters.grain)
