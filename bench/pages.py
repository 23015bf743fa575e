"""What each page computes, as (source, filters) callables: the benchmark times exactly these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics.budget import Assumptions, CalibrationSettings, budget_report, calibrate
from analytics.clv_models.channels import channel_model_clv
from analytics.clv_models.customers import customer_list
from analytics.clv_models.scores import ClvSettings
from analytics.clv_models.validation import clv_validation
from analytics.cohorts import average_curve, cohort_retention, retention_by_group
from analytics.executive import executive_summary
from analytics.filters import Filters
from analytics.health import data_health
from analytics.lifecycle import lifecycle
from analytics.overview import activity_by_period, filter_options
from analytics.parallel import side_by_side
from analytics.retention_process import (
    offer_conversion,
    offer_conversion_by_channel,
    touch_delays,
    touchpoint_coverage,
    touchpoint_effects,
)
from analytics.revenue_mix import (
    lorenz_curve,
    new_revenue_reconciliation,
    revenue_by_acquisition_year,
    revenue_concentration,
    revenue_mix,
    revenue_movements,
)
from analytics.survival import hazard_model, resolve_churn_definition, survival_curves
from analytics.value import ValueSettings, clv_report
from queries import DataSource

Compute = Callable[[DataSource, Filters], Any]

PAGES: dict[str, list[Compute]] = {
    "overview": [activity_by_period, lifecycle],
    "cohorts": [
        lambda s, f: average_curve(cohort_retention(s, f)),
        lambda s, f: retention_by_group(s, f, "segment"),
    ],
    "revenue_mix": [revenue_mix, revenue_by_acquisition_year, revenue_movements, new_revenue_reconciliation,
                    revenue_concentration, lorenz_curve],
    "value": [lambda s, f: clv_report(s, f, ValueSettings())],
    # The Value page's model CLV beside the survival CLV: a BG/NBD fit per channel (its own row, to see its cost).
    "value_model_clv": [lambda s, f: channel_model_clv(s, f, ValueSettings())],
    # The list and the holdout check, as the page computes them (the fits at the as-of date and at the default
    # split are memoised per data version: a filter change only filters the scored customers).
    "customers": [lambda s, f: customer_list(s, f, ClvSettings()), lambda s, f: clv_validation(s, f, ClvSettings())],
    # As the page does: the curves and the hazard model side by side.
    "survival": [lambda s, f: side_by_side(
        lambda: survival_curves(s, f, resolve_churn_definition(s, None), 90, "segment"),
        lambda: hazard_model(s, f, resolve_churn_definition(s, None), 90))],
    "budget": [lambda s, f: budget_report(calibrate(s, f, CalibrationSettings()), Assumptions())],
    "overview_kpis": [executive_summary],
    "data_health": [lambda s, f: data_health(s)],
    # The Retention process page: coverage, time to touch, the landmark fits (one Cox fit per touchpoint), offers.
    "retention_process": [touchpoint_coverage, touch_delays,
                          lambda s, f: touchpoint_effects(s, f, resolve_churn_definition(s, None), 90),
                          offer_conversion, offer_conversion_by_channel],
}
#: The two tables the pandas reference also computes, in one fresh process (open + compute), like for like.
REFERENCE: list[Compute] = [cohort_retention, revenue_mix]


def filter_changes(source: DataSource) -> list[Filters]:
    """The filter changes a user makes: one segment, one channel, one region (the largest of each)."""
    options = filter_options(source)
    return [Filters(segment=(options["segment"][0],)), Filters(channel=(options["channel"][0],)),
            Filters(region=(options["region"][0],))]
