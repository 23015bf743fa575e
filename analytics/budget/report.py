"""What the Budget page, the board pack and the export show for one set of inputs: the baseline, the current
split, the best split and the saved scenarios projected and summed over the horizon, the optimisation curve,
its sensitivity and the channel split (:func:`budget_report`); and ``budget_scenarios.csv``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from analytics.budget.calibration import Calibration, TargetDimension, calibrate, calibrate_targeted
from analytics.budget.inputs import MAX_SCENARIOS, Assumptions, CalibrationSettings, Scenario
from analytics.budget.model import PROJECTION_SCHEMA, best_share, channel_split, project, sensitivity, split_curve
from analytics.budget.uncertainty import BAND_SCHEMA, Uncertainty, uncertainty
from analytics.filters import Filters
from analytics.survival import ChurnDefinition, resolve_churn_definition
from queries import DataSource

SUMMARY_SCHEMA = {
    "scenario": pl.String, "budget": pl.Float64, "retention_share": pl.Float64, "horizon_months": pl.Int64,
    "beta": pl.Float64, "r_max": pl.Float64, "b_half": pl.Float64, "net_contribution": pl.Float64,
    "customer_base_end": pl.Float64, "revenue": pl.Float64, "gross_margin": pl.Float64, "spend": pl.Float64,
    "existing_share": pl.Float64,
}
BASELINE = "Baseline (today's split)"
CURRENT = "This split"
BEST = "Best split"


@dataclass(frozen=True, eq=False)
class BudgetReport:
    """Everything the Budget page shows for one set of inputs."""

    current: Assumptions
    baseline: Assumptions
    best: Assumptions
    summary: pl.DataFrame       # one row per scenario: inputs and horizon totals
    projections: pl.DataFrame   # one row per scenario x month
    curve: pl.DataFrame         # split_curve
    sensitivity: pl.DataFrame
    channels: pl.DataFrame      # channel_split of the current inputs
    uncertainty: Uncertainty    # the band over plausible response assumptions
    #: Every scenario but today's split as differences from today's split: scenario, net_contribution,
    #: customer_base_end, revenue (this scenario's minus today's split's over the same horizon: a saved
    #: scenario with another horizon is compared with today's split over its own).
    differences: pl.DataFrame = field(default_factory=pl.DataFrame)


COMPARED = ("net_contribution", "customer_base_end", "revenue")


def unique_name(name: str, taken: set[str] | list[str]) -> str:
    """``name``, or with a suffix " (2)", " (3)"... when it is taken:

    >>> unique_name("Push", {"Push", "Push (2)"})
    'Push (3)'
    """
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def summarise(projection: pl.DataFrame, assumptions: Assumptions) -> dict[str, object]:
    """Horizon totals of one projection, with its inputs (a row of the summary table)."""
    revenue = float(projection["revenue"].sum())
    existing = float((projection["revenue"] * projection["existing_share"].fill_null(0.0)).sum())
    return {
        "scenario": projection["scenario"][0], "budget": assumptions.budget,
        "retention_share": assumptions.retention_share, "horizon_months": assumptions.horizon_months,
        "beta": assumptions.beta, "r_max": assumptions.r_max, "b_half": assumptions.b_half,
        "net_contribution": float(projection["net_contribution"].sum()),
        "customer_base_end": float(projection["customer_base"][-1]), "revenue": revenue,
        "gross_margin": float(projection["gross_margin"].sum()), "spend": float(projection["spend"].sum()),
        "existing_share": existing / revenue if revenue > 0 else None,
    }


def budget_report(calibration: Calibration, assumptions: Assumptions,
                  scenarios: tuple[Scenario, ...] = ()) -> BudgetReport:
    """Baseline, the current split, the best split and the saved scenarios, projected; the optimisation curve
    and its sensitivity. Saved scenarios keep their own inputs; all use the current calibration."""
    current = calibration.resolve(assumptions)
    baseline = calibration.baseline(current)
    curve = split_curve(calibration, current)
    best = replace(current, retention_share=best_share(curve))
    runs: list[tuple[str, Assumptions]] = [(BASELINE, baseline), (CURRENT, current), (BEST, best)]
    taken = {name for name, _ in runs}
    for scenario in scenarios[:MAX_SCENARIOS]:
        name = unique_name(scenario.name, taken)
        taken.add(name)
        runs.append((name, calibration.resolve(scenario.assumptions)))
    projections = [project(calibration, a, name) for name, a in runs]
    summary = pl.DataFrame([summarise(p, a) for p, (_, a) in zip(projections, runs, strict=True)],
                           schema=SUMMARY_SCHEMA)
    differences = []
    for projection, (name, a) in zip(projections, runs, strict=True):
        if name == BASELINE:
            continue
        today = summarise(project(calibration, replace(baseline, horizon_months=a.horizon_months), BASELINE),
                          baseline)
        mine = summarise(projection, a)
        differences.append({"scenario": name} | {k: float(mine[k]) - float(today[k])  # type: ignore[arg-type]
                                                 for k in COMPARED})
    return BudgetReport(current=current, baseline=baseline, best=best, summary=summary,
                        projections=pl.concat(projections), curve=curve,
                        sensitivity=sensitivity(calibration, current),
                        channels=channel_split(calibration, current),
                        uncertainty=uncertainty(calibration, current),
                        differences=pl.DataFrame(differences, schema={"scenario": pl.String} | {
                            k: pl.Float64 for k in COMPARED}))


EXPORT_COLUMNS = ["scenario", "retention_share", "month", "customer_base", "new_customers", "revenue",
                  "gross_margin", "spend", "net_contribution"]


def scenarios_table(calibration: Calibration, assumptions: Assumptions,
                    scenarios: tuple[Scenario, ...] = ()) -> pl.DataFrame:
    """``budget_scenarios.csv``: the baseline (today's split) and the best split, month by month, then the saved
    scenarios (names made unique with a suffix)."""
    if calibration.problem:
        return pl.DataFrame(schema={k: PROJECTION_SCHEMA[k] for k in EXPORT_COLUMNS})
    current = calibration.resolve(assumptions)
    best = replace(current, retention_share=best_share(split_curve(calibration, current)))
    frames = [project(calibration, calibration.baseline(current), "baseline"), project(calibration, best, "best")]
    taken = {"baseline", "best"}
    for scenario in scenarios[:MAX_SCENARIOS]:
        name = unique_name(scenario.name, taken)
        taken.add(name)
        frames.append(project(calibration, calibration.resolve(scenario.assumptions), name))
    return pl.concat(frames).select(EXPORT_COLUMNS)


def uncertainty_table(calibration: Calibration, assumptions: Assumptions) -> pl.DataFrame:
    """``budget_uncertainty.csv``: retention_share, net_contribution_p10, _p50, _p90 over the plausible response
    assumptions (:mod:`analytics.budget.uncertainty`)."""
    if calibration.problem:
        return pl.DataFrame(schema=BAND_SCHEMA)
    return uncertainty(calibration, assumptions).band


def _calibration(source: DataSource, filters: Filters, margin: float, calibration_months: int,
                 churn_definition: ChurnDefinition | None, inactivity_days: int,
                 target: tuple[TargetDimension, str] | None) -> Calibration:
    settings = CalibrationSettings(margin=margin, calibration_months=calibration_months,
                                   churn_definition=resolve_churn_definition(source, churn_definition),
                                   inactivity_days=inactivity_days)
    if target:
        return calibrate_targeted(source, filters, settings, *target)
    return calibrate(source, filters, settings)


def budget_scenarios(source: DataSource, filters: Filters, assumptions: Assumptions = Assumptions(),
                     margin: float = 0.7, calibration_months: int = 12,
                     churn_definition: ChurnDefinition | None = None, inactivity_days: int = 90,
                     scenarios: tuple[Scenario, ...] = (),
                     target: tuple[TargetDimension, str] | None = None) -> pl.DataFrame:
    """``budget_scenarios.csv`` from the data (the export's entry point): see :func:`scenarios_table`.
    ``churn_definition`` None = the data's default, as in the app; ``target``: retention aimed at one group."""
    calibration = _calibration(source, filters, margin, calibration_months, churn_definition, inactivity_days,
                               target)
    return scenarios_table(calibration, assumptions, scenarios)


def budget_uncertainty(source: DataSource, filters: Filters, assumptions: Assumptions = Assumptions(),
                       margin: float = 0.7, calibration_months: int = 12,
                       churn_definition: ChurnDefinition | None = None, inactivity_days: int = 90,
                       target: tuple[TargetDimension, str] | None = None) -> pl.DataFrame:
    """``budget_uncertainty.csv`` from the data: see :func:`uncertainty_table`."""
    calibration = _calibration(source, filters, margin, calibration_months, churn_definition, inactivity_days,
                               target)
    return uncertainty_table(calibration, assumptions)
