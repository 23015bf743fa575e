"""Browser benchmark: how long a person waits for every page to be fully drawn, in headless Chromium.

    python -m bench.browser                                  # 100k, 1M and 10M, every page, 3 runs
    python -m bench.browser --sizes 10M --runs 5 --pages overview revenue_mix
    python -m bench.browser --sizes 1M --runs 1 --no-write   # a quick look, docs untouched

For each size and page, each run starts a fresh server (``streamlit run app.py -- --data DIR``, with the
customer x month rollup of that export already saved in bench/.cache/rollups), then measures in Chromium:

* *first visit*: the page opened right after the server start (imports done, nothing computed yet);
* *later visit*: the same URL opened again in a new tab (a new session; the server's caches are warm);
* *grain week*, *grain quarter*, *segment*, *window to mid-month*: one sidebar control changed by a click, one
  after another in the later visit's tab (so each adds to the last): the Period control to week, then to quarter,
  then the largest segment, then the "To" date set to the 15th of the data's last month;
* *page switch*: a click on the page's link in the sidebar navigation from another page (Overview; Cohorts for
  the Overview itself).

"Fully drawn" is the moment the script has stopped (``data-test-script-state=notRunning``), no spinner, no
skeleton and no stale element is left, every visible Plotly chart has drawn its SVG and every dataframe wholly in
view its canvas (glide-data-grid draws one only once it is scrolled into view), and the browser has painted that
frame (two animation frames later). Times are read from the page's
own clock (``performance.now()``: from navigation start for a visit, from just before the click for a control):
no fixed sleeps. Each visit also records, from a hook on the page's WebSocket, when the Streamlit session's
socket opened and when its last message arrived, so each time splits into *load* (HTML, scripts, until the
socket is open), *server* (socket open until the last message: the script run and the transfer of its output,
which overlap) and *draw* (last message until fully drawn); with ``--trace`` the slowest page's first visit is
also recorded with Chrome's performance trace (devtools.timeline) and its main-thread time summed by kind.

*First open of a new export*: a fresh server with an empty rollup cache, the Overview opened: the rollup is
built, saved and read. Its peak memory is the server process's peak resident set (VmHWM).

Results go to docs/performance_browser.md (a generated file) and into a marked section of docs/performance.md,
beside the computation figures of ``python -m bench.run`` (which keeps the section when it rewrites the file).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import CACHE, DEFAULT_SIZES, ROLLUPS, SIZES, dataset, run_child  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy  # noqa: E402

#: The pages, by the key used here, their URL path and their title in the sidebar navigation.
PAGES: dict[str, tuple[str, str]] = {
    "overview": ("", "Overview"),
    "cohorts": ("cohorts", "Cohorts"),
    "revenue_mix": ("revenue_mix", "Revenue mix"),
    "value": ("value", "Value & CAC"),
    "survival": ("survival", "Survival"),
    "customers": ("customers", "Customers"),
    "budget": ("budget", "Budget what-if"),
    "retention_process": ("retention_process", "Retention process"),
    "data_health": ("data_health", "Data health"),
    "glossary": ("glossary", "Glossary"),
}
SCENARIOS = ("first visit", "later visit", "grain week", "grain quarter", "segment", "window to mid-month",
             "page switch")
#: Targets at 10M transactions (issue #18), in seconds: first visit, later visit, any control or page switch.
TARGETS = {"first visit": 2.0, "later visit": 1.0, "grain week": 0.7, "grain quarter": 0.7, "segment": 0.7,
           "window to mid-month": 0.7, "page switch": 0.7}
FIRST_OPEN_TARGET_S = 10.0
VIEWPORT = {"width": 1440, "height": 900}
#: How long a view may take before the run stops: minutes, for the first open at 100M transactions (~4 min).
TIMEOUT_MS = 900_000
OUT = ROOT / "docs" / "performance_browser.md"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench.browser: begin -->", "<!-- bench.browser: end -->"

#: Installed before any page script: timestamps of the Streamlit socket (created, open, each message and its
#: size) and of every change of the app's script state, on the page's own clock.
INIT_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  window.__bench = {created: null, opened: null, frames: [], states: []};
  function Hooked(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (String(url).includes('_stcore/stream')) {
      window.__bench.created = performance.now();
      ws.addEventListener('open', () => { window.__bench.opened = performance.now(); });
      ws.addEventListener('message', (e) => {
        const d = e.data;
        const size = d.byteLength !== undefined ? d.byteLength : (d.size !== undefined ? d.size : d.length);
        window.__bench.frames.push([performance.now(), size]);
      });
    }
    return ws;
  }
  Hooked.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Hooked[k] = Native[k];
  window.WebSocket = Hooked;
  new MutationObserver((records) => {
    for (const r of records) {
      window.__bench.states.push([performance.now(), r.target.getAttribute('data-test-script-state')]);
    }
  }).observe(document, {subtree: true, attributes: true,
                            attributeFilter: ['data-test-script-state']});
})();
"""

#: True once the page is fully drawn (see the module docstring); records the moment in __bench.drawn. ``since``:
#: a run must have started after this time (a control's click), else any state will do (a visit).
DRAWN = """
(since) => {
  const b = window.__bench;
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (since !== null && !b.states.some(([t, s]) => t >= since && s === 'running')) return false;
  if (!document.querySelector('[data-testid=stMain] h1')) return false;
  if (document.querySelector('[data-testid=stSpinner], [data-testid=stSkeleton], [data-stale=true]')) return false;
  const shown = (el) => el.getClientRects().length > 0;
  for (const c of document.querySelectorAll('[data-testid=stPlotlyChart]')) {
    if (shown(c) && !c.querySelector('.main-svg')) return false;
  }
  // A dataframe draws its canvas once it is in view (glide-data-grid): those wholly on screen must have drawn it
  // (one cut by the bottom edge may wait until it is scrolled to).
  for (const d of document.querySelectorAll('[data-testid=stDataFrame]')) {
    const r = d.getBoundingClientRect();
    if (r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && !d.querySelector('canvas')) return false;
  }
  b.drawn = performance.now();
  b.charts = document.querySelectorAll('[data-testid=stPlotlyChart]').length;
  b.tables = document.querySelectorAll('[data-testid=stDataFrame]').length;
  return true;
}
"""
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


@dataclass
class Sample:
    """One measured wait, in seconds, with its split when it was a visit (None after a click)."""
    seconds: float
    load: float | None = None
    server: float | None = None
    draw: float | None = None
    kb: float | None = None


@contextmanager
def server(data_dir: Path, cache_dir: Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``streamlit run app.py -- --data DIR`` on a free port with its rollup cache in ``cache_dir``."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
           "--server.address=127.0.0.1", f"--server.port={port}", "--browser.gatherUsageStats=false",
           "--server.fileWatcherType=none", "--", "--data", str(data_dir)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env=os.environ | {"RETENTION_CACHE_DIR": str(cache_dir)})
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(proc, base, 120, interval=0.1, log_hint=f"; see {log_path}")
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def peak_mb(proc: subprocess.Popen[bytes]) -> float:
    """The process's peak resident set so far (VmHWM), in MB."""
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_drawn(page: Any, since: float | None) -> float:
    try:
        page.wait_for_function(DRAWN, arg=since, timeout=TIMEOUT_MS, polling="raf")
    except Exception as exc:
        states = page.evaluate("() => window.__bench.states")
        raise RuntimeError(f"{page.url} not drawn (since={since}, script states {states})") from exc
    page.evaluate(PAINTED)
    return float(page.evaluate("() => window.__bench.drawn"))


def visit(context: Any, url: str) -> tuple[Any, Sample]:
    """Open ``url`` in a new tab; the wait from navigation start until fully drawn, split by the socket."""
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    drawn = wait_drawn(page, None)
    b = page.evaluate("() => window.__bench")
    painted = drawn
    frames = b["frames"]
    last = frames[-1][0] if frames else drawn
    opened = b["opened"] or 0.0
    return page, Sample(painted / 1000, load=opened / 1000, server=max(last - opened, 0) / 1000,
                        draw=max(painted - last, 0) / 1000, kb=sum(f[1] for f in frames) / 1024)


def click_and_wait(page: Any, action: Callable[[], None]) -> Sample:
    since = float(page.evaluate("() => performance.now()"))
    action()
    return Sample((wait_drawn(page, since) - since) / 1000)


def mid_month(last: date) -> date:
    """The 15th of the data's last month (a window ending mid-month; the "To" calendar opens on that month)."""
    if last.day <= 15:
        raise ValueError(f"the data ends on {last}: no mid-month day in its last month to pick")
    return last.replace(day=15)


def controls(data_dir: Path) -> dict[str, Callable[[Any], None]]:
    """The sidebar changes measured, as actions on a drawn page."""
    from analytics.overview import date_bounds, filter_options
    from queries import DataSource

    os.environ["RETENTION_CACHE_DIR"] = str(ROLLUPS)  # the benchmark's rollup cache, never the user's
    source = DataSource.open(data_dir)
    segment = filter_options(source)["segment"][0]
    bounds = date_bounds(source)
    assert bounds is not None, f"{data_dir} has no transactions"
    to_day = mid_month(bounds[1])

    def grain(name: str) -> Callable[[Any], None]:
        return lambda page: page.locator("[data-testid=stSidebar]").get_by_role("radio", name=name).click()

    def pick_segment(page: Any) -> None:
        box = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]", has_text="Segment")
        box.get_by_role("combobox").click()
        page.get_by_role("option", name=segment, exact=True).click()

    def window_to(page: Any) -> None:
        page.locator("[data-testid=stSidebar] [data-testid=stDateInput]", has_text="To").click()
        page.locator(f'[role=button][aria-label$="{to_day:%B} {to_day.day}, {to_day.year}"]').click()

    return {"grain week": grain("week"), "grain quarter": grain("quarter"), "segment": pick_segment,
            "window to mid-month": window_to}


def trace_visit(context: Any, url: str, out: Path) -> dict[str, float]:
    """A visit recorded with Chrome's performance trace; main-thread time by kind, in seconds, written to ``out``."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    events: list[dict[str, Any]] = []
    cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
    done: list[bool] = []
    cdp.on("Tracing.tracingComplete", lambda e: done.append(True))
    cdp.send("Tracing.start", {"categories": "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute",
                               "transferMode": "ReportEvents"})
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    drawn = wait_drawn(page, None)
    b = page.evaluate("() => window.__bench")
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)  # waits for Chrome to hand the trace over, not for the app
    out.write_text(json.dumps({"traceEvents": events}))
    page.close()
    return summarise_trace(events, b, drawn)


def summarise_trace(events: list[dict[str, Any]], bench: dict[str, Any], drawn: float) -> dict[str, float]:
    """Main-thread busy time of the renderer, by kind, from a devtools.timeline trace (seconds)."""
    # The renderer's main thread: the one with the most RunTask time among CrRendererMain threads.
    mains = {(e["pid"], e["tid"]) for e in events if e.get("name") == "thread_name"
             and e.get("args", {}).get("name") == "CrRendererMain"}
    busy: dict[tuple[int, int], float] = {}
    for e in events:
        if e.get("name") == "RunTask" and e.get("ph") == "X" and (e["pid"], e["tid"]) in mains:
            busy[(e["pid"], e["tid"])] = busy.get((e["pid"], e["tid"]), 0.0) + e.get("dur", 0) / 1e6
    if not busy:
        return {}
    main = max(busy, key=lambda k: busy[k])
    kinds = {"script (JS: React, Plotly, glide-data-grid)": ("FunctionCall", "EvaluateScript", "v8.compile",
                                                             "TimerFire", "EventDispatch", "FireAnimationFrame",
                                                             "v8.callFunction", "RunMicrotasks"),
             "style and layout": ("UpdateLayoutTree", "Layout", "RecalculateStyles", "ParseAuthorStyleSheet"),
             "paint and composite": ("Paint", "PaintImage", "CompositeLayers", "Layerize", "Commit",
                                     "PrePaint", "UpdateLayer", "RasterTask"),
             "HTML parsing": ("ParseHTML",)}
    out = {"main thread busy": busy[main]}
    mine = [e for e in events if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X"]
    for label, names in kinds.items():
        # Only top-level occurrences: a Layout inside a FunctionCall is counted in the script time here.
        total = 0.0
        spans = sorted((e["ts"], e["ts"] + e.get("dur", 0), e["name"]) for e in mine if e["name"] in
                       {n for ns in kinds.values() for n in ns})
        end = -1.0
        for start, stop, name in spans:
            if start >= end:
                if name in names:
                    total += (stop - start) / 1e6
                end = stop
        out[label] = total
    out["fully drawn"] = drawn / 1000
    frames = bench["frames"]
    out["socket open"] = (bench["opened"] or 0) / 1000
    out["last message"] = (frames[-1][0] if frames else drawn) / 1000
    out["messages"] = len(frames)
    out["kB received"] = sum(f[1] for f in frames) / 1024
    return out


def measure_page(browser: Any, data_dir: Path, key: str, actions: dict[str, Callable[[Any], None]],
                 log: Path) -> dict[str, Sample]:
    path, _ = PAGES[key]
    switch_from = "cohorts" if key == "overview" else "overview"
    samples: dict[str, Sample] = {}
    with server(data_dir, ROLLUPS, log) as (base, _proc):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(INIT_SCRIPT)
        url = f"{base}/{path}"
        page, samples["first visit"] = visit(context, url)
        page.close()
        page, samples["later visit"] = visit(context, url)
        # One change after another in the same tab, as a person would: week, quarter, a segment, a window.
        for name, action in actions.items():
            samples[name] = click_and_wait(page, partial(action, page))
        page.close()
        page, _ = visit(context, f"{base}/{PAGES[switch_from][0]}")
        title = PAGES[key][1]
        samples["page switch"] = click_and_wait(
            page, lambda: page.locator("[data-testid=stSidebar]").get_by_role("link", name=title, exact=True).click())
        page.close()
        context.close()
    return samples


def first_open(browser: Any, data_dir: Path, log: Path) -> tuple[Sample, float]:
    """The Overview of a new export: a fresh server with an empty rollup cache."""
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="browser-first-open-") as empty:
        with server(data_dir, Path(empty), log) as (base, proc):
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(INIT_SCRIPT)
            page, sample = visit(context, f"{base}/")
            peak = peak_mb(proc)
            context.close()
    return sample, peak


def spread(values: list[float]) -> str:
    med = statistics.median(values)
    return f"{med:.2f} ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else f"{med:.2f}"


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=DEFAULT_SIZES)
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first-open-runs", type=int, default=None,
                        help="runs of the first open of a new export (default: --runs; 0 skips it)")
    parser.add_argument("--trace", nargs="?", const="slowest", default=None,
                        help="record a performance trace of the slowest page's first visit (or of the page named)")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only; leave docs/ alone")
    parser.add_argument("--merge", nargs="+", type=Path, default=None,
                        help="measure nothing: report the samples of these saved runs (bench/.cache/browser-*.json) "
                             "together, e.g. two invocations of one run each")
    args = parser.parse_args(argv)
    if args.merge:
        merged = merge_runs(args.merge)
        text = report(args, argv, *merged, load_before=(float("nan"),) * 3, load_after=(float("nan"),) * 3,
                      took=float("nan"))
        print(text)
        if args.write:
            OUT.write_text(text)
            write_section(text)
        return 0
    first_runs = args.runs if args.first_open_runs is None else args.first_open_runs
    logs = CACHE / "browser-logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    load_before = os.getloadavg()

    results: dict[str, dict[str, dict[str, list[Sample]]]] = {}
    firsts: dict[str, list[tuple[Sample, float]]] = {}
    traces: dict[str, tuple[str, dict[str, float]]] = {}
    raw = CACHE / f"browser-{datetime.now():%Y%m%d-%H%M}.json"  # every sample, saved after each page
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label in args.sizes:
            folder = dataset(label)
            firsts[label] = []
            for run in range(first_runs):
                firsts[label].append(first_open(browser, folder, logs / f"{label}-first-open-{run}.log"))
                print(f"{label} first open: {firsts[label][-1][0].seconds:.2f} s, {firsts[label][-1][1]:.0f} MB",
                      flush=True)
            run_child(["-m", "bench.child", str(folder), "cohorts"])  # the saved rollup is there for the rest
            actions = controls(folder)
            results[label] = {}
            for key in args.pages:
                per: dict[str, list[Sample]] = {s: [] for s in SCENARIOS}
                for run in range(args.runs):
                    try:
                        measured = measure_page(browser, folder, key, actions, logs / f"{label}-{key}-{run}.log")
                    except Exception as exc:  # one page that never draws must not lose the others' figures
                        print(f"{label} {key} run {run} failed: {exc}", file=sys.stderr, flush=True)
                        continue
                    for name, sample in measured.items():
                        per[name].append(sample)
                if not per["first visit"]:
                    continue
                results[label][key] = per
                save_raw(raw, results, firsts, traces)
                print(f"{label} {key}: " + ", ".join(
                    f"{s} {statistics.median(x.seconds for x in per[s]):.2f}" for s in SCENARIOS), flush=True)
            if args.trace:
                firsts_by_page = {k: statistics.median(x.seconds for x in per["first visit"])
                                  for k, per in results[label].items()}
                target = args.trace if args.trace in PAGES else max(firsts_by_page, key=firsts_by_page.__getitem__)
                with server(folder, ROLLUPS, logs / f"{label}-trace.log") as (base, _proc):
                    context = browser.new_context(viewport=VIEWPORT)
                    context.add_init_script(INIT_SCRIPT)
                    trace_file = CACHE / f"trace-{label}-{target}.json"
                    traces[label] = (target, trace_visit(context, f"{base}/{PAGES[target][0]}", trace_file))
                    context.close()
                print(f"{label} trace of {target}: {traces[label][1]}", flush=True)
        browser.close()

    save_raw(raw, results, firsts, traces)
    text = report(args, argv, results, firsts, traces, load_before, os.getloadavg(), time.monotonic() - started)
    print(text)
    if args.write:
        OUT.write_text(text)
        write_section(text)
    return 0


def save_raw(path: Path, results: dict[str, dict[str, dict[str, list[Sample]]]],
             firsts: dict[str, list[tuple[Sample, float]]], traces: dict[str, tuple[str, dict[str, float]]]) -> None:
    """Every sample so far as JSON (``--merge`` reports several such files together)."""
    path.write_text(json.dumps({"results": {label: {key: {s: [vars(x) for x in xs] for s, xs in per.items()}
                                                    for key, per in pages.items()} for label, pages in results.items()},
                                "first_open": {label: [[vars(s), m] for s, m in rows]
                                               for label, rows in firsts.items()},
                                "traces": traces}, indent=1))


def merge_runs(files: list[Path]) -> tuple[dict[str, dict[str, dict[str, list[Sample]]]],
                                          dict[str, list[tuple[Sample, float]]],
                                          dict[str, tuple[str, dict[str, float]]]]:
    """The samples of several saved runs together (the latest trace of each size)."""
    results: dict[str, dict[str, dict[str, list[Sample]]]] = {}
    firsts: dict[str, list[tuple[Sample, float]]] = {}
    traces: dict[str, tuple[str, dict[str, float]]] = {}
    for file in files:
        raw = json.loads(file.read_text())
        for label, pages in raw["results"].items():
            for key, per in pages.items():
                mine = results.setdefault(label, {}).setdefault(key, {s: [] for s in SCENARIOS})
                for scenario, samples in per.items():
                    mine[scenario] += [Sample(**x) for x in samples]
        for label, rows in raw["first_open"].items():
            firsts.setdefault(label, []).extend((Sample(**x), m) for x, m in rows)
        traces.update({label: (page, summary) for label, (page, summary) in raw["traces"].items()})
    return results, firsts, traces


def report(args: argparse.Namespace, argv: list[str] | None, results: dict[str, dict[str, dict[str, list[Sample]]]],
           firsts: dict[str, list[tuple[Sample, float]]], traces: dict[str, tuple[str, dict[str, float]]],
           load_before: tuple[float, float, float], load_after: tuple[float, float, float], took: float) -> str:
    command = " ".join(["python -m bench.browser", *(argv if argv is not None else sys.argv[1:])])
    counts = {len(xs) for pages in results.values() for per in pages.values() for xs in per.values()}
    runs = "-".join(str(n) for n in sorted(counts)) or "0"
    load = "" if took != took else (f"; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; the run "
                                    f"took {took / 60:.0f} min")
    lines = [
        "## In the browser: how long a person waits (generated by `bench.browser`)", "",
        f"Produced by `{command}` on {datetime.now():%Y-%m-%d %H:%M} ({platform.machine()}, {os.cpu_count()} "
        f"cores, Chromium headless{load}). Median (min-max) of {runs} run(s), each on a freshly started server, in "
        "seconds until the page is fully drawn (script stopped, every visible chart and table drawn, frame painted); "
        "see bench/browser.py for the exact definition of each column.", "",
    ]
    for label, pages in results.items():
        lines += [f"### {label} transactions", "",
                  "| page | " + " | ".join(SCENARIOS) + " | kB sent (first visit) |",
                  "|---|" + "---|" * (len(SCENARIOS) + 1)]
        for key, per in pages.items():
            cells = []
            for s in SCENARIOS:
                values = [x.seconds for x in per[s]]
                cell = spread(values)
                if label == "10M" and statistics.median(values) > TARGETS[s]:
                    cell = f"**{cell}**"
                cells.append(cell)
            kb = statistics.median(x.kb or 0 for x in per["first visit"])
            lines.append(f"| {PAGES[key][1]} | " + " | ".join(cells) + f" | {kb:.0f} |")
        lines += ["", f"Where a visit's time goes ({label}, medians of the first and later visits): *load* = "
                  "navigation until the Streamlit socket is open; *server* = socket open until its last message "
                  "(the script run and the transfer of what it draws, overlapping); *draw* = last message until "
                  "fully drawn.", "",
                  "| page | first: load | first: server | first: draw | later: load | later: server | "
                  "later: draw |", "|---|---|---|---|---|---|---|"]
        for key, per in pages.items():
            lines.append(f"| {PAGES[key][1]} | " + " | ".join(
                f"{statistics.median(getattr(x, p) or 0.0 for x in per[s]):.2f}"
                for s in ("first visit", "later visit") for p in ("load", "server", "draw")) + " |")
        lines.append("")
        if label in traces:
            page, summary = traces[label]
            lines += [f"Performance trace of the {PAGES[page][1]} page's first visit at {label} (Chrome "
                      "devtools.timeline, renderer main thread):", "",
                      "| measure | value |", "|---|---|"]
            lines += [f"| {k} | {v:.2f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in summary.items()]
            lines.append("")
    if firsts:
        lines += ["### First open of a new export (empty rollup cache, the Overview)", "",
                  f"Target at 10M: within {FIRST_OPEN_TARGET_S:.0f} s.", "",
                  "| transactions | fully drawn (s) | server peak memory (MB) |", "|---|---|---|"]
        for label, rows in firsts.items():
            if rows:
                peaks = [m for _, m in rows]
                lines.append(f"| {label} | {spread([s.seconds for s, _ in rows])} | {statistics.median(peaks):.0f}"
                             + (f" ({min(peaks):.0f}-{max(peaks):.0f})" if len(peaks) > 1 else "") + " |")
        lines.append("")
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Put the generated section into docs/performance.md between its markers (appended the first time)."""
    block = f"{BEGIN}\n{text}\n{END}"
    doc = DOC.read_text() if DOC.exists() else ""
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc)


if __name__ == "__main__":
    sys.exit(main())
