"""Headless export: every table the app shows, as CSV files, from the command line.

``python -m analytics export --data DIR --out OUT [--grain month --segment pro --start 2024-01-01 ...]``

Each flag is named like the app's URL parameter; with no flags the export covers all the data with the
app's defaults. A data folder with errors prints the same messages the app shows and exits with status 2;
the tables that can still be computed (the data health ones) are written all the same.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from analytics.filters import GRAINS, Filters
from analytics.health import data_coverage, data_health
from analytics.overview import activity_by_period
from queries import DataSource, DataUnavailable, default_data_dir


@dataclass(frozen=True)
class Settings:
    """Everything an export depends on: the shared filters plus page settings added by later pages."""

    filters: Filters


#: file name -> how to compute it. Each page adds its tables here.
TABLES: dict[str, Callable[[DataSource, Settings], pl.DataFrame]] = {
    "data_coverage.csv": lambda source, settings: data_coverage(source),
    "data_health.csv": lambda source, settings: data_health(source).table(),
    "activity_by_period.csv": lambda source, settings: activity_by_period(source, settings.filters),
}


def _split(values: Sequence[str] | None) -> tuple[str, ...]:
    # Accept both `--segment a --segment b` and `--segment a,b`.
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: RETENTION_DATA_DIR or "
                        "the bundled sample_data/)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files into")
    parser.add_argument("--start", type=date.fromisoformat, default=None, help="first day of the window")
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="last day of the window")
    parser.add_argument("--grain", choices=GRAINS, default="month", help="period of every period table")
    for name in ("segment", "channel", "region"):
        parser.add_argument(f"--{name}", action="append", default=None,
                            help=f"keep only these {name}s (repeat the flag or separate with commas)")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(Filters(start=args.start, end=args.end, grain=args.grain, segment=_split(args.segment),
                            channel=_split(args.channel), region=_split(args.region)))


def export(source: DataSource, settings: Settings, out: Path) -> tuple[list[Path], list[str]]:
    """Write every table that can be computed; return (files written, messages of the ones that could not)."""
    data_dir = source.data_dir.resolve()
    out = out.resolve()
    if out == data_dir or data_dir in out.parents:
        raise SystemExit(f"error: --out {out} is inside the data folder {data_dir}; the data folder is never "
                         "written to. Choose another folder.")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    failures: list[str] = []
    for name, compute in TABLES.items():
        try:
            table = compute(source, settings)
        except DataUnavailable as exc:
            failures.extend(f"{name}: {p.message}" for p in exc.problems)
            continue
        path = out / name
        tmp = path.with_suffix(".csv.tmp")
        table.write_csv(tmp)
        tmp.replace(path)
        written.append(path)
    return written, failures


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    source = DataSource.open(args.data or default_data_dir())
    try:
        written, failures = export(source, settings, args.out)
    finally:
        source.close()
    for path in written:
        print(f"wrote {path}")
    errors = [p.message for p in source.problems if p.level == "error"]
    if errors or failures:
        print(f"\nThe data folder {source.data_dir} has problems:", file=sys.stderr)
        for message in dict.fromkeys(errors + [f.split(": ", 1)[1] for f in failures]):
            print(f"- {message}", file=sys.stderr)
        return 2
    return 0
