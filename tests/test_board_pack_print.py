"""The board pack on paper (report/print_layout.py, report/pdf.py): A4 landscape, the cover then one section per
page, nothing cut or overlapping, page numbers and the as-of date and fingerprint in every footer; deltas coloured
with arrows as on the tiles; ``--pdf`` through the system Chromium, and a clear message without it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest
from playwright.sync_api import Browser
from pypdf import PdfReader

from analytics.executive import Kpi
from report.pdf import CHROMIUM_ENV
from report.print_layout import (
    PRINT_HEIGHT,
    PRINT_TITLE_CHARS,
    PRINTABLE_HEIGHT,
    PRINTABLE_WIDTH,
    change_html,
    for_print,
)
from tests.browser import SCREENSHOTS
from tests.conftest import ROOT, SMALL_CUSTOMERS, SMALL_TRANSACTIONS, write_exports
from ui import theme

#: The bundled sample's pack: the cover, then five pages' charts and the budget split.
SECTIONS = 6
#: The cover, one page per chart section, and the definitions of the figures on the cover (issue #16).
PAGES = 1 + SECTIONS + 1


def kpi(value: float, previous: float | None, higher_is_better: bool = True) -> Kpi:
    """A tile of a count whose rise is good news (active customers), or of months whose fall is (payback month)."""
    return Kpi("active_customers" if higher_is_better else "payback_month", value, previous)


def test_changes_carry_an_arrow_and_say_good_or_bad_like_the_tiles():
    assert change_html(kpi(6636, 6680)) == '<div class="change bad"><span class="arrow" aria-hidden="true">↓</span> ' \
                                          '-44</div>'
    assert 'class="change good"' in change_html(kpi(6680, 6636)) and "↑" in change_html(kpi(6680, 6636))
    # Fewer days to payback is good news: down arrow, green.
    assert 'class="change good"' in change_html(kpi(4, 5, higher_is_better=False)) and "↓" in \
        change_html(kpi(4, 5, higher_is_better=False))
    assert change_html(kpi(6636.2, 6636)) == '<div class="change flat">no change</div>'   # rounds to 0: no arrow
    # The board pack says what the change is against, as the tiles do.
    assert change_html(kpi(6636, 6680), against="November 2025").endswith("-44 vs November 2025</div>")
    assert change_html(kpi(1.0, None)) == '<div class="change"></div>'


def test_print_figures_wrap_long_titles_and_fit_the_page():
    title = "Enterprise customers stay longest: 82% still active after a year vs 62% for pro, and starters never churn"
    fig = theme.apply(go.Figure(), title, height=1216)   # the heatmap of 48 monthly cohorts is this tall on screen
    printed = for_print(fig)
    lines = printed.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(line) <= PRINT_TITLE_CHARS for line in lines)
    assert " ".join(lines) == title                                         # wrapped, never cut
    assert printed.layout.height == PRINT_HEIGHT and printed.layout.margin.t >= 30 + 2 * 28
    assert fig.layout.height == 1216                                        # the screen figure is unchanged


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample's pack, printed by the CLI: ``export --pdf``."""
    out = tmp_path_factory.mktemp("pack")
    result = subprocess.run([sys.executable, "-m", "analytics", "export", "--out", str(out), "--pdf", "--base-url",
                             "https://dash.example.com"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    return out


def test_the_pdf_has_the_cover_and_one_a4_landscape_page_per_section(pack: Path):
    reader = PdfReader(pack / "board_pack.pdf")
    assert len(reader.pages) == PAGES
    html = (pack / "board_pack.html").read_text()
    fingerprint = re.search(r"data fingerprint <code>(\w+)</code>", html).group(1)
    as_of = re.search(r"As of <b>([\d-]+)</b>", html).group(1)
    titles = re.findall(r"<h2>([^<]+)</h2>", html)
    assert len(titles) == SECTIONS + 1 and titles[-1] == "Definitions"
    # The cover says which churn definition the survival, value and budget figures use (the default: combined).
    assert "Churn: a customer has churned on their churn_date" in reader.pages[0].extract_text()
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)                 # A4 landscape, in points
        text = page.extract_text()
        assert f"Page {number} of {PAGES}" in text
        assert f"as of {as_of}" in text and f"data fingerprint {fingerprint}" in text
        if number > 1:                                                      # each section starts its own page
            assert titles[number - 2] in text
    # The charts were drawn before Chromium printed: an axis title exists only in Plotly's SVG (the HTML holds it in
    # the figure's JSON), and the PDF carries it as text.
    assert "Revenue, net of refunds" in reader.pages[1].extract_text()


def test_printed_from_a_wide_screen_no_chart_overflows_its_page(pack: Path, browser: Browser):
    """Open the pack on a wide screen, switch to print media (the charts redraw at the printed width) and measure
    every section against the printable area; then print it as a user would and count the pages."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto((pack / "board_pack.html").as_uri())
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {SECTIONS}")
    assert page.eval_on_selector(".js-plotly-plot", "p => p.getBoundingClientRect().width") > PRINTABLE_WIDTH
    page.emulate_media(media="print")
    page.wait_for_function(f"Array.from(document.querySelectorAll('.js-plotly-plot')).every("
                           f"p => p.getBoundingClientRect().width <= {PRINTABLE_WIDTH})")
    sections = page.eval_on_selector_all("section.chart", """sections => sections.map(s => {
        const box = e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
        const plot = s.querySelector('.js-plotly-plot');
        return {section: box(s), chart: box(plot), svg: box(plot.querySelector('.main-svg')),
                title: box(plot.querySelector('.gtitle')), legend: plot.querySelector('.legend') &&
                box(plot.querySelector('.legend')), plotArea: box(plot.querySelector('.nsewdrag')),
                xtitle: plot.querySelector('.xtitle') && box(plot.querySelector('.xtitle'))};
    })""")
    assert len(sections) == SECTIONS
    for i, part in enumerate(sections):
        section, chart, title = part["section"], part["chart"], part["title"]
        assert section["h"] <= PRINTABLE_HEIGHT, (i, section)               # heading, note and chart on one page
        assert part["svg"]["w"] <= PRINTABLE_WIDTH and part["svg"]["x"] + part["svg"]["w"] <= section["x"] + \
            PRINTABLE_WIDTH + 1, (i, part["svg"])
        assert title["x"] >= chart["x"] and title["x"] + title["w"] <= chart["x"] + chart["w"], (i, title)
        if part["legend"]:                                                  # the legend below the plot and its axis
            below = max(part["plotArea"]["y"] + part["plotArea"]["h"],
                        (part["xtitle"]["y"] + part["xtitle"]["h"]) if part["xtitle"] else 0)
            assert part["legend"]["y"] >= below - 1, (i, part["legend"], below)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board_pack_print.png"), full_page=True)
    printed = pack / "printed_by_a_user.pdf"
    page.pdf(path=str(printed), prefer_css_page_size=True, print_background=True)
    assert len(PdfReader(printed).pages) == PAGES
    context.close()


def test_without_chromium_the_pdf_option_says_what_to_do(tmp_path: Path):
    data = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)
    out = tmp_path / "out"
    env = os.environ | {CHROMIUM_ENV: str(tmp_path / "no-chromium-here")}   # as if Chromium were missing
    result = subprocess.run([sys.executable, "-m", "analytics", "export", "--data", str(data), "--out", str(out),
                             "--pdf", "--base-url", "https://dash.example.com"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "board_pack.pdf was not written" in result.stderr and "apt-get install chromium" in result.stderr
    assert (out / "board_pack.html").is_file() and not (out / "board_pack.pdf").exists()


def test_the_cover_names_the_churn_definition():
    from report.board_pack import churn_sentence

    assert churn_sentence({"churn": "explicit"}) == \
        "Churn: a customer has churned on their churn_date (an explicit cancellation) only."
    assert "after 60 days without a purchase" in churn_sentence({"churn": "inactivity", "inactivity_days": "60"})
    # The default, combined: the churn date where there is one, else inactivity (issue #16).
    combined = churn_sentence({"churn": "combined", "inactivity_days": "90"})
    assert "churn_date where one is recorded, else after 90 days without a purchase" in combined
