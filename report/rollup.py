"""``python -m analytics rollup --engine duckdb|spark [--spark-remote sc://HOST:PORT] --data DIR_OR_URI --out DIR``:
build the prebuilt rollup (queries/rollup_build.py) and print its manifest.

Exit status 0 when built, 2 when the data or the flags cannot be used (the message says what to do).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict

from queries.rollup_build import ENGINES, RollupRefused, build_rollup
from report.arguments import as_of_date


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analytics rollup",
        description="Build the customer x month rollup and every table that reads the transactions, as Parquet "
                    "with a manifest, on DuckDB (this machine) or Spark (a local session or a Spark Connect "
                    "endpoint). Point the app at the result with --rollup DIR.")
    p.add_argument("--engine", choices=ENGINES, default="duckdb",
                   help="duckdb (default: embedded, local folders) or spark (needs requirements-spark.txt)")
    p.add_argument("--spark-remote", metavar="sc://HOST:PORT",
                   help="a Spark Connect endpoint (Databricks, EMR, a self-hosted cluster); default: a local Spark")
    p.add_argument("--data", required=True, metavar="DIR_OR_URI",
                   help="the exports: a local folder, or on Spark any URI the cluster reads (s3a://, gs://, abfss://)")
    p.add_argument("--out", required=True, metavar="ROLLUP_DIR",
                   help="where the tables and manifest.json are written (never inside the data folder)")
    p.add_argument("--today", type=as_of_date, metavar="YYYY-MM-DD",
                   help="the day transactions after which are left out (default: today)")
    p.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD",
                   help="build the rollup as of this day, as the app's --as-of reads the data: later transactions "
                        "and the customers who signed up after it are left out (default: the latest transaction "
                        "date not after today)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.spark_remote and args.engine != "spark":
        print("--spark-remote needs --engine spark.", file=sys.stderr)
        return 2
    try:
        manifest = build_rollup(args.data, args.out, args.engine, spark_remote=args.spark_remote, today=args.today,
                                as_of=args.as_of)
    except RollupRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(asdict(manifest), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
