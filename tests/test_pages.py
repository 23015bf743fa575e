"""Every page renders in AppTest (through the shell, as in the app): no exception, the expected charts
and downloads; with broken data the affected page explains itself and the rest keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SMALL_CUSTOMERS, SMALL_TRANSACTIONS, downloads, figures, write_exports


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    return write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS, transactions=SMALL_TRANSACTIONS)


def activity_figure(at) -> dict:
    """The Overview's revenue and active customers chart (its bars; the tiles' trends are inline SVG, not figures)."""
    return next(f for f in figures(at) if f["data"] and f["data"][0]["type"] == "bar")


def test_overview_page(small_data, run_page):
    at = run_page(None, small_data)
    assert at.title[0].value == "Overview"
    fig = activity_figure(at)
    assert [trace["type"] for trace in fig["data"]] == ["bar", "scatter"]
    assert fig["data"][0]["y"] == [15.0, 7.0, 19.0]
    # The title states the takeaway of the last complete month (February: 7 from 1 customer).
    assert fig["layout"]["title"]["text"] == "Revenue of 7 from 1 active customer in February 2024"
    tiles = {m.label: (m.value, m.delta) for m in at.metric}
    # February vs January: 1 active customer (c) vs 2 (a, b); revenue 7 vs 15.
    assert tiles["Active customers, last month"] == ("1", "-1")
    assert tiles["Revenue, last month"] == ("7", "-53.3%")
    # February revenue comes from c, acquired in February: nothing from existing customers.
    assert tiles["Existing-customer share, last month"][0] == "0.0%"
    # No churn dates: combined = 90 days without a purchase. As of 2024-03-15 (c's last payment) nobody has been
    # silent 90 days (a and b signed up in January): all three are in the base; at the end of January, a and b.
    assert tiles["Customer base, now"] == ("3", "+1")
    assert any("Revenue was 7 in February 2024, -53% on the month before." in m.value.replace("\\", "")
               for m in at.markdown)
    assert "Download activity_by_period.csv" in downloads(at) and "Download overview_kpis.csv" in downloads(at)
    # The KPI table shows each tile's value, comparison and change as text, in the tile's unit.
    kpis = next(frame.value for frame in at.dataframe if "KPI" in frame.value.columns).set_index("KPI")
    assert (kpis.loc["Revenue, last month", "Value"], kpis.loc["Revenue, last month", "Change"]) == ("7", "-53.3%")


def test_overview_reads_filters_from_the_url(small_data, run_page):
    at = run_page(None, small_data, query_params={"segment": "starter", "grain": "quarter"})
    assert activity_figure(at)["data"][0]["y"] == [15.0]


def test_data_health_page(small_data, run_page):
    at = run_page("pages/data_health.py", small_data)
    assert at.title[0].value == "Data health"
    assert any("negative amount" in e.label for e in at.expander)
    assert {"Download data_coverage.csv", "Download data_health.csv"} <= set(downloads(at))


def test_broken_data_keeps_the_app_running(tmp_path: Path, run_page):
    folder = write_exports(tmp_path / "data", customers=SMALL_CUSTOMERS)
    (folder / "transactions.parquet").write_bytes(b"not parquet")
    at = run_page(None, folder)
    assert at.error and "transactions" in at.error[0].value
    assert any("cannot be read as Parquet" in m.value for m in at.markdown)
    health = run_page("pages/data_health.py", folder)
    assert health.error and "error" in health.error[0].value


def test_cohorts_page(small_data, run_page):
    at = run_page("pages/cohorts.py", small_data)
    assert at.title[0].value == "Cohort retention"
    heatmap, curves, trend, groups = figures(at)
    # Complete cells (Jan: k0, k1; Feb: k0) in the coloured trace, March cells in the grey one.
    assert [t["type"] for t in heatmap["data"]] == ["heatmap", "heatmap"]
    assert sorted(heatmap["data"][0]["z"]) == [0.0, 1.0, 1.0]
    assert heatmap["data"][1]["text"] == ["…", "…"]
    assert curves["data"][-1]["name"] == "Average (weighted by cohort size)"
    assert {t["name"] for t in groups["data"]} == {"Pro", "Starter"}  # display names of the codes
    assert {"Download cohort_retention.csv", "Download cohort_average.csv"} <= set(downloads(at))


def test_cohorts_page_reads_its_settings_from_the_url(small_data, run_page):
    at = run_page("pages/cohorts.py", small_data, query_params={"metric": "active-or-later", "by": "channel", "k": "1"})
    heatmap, _, _, groups = figures(at)
    # k=1: only the Jan cohort's Feb is complete; a comes back later, so 1 of 2 is active then or later.
    assert heatmap["layout"]["title"]["text"] == "50% of customers are active in month 1 or later on average"
    # The trend's table is named after the measure (shown as a %), and downloads under the headline month.
    trend = next(frame.value for frame in at.dataframe
                 if list(frame.value.columns) == ["cohort", "cohort_size", "retention_unbounded"])
    assert trend["retention_unbounded"].tolist() == [0.5]
    assert "Download cohort_month_1_trend.csv" in downloads(at)
    assert {t["name"] for t in groups["data"]} == {"Ads", "Organic"}
