"""Glossary: every figure the dashboard shows, its unit and its definition, generated from the metric catalog."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.catalog import glossary
from ui import shell

shell.ensure_shell()
st.title("Glossary")
fmt = shell.formats()
st.caption("Every figure on every page, defined once in the metric catalog (analytics/catalog.py): the tiles, "
           "sentences, charts, tables, the board pack and the export take their names and definitions from it. "
           "Two different quantities never share a name." + (f" Money is in {fmt.currency}." if fmt.currency else
                                                               " No currency is set: add currency = \"EUR\" (your "
                                                               "code) to retention.toml in the data folder."))
table = glossary()
PAGE_NAMES = {"overview": "Overview", "cohorts": "Cohorts", "revenue_mix": "Revenue mix", "value": "Value & CAC",
              "survival": "Survival", "customers": "Customers", "retention_process": "Retention process",
              "budget": "Budget what-if"}
search = st.text_input("Find a figure", key="glossary_search", placeholder="e.g. churn, CAC, base",
                       help="Filters names and definitions.")
shown = table
if search:
    shown = table.filter(pl.col("name").str.contains(f"(?i){search}", literal=False, strict=False)
                         | pl.col("definition").str.to_lowercase().str.contains(search.lower(), literal=True))
for page, rows in shown.group_by("page", maintain_order=True):
    st.subheader(PAGE_NAMES.get(str(page[0]), str(page[0])))
    for row in rows.iter_rows(named=True):
        unit = row["unit"] + (f", {fmt.currency}" if row["unit"] == "money" and fmt.currency else "")
        st.markdown(f"**{row['name']}** ({unit}): {row['definition']}")
with st.expander("Churn definitions"):
    st.markdown(
        "- **Combined** (the default): a customer churns on their `churn_date` where one is recorded on or before "
        "the as-of date; customers without one churn on their last purchase day once N days (default 90) pass "
        "without a purchase.\n"
        "- **Explicit**: `churn_date` only; customers without one never churn.\n"
        "- **Inactivity**: N days without a purchase only (`churn_date` ignored).\n"
        "- Survival follows each customer to their first churn; a purchase after a recorded `churn_date` is a "
        "return, shown as *reactivated* in the revenue movements and counted on Data health.")
shell.table(table.drop("key"), "glossary.csv")
