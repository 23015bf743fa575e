"""The public CDNOW transaction logs (Fader & Hardie's CDNOW data: the 1/10 sample of 2,357 customers and the
master file of 23,570), read from the PyPI wheel ``lifetimes==0.11.3`` that ships them as data files
(requirements-dev.txt pins it for these files only; lifetimes itself is never imported: it may not import on
numpy 2). Shared by every test that needs a real public transaction log.

Each file has one row per customer x order: customer id (the master file's), customer id within the file,
date (YYYYMMDD), number of CDs, dollar value. All customers made their first purchase in the first quarter of
1997; the logs end on 1998-06-30.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import polars as pl

CDNOW_FILES = ("CDNOW_sample.txt", "CDNOW_master.txt")


def cdnow_path(name: str = "CDNOW_sample.txt") -> Path:
    """Where the installed lifetimes wheel keeps ``name``; a clear error (never a skip) when it is missing."""
    if name not in CDNOW_FILES:
        raise ValueError(f"unknown CDNOW file {name!r}: one of {', '.join(CDNOW_FILES)}")
    try:
        path = Path(str(distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")))
    except PackageNotFoundError as exc:
        raise RuntimeError("The CDNOW data comes with lifetimes==0.11.3: pip install -r requirements-dev.txt") from exc
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the lifetimes wheel: reinstall lifetimes==0.11.3")
    return path


def read_cdnow(name: str = "CDNOW_sample.txt") -> pl.DataFrame:
    """customer_id (string, the id within the file), transaction_date (date), cds (int), amount (dollars)."""
    rows = [line.split() for line in cdnow_path(name).read_text().splitlines() if line.strip()]
    return pl.DataFrame(
        {"customer_id": [r[1] for r in rows], "transaction_date": [r[2] for r in rows],
         "cds": [int(r[3]) for r in rows], "amount": [float(r[4]) for r in rows]},
    ).with_columns(pl.col("transaction_date").str.strptime(pl.Date, "%Y%m%d"))
