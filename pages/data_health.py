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

asked = " (asked for)" if source.as_of_request else ""
st.caption(f"Data folder `{source.data_dir}` · as of **{report.as_of or 'unknown'}**{asked} · time zone "
           f"`{source.timezone}` · fingerprint `{report.fingerprint}` (from file paths, sizes, modification times "
           "and Parquet footers)")
errors, excluded, warnings = report.errors, report.excluded, report.warnings
if errors:
    st.error(f"{len(errors)} error(s): the pages that need the affected exports cannot show numbers until "
             "they are fixed.")
if excluded:
    st.error(f"{len(excluded)} check(s) found rows or values that cannot be used: they are left out of every "
             "figure, and the rest of the data is used. Details below; fix them in the export.")
if not errors and not excluded:
    if warnings:
        st.warning(f"All exports loaded. {len(warnings)} check(s) found something worth a look.")
    else:
        st.success("All exports loaded and every check passed.")
elif warnings:
    st.warning(f"{len(warnings)} more check(s) found something worth a look.")

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
        "as `NAME.parquet` or a `NAME/` folder of Parquet files (any depth; folder names are not read as "
        "columns), never both. Columns with other names are mapped in `retention.toml` in the data folder, e.g. "
        "`[columns.transactions] amount = \"net_revenue\"`; `timezone = \"Europe/Paris\"` there sets the time "
        "zone that zoned timestamps are cut to dates in (default UTC).\n\n"
        "The **as-of date** is the latest transaction date not after today, or the date asked for (the sidebar's "
        "As-of date, `as_of=` in the URL, `--as-of` for the export). Transactions after it are left out of every "
        "figure, and so are rows whose money cannot be right: amounts that are not finite (NaN, infinity) or "
        "implausibly large (1,000 times the 99.9th percentile of all amounts, or 1e12, or more), and spend that "
        "is not finite, negative or that large; such acquisition costs and gross margins are ignored. Each is "
        "counted above with examples.\n\n"
        "`currency = \"EUR\"` in `retention.toml` sets the currency shown on money; "
        "`[labels.channel] paid_social = \"Paid social (Meta)\"` the display name of a segment, channel or "
        "region.\n\n"
        "The app only reads the folder (through a read-only file system); it never writes into it."
    )
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
