"""Side-by-side computation: results in order, errors raised after every part stopped, one memo computed once,
and the Survival page's pair equal to each part run alone."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import polars as pl
import pytest

from analytics.filters import Filters
from analytics.parallel import side_by_side
from analytics.survival import hazard_model, survival_curves
from queries import DataSource
from tests.conftest import ROOT


def test_results_come_back_in_call_order_from_two_threads():
    threads: list[str] = []

    def part(value: int, pause: float):
        def run() -> int:
            time.sleep(pause)
            threads.append(threading.current_thread().name)
            return value
        return run

    assert side_by_side(part(1, 0.05), part(2, 0.0), part(3, 0.0)) == [1, 2, 3]
    assert len(set(threads)) == 2  # the caller's thread and one worker
    assert side_by_side(part(7, 0.0)) == [7]
    assert side_by_side() == []


def test_an_error_is_raised_after_every_part_has_stopped():
    finished: list[str] = []

    def slow() -> None:
        time.sleep(0.1)
        finished.append("slow")

    def broken() -> None:
        raise ValueError("bad part")

    with pytest.raises(ValueError, match="bad part"):
        side_by_side(broken, slow)
    assert finished == ["slow"]
    with pytest.raises(ValueError, match="bad part"):
        side_by_side(slow, broken)


def test_the_initializer_runs_in_the_worker_thread():
    seen: dict[str, object] = {}
    local = threading.local()

    def init() -> None:
        local.tag = "attached"

    def tagged() -> str:
        return getattr(local, "tag", "none")

    seen["results"] = side_by_side(tagged, tagged, initializer=init)
    assert seen["results"] == ["none", "attached"]


def test_a_memo_asked_for_by_two_threads_is_computed_once(make_source):
    source = make_source(customers={"customer_id": ["a"], "signup_date": [None]})
    calls: list[int] = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        time.sleep(0.2)
        return pl.DataFrame({"x": [len(calls)]})

    first, second = side_by_side(lambda: source.memo("slow", (1,), compute),
                                 lambda: source.memo("slow", (1,), compute))
    assert calls == [1]
    assert first.equals(second)
    assert source.memo("slow", (1,), compute).equals(first)


def same(a: Any, b: Any) -> bool:
    """Dataclasses holding frames: every field equal (frames compared by value)."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if not (x.equals(y) if isinstance(x, pl.DataFrame) else x == y):
            return False
    return True


@pytest.mark.parametrize("filters", [Filters(), Filters(channel=("paid_search",))])
def test_survival_pair_side_by_side_equals_each_part_alone(filters):
    together = DataSource.open(ROOT / "sample_data")
    alone = DataSource.open(ROOT / "sample_data")
    try:
        curves, model = side_by_side(lambda: survival_curves(together, filters, "inactivity", 90, "segment"),
                                     lambda: hazard_model(together, filters, "inactivity", 90))
        assert same(curves, survival_curves(alone, filters, "inactivity", 90, "segment"))
        assert same(model, hazard_model(alone, filters, "inactivity", 90))
        assert model.error is None and model.hazard_ratios.height > 0
    finally:
        together.close()
        alone.close()
