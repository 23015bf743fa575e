"""The cohort-retention and revenue-mix tables the way an analyst would compute them without this project:
plain pandas, read the Parquet files, groupby. Used by bench.run as a speed reference (same run, same
machine); the numbers are checked against ours so the comparison is like for like."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd


def cohort_and_mix(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    customers = pd.read_parquet(data_dir / "customers.parquet", columns=["customer_id", "signup_date"])
    tx = pd.read_parquet(data_dir / "transactions.parquet", columns=["customer_id", "transaction_date", "amount"])
    customers["cohort"] = pd.to_datetime(customers["signup_date"]).dt.to_period("M")
    tx["period"] = pd.to_datetime(tx["transaction_date"]).dt.to_period("M")
    merged = tx.merge(customers[["customer_id", "cohort"]], on="customer_id", how="inner")
    merged = merged[merged["period"] >= merged["cohort"]]
    sizes = customers.groupby("cohort").size().rename("cohort_size")
    active = (merged[merged["amount"] > 0].groupby(["cohort", "period"])["customer_id"].nunique()
              .rename("active_customers"))
    revenue = merged.groupby(["cohort", "period"])["amount"].sum().rename("revenue")
    cohort = pd.concat([active, revenue], axis=1).fillna(0).reset_index().merge(sizes.reset_index(), on="cohort")
    cohort["retention"] = cohort["active_customers"] / cohort["cohort_size"]
    cohort["period_index"] = (cohort["period"] - cohort["cohort"]).apply(lambda offset: offset.n)
    merged["is_new"] = merged["period"] == merged["cohort"]
    mix = merged.groupby(["period", "is_new"])["amount"].sum().unstack(fill_value=0.0)
    mix = mix.rename(columns={True: "new_revenue", False: "existing_revenue"}).reset_index()
    mix["existing_share"] = mix["existing_revenue"] / (mix["new_revenue"] + mix["existing_revenue"])
    return cohort, mix


if __name__ == "__main__":
    start = time.perf_counter()
    cohort, mix = cohort_and_mix(Path(sys.argv[1]))
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "cohort_cells": len(cohort), "active_total": int(cohort["active_customers"].sum()),
                      "revenue_total": float(mix["new_revenue"].sum() + mix["existing_revenue"].sum())}))
