"""Money is summed exactly (analytics/money.py): the same data gives byte-identical numbers, whatever the order
of its rows and files, the number of threads or the engine."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.filters import Filters
from analytics.money import money_sum, money_total
from queries import DataSource
from report.export import TABLES, Settings, export
from sample_data import generate as gen

cents = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: c / 100)


@settings(max_examples=200, deadline=None)
@given(st.lists(cents, min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_money_sum_is_exact_so_order_does_not_matter(amounts, rng):
    # The exact total of the amounts (each has two decimals), worked out with Python's decimals.
    exact = float(sum(Decimal(str(a)) for a in amounts))
    shuffled = amounts[:]
    rng.shuffle(shuffled)
    frame = pl.DataFrame({"group": [1] * len(amounts), "amount": amounts})
    again = pl.DataFrame({"group": [1] * len(shuffled), "amount": shuffled})
    assert money_total(frame["amount"]) == money_total(again["amount"]) == exact
    assert frame.group_by("group").agg(money_sum("amount"))["amount"].item() == exact
    assert again.group_by("group").agg(money_sum("amount"))["amount"].item() == exact


def _rewrite(source: Path, target: Path, seed: int) -> Path:
    """The exports of ``source`` again, rows shuffled with ``seed``, each export a folder of three Parquet files
    whose names sort in another order than their rows were drawn (so DuckDB reads them in another order too)."""
    rng = random.Random(seed)
    for name in ("customers", "transactions", "marketing_spend", "touchpoints", "leads"):
        frame = pl.read_parquet(source / f"{name}.parquet")
        if name == "transactions":
            # A gross margin on some transactions: known margins are summed too.
            frame = frame.with_columns(gross_margin=pl.when(pl.col("transaction_id").str.ends_with("3"))
                                       .then((pl.col("amount") * 0.37).round(2)))
        order = list(range(frame.height))
        rng.shuffle(order)
        frame = frame[order]
        folder = target / name
        folder.mkdir(parents=True)
        cuts = sorted(rng.sample(range(1, frame.height), 2))
        parts = [frame[:cuts[0]], frame[cuts[0]:cuts[1]], frame[cuts[1]:]]
        labels = ["c", "a", "b"] if seed % 2 else ["b", "c", "a"]
        for label, part in zip(labels, parts, strict=True):
            part.write_parquet(folder / f"part-{label}.parquet")
    return target


def test_export_is_byte_identical_whatever_the_row_and_file_order(tmp_path: Path):
    generated = tmp_path / "generated"
    gen.generate(1500, seed=3, out=generated, progress=False)
    outputs = []
    for seed in (1, 2):
        data = _rewrite(generated, tmp_path / f"data{seed}", seed)
        source = DataSource.open(data)
        try:
            written, failures = export(source, Settings(Filters()), tmp_path / f"out{seed}")
        finally:
            source.close()
        assert failures == []
        outputs.append({path.name: path.read_bytes() for path in written})
    first, second = outputs
    assert sorted(first) == sorted(second) and len(first) == len(TABLES)
    assert [name for name in first if first[name] != second[name]] == []
