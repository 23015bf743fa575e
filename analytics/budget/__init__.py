"""Budget what-if: how should a monthly marketing budget be split between winning new customers
(acquisition) and keeping existing ones (retention)? A small, explicit model calibrated from the data.

One module per job, everything public re-exported here:

- :mod:`analytics.budget.inputs`: the inputs and their checks (:class:`CalibrationSettings`,
  :class:`Assumptions`, :class:`Scenario`), their defaults and ranges.
- :mod:`analytics.budget.scenario_codec`: a saved scenario as one URL parameter, and back.
- :mod:`analytics.budget.calibration`: the numbers the model runs on, measured from the data
  (:func:`calibrate`); its docstring defines each of them.
- :mod:`analytics.budget.model`: the month-by-month projection (:func:`project`), the optimisation curve and
  its sensitivity; its docstring defines the model.
- :mod:`analytics.budget.response`: a measured hazard ratio and cost as a calibration of r_max and B_half.
- :mod:`analytics.budget.uncertainty`: the band of net contribution over plausible response assumptions.
- :mod:`analytics.budget.report`: what the page, the board pack and the export show (:func:`budget_report`,
  :func:`budget_scenarios`).

Example::

    calibration = calibrate(DataSource.open("sample_data"), Filters(), CalibrationSettings())
    report = budget_report(calibration, Assumptions(retention_share=0.2))
    report.summary.select("scenario", "net_contribution", "customer_base_end")
"""

from __future__ import annotations

from analytics.budget.calibration import (
    TARGET_DIMENSIONS,
    Calibration,
    Target,
    TargetDimension,
    calibrate,
    calibrate_targeted,
    hazard_from_spans,
)
from analytics.budget.inputs import (
    DEFAULT_B_HALF_SHARE,
    DEFAULT_BETA,
    DEFAULT_HORIZON,
    DEFAULT_R_MAX,
    HORIZON_RANGE,
    MAX_SCENARIOS,
    Assumptions,
    CalibrationSettings,
    Scenario,
)
from analytics.budget.model import (
    BETA_OFFSETS,
    PROJECTION_SCHEMA,
    R_MAX_OFFSETS,
    SHARES,
    Paths,
    Population,
    best_share,
    channel_split,
    horizon_net_contribution,
    paid_new_customers,
    populations,
    project,
    project_paths,
    retention_effect,
    sensitivity,
    split_curve,
    survival_paths,
)
from analytics.budget.report import (
    BASELINE,
    BEST,
    COMPARED,
    CURRENT,
    EXPORT_COLUMNS,
    SUMMARY_SCHEMA,
    BudgetReport,
    budget_report,
    budget_scenarios,
    budget_uncertainty,
    scenarios_table,
    summarise,
    uncertainty_table,
    unique_name,
)
from analytics.budget.response import MeasuredResponse, ResponseCalibration, response_from_hazard_ratio
from analytics.budget.scenario_codec import clean_name, decode_scenario, encode_scenario
from analytics.budget.uncertainty import BAND_SCHEMA, DRAWS, Uncertainty, draw_assumptions, uncertainty

__all__ = [
    # inputs
    "DEFAULT_B_HALF_SHARE", "DEFAULT_BETA", "DEFAULT_HORIZON", "DEFAULT_R_MAX", "HORIZON_RANGE", "MAX_SCENARIOS",
    "Assumptions", "CalibrationSettings", "Scenario",
    # scenario_codec
    "clean_name", "decode_scenario", "encode_scenario",
    # calibration
    "TARGET_DIMENSIONS", "Calibration", "Target", "TargetDimension", "calibrate", "calibrate_targeted",
    "hazard_from_spans",
    # model
    "BETA_OFFSETS", "PROJECTION_SCHEMA", "R_MAX_OFFSETS", "SHARES", "Paths", "Population", "best_share",
    "channel_split", "horizon_net_contribution", "paid_new_customers", "populations", "project", "project_paths",
    "retention_effect", "sensitivity", "split_curve", "survival_paths",
    # report
    "BASELINE", "BEST", "CURRENT", "EXPORT_COLUMNS", "SUMMARY_SCHEMA", "BudgetReport", "budget_report",
    "budget_scenarios", "scenarios_table", "summarise", "COMPARED", "budget_uncertainty", "uncertainty_table",
    "unique_name",
    # response
    "MeasuredResponse", "ResponseCalibration", "response_from_hazard_ratio",
    # uncertainty
    "BAND_SCHEMA", "DRAWS", "Uncertainty", "draw_assumptions", "uncertainty",
]
