"""Helpers for the browser tests: start the app on a free port, drive Debian's Chromium with Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(proc: subprocess.Popen[bytes], base: str, timeout: float, interval: float = 0.25,
                 log_hint: str = "") -> None:
    """Return once the server at ``base`` answers /_stcore/health; raise if ``proc`` exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}{log_hint}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("streamlit did not become healthy")
        time.sleep(interval)


@contextmanager
def running_app(data_dir: Path | None = None, timeout: float = 90.0, log_path: Path | None = None,
                options: Sequence[str] = (), env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start ``streamlit run app.py`` headless; yield its base URL once /_stcore/health answers.

    ``log_path``: where the server's output goes (else artifacts/ when it exists); ``options``: more
    ``--section.option=value`` flags (e.g. ``--secrets.files=...``); ``env``: more variables."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
           "--server.address=127.0.0.1", f"--server.port={port}", "--browser.gatherUsageStats=false",
           "--server.fileWatcherType=none", *options]
    if data_dir is not None:
        cmd += ["--", "--data", str(data_dir)]
    artifacts = ROOT / "artifacts"
    if log_path is not None:
        log = open(log_path, "w")
    else:
        log = open(artifacts / f"streamlit-{port}.log", "w") if artifacts.is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env=os.environ.copy() | dict(env or {}))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, base, timeout)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not subprocess.DEVNULL:
            log.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app is drawn and its script has finished running (no spinner left)."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSpinner]')", timeout=timeout)


def wait_charts(page, timeout: float = 60_000) -> None:
    """Wait until every Plotly chart on the page has drawn its SVG: the layout stops moving then (a click aimed at
    a widget below a chart still being drawn can land beside it)."""
    from playwright.sync_api import expect

    charts = page.locator("[data-testid=stPlotlyChart]")
    for i in range(charts.count()):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached(timeout=timeout)
