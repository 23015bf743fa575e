"""Overview: how well the business keeps its customers, on one screen."""

from __future__ import annotations

import streamlit as st

from analytics.executive import COMPARE_LABELS, COMPARES, executive_summary, headline_sentences
from analytics.lifecycle import export_table, lifecycle
from analytics.overview import activity_by_period
from analytics.survival import describe_churn
from queries import DataUnavailable
from report import links, pdf
from report.board_pack import board_pack
from ui import kpi_format, lifecycle_charts, overview_charts, shell, tiles
from ui.format import escape_markdown, period_label

shell.ensure_shell()
st.title("Overview")
source = shell.get_source()
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_setting()
fmt = shell.formats()
compare = st.segmented_control(
    "Compare with", COMPARES, default="previous", key="compare", bind="query-params",
    help="previous: the period before (the data cut at its end for the KPIs read at a date) · yoy: the same "
         "period a year earlier, so a seasonal December is not read as a fall against November.") or "previous"
try:
    summary = shell.compute(executive_summary, filters, churn_definition, inactivity_days, None, compare)
    activity = shell.compute(activity_by_period, filters)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

period = period_label(summary.period, filters.grain) if summary.period else "no complete period"
st.caption(f"Last complete {filters.grain}: **{period}** · compared with {COMPARE_LABELS[compare]} "
           f"({summary.comparison_label() or '–'}) · as of **{summary.as_of}** · churn: "
           f"{describe_churn(churn_definition, inactivity_days)} · data fingerprint `{source.fingerprint}` · "
           f"filters: {filters.describe()}")

for sentence in headline_sentences(summary, fmt, filters):
    st.markdown(f"- {escape_markdown(sentence)}")

# Four tiles a row on a wide screen, two on a phone: Streamlit's grid drops a column before a tile would be narrower
# than 150 pixels (columns stacked them one per screen there).
tile_grid = st.grid(4, min_column_width=150, key="kpi_tiles")
for kpi in summary.kpis:
    tiles.kpi_tile(kpi, tile_grid, summary, filters)

shell.chart(overview_charts.activity_chart(activity, filters.grain, {"filters": filters.describe()}),
            key="activity")
with st.container(horizontal=True):
    if st.button("Prepare the board pack", icon=":material/slideshow:",
                 help="One HTML file that opens offline: these KPIs and headlines, the main chart of every page "
                      "(interactive; the budget split at the Budget page's defaults), the filters, the as-of date, "
                      "the fingerprint and a link to each view."):
        st.session_state["board_pack_ready"] = True
    if st.session_state.get("board_pack_ready"):
        base_url = links.app_base_url(st.context.url, st.get_option("server.baseUrlPath"))
        pack = shell.compute(board_pack, filters, churn_definition, inactivity_days, base_url, None, compare, fmt)
        pack_key = (source.fingerprint, filters, churn_definition, inactivity_days, base_url, compare, fmt)
        st.download_button("Download board_pack.html", pack.encode(), file_name="board_pack.html", mime="text/html",
                           icon=":material/download:", key="download-board-pack")
        if pdf.find_chromium() is None:
            st.caption("PDF: this server has no Chromium to print with; open the HTML file and print it (A4 "
                       "landscape is preset).")
        elif st.button("Make the PDF", icon=":material/picture_as_pdf:", key="make-board-pack-pdf",
                       help="The same pack as A4 landscape pages, printed by Chromium on the server (a few seconds)."):
            try:
                st.session_state["board_pack_pdf"] = (pack_key, pdf.pdf_bytes(pack))
            except pdf.PdfUnavailable as exc:
                st.error(f"The PDF could not be made: {exc}")
        made = st.session_state.get("board_pack_pdf")
        if made and made[0] == pack_key:  # a PDF made for other filters is never offered for these
            st.download_button("Download board_pack.pdf", made[1],
                               file_name="board_pack.pdf", mime="application/pdf", icon=":material/download:",
                               key="download-board-pack-pdf")
st.dataframe(kpi_format.kpi_table_for_reading(summary, fmt), hide_index=True, width="stretch")
shell.download_csv(kpi_format.kpi_table(summary, fmt), "overview_kpis.csv")
with st.expander("Definitions"):
    lines = [f"- **{k.figure.name}**: {k.figure.definition}" for k in summary.kpis]
    st.markdown("\n".join(lines) + f"""
- **Churn** ({describe_churn(churn_definition, inactivity_days)}): the definition in the sidebar, the same on every
  page. *Active customers* bought in the period; the *customer base* has not churned, whether or not it bought.
- Each change compares with {COMPARE_LABELS[compare]} ({summary.comparison_label() or '–'}): that period's value for
  active customers, revenue and the existing-customer share; for the others, the figure with the data cut at the
  end of that period. The small line is the trend of the last 12 points: green when it goes the way that is good
  for the business, red when not, grey when flat.
- **Revenue chart**: revenue per {filters.grain}, net of refunds, with active customers; a hatched bar is a
  {filters.grain} not complete at the as-of date.
""")
    st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
shell.table(activity, "activity_by_period.csv")

st.subheader("Customer lifecycle")
states = shell.compute(lifecycle, filters)
shell.chart(lifecycle_charts.lifecycle_chart(states, filters.grain, {"filters": filters.describe()}),
            key="lifecycle")
with st.expander("Lifecycle definitions"):
    st.markdown(f"""
- **Active**: at least one transaction with a positive amount in the {filters.grain} (a refund alone is not activity).
- **New buyers**: active, and this is the customer's first purchase {filters.grain} ever. Not the same as *New
  customers* (signed up in the {filters.grain}): a customer can first buy later than they sign up, or never.
- **Returning**: active in this {filters.grain} and the previous one. **Resurrected**: active now, not in the
  previous {filters.grain}, but bought before. **Dormant** (below zero): active in the previous {filters.grain},
  not in this one; not necessarily churned.
- New + returning + resurrected = active customers of the {filters.grain}; returning + dormant = active customers
  of the previous one. "New" means new ever: the window's start selects the {filters.grain}s shown, not the
  history looked at. In a hatched (incomplete) {filters.grain} some dormant customers may still buy.
""")
shell.table(export_table(states), "lifecycle.csv", figures=lifecycle_charts.TABLE_FIGURES)
