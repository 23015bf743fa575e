"""The board pack as a PDF, printed by the system's Chromium (headless) from the pack's HTML: A4 landscape pages
from the pack's print stylesheet (report/print_layout.py), page numbers and the as-of date and fingerprint in the
footer. No PDF library of our own: the browser that draws the charts prints them.

Chromium is looked up as ``RETENTION_CHROMIUM`` (a path), else ``chromium``, ``chromium-browser``,
``google-chrome`` or ``google-chrome-stable`` on the PATH (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from report.print_layout import PRINTABLE_HEIGHT, PRINTABLE_WIDTH

CHROMIUM_ENV = "RETENTION_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfUnavailable(RuntimeError):
    """No Chromium to print with, or it failed; the message says what to do (the HTML pack is there anyway)."""


def find_chromium() -> str | None:
    """The Chromium executable to print with, or None."""
    configured = os.environ.get(CHROMIUM_ENV, "").strip()
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


NO_CHROMIUM = (f"the PDF needs Chromium, which was not found (looked for {CHROMIUM_ENV}, then "
               f"{', '.join(CHROMIUM_NAMES)} on the PATH). Install it (Debian/Ubuntu: apt-get install chromium) or set "
               f"{CHROMIUM_ENV} to its path; or open board_pack.html in a browser and print it to PDF (A4 landscape "
               "is preset).")


def print_to_pdf(html_path: Path, pdf_path: Path, timeout: float = 180) -> Path:
    """Print ``html_path`` to ``pdf_path`` (atomically) with headless Chromium; PdfUnavailable when it cannot."""
    chromium = find_chromium()
    if chromium is None:
        raise PdfUnavailable(NO_CHROMIUM)
    tmp = pdf_path.with_suffix(".pdf.tmp")
    with tempfile.TemporaryDirectory(prefix="retention-pdf-") as profile:
        command = [
            chromium, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={profile}",  # a throwaway profile: never the user's, never locked by their browser
            # The window is the printed width, so the charts are drawn at it from the start.
            f"--window-size={PRINTABLE_WIDTH},{PRINTABLE_HEIGHT}",
            # No --virtual-time-budget: with Debian's Chromium 156 it never returns (the print timed out at 180 s);
            # the pack's charts are drawn by its inline scripts before the load event, after which Chromium prints.
            "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={tmp}", html_path.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"Chromium ({chromium}) could not print the pack: {exc}") from None
    if result.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        detail = (result.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise PdfUnavailable(f"Chromium ({chromium}) could not print the pack (exit {result.returncode}: "
                             f"{detail[0]})")
    tmp.replace(pdf_path)
    return pdf_path


def pdf_bytes(html_text: str, timeout: float = 180) -> bytes:
    """``html_text`` printed to PDF (see :func:`print_to_pdf`), through a private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="retention-pack-") as folder:
        page = Path(folder) / "board_pack.html"
        page.write_text(html_text, encoding="utf-8")
        return print_to_pdf(page, Path(folder) / "board_pack.pdf", timeout).read_bytes()
