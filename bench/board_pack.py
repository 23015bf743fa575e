"""Benchmark: the board pack and the charts' display layouts.

    python -m bench.board_pack                      # the bundled sample, 3 runs
    python -m bench.board_pack --data DIR --runs 5

Times (medians over the runs, one warm process): building the pack's HTML (the analytics behind it answered from
the data source's cache after the first run, as in the app), printing it to PDF with the system Chromium (a fresh
headless browser each time, as ``export --pdf`` does), and redrawing the pack's figures for the dark theme and for
a phone (``ui.theme.for_display``, which the app runs before drawing each chart). Sizes of the HTML and the PDF.
Not part of the test suite: tests never assert a timing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from analytics.filters import Filters
    from queries import DataSource, default_data_dir
    from report.board_pack import board_pack, sections
    from report.pdf import PdfUnavailable, print_to_pdf
    from ui.theme import for_display

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = DataSource.open(args.data or default_data_dir())
    build, prints, display = [], [], []
    html_bytes = pdf_bytes = pages = 0
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as folder:
        for _ in range(args.runs):
            start = time.perf_counter()
            html = board_pack(source, Filters(), None, 90, "https://dash.example.com")
            build.append(time.perf_counter() - start)
            page = Path(folder) / "board_pack.html"
            page.write_text(html, encoding="utf-8")
            html_bytes = page.stat().st_size
            start = time.perf_counter()
            try:
                pdf = print_to_pdf(page, Path(folder) / "board_pack.pdf")
            except PdfUnavailable as exc:
                print(f"PDF skipped: {exc}", file=sys.stderr)
            else:
                prints.append(time.perf_counter() - start)
                pdf_bytes = pdf.stat().st_size
                try:
                    from pypdf import PdfReader  # requirements-dev.txt
                    pages = len(PdfReader(pdf).pages)
                except ImportError:
                    pages = 0
        figures = [part.figure for part in sections(source, Filters(), "explicit", 90)[0]]
        for _ in range(args.runs):
            start = time.perf_counter()
            for fig in figures:
                for_display(fig, dark=True, compact=True)
            display.append((time.perf_counter() - start) / len(figures))
    source.close()
    print(f"data: {source.data_dir} ({source.fingerprint}), {args.runs} runs, medians")
    print(f"board pack HTML build:       {statistics.median(build):6.2f} s  (first run {build[0]:.2f} s), "
          f"{html_bytes / 1e6:.1f} MB")
    if prints:
        print(f"PDF through Chromium:        {statistics.median(prints):6.2f} s, {pdf_bytes / 1e3:.0f} kB, "
              f"{pages or '?'} pages")
    print(f"dark + phone layout, per chart: {statistics.median(display) * 1000:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
