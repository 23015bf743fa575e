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

from analytics.budget import (
    TARGET_DIMENSIONS,
    Assumptions,
    Scenario,
    TargetDimension,
    budget_scenarios,
    budget_uncertainty,
    decode_scenario,
)
from analytics.catalog import glossary
from analytics.clv_models.customers import calibration_end_for, customer_scores
from analytics.clv_models.scores import ClvSettings, model_fit
from analytics.clv_models.validation import clv_validation
from analytics.cohorts import cohort_retention
from analytics.executive import COMPARES, Compare, executive_summary
from analytics.filters import GRAINS, Filters
from analytics.formats import Formats, using
from analytics.health import data_coverage, data_health
from analytics.lifecycle import export_table as lifecycle_table
from analytics.lifecycle import lifecycle
from analytics.overview import activity_by_period
from analytics.retention_process import (
    export_coverage,
    export_effects,
    offer_conversion,
    touchpoint_coverage,
    touchpoint_effects,
)
from analytics.revenue_mix import (
    lorenz_curve,
    revenue_by_acquisition_year,
    revenue_concentration,
    revenue_mix,
    revenue_movements,
)
from analytics.survival import (
    CHURN_DEFINITIONS,
    DEFAULT_INACTIVITY_DAYS,
    SURVIVAL_BY,
    ChurnDefinition,
    SurvivalBy,
    hazard_ratios,
    resolve_churn_definition,
    survival_curve,
    survival_summary,
)
from analytics.value import HORIZONS, ValueSettings, clv_report
from queries import DataSource, DataUnavailable, default_data_dir
from queries.prebuilt import ROLLUP_ENV, configured_rollup_dir, needs_transactions_message
from report.arguments import (
    as_of_date,
    base_url,
    calibration_window,
    currency_code,
    horizon_months,
    margin_fraction,
    positive_days,
)
from report.links import BASE_URL_ENV, LOCAL_BASE_URL, configured_base_url, is_local
from report.pdf import PdfUnavailable, print_to_pdf


@dataclass(frozen=True)
class Settings:
    """Everything an export depends on: the shared filters plus page settings added by later pages."""

    filters: Filters
    #: Every figure that depends on churn: None = the default (combined).
    churn_definition: ChurnDefinition | None = None
    inactivity_days: int = DEFAULT_INACTIVITY_DAYS
    survival_by: SurvivalBy = "segment"
    #: Gross margin where the transactions have no gross_margin (URL key margin).
    margin: float = 0.7
    #: Value & CAC (URL keys discount_rate, horizon, target_ratio).
    discount_rate: float = 0.10
    horizon: int = 24
    target_ratio: float = 3.0
    #: Where the dashboard runs: the board pack links to each page's view there.
    base_url: str = "http://localhost:8501"
    #: The Overview's comparison (URL key compare): the previous period or the same period a year earlier.
    compare: Compare = "previous"
    #: The currency shown on money (--currency); None = the data folder's retention.toml.
    currency: str | None = None
    #: Predictive CLV: fit on the purchases up to this day (None = all data; the holdout check then holds out
    #: the last 26 weeks).
    calibration_end: date | None = None

    def formats(self, source: DataSource) -> Formats:
        return Formats.of(self.currency or source.currency, source.labels)

    def clv_settings(self) -> ClvSettings:
        return ClvSettings(margin=self.margin, discount_rate=self.discount_rate, calibration_end=self.calibration_end)

    def value_settings(self, source: DataSource) -> ValueSettings:
        return ValueSettings(margin=self.margin, discount_rate=self.discount_rate, horizon=self.horizon,
                             target_ratio=self.target_ratio,
                             churn_definition=resolve_churn_definition(source, self.churn_definition),
                             inactivity_days=self.inactivity_days)
    #: Budget what-if: calibration window and the inputs (budget and B_half None = the data's defaults).
    calibration_months: int = 12
    budget_assumptions: Assumptions = Assumptions()
    #: Saved scenarios (``--scenario``, the Budget page's s1..s3 form): in budget_scenarios.csv and the board pack.
    budget_saved: tuple[Scenario, ...] = ()
    #: Retention aimed at one group (``--retention-target segment:pro``); None = the whole base.
    budget_target: tuple[TargetDimension, str] | None = None


#: file name -> how to compute it. Each page adds its tables here.
TABLES: dict[str, Callable[[DataSource, Settings], pl.DataFrame]] = {
    "data_coverage.csv": lambda source, settings: data_coverage(source),
    "data_health.csv": lambda source, settings: data_health(source).table(),
    "activity_by_period.csv": lambda source, settings: activity_by_period(source, settings.filters),
    "overview_kpis.csv": lambda source, settings: executive_summary(
        source, settings.filters, settings.churn_definition, settings.inactivity_days,
        settings.value_settings(source), settings.compare).table(settings.formats(source)),
    "glossary.csv": lambda source, settings: glossary().select("name", "unit", "definition"),
    "cohort_retention.csv": lambda source, settings: cohort_retention(source, settings.filters),
    "lifecycle.csv": lambda source, settings: lifecycle_table(lifecycle(source, settings.filters)),
    "revenue_mix.csv": lambda source, settings: revenue_mix(source, settings.filters),
    "revenue_by_acquisition_year.csv": lambda source, settings: revenue_by_acquisition_year(source, settings.filters),
    "revenue_movements.csv": lambda source, settings: revenue_movements(
        source, settings.filters, settings.churn_definition, settings.inactivity_days),
    "revenue_concentration.csv": lambda source, settings: revenue_concentration(source, settings.filters),
    "revenue_lorenz.csv": lambda source, settings: lorenz_curve(source, settings.filters),
    "survival_curve.csv": lambda source, settings: survival_curve(
        source, settings.filters, settings.churn_definition, settings.inactivity_days, settings.survival_by),
    "survival_summary.csv": lambda source, settings: survival_summary(
        source, settings.filters, settings.churn_definition, settings.inactivity_days, settings.survival_by),
    "hazard_ratios.csv": lambda source, settings: hazard_ratios(
        source, settings.filters, settings.churn_definition, settings.inactivity_days),
    "budget_scenarios.csv": lambda source, settings: budget_scenarios(
        source, settings.filters, settings.budget_assumptions, settings.margin, settings.calibration_months,
        settings.churn_definition, settings.inactivity_days, settings.budget_saved, settings.budget_target),
    "budget_uncertainty.csv": lambda source, settings: budget_uncertainty(
        source, settings.filters, settings.budget_assumptions, settings.margin, settings.calibration_months,
        settings.churn_definition, settings.inactivity_days, settings.budget_target),
    "touchpoint_coverage.csv": lambda source, settings: export_coverage(touchpoint_coverage(source, settings.filters)),
    "touchpoint_effect.csv": lambda source, settings: export_effects(touchpoint_effects(
        source, settings.filters, resolve_churn_definition(source, settings.churn_definition),
        settings.inactivity_days)),
    "offer_conversion.csv": lambda source, settings: offer_conversion(source, settings.filters),
    "clv_cac.csv": lambda source, settings: clv_report(
        source, settings.filters, settings.value_settings(source)).channels.drop("is_small"),
    "value_curve.csv": lambda source, settings: clv_report(
        source, settings.filters, settings.value_settings(source)).curves,
    "clv_model.csv": lambda source, settings: model_fit(
        source, calibration_end_for(source, settings.filters, settings.clv_settings()), settings.margin).table(),
    "customer_scores.csv": lambda source, settings: customer_scores(source, settings.filters, settings.clv_settings()),
    "clv_validation.csv": lambda source, settings: clv_validation(
        source, settings.filters, settings.clv_settings()).weekly,
}


def _split(values: Sequence[str] | None) -> tuple[str, ...]:
    # Accept both `--segment a --segment b` and `--segment a,b`.
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: RETENTION_DATA_DIR or "
                        "the bundled sample_data/)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files into")
    parser.add_argument("--rollup", type=Path, default=None, metavar="ROLLUP_DIR",
                        help="read this prebuilt rollup (python -m analytics rollup) instead of the transactions, "
                        f"which are then never read (default: {ROLLUP_ENV}, else rollup_dir in the data folder's "
                        "retention.toml, else none). Tables that need single transactions are not written; the "
                        "export says which")
    parser.add_argument("--start", type=date.fromisoformat, default=None, help="first day of the window")
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="last day of the window")
    parser.add_argument("--as-of", type=as_of_date, default=None,
                        help="read the data as of this day: later transactions are left out (default: the latest "
                        "transaction date not after today)")
    parser.add_argument("--grain", choices=GRAINS, default="month", help="period of every period table")
    parser.add_argument("--discount-rate", type=float, default=0.10,
                        help="Value & CAC: annual discount rate as a fraction (default 0.10)")
    parser.add_argument("--horizon", type=int, choices=HORIZONS, default=24,
                        help="Value & CAC: CLV horizon in months (default 24)")
    parser.add_argument("--target-ratio", type=float, default=3.0, help="Value & CAC: target LTV:CAC (default 3)")
    parser.add_argument("--compare", choices=COMPARES, default="previous",
                        help="overview_kpis.csv and the board pack: compare with the previous period or the same "
                        "period a year earlier (yoy)")
    parser.add_argument("--currency", type=currency_code, default=None,
                        help="currency shown on money in overview_kpis.csv and the board pack, e.g. EUR (default: "
                        "currency in the data folder's retention.toml)")
    parser.add_argument("--calibration-end", type=date.fromisoformat, default=None,
                        help="predictive CLV (clv_model, customer_scores, clv_validation): fit on purchases up to "
                        "this day and check the predictions after it (default: fit on all data, hold out the "
                        "last 26 weeks for the check)")
    parser.add_argument("--board-pack", action="store_true",
                        help="also write board_pack.html: KPIs, headlines and every page's main chart, offline")
    parser.add_argument("--pdf", action="store_true",
                        help="also write board_pack.pdf (A4 landscape, printed by the system's Chromium; implies "
                        "--board-pack)")
    parser.add_argument("--base-url", type=base_url, default=None,
                        help=f"where the dashboard is reached, for the board pack's links to each view (default: "
                        f"the {BASE_URL_ENV} environment variable, else {LOCAL_BASE_URL}, which opens only on this "
                        "machine)")
    for name in ("segment", "channel", "region"):
        parser.add_argument(f"--{name}", action="append", default=None,
                            help=f"keep only these {name}s (repeat the flag or separate with commas)")
    parser.add_argument("--churn-definition", choices=CHURN_DEFINITIONS, default=None,
                        help="every figure that depends on churn: combined (churn_date where recorded, else "
                        "--inactivity-days without a purchase; the default), explicit (churn_date only) or "
                        "inactivity (days without a purchase only)")
    parser.add_argument("--inactivity-days", type=positive_days, default=DEFAULT_INACTIVITY_DAYS,
                        help="combined and inactivity definitions: days without a purchase that count as churn "
                        "(default 90)")
    parser.add_argument("--survival-by", choices=SURVIVAL_BY, default="segment",
                        help="group of the survival curve and summary tables (default segment)")
    parser.add_argument("--margin", type=margin_fraction, default=0.7,
                        help="gross margin (fraction) where transactions have no gross_margin (default 0.7)")
    budget = parser.add_argument_group("budget what-if (budget_scenarios.csv)")
    budget.add_argument("--calibration-months", type=calibration_window, default=12,
                        help="complete months before the as-of date to calibrate on (default 12)")
    budget.add_argument("--budget", type=float, default=None,
                        help="total marketing budget a month (default: the recent average spend)")
    budget.add_argument("--horizon-months", type=horizon_months, default=24,
                        help="months projected, 12-60 (default 24)")
    budget.add_argument("--beta", type=float, default=0.7, help="returns on acquisition spend, 0-1 (default 0.7)")
    budget.add_argument("--rmax", type=float, default=25.0, help="largest churn reduction in %% (default 25)")
    budget.add_argument("--bhalf", type=float, default=None,
                        help="retention spend scale a month (default: 10%% of the recent spend)")
    budget.add_argument("--scenario", type=scenario_flag, action="append", default=None,
                        help="a saved scenario, as in the Budget page's URL (s1..s3): 'Name|budget|share %%|horizon|"
                        "beta|r_max %%|B_half', e.g. 'Push|450000|30|24|0.7|25|45000'; up to 3 (repeat the flag)")
    budget.add_argument("--retention-target", type=retention_target, default=None,
                        help="aim retention spend at one group, as dimension:value (segment, channel or region), "
                        "e.g. segment:pro (default: the whole customer base)")
    return parser


def retention_target(text: str) -> tuple[TargetDimension, str]:
    """``--retention-target``: ``segment:pro``, ``channel:referral`` or ``region:europe``."""
    dimension, _, value = text.partition(":")
    dimension, value = dimension.strip(), value.strip()
    if dimension not in TARGET_DIMENSIONS or not value:
        raise argparse.ArgumentTypeError(f"{text!r}: expected dimension:value with a dimension of "
                                         f"{', '.join(TARGET_DIMENSIONS)}, e.g. segment:pro")
    return dimension, value


def scenario_flag(text: str) -> Scenario:
    """``--scenario``: one saved scenario in the URL's compact form."""
    try:
        return decode_scenario(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (expected 'Name|budget|share %|horizon|beta|r_max %|B_half', "
                                         "e.g. 'Push|450000|30|24|0.7|25|45000')") from exc


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(Filters(start=args.start, end=args.end, grain=args.grain, segment=_split(args.segment),
                            channel=_split(args.channel), region=_split(args.region)),
                    churn_definition=args.churn_definition, inactivity_days=args.inactivity_days,
                    survival_by=args.survival_by, margin=args.margin, calibration_months=args.calibration_months,
                    discount_rate=args.discount_rate, horizon=args.horizon, target_ratio=args.target_ratio,
                    base_url=args.base_url or configured_base_url() or LOCAL_BASE_URL,
                    compare=args.compare, currency=args.currency, calibration_end=args.calibration_end,
                    budget_assumptions=Assumptions(budget=args.budget, horizon_months=args.horizon_months,
                                                   beta=args.beta, r_max=args.rmax / 100, b_half=args.bhalf),
                    budget_saved=tuple(args.scenario or ())[:3], budget_target=args.retention_target)


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
            with using(settings.formats(source)):
                table = compute(source, settings)
        except DataUnavailable as exc:
            failures.extend(f"{name}: {p.message}" for p in exc.problems)
            continue
        except Exception as exc:  # a table that fails must not take the others down
            # Not a data error the checks know: say which table and why, in one line, and go on (exit 2).
            failures.append(f"{name}: {name} could not be computed ({type(exc).__name__}: {exc}). The other "
                            "tables were written; please report this with data_health.csv.")
            continue
        path = out / name
        tmp = path.with_suffix(".csv.tmp")
        table.write_csv(tmp)
        tmp.replace(path)
        written.append(path)
    return written, failures


def write_board_pack(source: DataSource, settings: Settings, out: Path) -> Path:
    """``board_pack.html`` in ``out``, with the export's filters, churn and budget settings."""
    from report.board_pack import BudgetInputs
    from report.board_pack import write_board_pack as write

    inputs = BudgetInputs(settings.budget_assumptions, settings.margin, settings.calibration_months,
                          settings.budget_saved, settings.budget_target)
    return write(source, settings.filters, out, churn_definition=settings.churn_definition,
                 inactivity_days=settings.inactivity_days, base_url=settings.base_url, budget_inputs=inputs,
                 compare=settings.compare, formats=settings.formats(source))


def main(argv: Sequence[str] | None = None) -> int:
    """The export command: write the tables (and, with ``--board-pack``, the board pack); 2 on data errors."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.board_pack = args.board_pack or args.pdf
    if args.board_pack and is_local(settings.base_url):
        print(f"warning: the board pack's links will point to {settings.base_url}, which opens only on this machine. "
              f"Pass --base-url with the address the board uses (e.g. https://dash.example.com) or set "
              f"{BASE_URL_ENV}.", file=sys.stderr)
    data_dir = (args.data or default_data_dir()).resolve()
    rollup_dir, rollup_setting_problems = configured_rollup_dir(data_dir, args.rollup)
    source = DataSource.open(data_dir, as_of=args.as_of, rollup_dir=rollup_dir)
    source.problems.extend(rollup_setting_problems)
    pdf_problem = ""
    skipped: list[str] = []
    notice = needs_transactions_message(source.rollup_dir) if source.rollup_dir is not None else ""
    try:
        written, failures = export(source, settings, args.out)
        # Tables a prebuilt rollup cannot answer are left out, never computed otherwise: a notice, not an error.
        skipped = [f.split(": ", 1)[0] for f in failures if notice and f.split(": ", 1)[1] == notice]
        failures = [f for f in failures if not notice or f.split(": ", 1)[1] != notice]
        errors = [p.message for p in source.problems if p.level == "error"]
        excluded = data_health(source).excluded if not errors else []
        pack: Path | None = None
        if args.board_pack and not (errors or failures):
            try:
                pack = write_board_pack(source, settings, args.out.resolve())
            except DataUnavailable as exc:
                if not notice or notice not in str(exc):
                    raise
                skipped.append("board_pack.html")
        if pack is not None:
            written.append(pack)
            if args.pdf:
                try:
                    written.append(print_to_pdf(pack, pack.with_suffix(".pdf")))
                except PdfUnavailable as exc:
                    pdf_problem = str(exc)
    finally:
        source.close()
    for path in written:
        print(f"wrote {path}")
    if skipped:
        print(f"\nnotice: {', '.join(skipped)} not written. {notice}", file=sys.stderr)
    if excluded:
        print(f"\nThe data folder {source.data_dir} has rows or values that cannot be used; they are left out of "
              "every table (data_health.csv lists them):", file=sys.stderr)
        for finding in excluded:
            print(f"- {finding.message}", file=sys.stderr)
    if pdf_problem:
        print(f"error: board_pack.pdf was not written: {pdf_problem}", file=sys.stderr)
        return 3
    if errors or failures:
        print(f"\nThe data folder {source.data_dir} has problems:", file=sys.stderr)
        for message in dict.fromkeys(errors + [f.split(": ", 1)[1] for f in failures]):
            print(f"- {message}", file=sys.stderr)
        return 2
    return 0
