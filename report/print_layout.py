"""The board pack on paper: an A4 landscape print stylesheet, figures laid out for the printed width, and KPI changes
coloured with arrows as on the Overview's tiles. Used by :mod:`report.board_pack`; printed to PDF by
:mod:`report.pdf`.

Page geometry (CSS pixels, 96 per inch): A4 landscape is 297 x 210 mm; with 14 mm side margins and 12/14 mm top and
bottom margins the printable area is 269 x 184 mm, about 1016 x 695 pixels. A section (heading, note, chart) gets
one page: the chart is drawn :data:`PRINT_WIDTH` wide and at most :data:`PRINT_HEIGHT` tall.
"""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go

from analytics.executive import Kpi
from analytics.formats import Formats
from ui import theme
from ui.kpi_format import NO_CHANGE, format_change

#: Printable area of an A4 landscape page with the margins below, in CSS pixels.
PRINTABLE_WIDTH, PRINTABLE_HEIGHT = 1016, 695
#: A chart on paper: the printable width less a little air; the height leaves room for the heading and the note.
PRINT_WIDTH, PRINT_HEIGHT = 1000, 540
#: Characters per title line at the theme's title size (22 px) across :data:`PRINT_WIDTH`.
PRINT_TITLE_CHARS = 80
_TITLE_LINE_PIXELS = 28


def for_print(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` that fits a printed page: at most :data:`PRINT_HEIGHT` tall, its title wrapped to the
    printed width (never cut at the edge) with room above the plot, the legend below the plot (the theme's)."""
    out = go.Figure(fig)
    title = out.layout.title.text or ""
    wrapped = theme.compact_title(title, PRINT_TITLE_CHARS) if title else title
    lines = wrapped.count("<br>") + 1 if title else 0
    height = min(out.layout.height or PRINT_HEIGHT, PRINT_HEIGHT)
    out.update_layout(title_text=wrapped, height=height, width=None, autosize=True,
                      margin_t=max(out.layout.margin.t or 0, 30 + _TITLE_LINE_PIXELS * lines))
    return out


def change_html(kpi: Kpi, formats: Formats | None = None, against: str = "") -> str:
    """The KPI's change as the tile shows it (``formats``: the pack's currency and names; ``against``: the period
    compared with, added as "vs ..."): an arrow for its direction, green when it is good news, red when bad
    (``higher_is_better``), grey and arrowless when it rounds to no change; empty without a previous value."""
    text = format_change(kpi, formats)
    if text is None or kpi.change is None:
        return '<div class="change"></div>'
    suffix = f" vs {against}" if against else ""
    if text == NO_CHANGE or kpi.higher_is_better is None:
        return f'<div class="change flat">{html.escape(text + suffix)}</div>'
    up = kpi.change > 0
    mood = "good" if up == kpi.higher_is_better else "bad"
    arrow = "↑" if up else "↓"
    return (f'<div class="change {mood}"><span class="arrow" aria-hidden="true">{arrow}</span> '
            f'{html.escape(text + suffix)}</div>')


def _css_text(text: str) -> str:
    # The footer is CSS generated content: keep only characters that need no escaping there.
    return re.sub(r"[^A-Za-z0-9 .,:·()_\-]", "", text)


def stylesheet(footer: str) -> str:
    """The pack's CSS: the screen layout, then the print layout (A4 landscape, the cover and then one section per
    page, page numbers and ``footer`` at the foot of every page)."""
    return f"""
body {{ font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; color: #1F2933; margin: 32px auto;
       max-width: 1200px; padding: 0 24px; }}
h1 {{ font-size: 34px; margin-bottom: 4px; }} h2 {{ font-size: 24px; margin-top: 40px; }}
.meta, .note {{ color: #52606D; font-size: 15px; }}
.tiles {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 20px 0; }}
.definitions li {{ font-size: 15px; }}
.tile {{ border: 1px solid #D9DEE3; border-radius: 8px; padding: 12px 16px; break-inside: avoid; }}
.tile .label {{ font-size: 14px; color: #52606D; }} .tile .value {{ font-size: 30px; font-weight: 600; }}
.tile .change {{ font-size: 14px; min-height: 18px; display: inline-block; padding: 1px 8px; border-radius: 10px;
                 margin-top: 4px; }}
.tile .change.good {{ color: #0E6B3A; background: #E3F4EA; }}
.tile .change.bad {{ color: #A3211A; background: #FBE6E4; }}
.tile .change.flat {{ color: #52606D; background: #EEF0F2; }}
.tile .change .arrow {{ font-weight: 700; }}
li {{ font-size: 18px; margin: 6px 0; }}
@media (max-width: 700px) {{ .tiles {{ grid-template-columns: repeat(2, 1fr); }} }}

@page {{
  size: A4 landscape;
  margin: 12mm 14mm 14mm 14mm;
  @bottom-left {{ content: "{_css_text(footer)}"; font: 8.5pt Inter, "Segoe UI", Helvetica, Arial, sans-serif;
                  color: #52606D; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages);
                   font: 8.5pt Inter, "Segoe UI", Helvetica, Arial, sans-serif; color: #52606D; }}
}}
@media print {{
  html, body {{ margin: 0; padding: 0; max-width: none; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  h1 {{ margin-top: 0; }}
  li {{ font-size: 15px; margin: 4px 0; }}
  .tiles {{ margin: 12px 0 0; }}
  .tile .value {{ font-size: 26px; }}
  section {{ break-before: page; break-inside: avoid; }}
  section h2 {{ margin: 0 0 4px; }}
  section .note {{ margin: 0 0 6px; }}
  .js-plotly-plot, .plotly-graph-div {{ max-width: {PRINT_WIDTH}px; break-inside: avoid; }}
  .modebar-container {{ display: none !important; }}
  a {{ color: #0B5394; text-decoration: none; }}
}}
"""


#: Plotly draws once, at the screen's width; before printing, every chart is redrawn at the printed width (and
#: back after), so that a pack printed from a wide screen is not cut at the page's edge.
PRINT_SCRIPT = f"""<script>
(() => {{
  let screenSizes = null;
  const plots = () => Array.from(document.querySelectorAll(".js-plotly-plot"));
  function toPaper() {{
    if (screenSizes || !window.Plotly) return;
    screenSizes = plots().map(p => [p, p.layout.width]);
    plots().forEach(p => Plotly.relayout(p, {{width: {PRINT_WIDTH}}}));
  }}
  function toScreen() {{
    if (!screenSizes) return;
    screenSizes.forEach(([p, width]) => Plotly.relayout(p, {{width: width || null, autosize: true}}));
    screenSizes = null;
  }}
  window.addEventListener("beforeprint", toPaper);
  window.addEventListener("afterprint", toScreen);
  matchMedia("print").addEventListener("change", event => event.matches ? toPaper() : toScreen());
}})();
</script>"""
