"""Overview: how well the business keeps its customers, on one screen."""

from __future__ import annotations

import streamlit as st

from analytics.executive import executive_summary
from analytics.overview import activity_by_period
from queries import DataUnavailable
from report import links, pdf
from report.board_pack import board_pack
from ui import kpi_format, overview_charts, shell, tiles
from ui.format import escape_markdown, period_label

shell.ensure_shell()
st.title("Overview")
source = shell.get_source()
filters = shell.current_filters()
churn_definition, inactivity_days = shell.churn_controls()
try:
    summary = shell.compute(executive_summary, filters, churn_definition, inactivity_days)
    activity = shell.compute(activity_by_period, filters)
except DataUnavailable as exc:
    shell.show_unavailable(exc)

period = period_label(summary.period, filters.grain) if summary.period else "no complete period"
st.caption(f"Last complete {filters.grain}: **{period}** · as of **{summary.as_of}** · data fingerprint "
           f"`{source.fingerprint}` · filters: {filters.describe()}")

for sentence in summary.sentences:
    st.markdown(f"- {escape_markdown(sentence)}")

query = {key: value for key, value in st.query_params.to_dict().items()}
# Four tiles a row on a wide screen, two on a phone: Streamlit's grid drops a column before a tile would be narrower
# than 150 pixels (columns stacked them one per screen there).
tile_grid = st.grid(4, min_column_width=150, key="kpi_tiles")
for kpi in summary.kpis:
    tiles.kpi_tile(kpi, tile_grid, query)

shell.chart(overview_charts.activity_chart(activity, filters.grain), key="activity")
with st.container(horizontal=True):
    if st.button("Prepare the board pack", icon=":material/slideshow:",
                 help="One HTML file that opens offline: these KPIs and headlines, the main chart of every page "
                      "(interactive; the budget split at the Budget page's defaults), the filters, the as-of date, "
                      "the fingerprint and a link to each view."):
        st.session_state["board_pack_ready"] = True
    if st.session_state.get("board_pack_ready"):
        base_url = links.app_base_url(st.context.url, st.get_option("server.baseUrlPath"))
        pack = shell.compute(board_pack, filters, churn_definition, inactivity_days, base_url)
        pack_key = (source.fingerprint, filters, churn_definition, inactivity_days, base_url)
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
shell.table(kpi_format.kpi_table(summary), "overview_kpis.csv")
with st.expander("Definitions"):
    st.markdown(f"""
- **Active customers**: customers with a positive transaction in the last complete {filters.grain}.
- **Revenue**: net revenue (refunds deducted) in the last complete {filters.grain}.
- **Existing-customer share**: share of that {filters.grain}'s revenue from customers acquired in earlier
  {filters.grain}s.
- **Logo retention, 12 months**: of the customers who bought in the 12 months before the trailing 12 months,
  the share who bought again in the trailing 12 months (ending at the last complete month).
- **Net revenue retention, 12 months**: the trailing-12-month revenue of those same customers / their revenue
  in the 12 months before; above 100% when they spend more than they churn.
- **Median time to churn**: Kaplan-Meier median days from signup to churn ({churn_definition} churn, see
  Survival); "not reached" when more than half of customers have not churned within the data.
- **Blended LTV:CAC** and **payback month**: customer-weighted across channels (see Value & CAC).
- Each change compares with the previous {filters.grain}: the {filters.grain} before for the first three, the
  data cut at the end of the previous {filters.grain} for the others. The small line is the recent trend.
- **Revenue chart**: revenue per {filters.grain}, net of refunds, with active customers; a hatched bar is a
  {filters.grain} not complete at the as-of date.
""")
shell.table(activity, "activity_by_period.csv")
