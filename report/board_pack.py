"""The board pack: one self-contained HTML file that opens offline, with the KPIs, the headline sentences, the
main chart of every page (interactive; the budget split, when the export has marketing spend, at the Budget
page's defaults or the export's budget settings), the filters in force, the as-of date, the data fingerprint,
and the link to each page's view. Built from the same analytics functions and figure builders as the app.

Plotly's JavaScript is embedded once, so the file needs no network (about 5 MB).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import plotly.graph_objects as go
import plotly.io as pio

from analytics import catalog
from analytics.budget import (
    Assumptions,
    CalibrationSettings,
    Scenario,
    TargetDimension,
    budget_report,
    calibrate,
    calibrate_targeted,
    encode_scenario,
)
from analytics.cohorts import average_curve, cohort_retention, default_period_index
from analytics.executive import Compare, ExecutiveSummary, Kpi, executive_summary, headline_sentences
from analytics.filters import Filters
from analytics.formats import Formats, current, using
from analytics.overview import activity_by_period
from analytics.revenue_mix import revenue_mix
from analytics.survival import ChurnDefinition, describe_churn, survival_curves
from analytics.value import ValueSettings, clv_report
from queries import DataSource, DataUnavailable
from report import print_layout
from ui import budget_charts, cohort_charts, overview_charts, revenue_mix_charts, survival_charts, value_charts


@dataclass(frozen=True)
class Section:
    title: str
    path: str
    figure: go.Figure
    note: str
    #: URL parameters of the view besides the filters (and the churn setting, for survival, value and budget).
    query: dict[str, str] | None = None


@dataclass(frozen=True)
class BudgetInputs:
    """The Budget page's inputs for the pack's budget split: the page's defaults unless the export sets them."""

    assumptions: Assumptions = Assumptions()
    margin: float = CalibrationSettings.margin
    calibration_months: int = CalibrationSettings.calibration_months
    #: Saved scenarios (the page's s1..s3, the export's --scenario): compared in the pack.
    scenarios: tuple[Scenario, ...] = ()
    #: Retention aimed at one group (dimension, value), as the page's "Aim retention at"; None = the whole base.
    target: tuple[TargetDimension, str] | None = None

    def query(self) -> dict[str, str]:
        """The Budget page's URL parameters for these inputs (defaults left out, as the page writes them)."""
        defaults, calibration = budget_charts.budget_query(Assumptions()), CalibrationSettings()
        query = {key: value for key, value in budget_charts.budget_query(self.assumptions).items()
                 if defaults.get(key) != value}
        if self.margin != calibration.margin:
            query["margin"] = f"{self.margin:g}"
        if self.calibration_months != calibration.calibration_months:
            query["calibration_months"] = str(self.calibration_months)
        if self.target:
            query["target"] = f"{self.target[0]}: {self.target[1]}"
        for slot, scenario in enumerate(self.scenarios[:3], start=1):
            query[f"s{slot}"] = encode_scenario(scenario.name, scenario.assumptions)
        return query


def filter_query(filters: Filters, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The URL parameters of a view, as the app writes them (defaults left out)."""
    query: dict[str, str] = {}
    if filters.start:
        query["start"] = filters.start.isoformat()
    if filters.end:
        query["end"] = filters.end.isoformat()
    if filters.grain != "month":
        query["grain"] = filters.grain
    for name in ("segment", "channel", "region"):
        values = getattr(filters, name)
        if values:
            query[name] = ",".join(values)
    return query | (extra or {})


def sections(source: DataSource, filters: Filters, churn: ChurnDefinition, inactivity_days: int,
             budget_inputs: BudgetInputs = BudgetInputs()) -> tuple[list[Section], dict[str, str]]:
    """The main chart of each page, built as the page builds it, and the churn settings of the links."""
    grain = filters.grain
    table = cohort_retention(source, filters)
    k = default_period_index(grain)
    curves = survival_curves(source, filters, churn, inactivity_days, "segment", current())
    value = clv_report(source, filters, ValueSettings(churn_definition=churn, inactivity_days=inactivity_days))
    churn_query = {"churn": churn} | ({"inactivity_days": str(inactivity_days)} if churn != "explicit" else {})
    parts = [
        Section("Revenue and active customers", "",
                overview_charts.activity_chart(activity_by_period(source, filters), grain,
                                               {"filters": filters.describe()}, "board pack chart"),
                "Net revenue per period and the customers with a positive transaction in it."),
        Section("Cohort retention", "cohorts",
                cohort_charts.heatmap(table, "retention", grain, 30, average_curve(table), k),
                "Share of each signup cohort active in each later period; grey cells are incomplete."),
        Section("New vs. existing revenue", "revenue_mix",
                revenue_mix_charts.revenue_mix_chart(revenue_mix(source, filters), grain),
                "Revenue from customers acquired in the period vs. earlier, with the existing share."),
        Section("Survival by segment", "survival",
                survival_charts.survival_chart(curves.curve, curves.at_risk, curves.headline, "Segment", "segment"),
                f"Kaplan-Meier share of customers not yet churned ({churn} churn), with 95% bands."),
        Section("Customer value vs. acquisition cost", "value", value_charts.value_curves(value.curves, value.channels),
                "Cumulative gross margin per acquired customer by month of life against each channel's CAC."),
    ]
    return parts + _budget_sections(source, filters, churn, inactivity_days, budget_inputs), churn_query


def _budget_sections(source: DataSource, filters: Filters, churn: ChurnDefinition, inactivity_days: int,
                     inputs: BudgetInputs) -> list[Section]:
    """The Budget page's split curve for ``inputs`` (with its uncertainty band), and the saved scenarios
    compared with today's split when there are any; none when the export cannot calibrate (no marketing spend,
    or no cost in the selected channels)."""
    settings = CalibrationSettings(margin=inputs.margin, calibration_months=inputs.calibration_months,
                                   churn_definition=churn, inactivity_days=inactivity_days)
    try:
        calibration = (calibrate_targeted(source, filters, settings, *inputs.target) if inputs.target
                       else calibrate(source, filters, settings))
    except DataUnavailable:
        return []
    if calibration.problem:
        return []
    report = budget_report(calibration, inputs.assumptions, inputs.scenarios)
    parts = [Section("Budget split: acquisition vs. retention", "budget", budget_charts.split_curve_chart(report),
                     "Projected net contribution over the horizon for each share of the monthly marketing budget "
                     "put into retention; the band holds 8 in 10 plausible values of the response assumptions, "
                     "which the data does not measure. " + budget_charts.verdict(report), inputs.query())]
    if inputs.scenarios:
        parts.append(Section("Budget scenarios compared", "budget", budget_charts.scenarios_chart(report),
                             "Each scenario's net contribution, customer base at the end and revenue as a difference "
                             "from today's split, over its own horizon.", inputs.query()))
    return parts


def churn_sentence(churn_query: dict[str, str]) -> str:
    """The churn definition behind the survival, value and budget figures, in words (the pack's cover).

    >>> churn_sentence({"churn": "inactivity", "inactivity_days": "60"})
    'Churn: a customer has churned after 60 days without a purchase (on their last purchase day).'
    >>> churn_sentence({"churn": "combined", "inactivity_days": "90"})[:80]
    'Churn: a customer has churned on their churn_date where one is recorded, else af'
    """
    days = churn_query.get("inactivity_days", "90")
    if churn_query.get("churn") == "inactivity":
        return f"Churn: a customer has churned after {days} days without a purchase (on their last purchase day)."
    if churn_query.get("churn") == "explicit":
        return "Churn: a customer has churned on their churn_date (an explicit cancellation) only."
    return (f"Churn: a customer has churned on their churn_date where one is recorded, else after {days} days "
            "without a purchase (on their last purchase day).")


def render(summary: ExecutiveSummary, parts: list[Section], filters: Filters, source: DataSource, base_url: str,
           churn_query: dict[str, str], formats: Formats | None = None) -> str:
    """The HTML text of the pack. Every data value is escaped: it shows as text, never as markup."""
    e = html.escape
    fmt = formats or Formats()
    query = filter_query(filters) | ({"compare": summary.compare} if summary.compare != "previous" else {})
    base = base_url.rstrip("/")

    def link(path: str, extra: dict[str, str] | None = None) -> str:
        q = urlencode(query | (extra or {}))
        return f"{base}/{path}" + (f"?{q}" if q else "")

    against = summary.comparison_label()

    def tile(k: Kpi) -> str:
        value = catalog.show(k.key, k.value, surface="board pack tile", context=summary.context(k.key, filters),
                             formats=fmt)
        return (f'<div class="tile" title="{e(k.figure.definition)}"><div class="label">{e(k.label)}</div>'
                f'<div class="value">{e(value)}</div>{print_layout.change_html(k, fmt, against)}</div>')

    tiles = "".join(tile(k) for k in summary.kpis)
    sentences = "".join(f"<li>{e(s)}</li>" for s in headline_sentences(summary, fmt, filters, "board pack sentence"))
    definitions = "".join(f"<li><b>{e(k.figure.name)}</b>: {e(k.figure.definition)}</li>" for k in summary.kpis)
    figures = []
    for i, part in enumerate(parts):
        extra = (churn_query if part.path in ("survival", "value", "budget") else {}) | (part.query or {})
        div = pio.to_html(print_layout.for_print(part.figure), include_plotlyjs=(i == 0), full_html=False,
                          default_width="100%", config={"displaylogo": False, "responsive": True})
        figures.append(f'<section class="chart"><h2>{e(part.title)}</h2><p class="note">{e(part.note)} '
                       f'<a href="{e(link(part.path, extra))}">Open this view in the dashboard</a></p>{div}</section>')
    footer = f"Retention board pack · as of {summary.as_of} · data fingerprint {source.fingerprint}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Retention board pack, as of {e(str(summary.as_of))}</title>
<style>{print_layout.stylesheet(footer)}</style></head><body>
<div class="cover">
<h1>Retention board pack</h1>
<p class="meta">As of <b>{e(str(summary.as_of))}</b> · data fingerprint <code>{e(source.fingerprint)}</code> ·
filters: {e(filters.describe())} · churn: {e(describe_churn(summary.churn_definition, summary.inactivity_days))} ·
{e("money in " + fmt.currency + " · " if fmt.currency else "")}made {e(datetime.now().strftime("%Y-%m-%d %H:%M"))} ·
<a href="{e(link(""))}">open the overview</a></p>
<p class="meta">{e(churn_sentence(churn_query))}</p>
<ul>{sentences}</ul>
<div class="tiles">{tiles}</div>
</div>
{"".join(figures)}
<section class="definitions"><h2>Definitions</h2><ul class="definitions">{definitions}</ul>
<p class="note">Every figure's definition: <a href="{e(link("glossary"))}">the Glossary</a>.</p></section>
{print_layout.PRINT_SCRIPT}
</body></html>
"""


def board_pack(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
               inactivity_days: int = 90, base_url: str = "http://localhost:8501",
               budget_inputs: BudgetInputs | None = None, compare: Compare = "previous",
               formats: Formats | None = None) -> str:
    """The board pack as HTML text (see the module docstring); ``formats``: the currency and display names (the
    data folder's by default)."""
    from analytics.survival import resolve_churn_definition

    fmt = formats or Formats.of(source.currency, source.labels)
    churn = resolve_churn_definition(source, churn_definition)
    with using(fmt):
        summary = executive_summary(source, filters, churn, inactivity_days, compare=compare)
        parts, churn_query = sections(source, filters, churn, inactivity_days, budget_inputs or BudgetInputs())
        return render(summary, parts, filters, source, base_url, churn_query, fmt)


def write_board_pack(source: DataSource, filters: Filters, out: Path, churn_definition: ChurnDefinition | None = None,
                     inactivity_days: int = 90, base_url: str = "http://localhost:8501",
                     budget_inputs: BudgetInputs | None = None, compare: Compare = "previous",
                     formats: Formats | None = None) -> Path:
    """Write ``board_pack.html`` (:func:`board_pack`, same settings) into ``out`` (atomically); return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "board_pack.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(board_pack(source, filters, churn_definition, inactivity_days, base_url, budget_inputs, compare,
                              formats), encoding="utf-8")
    tmp.replace(path)
    return path
