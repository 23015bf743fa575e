"""Data health: what was loaded, what is wrong with it, and what to do. Works even when every export fails."""

from __future__ import annotations

import streamlit as st

from analytics.health import data_health
from ui import shell
from ui.format import escape_markdown

shell.ensure_shell()
st.title("Data health")
source = shell.get_source()
report = shell.compute(data_health)

st.caption(f"Data folder `{source.data_dir}` · as of **{report.as_of or 'unknown'}** · fingerprint "
           f"`{report.fingerprint}` (from file paths, sizes and modification times)")
errors, warnings = report.errors, report.warnings
if errors:
    st.error(f"{len(errors)} error(s): the pages that need the affected exports cannot show numbers until "
             "they are fixed.")
elif warnings:
    st.warning(f"All exports loaded. {len(warnings)} check(s) found something worth a look.")
else:
    st.success("All exports loaded and every check passed.")

st.subheader("Exports")
shell.table(report.coverage, "data_coverage.csv")

st.subheader("Checks")
icons = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}
for finding in report.findings:
    if finding.affected == 0:
        continue
    with st.expander(f"{finding.check} — {finding.export} ({finding.affected:,})", icon=icons[finding.level],
                     expanded=finding.level == "error"):
        st.markdown(escape_markdown(finding.message))
        if finding.examples is not None and finding.examples.height:
            st.caption("First examples:")
            shell.table(finding.examples)
passed = [f for f in report.findings if f.affected == 0]
if passed:
    st.markdown("**Passed:** " + escape_markdown("; ".join(f.message.rstrip(".") for f in passed) + "."))
shell.table(report.table(), "data_health.csv")

with st.expander("How the data is read"):
    st.markdown(
        "A data folder holds `customers` and `transactions` (required) and `marketing_spend` (optional), each "
        "as `NAME.parquet` or a `NAME/` folder of Parquet files (any depth, hive partitions allowed). Columns "
        "with other names are mapped in `retention.toml` in the data folder, e.g. "
        "`[columns.transactions] amount = \"net_revenue\"`. The as-of date is the latest transaction date. "
        "The app only reads the folder; it never writes into it. `currency = \"EUR\"` in the same file sets the "
        "currency shown on money; `[labels.channel] paid_social = \"Paid social (Meta)\"` the display name of a "
        "segment, channel or region."
    )
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
