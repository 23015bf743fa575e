"""Benchmark: the export read from a prebuilt rollup (``--rollup DIR``) against the export straight from the
transactions, at 1M transactions: wall time and peak memory of each export's process, and whether every file the
rollup's export writes is byte for byte the one written from the transactions. Prints a Markdown table for
docs/performance.md (issue 21).

    python -m bench.rollup_read --size 1M [--engines duckdb spark]

The data set is bench/run.py's (sample_data.generate, seed 1, 2022-2025), generated on first use. Each export runs
in a fresh process with its own empty rollup cache (RETENTION_CACHE_DIR), so that the export from the transactions
builds the app's rollup as on the first open of a new export; a second run measures it with that cache warm.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rollup_engines import build, watched  # noqa: E402
from bench.run import CACHE, SIZES, dataset  # noqa: E402

#: Files that differ by design: Data health names the prebuilt rollup and reads its build's counts.
STATES_ITS_SOURCE = {"data_health.csv"}


def export(data: Path, out: Path, cache: Path, rollup: Path | None = None) -> dict[str, float]:
    """``python -m analytics export`` in a fresh process: wall time and peak resident memory (MB)."""
    command = [sys.executable, "-m", "analytics", "export", "--data", str(data), "--out", str(out)]
    command += ["--rollup", str(rollup)] if rollup is not None else []
    env = os.environ | {"RETENTION_CACHE_DIR": str(cache), "RETENTION_TODAY": "2025-12-31"}
    run = watched(command, env=env, stdout=subprocess.DEVNULL)
    if run.returncode != 0:
        raise SystemExit(f"export failed ({run.returncode}): {run.stderr[-2000:]}")
    return {"seconds": run.seconds, "peak_mb": run.peak_mb}


def compare(plain: Path, prebuilt: Path) -> tuple[int, int, list[str]]:
    """(files byte-identical, files compared, files the rollup's export did not write)."""
    same = compared = 0
    missing = []
    for path in sorted(plain.iterdir()):
        other = prebuilt / path.name
        if not other.exists():
            missing.append(path.name)
            continue
        if path.name in STATES_ITS_SOURCE:
            continue
        compared += 1
        if other.read_bytes() == path.read_bytes():
            same += 1
        else:
            print(f"DIFFERENT: {path.name}", file=sys.stderr)
    return same, compared, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup_read", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default="1M")
    parser.add_argument("--engines", nargs="+", choices=["duckdb", "spark"], default=["duckdb"])
    args = parser.parse_args(argv)
    data = dataset(args.size)
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {os.cpu_count()} cores, shared. {args.size} transactions. Wall time and peak memory of each "
          "process.\n")
    print("| export | time (s) | peak memory (MB) | files identical to the export from the transactions |")
    print("|---|---:|---:|---|")
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="read-") as scratch:
        base = Path(scratch)
        first = export(data, base / "plain", base / "cache")
        print(f"| from the transactions, first open (app's rollup built) | {first['seconds']:.1f} | "
              f"{first['peak_mb']:,.0f} | |", flush=True)
        warm = export(data, base / "plain-warm", base / "cache")
        print(f"| from the transactions, rollup cache warm | {warm['seconds']:.1f} | {warm['peak_mb']:,.0f} | |",
              flush=True)
        for engine in args.engines:
            built = build(data, base / f"rollup-{engine}", engine)
            row = export(data, base / f"prebuilt-{engine}", base / f"cache-{engine}", base / f"rollup-{engine}")
            same, compared, missing = compare(base / "plain", base / f"prebuilt-{engine}")
            print(f"| with --rollup built on {engine} (build: {built['seconds']:.1f} s, {built['peak_mb']:,.0f} MB) "
                  f"| {row['seconds']:.1f} | {row['peak_mb']:,.0f} | {same} of {compared} byte-identical; not "
                  f"written (need single transactions): {', '.join(missing) or 'none'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
