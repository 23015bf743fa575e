"""The metric catalog: every figure shown to a user, defined once — its display name, unit, one-line definition,
whether higher is better for the business, the page that explains it, and where it is computed.

Tiles, sentences, chart titles, hovers and axes, tables, the board pack, the CLI's ``glossary.csv`` and the
Glossary page take names, definitions and formats from here (formats: :mod:`analytics.formats`). Two different
quantities never share a name: "Active customers" (bought in the period) is not the "Customer base" (not churned
at the date); "CAC, paid channels" is not "Blended CAC incl. organic"; "New-customer revenue" (customers acquired
in the period) is not the waterfall's "New (first paying period)" — the Revenue mix page reconciles the two.

**Adding a figure** (a later feature such as predictive CLV registers its own):

1. add a :class:`Figure` to ``FIGURES`` below (or call :func:`register` from your module): a key in snake_case,
   the display name (unique: the catalog refuses a name already taken), the unit, a one-line definition that
   says what counts, ``higher_is_better`` (None when neither), the page (its URL path) and ``computed_by`` (the
   function, and the column of its table that holds the figure);
2. show it through :func:`show` (tiles, sentences, titles) or name the table column in ``columns`` so that
   on-screen tables label and format it; the Glossary page and ``glossary.csv`` list it with no other change.

**One value everywhere.** :func:`show` formats a figure and, while a :class:`Ledger` is recording (the consistency
test), notes (figure, context, value, surface): the same figure for the same context must have one value on
every page, the board pack and the export (tests/test_consistency.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl

from analytics.formats import Formats, Unit, current


@dataclass(frozen=True)
class Figure:
    """One figure a user sees."""

    key: str
    name: str
    unit: Unit
    definition: str
    higher_is_better: bool | None
    page: str
    computed_by: str
    #: Table columns that hold this figure (their on-screen header is the name, their format the unit's).
    columns: tuple[str, ...] = ()


FIGURES: dict[str, Figure] = {}
_NAMES: dict[str, str] = {}


def register(*figures: Figure) -> None:
    """Add figures to the catalog; a key or display name used twice is refused (two quantities, one name)."""
    for fig in figures:
        if fig.key in FIGURES:
            raise ValueError(f"figure {fig.key!r} is already in the catalog")
        if fig.name.lower() in _NAMES:
            raise ValueError(f"the name {fig.name!r} already names {_NAMES[fig.name.lower()]!r}")
        FIGURES[fig.key] = fig
        _NAMES[fig.name.lower()] = fig.key


def figure(key: str) -> Figure:
    """The catalog entry of ``key`` (KeyError names the known keys' count, to catch typos early)."""
    try:
        return FIGURES[key]
    except KeyError:
        raise KeyError(f"{key!r} is not in the metric catalog ({len(FIGURES)} figures)") from None


def name(key: str) -> str:
    return figure(key).name


def axis_title(key: str, formats: Formats | None = None, qualifier: str = "") -> str:
    """An axis or column title for a figure: its name (and qualifier), with the currency for money.

    >>> axis_title("revenue", Formats(currency="EUR"))
    'Revenue (EUR)'
    """
    fig = figure(key)
    title = fig.name + (f" {qualifier}" if qualifier else "")
    if fig.unit == "money":
        return (formats or current()).with_currency(title)
    return title


_O = "Overview"
R = [
    # -------------------------------------------------------------------------------------- customers
    Figure("active_customers", "Active customers", "count",
           "Customers with at least one positive transaction in the period (a refund alone is not activity).",
           True, "cohorts", "analytics.overview.activity_by_period: active_customers", ("active_customers",)),
    Figure("customer_base", "Customer base", "count",
           "Customers who signed up on or before the date and have not churned by it, under the churn definition "
           "in force (they need not have bought in the period).",
           True, "survival", "analytics.customer_base.customer_base", ("customer_base",)),
    Figure("new_customers", "New customers", "count",
           "Customers whose signup_date falls in the period.", True, "cohorts",
           "analytics.overview.activity_by_period: new_customers", ("new_customers",)),
    Figure("transactions", "Transactions", "count", "Rows of the transactions export in the period, refunds "
           "included.", None, "", "analytics.overview.activity_by_period: transactions", ("transactions",)),
    # -------------------------------------------------------------------------------------- lifecycle
    Figure("lifecycle_new", "New buyers", "count",
           "Active customers whose first purchase ever is in the period (not the same as New customers, who signed "
           "up in it: a customer may first buy periods after signing up, or never).", True, "",
           "analytics.lifecycle.lifecycle: new"),
    Figure("lifecycle_returning", "Returning customers", "count",
           "Customers active in the period and in the previous one.", True, "",
           "analytics.lifecycle.lifecycle: returning"),
    Figure("lifecycle_resurrected", "Resurrected customers", "count",
           "Customers active in the period, not in the previous one, who had bought before it.", True, "",
           "analytics.lifecycle.lifecycle: resurrected"),
    Figure("lifecycle_dormant", "Dormant customers", "count",
           "Customers active in the previous period and not in this one (not necessarily churned: they may buy "
           "again).", False, "", "analytics.lifecycle.lifecycle: dormant"),
    # -------------------------------------------------------------------------------------- revenue
    Figure("revenue", "Revenue", "money", "Net revenue in the period: the sum of amount, refunds deducted.",
           True, "revenue_mix", "analytics.overview.activity_by_period: revenue", ("revenue",)),
    Figure("new_customer_revenue", "New-customer revenue", "money",
           "Revenue in the period from customers acquired in it (their signup_date falls in the period).",
           True, "revenue_mix", "analytics.revenue_mix.revenue_mix: new_revenue",
           ("new_revenue", "new_customer_revenue")),
    Figure("existing_customer_revenue", "Existing-customer revenue", "money",
           "Revenue in the period from customers acquired in earlier periods.", True, "revenue_mix",
           "analytics.revenue_mix.revenue_mix: existing_revenue", ("existing_revenue",)),
    Figure("existing_share", "Existing-customer share", "percent",
           "Existing-customer revenue / (new-customer + existing-customer revenue) in the period.", None,
           "revenue_mix", "analytics.revenue_mix.revenue_mix: existing_share", ("existing_share",)),
    Figure("logo_retention", "Logo retention, 12 months", "percent",
           "Of the customers who bought in the 12 months before the trailing 12 months, the share who bought "
           "again in the trailing 12 months (ending at the last complete month).", True, "cohorts",
           "analytics.net_revenue_retention.net_revenue_retention: logo_retention", ("logo_retention",)),
    Figure("net_revenue_retention", "Net revenue retention, 12 months", "percent",
           "Trailing-12-month revenue of last year's customers / their revenue in the 12 months before; above "
           "100% when they spend more than they churn.", True, "revenue_mix",
           "analytics.net_revenue_retention.net_revenue_retention: net_revenue_retention",
           ("net_revenue_retention",)),
    # -------------------------------------------------------------------------------------- movements
    Figure("movement_new", "New (first paying period)", "money",
           "Revenue of customers in their first period with positive revenue (can be later than their signup "
           "period, so it differs from New-customer revenue; the Revenue mix page reconciles the two).", True,
           "revenue_mix", "analytics.revenue_mix.revenue_movements: new", ("new",)),
    Figure("movement_expansion", "Expansion", "money", "Customers who paid more than in the previous period: "
           "the increase.", True, "revenue_mix", "analytics.revenue_mix.revenue_movements: expansion",
           ("expansion",)),
    Figure("movement_contraction", "Contraction", "money", "Customers who paid less, but something, than in the "
           "previous period: the decrease (negative).", True, "revenue_mix",
           "analytics.revenue_mix.revenue_movements: contraction", ("contraction",)),
    Figure("movement_churned", "Churned revenue", "money",
           "Previous-period revenue of customers who paid nothing this period and have churned (under the churn "
           "definition in force) by its end (negative).", True, "revenue_mix",
           "analytics.revenue_mix.revenue_movements: churned", ()),
    Figure("movement_paused", "Paused", "money",
           "Previous-period revenue of customers who paid nothing this period but have not churned by its end: "
           "they come back later, or it is too early to know (negative).", True, "revenue_mix",
           "analytics.revenue_mix.revenue_movements: paused", ("paused",)),
    Figure("movement_resumed", "Resumed", "money",
           "Revenue of customers who paid before, paid nothing in the previous period and had not churned in "
           "between.", True, "revenue_mix", "analytics.revenue_mix.revenue_movements: resumed", ("resumed",)),
    Figure("movement_reactivated", "Reactivated", "money",
           "Revenue of customers who come back after a churn (a purchase after their churn date).", True,
           "revenue_mix", "analytics.revenue_mix.revenue_movements: reactivated", ("reactivated",)),
    Figure("movement_net_refunds", "Net refunds", "money",
           "Change in revenue of customer-periods whose refunds exceeded their payments; usually tiny.", True,
           "revenue_mix", "analytics.revenue_mix.revenue_movements: net_refunds", ("net_refunds",)),
    Figure("net_change", "Net change in revenue", "money",
           "Revenue of the period − revenue of the previous period: the sum of the movements.", True,
           "revenue_mix", "analytics.revenue_mix.revenue_movements: net_change", ("net_change",)),
    Figure("t12m_revenue", "T12M revenue", "money", "Net revenue of the 12 months ending at the as-of date "
           "(customers refunded more than they paid count as 0).", True, "revenue_mix",
           "analytics.revenue_mix.revenue_concentration: t12m_revenue", ("t12m_revenue",)),
    Figure("top_20_share", "Top 20% share of T12M revenue", "percent",
           "Share of trailing-12-month revenue brought by the 20% of customers who brought the most.", None,
           "revenue_mix", "analytics.revenue_mix.revenue_concentration: top_20_share", ("top_20_share",)),
    Figure("gini", "Gini coefficient of T12M revenue", "number",
           "0 = every customer brings the same revenue; 1 = one customer brings it all.", None, "revenue_mix",
           "analytics.revenue_mix.revenue_concentration: gini", ("gini",)),
    # -------------------------------------------------------------------------------------- cohorts
    Figure("cohort_size", "Cohort size", "count", "Customers who signed up in the cohort's period, whether or "
           "not they ever bought.", True, "cohorts", "analytics.cohorts.cohort_retention: cohort_size",
           ("cohort_size",)),
    Figure("retention", "Cohort retention", "percent", "Active customers of the cohort in period k / cohort "
           "size.", True, "cohorts", "analytics.cohorts.cohort_retention: retention", ("retention",)),
    Figure("retention_unbounded", "Active then or later", "percent", "Customers of the cohort active in period "
           "k or any later period / cohort size.", True, "cohorts",
           "analytics.cohorts.cohort_retention: retention_unbounded", ("retention_unbounded",)),
    Figure("revenue_retention", "Cohort revenue retention", "percent", "The cohort's revenue in period k / its "
           "revenue in its signup period.", True, "cohorts", "analytics.cohorts.cohort_retention: "
           "revenue_retention", ("revenue_retention",)),
    # -------------------------------------------------------------------------------------- survival
    Figure("median_time_to_churn", "Median time to churn", "days",
           "Kaplan-Meier median of days from signup to (first) churn under the churn definition in force; "
           "\"not reached\" while more than half have not churned.", True, "survival",
           "analytics.executive (Kaplan-Meier on analytics.survival.survival_spans)", ("median_days",)),
    Figure("survival_365", "Still a customer after a year", "percent",
           "Kaplan-Meier share of customers not yet churned 365 days after signup (also at 30, 90, 180 days).",
           True, "survival", "analytics.survival.survival_summary: survival_365", ("survival_365",)),
    Figure("churned_customers", "Churned customers", "count", "Customers followed who churned by the as-of "
           "date (first churn, under the churn definition in force).", False, "survival",
           "analytics.survival.survival_summary: churned", ()),
    Figure("rmst_365", "Mean days active in the first year", "days", "Restricted mean survival time to day 365: "
           "the area under the Kaplan-Meier curve.", True, "survival",
           "analytics.survival.survival_summary: rmst_365", ("rmst_365",)),
    Figure("hazard_ratio", "Hazard ratio", "ratio", "How fast a group churns relative to its reference group, "
           "other things equal (Cox model).", False, "survival", "analytics.survival.hazard_ratios: hazard_ratio",
           ("hazard_ratio",)),
    # -------------------------------------------------------------------------------------- value
    Figure("blended_cac", "Blended CAC incl. organic", "money",
           "All acquisition cost / all customers acquired in the window, organic customers included.", False,
           "value", "analytics.value.clv_report: blended_cac", ()),
    Figure("channel_cac", "CAC", "money", "A channel's acquisition cost (marketing spend, else the customers' "
           "acquisition_cost) / the customers it acquired.", False, "value",
           "analytics.value.clv_report: channels.cac", ("cac",)),
    Figure("cac_paid", "CAC, paid channels", "money", "Recent monthly spend of the channels with any cost / "
           "their new customers a month, over the budget's calibration window (organic left out).", False,
           "budget", "analytics.budget.Calibration.cac", ("recent_cac",)),
    Figure("predicted_clv", "Predicted CLV", "money", "Σ over months t = 1..H of survival S(t) × margin per "
           "still-active customer m(t), discounted: what an acquired customer is worth over H months.", True,
           "value", "analytics.value.clv_report: channels.clv_12/24/36", ("clv_12", "clv_24", "clv_36")),
    Figure("simple_clv", "Simple CLV", "money", "Monthly margin per active customer / monthly churn rate: the "
           "textbook shortcut, without discounting.", True, "value", "analytics.value.clv_report: simple_clv",
           ("simple_clv",)),
    Figure("ltv_cac", "LTV:CAC", "ratio", "A channel's predicted CLV at the horizon / its CAC.", True, "value",
           "analytics.value.clv_report: channels.ltv_cac", ("ltv_cac",)),
    Figure("ltv_cac_blended", "Blended LTV:CAC", "ratio",
           "Customer-weighted predicted CLV at the horizon across channels / blended CAC incl. organic.", True,
           "value", "analytics.executive.blended_value", ()),
    Figure("payback_month", "Payback month", "months",
           "First month of life at which the customer-weighted cumulative margin per customer reaches blended "
           "CAC.", False, "value", "analytics.executive.blended_value", ("payback_month",)),
    Figure("max_affordable_cac", "Maximum affordable CAC", "money", "Predicted CLV / the target LTV:CAC.", True,
           "value", "analytics.value.clv_report: channels.max_affordable_cac", ("max_affordable_cac",)),
    Figure("cumulative_margin_per_customer", "Cumulative margin per acquired customer", "money",
           "Gross margin per acquired customer summed over the months of life so far (churned customers stay in "
           "the denominator).", True, "value", "analytics.value.clv_report: curves",
           ("cumulative_margin_per_customer",)),
    # -------------------------------------------------------------------------------------- budget
    Figure("recent_spend", "Recent acquisition spend a month", "money", "Mean monthly acquisition cost of the "
           "paid channels over the calibration window (B0).", None, "budget",
           "analytics.budget.Calibration.paid_spend", ("recent_spend", "spend_per_month")),
    Figure("paid_new_customers", "Paid new customers a month", "count", "Mean monthly new customers of the paid "
           "channels over the calibration window (n0).", True, "budget",
           "analytics.budget.Calibration.paid_new", ("paid_new", "new_per_month")),
    Figure("organic_new_customers", "Organic new customers a month", "count", "Mean monthly new customers of the "
           "channels without cost.", True, "budget", "analytics.budget.Calibration.organic_new",
           ("organic_new",)),
    Figure("margin_per_customer", "Gross margin per customer in the base a month", "money",
           "Gross margin in the calibration window / customer-months in the customer base in it.", True,
           "budget", "analytics.budget.Calibration.margin_per_active", ()),
    Figure("net_contribution", "Net contribution", "money", "Projected gross margin − marketing spend, summed over "
           "the horizon (not discounted).", True, "budget", "analytics.budget.budget_report: net_contribution",
           ("net_contribution",)),
    Figure("projected_customer_base", "Projected customer base", "count", "The budget model's expected customers "
           "not churned at the end of a projected month.", True, "budget",
           "analytics.budget.project: customer_base", ("customer_base_end",)),
    *(Figure(f"net_contribution_{p}", f"Net contribution, {p} of plausible assumptions", "money",
             f"The {p[1:]}th percentile of the net contribution over the horizon across 300 seeded draws of the "
             "response assumptions the data does not measure (beta ± 0.2, r_max ± 10 points, B_half from half to "
             "twice the chosen value); p10–p90 holds 8 in 10 of them.", True, "budget",
             "analytics.budget.uncertainty", (f"net_contribution_{p}",)) for p in ("p10", "p50", "p90")),
    Figure("best_split_gain", "Gain of the best split", "money", "Net contribution of the best split minus today's "
           "split's (recent spend, all on acquisition) over the horizon; clear when it stays above zero in 9 of 10 "
           "plausible draws of the response assumptions, else there is no clear winner.", True, "budget",
           "analytics.budget.uncertainty: gain", ()),
    Figure("gross_margin", "Gross margin", "money", "gross_margin where the export gives one, else amount × the "
           "margin setting.", True, "value", "analytics.value / analytics.budget", ("gross_margin",)),
    Figure("marketing_spend", "Marketing spend", "money", "Acquisition spend (marketing_spend, else the "
           "customers' acquisition_cost).", None, "value", "analytics.value.cac_by_channel_month: cost",
           ("spend", "cost", "acquisition_cost", "budget")),
    # ------------------------------------------------------------------- customers (predictive CLV)
    Figure("p_alive", "P(alive)", "percent", "BG/NBD probability that the customer is still a customer at the "
           "calibration end, given their repeat purchases, recency and age.", True, "customers",
           "analytics.clv_models.scores.model_scores: p_alive", ("p_alive",)),
    Figure("expected_purchases_90d", "Expected purchases, next 90 days", "number", "BG/NBD expected days with a "
           "purchase in the 90 days after the calibration end.", True, "customers",
           "analytics.clv_models.scores.model_scores: expected_purchases_90d", ("expected_purchases_90d",)),
    Figure("expected_spend", "Expected spend per purchase", "money", "Gamma-Gamma mean spend per purchase day, "
           "between the customer's own repeat spend and the population mean.", True, "customers",
           "analytics.clv_models.scores.model_scores: expected_spend", ("expected_spend",)),
    Figure("predicted_value_12m", "Predicted value, 12 months", "money", "Expected purchases × expected spend × "
           "margin rate over the 12 months after the calibration end, discounted monthly as on Value & CAC.", True,
           "customers", "analytics.clv_models.scores.model_scores: predicted_value_12m", ("predicted_value_12m",)),
    Figure("value_if_active_12m", "Value if still active, 12 months", "money", "Predicted 12-month value if the "
           "customer is still a customer at the calibration end (P(alive) = 1).", True, "customers",
           "analytics.clv_models.scores.model_scores: value_if_active_12m", ("value_if_active_12m",)),
    Figure("value_at_risk", "Value at risk", "money", "Value if still active − predicted value = value if still "
           "active × (1 − P(alive)); summed over the customers at risk on the page.", False, "customers",
           "analytics.clv_models.scores.model_scores: value_at_risk", ("value_at_risk",)),
    Figure("at_risk_customers", "Customers at risk", "count", "Customers whose P(alive) is below the threshold "
           "(default 50%).", False, "customers", "analytics.clv_models.customers.risk_by_group: at_risk",
           ("at_risk_customers",)),
    Figure("model_clv", "Model CLV", "money", "Buyer share × margin rate × (first purchase spend, discounted + "
           "expected spend per repeat purchase × discounted BG/NBD repeat purchases over H months): the purchase "
           "model's value of an acquired customer of the channel.", True, "value",
           "analytics.clv_models.channels.channel_model_clv: model_clv_12/24/36",
           ("model_clv", "model_clv_12", "model_clv_24", "model_clv_36")),
    Figure("model_ltv_cac", "Model LTV:CAC", "ratio", "A channel's model CLV at the horizon / its CAC.", True,
           "value", "analytics.clv_models.channels.clv_comparison: model_ltv_cac", ("model_ltv_cac",)),
    # -------------------------------------------------------------------------------------- retention process
    Figure("touch_coverage", "Touchpoint coverage", "percent",
           "Share of new customers whose window has ended who received the touchpoint within its window after "
           "signup ([process] in retention.toml; default 30 days).", True, "retention_process",
           "analytics.retention_process.touchpoint_coverage: coverage", ("coverage",)),
    Figure("touch_hazard_ratio", "Hazard ratio, touched by the landmark", "ratio",
           "Among customers still customers at the touchpoint's window (the landmark): how fast those touched by "
           "then churn after it relative to those not touched, segment, channel and region equal (Cox). An "
           "association, not proof of cause.", False, "retention_process",
           "analytics.retention_process.touchpoint_effects: hazard_ratio"),
    Figure("offer_acceptance", "Offer acceptance rate", "percent",
           "Offers to existing customers (touchpoint offer with an outcome) accepted / offers made.", True,
           "retention_process", "analytics.retention_process.offer_conversion: rate (existing)"),
    Figure("process_cost_per_customer_month", "Retention process cost per retained customer-month", "money",
           "Cost of every touch (touchpoints.cost) over the last 12 complete months / the customer base at each of "
           "their month ends, summed (customer-months retained).", False, "retention_process",
           "analytics.retention_process.process_cost: cost_per_customer_month", ("cost_per_customer_month",)),
    Figure("lead_conversion", "Lead conversion rate", "percent",
           "Leads that became customers (customer_id set) / leads created in the period.", True,
           "retention_process", "analytics.retention_process.offer_conversion: rate (leads)"),
]
register(*R)


# ------------------------------------------------------------------------------------------ glossary
def glossary() -> pl.DataFrame:
    """``glossary.csv`` and the Glossary page: one row per figure (name, unit, definition, page, key), by page."""
    order = {"": 0, "cohorts": 1, "revenue_mix": 2, "value": 3, "survival": 4, "customers": 5, "retention_process": 6,
             "budget": 7}
    rows = sorted(FIGURES.values(), key=lambda f: (order.get(f.page, 9), f.name.lower()))
    return pl.DataFrame({"name": [f.name for f in rows], "unit": [f.unit for f in rows],
                         "definition": [f.definition for f in rows], "page": [f.page or "overview" for f in rows],
                         "key": [f.key for f in rows]},
                        schema={"name": pl.String, "unit": pl.String, "definition": pl.String, "page": pl.String,
                                "key": pl.String})


def column_figure(column: str) -> Figure | None:
    """The figure a table column holds, when the catalog names it."""
    for fig in FIGURES.values():
        if column in fig.columns:
            return fig
    return None


# ------------------------------------------------------------------------------------------ one value everywhere
Context = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Shown:
    """A figure as one surface showed it."""

    key: str
    context: Context
    value: float | None
    surface: str


@dataclass
class Ledger:
    """Every figure shown while recording (off outside tests: :func:`show` then only formats)."""

    entries: list[Shown] = field(default_factory=list)
    recording: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, shown: Shown) -> None:
        if self.recording:
            with self._lock:
                self.entries.append(shown)

    def disagreements(self, tolerance: float = 1e-9) -> list[str]:
        """(figure, context) pairs shown with more than one value, described."""
        groups: dict[tuple[str, Context], list[Shown]] = {}
        for entry in self.entries:
            groups.setdefault((entry.key, entry.context), []).append(entry)
        found = []
        for (key, context), shown in groups.items():
            values = [s.value for s in shown]
            numbers = [v for v in values if v is not None]
            mismatch = (len(numbers) != len(values) and numbers) or (
                numbers and max(numbers) - min(numbers) > tolerance * max(1.0, max(abs(v) for v in numbers)))
            if mismatch:
                found.append(f"{key} {dict(context)}: " + ", ".join(f"{s.surface}={s.value}" for s in shown))
        return found


LEDGER = Ledger()


@contextmanager
def recording() -> Iterator[Ledger]:
    """Record every figure shown inside the block (all threads) into the process-wide ledger."""
    LEDGER.entries.clear()
    LEDGER.recording = True
    try:
        yield LEDGER
    finally:
        LEDGER.recording = False


def context_of(**parts: object) -> Context:
    """A figure's context (period, grain, as-of date, filters, churn...): what makes two showings comparable."""
    return tuple(sorted((k, str(v)) for k, v in parts.items() if v is not None))


def show(key: str, value: float | None, *, surface: str, context: Context = (),
         formats: Formats | None = None) -> str:
    """``value`` of figure ``key`` formatted in its unit (and noted in the ledger while it records)."""
    fig = figure(key)
    LEDGER.note(Shown(key, context, None if value is None else float(value), surface))
    return (formats or current()).value(fig.unit, value)


def note(key: str, value: float | None, *, surface: str, context: Context = ()) -> None:
    """Note a figure shown in a form :func:`show` does not make (a chart title's own wording, a table cell)."""
    figure(key)
    LEDGER.note(Shown(key, context, None if value is None else float(value), surface))


def trend_direction(values: Iterable[float | None], flat: float = 0.01) -> str:
    """'up', 'down' or 'flat': the sign of the least-squares slope over the points, 'flat' when the fitted change
    over them is under ``flat`` (a fraction) of their mean size. What colours a sparkline (with the figure's
    higher_is_better), rather than the last change alone.

    >>> trend_direction([1, 2, 3, 2.9]), trend_direction([5, 4, 3]), trend_direction([100, 100.1, 100])
    ('up', 'down', 'flat')
    """
    points = [float(v) for v in values if v is not None]
    n = len(points)
    if n < 2:
        return "flat"
    mean_x = (n - 1) / 2
    mean_y = sum(points) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(points)) / sum((i - mean_x) ** 2 for i in range(n))
    scale = sum(abs(y) for y in points) / n
    if scale == 0 or abs(slope * (n - 1)) < flat * scale:
        return "flat"
    return "up" if slope > 0 else "down"
