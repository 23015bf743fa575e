"""Invariants of the seeded sample-data generator, checked on tiny runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sample_data import generate as gen

START = date(2022, 1, 1)
END = date(2025, 12, 31)
N_CUSTOMERS = 500
EXPORTS = gen.EXPORTS  # the three original exports and the retention process's touchpoints and leads


def _run(
    out: Path, seed: int = 7, customers: int = N_CUSTOMERS, start: date = START, end: date = END
) -> dict[str, int]:
    return gen.generate(customers, seed, out, start, end, progress=False)


def _read(out: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(out / f"{name}.parquet") for name in EXPORTS}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], dict[str, pl.DataFrame]]:
    out = tmp_path_factory.mktemp("sample")
    counts = _run(out)
    return out, counts, _read(out)


def test_same_seed_gives_identical_frames(dataset, tmp_path: Path) -> None:
    _, _, frames = dataset
    _run(tmp_path)
    again = _read(tmp_path)
    for name in EXPORTS:
        assert frames[name].equals(again[name]), name


def test_different_seed_gives_different_frames(dataset, tmp_path: Path) -> None:
    _, _, frames = dataset
    _run(tmp_path, seed=8)
    other = _read(tmp_path)
    for name in EXPORTS:
        assert not frames[name].equals(other[name]), name


def test_row_counts_match_files(dataset) -> None:
    _, counts, frames = dataset
    assert counts == {name: frames[name].height for name in EXPORTS}
    assert counts["customers"] == N_CUSTOMERS


def test_arrow_schemas_are_exact(dataset) -> None:
    out, _, _ = dataset
    expected = {
        "customers": [
            ("customer_id", pa.string()),
            ("signup_date", pa.date32()),
            ("acquisition_channel", pa.string()),
            ("segment", pa.string()),
            ("region", pa.string()),
            ("churn_date", pa.date32()),
            ("acquisition_cost", pa.float64()),
        ],
        "transactions": [
            ("transaction_id", pa.string()),
            ("customer_id", pa.string()),
            ("transaction_date", pa.date32()),
            ("amount", pa.float64()),
        ],
        "marketing_spend": [("month", pa.date32()), ("channel", pa.string()), ("spend", pa.float64())],
        "touchpoints": [("customer_id", pa.string()), ("touch_date", pa.date32()), ("touchpoint", pa.string()),
                        ("outcome", pa.string()), ("cost", pa.float64())],
        "leads": [("lead_id", pa.string()), ("created_date", pa.date32()), ("channel", pa.string()),
                  ("customer_id", pa.string())],
    }
    for name, fields in expected.items():
        schema = pq.read_schema(out / f"{name}.parquet")
        assert [(f.name, f.type) for f in schema] == fields, name


def test_polars_schemas(dataset) -> None:
    _, _, frames = dataset
    assert frames["customers"].schema == pl.Schema(
        {
            "customer_id": pl.String,
            "signup_date": pl.Date,
            "acquisition_channel": pl.String,
            "segment": pl.String,
            "region": pl.String,
            "churn_date": pl.Date,
            "acquisition_cost": pl.Float64,
        }
    )
    assert frames["transactions"].schema == pl.Schema(
        {"transaction_id": pl.String, "customer_id": pl.String, "transaction_date": pl.Date, "amount": pl.Float64}
    )
    assert frames["marketing_spend"].schema == pl.Schema({"month": pl.Date, "channel": pl.String, "spend": pl.Float64})


def test_ids_are_well_formed_and_unique(dataset) -> None:
    _, _, frames = dataset
    customers, transactions = frames["customers"], frames["transactions"]
    assert customers["customer_id"].str.contains(r"^C\d{7}$").all()
    assert customers["customer_id"].is_unique().all()
    assert transactions["transaction_id"].str.contains(r"^T\d{9}$").all()
    assert transactions["transaction_id"].is_unique().all()


def test_categories_use_the_documented_labels(dataset) -> None:
    _, _, frames = dataset
    customers = frames["customers"]
    assert set(customers["acquisition_channel"]) == set(gen.CHANNELS)
    assert set(customers["segment"]) == set(gen.SEGMENTS)
    assert set(customers["region"]) == set(gen.REGIONS)
    assert customers.null_count().drop("churn_date").sum_horizontal().item() == 0


def test_every_transaction_belongs_to_a_customer(dataset) -> None:
    _, _, frames = dataset
    orphans = frames["transactions"].join(frames["customers"], on="customer_id", how="anti")
    assert orphans.height == 0


def test_transactions_fall_between_signup_and_end(dataset) -> None:
    _, _, frames = dataset
    joined = frames["transactions"].join(frames["customers"], on="customer_id", how="inner")
    assert (joined["transaction_date"] >= joined["signup_date"]).all()
    assert joined["transaction_date"].max() <= END
    assert frames["customers"]["signup_date"].min() >= START
    assert frames["customers"]["signup_date"].max() <= END


def test_amounts_are_cents_and_refunds_exist(dataset) -> None:
    _, _, frames = dataset
    amount = frames["transactions"]["amount"]
    assert ((amount * 100).round(0) - amount * 100).abs().max() < 1e-6
    assert (amount < 0).sum() > 0
    assert (amount == 0).sum() == 0
    # ~2 % of purchases are refunded; allow for the noise of a tiny run.
    assert 0.005 < (amount < 0).mean() < 0.05


def test_churn_date_only_for_subscriptions_and_within_bounds(dataset) -> None:
    _, _, frames = dataset
    customers = frames["customers"]
    churned = customers.filter(pl.col("churn_date").is_not_null())
    assert churned.height > 0
    assert set(churned["segment"]) <= {"pro", "enterprise"}
    assert (churned["churn_date"] >= churned["signup_date"]).all()
    assert churned["churn_date"].max() <= END
    last_tx = frames["transactions"].group_by("customer_id").agg(pl.col("transaction_date").max().alias("last_tx"))
    checked = churned.join(last_tx, on="customer_id", how="inner")
    assert (checked["last_tx"] <= checked["churn_date"]).all()


def test_some_customers_never_transact(dataset) -> None:
    _, _, frames = dataset
    buyers = frames["transactions"]["customer_id"].n_unique()
    assert 0 < N_CUSTOMERS - buyers < 0.15 * N_CUSTOMERS


def test_spend_rows_cover_every_paid_channel_month(dataset) -> None:
    _, _, frames = dataset
    spend = frames["marketing_spend"]
    assert set(spend["channel"]) == set(gen.PAID_CHANNELS)
    assert "organic" not in set(spend["channel"])
    assert set(gen.PAID_CHANNELS) == {"paid_search", "paid_social", "referral", "partners"}
    assert (spend["month"].dt.day() == 1).all()
    n_months = (END.year - START.year) * 12 + END.month - START.month + 1
    assert spend.height == n_months * len(gen.PAID_CHANNELS)
    assert spend.select("month", "channel").is_unique().all()
    assert (spend["spend"] >= 0).all()


def test_spend_is_consistent_with_acquisitions(dataset) -> None:
    _, _, frames = dataset
    customers = frames["customers"]
    assert (customers.filter(pl.col("acquisition_channel") == "organic")["acquisition_cost"] == 0).all()
    per_channel = (
        customers.group_by("acquisition_channel")
        .agg(pl.len().alias("acquired"), pl.col("acquisition_cost").sum().alias("attributed"))
        .join(
            frames["marketing_spend"].group_by("channel").agg(pl.col("spend").sum()),
            left_on="acquisition_channel",
            right_on="channel",
            how="inner",
        )
    )
    assert per_channel.height == len(gen.PAID_CHANNELS)
    for row in per_channel.iter_rows(named=True):
        nominal = gen.CHANNEL_CAC[row["acquisition_channel"]]
        assert 0.7 * nominal <= row["spend"] / row["acquired"] <= 1.3 * nominal, row
        # Per-customer costs are the channel-month spend split evenly, so they add back up to it.
        assert row["attributed"] == pytest.approx(row["spend"], abs=0.01 * row["acquired"])


def test_segments_tell_different_stories(dataset) -> None:
    _, _, frames = dataset
    by_segment = (
        frames["transactions"]
        .filter(pl.col("amount") > 0)
        .join(frames["customers"], on="customer_id")
        .group_by("segment")
        .agg(pl.col("amount").median())
    )
    median = dict(by_segment.iter_rows())
    assert median["starter"] < median["pro"] < median["enterprise"]


def test_exports_are_sorted(dataset) -> None:
    _, _, frames = dataset
    transactions = frames["transactions"]
    assert transactions.equals(transactions.sort("transaction_date", "transaction_id"))
    assert frames["customers"]["customer_id"].is_sorted()
    assert frames["marketing_spend"].equals(frames["marketing_spend"].sort("month"))


def test_no_leftovers_and_other_files_kept(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    _run(tmp_path, customers=50)
    # The exports, the business's settings (currency EUR) and the user's own file.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{name}.parquet" for name in EXPORTS] + ["notes.txt", "retention.toml"]
    )
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert 'currency = "EUR"' in (tmp_path / "retention.toml").read_text()
    # A settings file of the user's own is never overwritten.
    (tmp_path / "retention.toml").write_text('currency = "USD"\n')
    _run(tmp_path, customers=50)
    assert (tmp_path / "retention.toml").read_text() == 'currency = "USD"\n'


def test_failed_run_keeps_previous_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(tmp_path, customers=50)
    before = {name: (tmp_path / f"{name}.parquet").read_bytes() for name in EXPORTS}

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(gen, "_write_marketing_spend", boom)
    with pytest.raises(RuntimeError, match="interrupted"):
        _run(tmp_path, seed=99, customers=60)
    assert {name: (tmp_path / f"{name}.parquet").read_bytes() for name in EXPORTS} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{name}.parquet" for name in EXPORTS]
                                                                + ["retention.toml"])


def test_custom_range_and_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "out"
    start, end = date(2024, 3, 15), date(2024, 6, 30)
    counts = _run(out, customers=120, start=start, end=end)
    frames = _read(out)
    assert counts["marketing_spend"] == 4 * len(gen.PAID_CHANNELS)
    assert frames["marketing_spend"]["month"].min() == date(2024, 3, 1)
    assert frames["customers"]["signup_date"].min() >= start
    assert frames["transactions"]["transaction_date"].max() <= end


def test_single_customer(tmp_path: Path) -> None:
    counts = _run(tmp_path, customers=1)
    assert counts["customers"] == 1
    assert _read(tmp_path)["customers"]["customer_id"].to_list() == ["C0000001"]


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        _run(tmp_path, customers=0)
    with pytest.raises(ValueError):
        _run(tmp_path, start=END, end=START)


def test_cli_writes_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--customers", "40", "--seed", "3", "--out", str(tmp_path), "--start", "2023-01-01", "--end", "2023-12-31"]
    assert gen.main([*argv, "--no-progress"]) == 0
    assert "transactions.parquet" in capsys.readouterr().out
    assert all((tmp_path / f"{name}.parquet").exists() for name in EXPORTS)


def test_the_retention_process_does_not_change_the_original_exports(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """touchpoints and leads come from their own seeded stream, drawn last: the bundled sample's customers,
    transactions and marketing_spend (which many tests and docs pin) stay byte-identical whatever they do."""
    import sample_data.process as process
    _run(tmp_path / "a", customers=300)
    monkeypatch.setattr(process, "OFFER_ACCEPT", 0.1)
    monkeypatch.setattr(process, "LEAD_SHARE", 0.9)
    _run(tmp_path / "b", customers=300)
    for name in ("customers", "transactions", "marketing_spend"):
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (tmp_path / "b" / f"{name}.parquet").read_bytes()
    assert (tmp_path / "a" / "leads.parquet").read_bytes() != (tmp_path / "b" / "leads.parquet").read_bytes()
