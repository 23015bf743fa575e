"""The retention process on hand-worked tables (coverage windows, the landmark, offers and leads) and on the
bundled sample, where the generator's planted effects (sample_data/process.py) must fall in their intervals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest

from analytics.filters import Filters
from analytics.retention_process import (
    landmark_rows,
    offer_conversion,
    offer_conversion_by_channel,
    touchpoint_coverage,
    touchpoint_effects,
)
from queries import DataSource
from sample_data.process import LEAD_CONVERSION, OFFER_ACCEPT, TOUCHES
from tests.conftest import ROOT, d, downloads, figures, write_exports

# Coverage: welcome_call has a 7-day window (retention.toml), onboarding the default 30. As-of = 2024-03-31.
COVERAGE_CUSTOMERS = {
    "customer_id": ["a", "b", "c", "d", "e"],
    "signup_date": [d("2024-01-01"), d("2024-01-10"), d("2024-01-20"), d("2024-02-05"), d("2024-03-28")],
}
COVERAGE_TRANSACTIONS = {
    "customer_id": ["a", "b", "c", "d", "e", "a"],
    "transaction_date": [d("2024-01-01"), d("2024-01-10"), d("2024-01-20"), d("2024-02-05"), d("2024-03-28"),
                         d("2024-03-31")],
    "amount": [10.0] * 6,
}
COVERAGE_TOUCHES = {
    "customer_id": ["a", "b", "c", "d", "e", "z", "a", "a"],
    "touch_date": [d("2024-01-01"), d("2024-01-17"), d("2024-01-28"), d("2024-02-01"), d("2024-03-28"),
                   d("2024-01-02"), d("2024-01-31"), d("2024-02-01")],
    "touchpoint": ["welcome_call"] * 6 + ["onboarding", "offer"],
}


@contextmanager
def opened(tmp_path: Path, toml: str | None = None, **tables) -> Iterator[DataSource]:
    folder = write_exports(tmp_path / "data", **tables)
    if toml is not None:
        (folder / "retention.toml").write_text(toml)
    source = DataSource.open(folder)
    try:
        yield source
    finally:
        source.close()


def test_coverage_counts_touches_within_the_window_by_hand(tmp_path):
    with opened(tmp_path, "[process]\nwelcome_call = 7\n", customers=COVERAGE_CUSTOMERS,
                         transactions=COVERAGE_TRANSACTIONS, touchpoints=COVERAGE_TOUCHES) as source:
        table = touchpoint_coverage(source, Filters())
    got = {(r["touchpoint"], r["cohort"]): (r["new_customers"], r["covered"], r["window_days"])
           for r in table.iter_rows(named=True)}
    assert got == {
        # January {a, b, c}: a on day 0 and b on day 7 (the window is inclusive) count; c on day 8 is late.
        ("welcome_call", d("2024-01-01")): (3, 2, 7),
        # February {d}: a touch dated before signup does not count. e (March 28) is not judged: its window ends
        # April 4, after the as-of date. z is not a known customer.
        ("welcome_call", d("2024-02-01")): (1, 0, 7),
        # onboarding, default 30 days: a on day 30 counts; d's window (to March 6) has ended.
        ("onboarding", d("2024-01-01")): (3, 1, 30),
        ("onboarding", d("2024-02-01")): (1, 0, 30),
        # offer is not a planned onboarding touch: no coverage row.
    }
    assert table.filter(pl.col("touchpoint") == "welcome_call")["coverage"].to_list() == [2 / 3, 0.0]


# Landmark (explicit churn; welcome_call window 7 days: landmark = Jan 8 for a Jan 1 signup). As-of 2024-03-31.
LANDMARK_CUSTOMERS = {
    "customer_id": ["p", "q", "r", "s", "t", "u"],
    "signup_date": [d("2024-01-01")] * 5 + [d("2024-03-28")],
    "churn_date": [d("2024-01-05"), d("2024-01-08"), d("2024-01-09"), None, None, None],
    "segment": ["pro"] * 6,
}
LANDMARK_TRANSACTIONS = {
    "customer_id": ["p", "q", "r", "s", "t", "u", "s"],
    "transaction_date": [d("2024-01-01")] * 5 + [d("2024-03-28"), d("2024-03-31")],
    "amount": [10.0] * 7,
}
LANDMARK_TOUCHES = {
    "customer_id": ["p", "q", "r", "t"],
    "touch_date": [d("2024-01-02"), d("2024-01-03"), d("2024-01-03"), d("2024-01-10")],
    "touchpoint": ["welcome_call"] * 4,
}


def test_the_landmark_excludes_customers_who_churned_before_it(tmp_path):
    with opened(tmp_path, "[process]\nwelcome_call = 7\n", customers=LANDMARK_CUSTOMERS,
                         transactions=LANDMARK_TRANSACTIONS, touchpoints=LANDMARK_TOUCHES) as source:
        rows = landmark_rows(source, Filters(), "explicit", 90)
    got = sorted((r["touched"], r["duration"], r["churned"], r["customers"]) for r in rows.iter_rows(named=True))
    # p churned on day 4 and q on day 7 (the landmark itself): both out, though both were touched. u's landmark
    # (April 4) is after the as-of date. r: touched on day 2, churned the day after the landmark. s: never touched;
    # t: touched on day 9, after the landmark, so "without"; both censored at March 31 = 83 days after Jan 8.
    assert got == [(False, 83, False, 2), (True, 1, True, 1)]


def test_offers_and_leads_by_hand(tmp_path):
    touches = {
        "customer_id": ["a", "a", "b", "b", "c", "c"],
        "touch_date": [d("2024-01-15"), d("2024-02-15"), d("2024-01-20"), d("2024-02-20"), d("2024-01-01"),
                       d("2024-02-25")],
        "touchpoint": ["offer", "Offer", "offer", "offer", "offer", "offer"],
        # a accepts twice (case and spaces do not matter), b declines once and has one offer without an outcome
        # (not counted), c's first offer is before signup (Jan 20: not an existing customer yet; not counted).
        "outcome": ["accepted", " Accepted ", "declined", None, "accepted", "declined"],
    }
    leads = {"lead_id": ["L1", "L2", "L3", "L4", "L4"],
             "created_date": [d("2024-01-02"), d("2024-01-03"), d("2024-02-04"), d("2024-02-05"), d("2024-02-06")],
             "channel": ["ads", "ads", "ads", "organic", "organic"],
             "customer_id": ["a", None, None, "c", "c"]}
    customers = {"customer_id": ["a", "b", "c"], "signup_date": [d("2024-01-05"), d("2024-01-10"), d("2024-01-20")],
                 "acquisition_channel": ["ads", "ads", "organic"]}
    transactions = {"customer_id": ["a", "b", "c"], "transaction_date": [d("2024-01-05"), d("2024-01-10"),
                                                                         d("2024-02-29")], "amount": [1.0] * 3}
    with opened(tmp_path, customers=customers, transactions=transactions, touchpoints=touches, leads=leads) as source:
        table = offer_conversion(source, Filters())
        channels = offer_conversion_by_channel(source, Filters())
    got = {(r["audience"], r["period"]): (r["offers"], r["accepted"]) for r in table.iter_rows(named=True)}
    assert got == {
        ("existing", d("2024-01-01")): (2, 1), ("existing", d("2024-02-01")): (2, 1), ("existing", None): (4, 2),
        # L4 exported twice counts once. Jan: L1 (converted), L2; Feb: L3, L4 (converted).
        ("leads", d("2024-01-01")): (2, 1), ("leads", d("2024-02-01")): (2, 1), ("leads", None): (4, 2),
    }
    total = table.filter(pl.col("period").is_null() & (pl.col("audience") == "existing")).row(0, named=True)
    # Wilson 95% for 2 of 4 (z = 1.96): (0.5 ± 0.3992...) / ... = 0.150 to 0.850.
    assert (round(total["ci_lower"], 3), round(total["ci_upper"], 3)) == (0.150, 0.850)
    assert {(r["audience"], r["channel"]): r["offers"] for r in channels.iter_rows(named=True)} == {
        ("existing", "ads"): 3, ("existing", "organic"): 1, ("leads", "ads"): 3, ("leads", "organic"): 1}


@pytest.fixture(scope="module")
def sample():
    source = DataSource.open(ROOT / "sample_data")
    yield source
    source.close()


def test_the_generator_s_planted_effects_are_recovered_within_their_intervals(sample):
    effects = touchpoint_effects(sample, Filters(), "combined", 90).table
    for touch in TOUCHES:
        row = effects.filter(pl.col("touchpoint") == touch.name).row(0, named=True)
        assert row["landmark_days"] == touch.window_days
        assert row["ci_lower"] <= touch.hazard_ratio <= row["ci_upper"], (touch.name, row)
    offers = offer_conversion(sample, Filters()).filter(pl.col("period").is_null())
    existing = offers.filter(pl.col("audience") == "existing").row(0, named=True)
    assert existing["ci_lower"] <= OFFER_ACCEPT <= existing["ci_upper"]
    by_channel = offer_conversion_by_channel(sample, Filters()).filter(pl.col("audience") == "leads")
    for row in by_channel.iter_rows(named=True):
        assert row["ci_lower"] <= LEAD_CONVERSION[row["channel"]] <= row["ci_upper"], row
    coverage = touchpoint_coverage(sample, Filters()).group_by("touchpoint").agg(
        pl.col("new_customers", "covered").sum())
    for touch in TOUCHES:
        row = coverage.filter(pl.col("touchpoint") == touch.name).row(0, named=True)
        share = row["covered"] / row["new_customers"]
        assert abs(share - touch.coverage) < 3 * (touch.coverage * (1 - touch.coverage) / row["new_customers"]) ** 0.5


def test_without_the_optional_exports_the_tables_are_empty(make_source):
    source = make_source(customers=COVERAGE_CUSTOMERS, transactions=COVERAGE_TRANSACTIONS)
    assert touchpoint_coverage(source, Filters()).height == 0
    assert touchpoint_effects(source, Filters(), "combined", 90).table.height == 0
    assert offer_conversion(source, Filters()).height == 0


def test_retention_process_page_on_the_sample(run_page):
    at = run_page("pages/retention_process.py", ROOT / "sample_data", timeout=240)
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert any("handoff package reached" in t for t in titles), titles
    assert any("hazard ratio" in t for t in titles), titles
    assert any(t.startswith("Existing customers accepted") for t in titles), titles
    assert {"Download touchpoint_coverage.csv", "Download touchpoint_effect.csv",
            "Download offer_conversion.csv"} <= set(downloads(at))


def test_retention_process_page_says_what_the_missing_exports_would_show(tmp_path, run_page):
    folder = write_exports(tmp_path / "data", customers=COVERAGE_CUSTOMERS, transactions=COVERAGE_TRANSACTIONS)
    at = run_page("pages/retention_process.py", folder)
    text = " ".join(i.value for i in at.info)
    assert "No `touchpoints` export" in text and "`touch_date`" in text


def test_process_cost_per_retained_customer_month_on_the_sample(sample):
    from analytics.customer_base import customer_base_by_month
    from analytics.retention_process import process_cost
    cost = process_cost(sample, Filters(), "combined", 90)
    assert cost is not None and (cost.window_start, cost.window_end) == (d("2025-01-01"), d("2025-12-31"))
    # Independently: the raw export's costs in 2025 (every sample touch is of a known customer with a valid cost).
    raw = pl.read_parquet(ROOT / "sample_data" / "touchpoints.parquet").filter(
        pl.col("touch_date").is_between(d("2025-01-01"), d("2025-12-31")))
    assert cost.cost == pytest.approx(raw["cost"].sum())
    months = int(customer_base_by_month(sample, Filters(), "combined", 90, 12)["customer_base"].sum())
    assert cost.customer_months == months
    assert cost.cost_per_customer_month == pytest.approx(raw["cost"].sum() / months)
    assert cost.by_touchpoint["touch_cost"].sum() == pytest.approx(cost.cost)


def test_the_exports_have_the_issue_s_columns_on_the_sample(sample):
    from report.export import TABLES, Settings
    settings = Settings(filters=Filters())
    expected = {
        "lifecycle.csv": ["period", "new", "returning", "resurrected", "dormant", "is_complete"],
        "touchpoint_coverage.csv": ["touchpoint", "cohort", "new_customers", "covered", "coverage"],
        "touchpoint_effect.csv": ["touchpoint", "landmark_days", "customers_with", "customers_without",
                                  "survival_365_with", "survival_365_without", "hazard_ratio", "ci_lower",
                                  "ci_upper", "p_value"],
        "offer_conversion.csv": ["audience", "period", "offers", "accepted", "rate", "ci_lower", "ci_upper"],
    }
    for name, columns in expected.items():
        table = TABLES[name](sample, settings)
        assert table.columns == columns, name
        assert table.height > 0, name
    audiences = set(TABLES["offer_conversion.csv"](sample, settings)["audience"].to_list())
    assert audiences == {"existing", "leads"}


def test_measured_responses_offer_the_touches_that_retain_with_their_cost_a_month(sample):
    """The Budget page's calibration from the touchpoints export: the generator plants hazard ratios 0.75 (welcome
    call, 12 a touch) and 0.6 (handoff package, 45 a touch) and 1.0 (onboarding: no effect, so not offered); a
    touch's cost a month per customer is its cost spread over the 12 months the effect is measured over."""
    from analytics.budget.response import response_from_hazard_ratio
    from analytics.retention_process import EFFECT_MONTHS, measured_responses
    from sample_data.process import TOUCH_COST

    found = {m.action: m for m in measured_responses(sample, Filters(), "combined", 90)}
    assert {"welcome_call", "handoff_package"} <= set(found) and "onboarding" not in found
    effects = touchpoint_effects(sample, Filters(), "combined", 90).table
    for name, measured in found.items():
        row = effects.filter(pl.col("touchpoint") == name).row(0, named=True)
        assert measured.hazard_ratio == row["hazard_ratio"] and row["ci_upper"] < 1
        assert measured.cost_per_customer == pytest.approx(TOUCH_COST[name] / EFFECT_MONTHS)  # 45 / 12 = 3.75
        assert "touchpoints export" in measured.source
    # Used as a calibration: spending its cost on 1,000 customers lowers churn by exactly 1 - HR.
    handoff = response_from_hazard_ratio(found["handoff_package"], 1000)
    assert handoff.spend == pytest.approx(3750.0)
    assert handoff.r_max * (1 - 0.05) == pytest.approx(1 - found["handoff_package"].hazard_ratio)


def test_the_budget_page_fills_in_a_measured_response_from_the_touchpoints_export(run_page):
    at = run_page("pages/budget.py", ROOT / "sample_data", timeout=300)
    pick = next(s for s in at.selectbox if s.label == "Measured in your touchpoints export")
    assert set(pick.options) >= {"handoff_package", "welcome_call"}
    pick.set_value("handoff_package").run(timeout=300)
    next(b for b in at.button if b.label == "Fill in its figures").click().run(timeout=300)
    assert next(n for n in at.number_input if n.label == "Cost a month per customer").value == 3.75
    assert "touchpoints export" in next(t for t in at.text_input if t.label == "Where the figure came from").value
