"""Survival: how long do customers stay, and who leaves sooner?"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.survival import BY_LABELS, DEFAULT_CHURN_DEFINITION, SURVIVAL_BY, hazard_model, survival_curves
from queries import DataUnavailable
from ui import customers_page, shell, survival_charts, survival_page
from ui.format import escape_markdown

shell.ensure_shell()
st.title("Survival: how long do customers stay?")
filters = shell.current_filters()
churn, inactivity_days = shell.churn_setting()
by = st.segmented_control("Compare by", SURVIVAL_BY, default="segment", key="survival_by",
                          bind="query-params") or "segment"

try:
    # The curves and the hazard model (below) are computed side by side; each is cached on its own, so
    # changing "Compare by" refits only the curves.
    curves, model = shell.compute_side_by_side((survival_curves, filters, churn, inactivity_days, by, shell.formats()),
                                               (hazard_model, filters, churn, inactivity_days))
except DataUnavailable as exc:
    shell.show_unavailable(exc)

is_default = churn == DEFAULT_CHURN_DEFINITION
st.markdown(survival_page.definition_in_force(churn, inactivity_days, is_default))
st.caption(survival_page.followed_caption(curves, filters))

label = BY_LABELS[by]
if curves.no_churn_recorded:
    st.warning(survival_page.no_churn_warning(curves.no_churn_recorded, by), icon=":material/warning:")
if curves.too_small:
    st.warning(survival_page.too_small_warning(curves.too_small, by), icon=":material/info:")

# A group without a single churn date (explicit) would draw a flat 100% line that reads as "nobody leaves".
drawn = ~pl.col("group").is_in(curves.no_churn_recorded)
shell.chart(survival_charts.survival_chart(curves.curve.filter(drawn), curves.at_risk.filter(drawn), curves.headline,
                                           label, by), key="survival_curves")
st.markdown(escape_markdown(curves.comparison))
st.caption(survival_page.CURVES_CAPTION)

st.subheader(f"By {label}")
shell.table(survival_page.summary_for_reading(curves, label), dimensions={label: by},
            figures={"churned": "churned_customers"})
shell.download_csv(curves.summary, "survival_summary.csv")
st.caption(survival_page.SUMMARY_CAPTION)
customers_page.drill_links(f"The customers of each {label}, with P(alive) and value at risk:",
                           "cohort" if by == "cohort_year" else by,
                           survival_page.drillable_groups(curves.summary, by))

with st.expander("Pairwise log-rank tests"):
    shell.table(survival_page.pairwise_for_reading(curves.pairwise))
    shell.download_csv(curves.pairwise, "survival_logrank_pairwise.csv")
    st.caption(survival_page.PAIRWISE_CAPTION)
with st.expander("Curve data (one row per group and day)"):
    shell.table(curves.curve, "survival_curve.csv", dimensions={"group": by})

st.subheader("What drives churn: hazard ratios")
if model.error:
    st.info(model.error)
else:
    shell.chart(survival_charts.hazard_ratio_chart(model.hazard_ratios, model.headline), key="hazard_ratios")
    st.caption(survival_page.hazard_model_caption(model))
    left_out = survival_page.left_out_caption(model)
    if left_out:
        st.caption(left_out)
    st.markdown(model.ph_sentence)
    shell.table(survival_page.hazard_ratios_for_reading(model.hazard_ratios))
    shell.download_csv(model.hazard_ratios, "hazard_ratios.csv")
    with st.expander("Proportional-hazards check and who is in the model"):
        shell.table(survival_page.ph_check_for_reading(model.ph_check))
        shell.download_csv(model.ph_check, "proportional_hazards_check.csv")
        shell.table(model.levels, "hazard_model_groups.csv")

with st.expander("Definitions"):
    st.markdown(survival_page.definitions(curves.as_of, inactivity_days))
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
