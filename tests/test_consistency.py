"""One value everywhere: every figure of the metric catalog that appears in more than one place — a page's tile,
sentence, chart title or table, the board pack, the export's CSVs — has the same value in each, for the same
context (period or date, filters, churn setting, value settings).

Every page is rendered with AppTest on the bundled sample data, the board pack is built and the export is run,
while the catalog's ledger records what each surface showed (analytics/catalog.py: ``show`` and ``note``); the
export's CSVs are read back and added to the ledger here.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from analytics import catalog
from analytics.executive import executive_summary
from analytics.filters import Filters
from analytics.money import money_total
from analytics.survival import SURVIVAL_BY, survival_curves
from queries import DataSource
from report.board_pack import board_pack
from report.export import Settings, export
from tests.conftest import ROOT

SAMPLE = ROOT / "sample_data"
PAGES = [None, "pages/cohorts.py", "pages/revenue_mix.py", "pages/value.py", "pages/survival.py",
         "pages/customers.py", "pages/retention_process.py", "pages/budget.py", "pages/data_health.py",
         "pages/glossary.py"]


@pytest.fixture(scope="module")
def sample():
    source = DataSource.open(SAMPLE)
    yield source
    source.close()


def test_every_figure_has_one_value_on_every_surface(sample, run_page, tmp_path: Path):
    filters = Filters()
    with catalog.recording() as ledger:
        for page in PAGES:
            run_page(page, SAMPLE, timeout=300)
        board_pack(sample, filters)
        written, failures = export(sample, Settings(filters), tmp_path)
        assert failures == []
        # The export's CSVs, added to the ledger with the Overview's contexts.
        summary = executive_summary(sample, filters)
        kpis = pl.read_csv(tmp_path / "overview_kpis.csv")
        assert kpis["kpi"].to_list() == [k.label for k in summary.kpis]
        for kpi, value in zip(summary.kpis, kpis["value"].to_list(), strict=True):
            catalog.note(kpi.key, value, surface="overview_kpis.csv", context=summary.context(kpi.key, filters))
        activity = pl.read_csv(tmp_path / "activity_by_period.csv", try_parse_dates=True).filter(pl.col("is_complete"))
        last = activity.row(-1, named=True)
        where = catalog.context_of(period=last["period"], grain="month", filters=filters.describe())
        for key in ("active_customers", "revenue"):
            catalog.note(key, last[key], surface="activity_by_period.csv", context=where)
        # The Customers page's list total against customer_scores.csv (every scored customer, no list filter).
        scores = pl.read_csv(tmp_path / "customer_scores.csv")
        scored = catalog.context_of(scores_as_of=sample.as_of, filters=filters.describe(), margin=0.7,
                                    discount_rate=0.1)
        catalog.note("predicted_value_12m", money_total(scores["predicted_value_12m"]), surface="customer_scores.csv",
                     context=scored)

    assert ledger.disagreements() == []
    surfaces: dict[str, set[str]] = {}
    for entry in ledger.entries:
        surfaces.setdefault(entry.key, set()).add(entry.surface)
    # The figures the issue named, each shown (and so compared) in several places.
    assert {"overview tile", "budget tile", "board pack tile", "overview_kpis.csv",
            "overview sentence"} <= surfaces["customer_base"]
    assert {"overview tile", "overview chart", "overview sentence", "board pack tile", "board pack chart",
            "overview_kpis.csv", "activity_by_period.csv"} <= surfaces["active_customers"]
    assert {"overview tile", "overview sentence", "overview chart", "activity_by_period.csv",
            "overview_kpis.csv"} <= surfaces["revenue"]
    assert {"overview tile", "overview sentence", "revenue mix tile"} <= surfaces["existing_share"]
    assert {"overview tile", "value tile", "board pack tile"} <= surfaces["ltv_cac_blended"]
    assert {"revenue mix tile", "revenue mix reconciliation"} <= surfaces["new_customer_revenue"]
    assert {"customers tile", "customer_scores.csv"} <= surfaces["predicted_value_12m"]
    # The customer base is one number on the Overview, the Budget page, the board pack and the export (the Budget
    # page once said 16,928 "active customers now", the explicit definition's base, beside the Overview's 6,636).
    assert {e.value for e in ledger.entries if e.key == "customer_base"} == {9269.0}


def test_a_disagreement_is_caught():
    # The ledger itself: two surfaces, one figure, two values -> reported.
    with catalog.recording() as ledger:
        where = catalog.context_of(as_of="2025-12-31")
        catalog.note("customer_base", 9269, surface="overview tile", context=where)
        catalog.note("customer_base", 16928, surface="budget tile", context=where)
        catalog.note("customer_base", 16928, surface="budget tile", context=catalog.context_of(as_of="2024-01-31"))
    (problem,) = ledger.disagreements()
    assert "overview tile=9269.0" in problem and "budget tile=16928.0" in problem


@pytest.mark.parametrize("by", SURVIVAL_BY)
def test_under_the_default_definition_every_survival_group_has_churn_events(sample, by):
    summary = survival_curves(sample, Filters(), "combined", 90, by).summary
    assert summary.height >= 2 and (summary["churned"] > 0).all(), summary
