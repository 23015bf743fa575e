"""Benchmark: the prebuilt rollup (python -m analytics rollup) on DuckDB and on a local Spark, at 1M and 10M
transactions: wall time and peak memory of the whole process tree (the JVM included), and whether the two engines
wrote identical tables. Prints a Markdown table for docs/performance.md.

    python -m bench.rollup_engines --sizes 1M 10M

The data sets are those of bench/run.py (sample_data.generate, seed 1, 2022-2025), generated on first use.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import CACHE, SIZES, dataset  # noqa: E402


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (kB)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                total += next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Watched:
    """A finished child process: exit code, output, wall time and peak resident memory of its tree (MB)."""
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def watched(command: list[str], env: dict[str, str] | None = None, stdout: int = subprocess.PIPE,
            stderr: int = subprocess.PIPE) -> Watched:
    """Run ``command`` from the repository's root to its end, sampling its process tree's memory every 0.1 s."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, text=True)
    peak = 0

    def watch() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out, err = process.communicate()
    watcher.join()
    return Watched(process.returncode, out or "", err or "", time.perf_counter() - started, peak / 1024)


def build(data: Path, out: Path, engine: str) -> dict[str, float]:
    """One build in a fresh process; its wall time and the peak resident memory of its process tree."""
    run = watched([sys.executable, "-m", "analytics", "rollup", "--engine", engine, "--data", str(data),
                   "--out", str(out), "--today", "2025-12-31"], stderr=subprocess.DEVNULL)
    if run.returncode != 0:
        raise SystemExit(f"{engine} build failed")
    manifest = json.loads(run.stdout)
    return {"seconds": run.seconds, "peak_mb": run.peak_mb,
            "customer_months": manifest["row_counts"]["customer_months"],
            "transactions": manifest["row_counts"]["transactions"]}


def identical(left: Path, right: Path) -> bool:
    import polars as pl

    from queries.rollup_build import TABLES
    for name in TABLES:
        a, b = (pl.read_parquet(p / name / "*.parquet") for p in (left, right))
        if a.schema != b.schema or not a.sort(a.columns, nulls_last=True).equals(b.sort(b.columns, nulls_last=True)):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup_engines", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["1M", "10M"])
    parser.add_argument("--engines", nargs="+", choices=["duckdb", "spark"], default=["duckdb", "spark"])
    args = parser.parse_args(argv)
    print(f"Machine: {os.cpu_count()} cores, shared. Wall time and peak memory of the build's process tree.\n")
    print("| size | engine | transactions | customer x months | build (s) | peak memory (MB) | identical tables |")
    print("|---|---|---:|---:|---:|---:|---|")
    CACHE.mkdir(parents=True, exist_ok=True)
    for label in args.sizes:
        data = dataset(label)
        with tempfile.TemporaryDirectory(dir=CACHE, prefix="rollup-") as scratch:
            outs = {}
            for engine in args.engines:
                outs[engine] = Path(scratch) / engine
                row = build(data, outs[engine], engine)
                same = identical(outs["duckdb"], outs[engine]) if engine != "duckdb" and "duckdb" in outs else ""
                print(f"| {label} | {engine} | {row['transactions']:,} | {row['customer_months']:,} | "
                      f"{row['seconds']:.1f} | {row['peak_mb']:,.0f} | {same} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
