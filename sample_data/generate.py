"""Seeded generator for the dashboard's three Parquet exports.

Usage::

    python -m sample_data.generate --customers 20000 --seed 42 --out sample_data
    python -m sample_data.generate --customers 1000000 --seed 1 --out /tmp/big --start 2022-01-01 --end 2025-12-31

Writes ``customers.parquet``, ``transactions.parquet`` and ``marketing_spend.parquet`` into ``--out``, and the
retention process's ``touchpoints.parquet`` and ``leads.parquet`` (:mod:`sample_data.process`, drawn from their
own seeded stream after the others, so the first three do not depend on it).
The same ``--customers/--seed/--start/--end`` give identical data (byte-for-byte identical files with the same
numpy and pyarrow versions).

The model
---------
The goal is data in which every page of the dashboard has something true to say, so each effect below is
deliberate and big enough to see in 20,000 customers.

Signups
    Signup days are drawn over ``[start, end]`` with a rate that grows exponentially (the last day is
    ``SIGNUP_GROWTH`` times the first), a month-of-year seasonality (January and September/November peaks,
    a summer dip) and quieter weekends. Customer ids are assigned in signup order.

Acquisition
    Each customer comes from one channel; the mix drifts from ``CHANNEL_SHARE_START`` to
    ``CHANNEL_SHARE_END`` (paid_social grows). Segment depends on channel (partners bring enterprise deals,
    paid_social mostly starter), region is independent of both.

Marketing spend and CAC
    For every month and paid channel, ``spend = acquired × CAC(month) × U(0.85, 1.15)``. CAC is flat for most
    channels and climbs for paid_social (``CHANNEL_CAC_DRIFT``). Each customer's ``acquisition_cost`` is
    the channel-month spend divided by the customers that channel acquired that month, so the two exports
    agree exactly (up to cent rounding). Organic has no spend rows and zero acquisition cost.

Lifetimes
    A Weibull lifetime with shape ``WEIBULL_SHAPE`` < 1 (early churn is the most likely) whose hazard is the
    product of channel, segment and region multipliers (proportional hazards). The baseline is set so a
    paid_search / pro / north_america customer has ``exp(-BASE_CUM_HAZARD_12M)`` ≈ 61 % survival at one
    year. A few percent of customers whose lifetime ends before ``end`` come back after a gap for a second,
    shorter-lived spell.

Purchases
    While alive a customer has one purchase opportunity per ~30.4-day cycle anchored on signup, taken with
    a per-customer probability drawn from a Beta around the segment's mean (so some customers buy every
    month and others skip), plus the occasional extra order. The first cycle of each spell always
    purchases (that is what makes someone a customer); ``NEVER_TRANSACT_RATE`` of signups never buy.

Amounts
    Lognormal around a segment median, times a per-customer level, channel and region multipliers,
    tenure expansion for pro/enterprise (seat growth) and a November/December bump. Rounded to cents.

Refunds
    ``REFUND_RATE`` of purchases get a separate negative row 0–30 days later for all or part of the amount,
    never after the customer's spell end or ``end``.

Cancellations
    pro and enterprise are subscriptions: if their (last) spell ends before ``end`` their ``churn_date`` is
    that day, on or after their last transaction. starter customers just go quiet (``churn_date`` null),
    so churn for them has to be inferred from inactivity.

Scale
    Customer-level attributes are a few arrays of ``customers`` elements. Transactions are simulated in
    chunks of ``CHUNK_SIZE`` customers, each with its own child of ``SeedSequence(seed)``, and spilled into
    per-month binary bucket files; a second pass sorts each month in memory, numbers the transactions in
    (date, customer) order and streams them to Parquet in ``ROW_GROUP_SIZE`` row groups. Beyond a few arrays
    per customer, peak memory is bounded by one chunk or one month of transactions, not by the total
    (1M customers / 10M transactions: ~0.5 GB RSS).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from sample_data.process import retention_process

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_START = date(2022, 1, 1)
DEFAULT_END = date(2025, 12, 31)
DEFAULT_CUSTOMERS = 20_000
DEFAULT_SEED = 42

EXPORTS = ("customers", "transactions", "marketing_spend", "touchpoints", "leads")

CHANNELS = ("paid_search", "paid_social", "organic", "referral", "partners")
SEGMENTS = ("starter", "pro", "enterprise")
REGIONS = ("north_america", "europe", "apac", "latam")

# Cost per acquired customer in the middle of the range, set against the margin customers bring so that the
# channels tell different stories: referral pays back within months, paid_search and partners at a healthy
# LTV:CAC near 3-4, paid_social barely (its CAC also climbs while signups grow, so its customer-weighted
# average lands near 600). organic is 0: it has no spend rows.
CHANNEL_CAC: dict[str, float] = {
    "paid_search": 900.0,
    "paid_social": 560.0,
    "organic": 0.0,
    "referral": 300.0,
    "partners": 2000.0,
}
# CAC at the end of the range minus CAC at the start, as a fraction of CHANNEL_CAC (linear in between):
# paid_social auctions get more crowded, so it starts at 0.8× and ends at 1.2× its mid-range CAC.
CHANNEL_CAC_DRIFT: dict[str, float] = {"paid_social": 0.4, "paid_search": 0.1}
PAID_CHANNELS = tuple(c for c in CHANNELS if CHANNEL_CAC[c] > 0)
SPEND_NOISE = 0.15

CHANNEL_SHARE_START = np.array([0.32, 0.20, 0.24, 0.13, 0.11])
CHANNEL_SHARE_END = np.array([0.26, 0.30, 0.18, 0.14, 0.12])
# Rows follow CHANNELS, columns SEGMENTS; weighted by the channel mix this is ~60/30/10.
SEGMENT_MIX_BY_CHANNEL = np.array(
    [
        [0.58, 0.31, 0.11],  # paid_search
        [0.74, 0.22, 0.04],  # paid_social
        [0.60, 0.30, 0.10],  # organic
        [0.55, 0.33, 0.12],  # referral
        [0.36, 0.44, 0.20],  # partners
    ]
)
REGION_SHARE = np.array([0.40, 0.30, 0.18, 0.12])

SIGNUP_GROWTH = 3.0
# Jan .. Dec: New-year resolutions, back-to-school and Black-Friday peaks, summer lull.
SIGNUP_SEASONALITY = np.array([1.35, 1.05, 1.00, 0.95, 0.90, 0.78, 0.72, 0.80, 1.25, 1.05, 1.20, 0.85])
WEEKEND_SIGNUP_FACTOR = 0.75

WEIBULL_SHAPE = 0.7
BASE_CUM_HAZARD_12M = 0.5
DAYS_PER_MONTH = 365.25 / 12
CHANNEL_HAZARD = np.array([1.0, 1.6, 0.9, 0.55, 0.85])
SEGMENT_HAZARD = np.array([1.8, 1.0, 0.45])
REGION_HAZARD = np.array([1.0, 0.9, 1.1, 1.25])

NEVER_TRANSACT_RATE = 0.03
REACTIVATION_RATE = 0.05
REACTIVATION_MIN_GAP_DAYS = 30
REACTIVATION_MEAN_EXTRA_GAP_DAYS = 150.0
# Returning customers are more fickle: their second spell has a higher hazard.
REACTIVATED_HAZARD = 1.3

PURCHASE_PROB = np.array([0.65, 0.82, 0.90])
PURCHASE_PROB_CONCENTRATION = 8.0
EXTRA_ORDER_PROB = np.array([0.10, 0.20, 0.35])

AMOUNT_MEDIAN = np.array([35.0, 140.0, 1100.0])
AMOUNT_SIGMA = np.array([0.45, 0.35, 0.40])
CUSTOMER_LEVEL_SIGMA = 0.35
CHANNEL_AMOUNT = np.array([1.0, 0.9, 1.0, 1.05, 1.35])
REGION_AMOUNT = np.array([1.10, 1.00, 0.95, 0.75])
EXPANSION_PER_MONTH = np.array([0.0, 0.012, 0.02])
EXPANSION_CAP = np.array([1.0, 1.5, 1.8])
AMOUNT_SEASONALITY = np.array([0.97, 0.95, 1.0, 1.0, 1.0, 0.96, 0.94, 0.95, 1.02, 1.03, 1.12, 1.30])

REFUND_RATE = 0.02
FULL_REFUND_PROB = 0.6
REFUND_MAX_DELAY_DAYS = 30

CHUNK_SIZE = 100_000
ROW_GROUP_SIZE = 1_000_000
# Keeps the number of simultaneously open spill files small even for very long ranges.
MAX_BUCKETS = 240
COMPRESSION = "zstd"
# Level 3 is ~4x faster to write than 9 for a few percent larger files.
COMPRESSION_LEVEL = 3

CUSTOMERS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("signup_date", pa.date32()),
        ("acquisition_channel", pa.string()),
        ("segment", pa.string()),
        ("region", pa.string()),
        ("churn_date", pa.date32()),
        ("acquisition_cost", pa.float64()),
    ]
)
TRANSACTIONS_SCHEMA = pa.schema(
    [
        ("transaction_id", pa.string()),
        ("customer_id", pa.string()),
        ("transaction_date", pa.date32()),
        ("amount", pa.float64()),
    ]
)
MARKETING_SPEND_SCHEMA = pa.schema(
    [
        ("month", pa.date32()),
        ("channel", pa.string()),
        ("spend", pa.float64()),
    ]
)

_SPILL_DTYPE = np.dtype([("customer", "<i4"), ("day", "<i4"), ("amount", "<f8")])


#: The generated business's settings (retention.toml): amounts are in euros.
SETTINGS_TOML = """# Display settings of the generated sample business (see README: currency and labels).
currency = "EUR"

# The retention process: each touchpoint's expected window after signup, in days (see README).
[process]
welcome_call = 7
handoff_package = 14
onboarding = 30
check_in = 120
"""


def generate(
    customers: int,
    seed: int,
    out: Path,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    progress: bool = True,
) -> dict[str, int]:
    """Write the three exports into ``out`` and return their row counts.

    Files are built in a temporary folder inside ``out`` and moved into place with ``os.replace`` only once
    all three are complete, so an interrupted or failed run never leaves a half-written export (and, unless
    it stops between the three renames, leaves the previous exports untouched). Other files in ``out`` are
    never removed; a ``retention.toml`` saying the currency (EUR) is written when there is none.

    >>> counts = generate(200, seed=1, out=Path(tempfile.mkdtemp()), progress=False)
    >>> sorted(counts)
    ['customers', 'leads', 'marketing_spend', 'touchpoints', 'transactions']
    """
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-generate-", dir=out))
    try:
        counts = _generate_into(customers, seed, tmp, start, end, progress)
        for name in EXPORTS:
            os.replace(tmp / f"{name}.parquet", out / f"{name}.parquet")
        settings = out / "retention.toml"
        if not settings.exists():  # the business's currency; a user's own settings file is never overwritten
            settings.write_text(SETTINGS_TOML)
        return counts
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _generate_into(
    n_customers: int, seed: int, folder: Path, start: date, end: date, progress: bool
) -> dict[str, int]:
    start_day = _day_number(start)
    end_day = _day_number(end)
    month_starts = _month_starts(start_day, end_day)
    n_chunks = -(-n_customers // CHUNK_SIZE)
    # Child 0: customer attributes, 1: spend noise, 2+: one per chunk. A child's stream depends only on its
    # index, so chunk k draws the same numbers whatever else changes.
    seeds = np.random.SeedSequence(seed).spawn(n_chunks + 2)

    signup, channel, segment, region = _draw_customers(
        np.random.default_rng(seeds[0]), n_customers, start_day, end_day
    )
    signup_month = _month_index(signup, month_starts)
    spend, acquisition_cost = _marketing_spend(
        np.random.default_rng(seeds[1]), channel, signup_month, len(month_starts)
    )

    n_buckets = min(len(month_starts), MAX_BUCKETS)
    bucket_of_month = np.arange(len(month_starts)) * n_buckets // len(month_starts)
    spill_dir = folder / "spill"
    spill_dir.mkdir()
    spill_paths = [spill_dir / f"{b:04d}.bin" for b in range(n_buckets)]
    bucket_rows = np.zeros(n_buckets, dtype=np.int64)
    churn_day = np.full(n_customers, -1, dtype=np.int64)
    last_buy = np.full(n_customers, -1, dtype=np.int64)  # last day with a positive amount: the process's input
    last_day = start_day

    files: list[BinaryIO] = [open(p, "wb") for p in spill_paths]
    try:
        for k in tqdm(range(n_chunks), desc="simulating", unit="chunk", disable=not progress, file=sys.stderr):
            lo, hi = k * CHUNK_SIZE, min((k + 1) * CHUNK_SIZE, n_customers)
            chunk_churn, rows = _simulate_chunk(
                np.random.default_rng(seeds[k + 2]),
                first_customer=lo,
                signup=signup[lo:hi],
                channel=channel[lo:hi],
                segment=segment[lo:hi],
                region=region[lo:hi],
                end_day=end_day,
            )
            churn_day[lo:hi] = chunk_churn
            paid = rows[rows["amount"] > 0]
            np.maximum.at(last_buy, paid["customer"].astype(np.int64), paid["day"].astype(np.int64))
            last_day = max(last_day, int(rows["day"].max())) if len(rows) else last_day
            bucket = bucket_of_month[_month_index(rows["day"].astype(np.int64), month_starts)]
            order = np.argsort(bucket, kind="stable")
            counts = np.bincount(bucket, minlength=n_buckets)
            for b, part in enumerate(np.split(rows[order], np.cumsum(counts)[:-1])):
                if len(part):
                    part.tofile(files[b])
            bucket_rows += counts
    finally:
        for f in files:
            f.close()

    n_transactions = int(bucket_rows.sum())
    customer_width = max(7, len(str(n_customers)))
    _write_customers(
        folder / "customers.parquet",
        customer_width,
        signup,
        channel,
        segment,
        region,
        churn_day,
        acquisition_cost,
    )
    _write_transactions(
        folder / "transactions.parquet",
        spill_paths,
        start_day,
        n_customers,
        customer_width,
        max(9, len(str(n_transactions))),
        progress,
    )
    n_spend = _write_marketing_spend(folder / "marketing_spend.parquet", spend, month_starts)
    touchpoints, leads = retention_process(
        seed, _id_strings("C", np.arange(1, n_customers + 1), customer_width), signup, _labels(CHANNELS, channel),
        churn_day, last_buy, min(last_day, end_day))
    for name, table in (("touchpoints", touchpoints), ("leads", leads)):
        with _parquet_writer(folder / f"{name}.parquet", table.schema) as writer:
            writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
    return {"customers": n_customers, "transactions": n_transactions, "marketing_spend": n_spend,
            "touchpoints": touchpoints.num_rows, "leads": leads.num_rows}


def _draw_customers(
    rng: np.random.Generator, n: int, start_day: int, end_day: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    days = np.arange(start_day, end_day + 1, dtype=np.int64)
    t = (days - start_day) / max(end_day - start_day, 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weight = (
        SIGNUP_GROWTH**t
        * SIGNUP_SEASONALITY[_calendar_month(days) - 1]
        * np.where(weekday >= 5, WEEKEND_SIGNUP_FACTOR, 1.0)
    )
    cdf = np.cumsum(weight)
    pick = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    signup = days[np.minimum(pick, len(days) - 1)]
    signup.sort()

    share_t = ((signup - start_day) / max(end_day - start_day, 1))[:, None]
    share = CHANNEL_SHARE_START + (CHANNEL_SHARE_END - CHANNEL_SHARE_START) * share_t
    channel = _categorical(rng, np.cumsum(share, axis=1))
    segment = _categorical(rng, np.cumsum(SEGMENT_MIX_BY_CHANNEL, axis=1)[channel])
    region = _categorical(rng, np.broadcast_to(np.cumsum(REGION_SHARE), (n, len(REGIONS))))
    return signup, channel, segment, region


def _categorical(rng: np.random.Generator, cum_probs: FloatArray) -> IntArray:
    """Index of the category each row falls in, given per-row cumulative probabilities."""
    u = rng.random(len(cum_probs)) * cum_probs[:, -1]
    return np.minimum((u[:, None] >= cum_probs).sum(axis=1), cum_probs.shape[1] - 1).astype(np.int64)


def _marketing_spend(
    rng: np.random.Generator, channel: IntArray, signup_month: IntArray, n_months: int
) -> tuple[FloatArray, FloatArray]:
    """Spend per (channel, month) and the per-customer share of it."""
    acquired = np.bincount(channel * n_months + signup_month, minlength=len(CHANNELS) * n_months).reshape(
        len(CHANNELS), n_months
    )
    t = (np.arange(n_months) + 0.5) / n_months
    nominal = np.array([CHANNEL_CAC[c] for c in CHANNELS])[:, None]
    drift = np.array([CHANNEL_CAC_DRIFT.get(c, 0.0) for c in CHANNELS])[:, None]
    cac = nominal * (1.0 + drift * (t - 0.5))
    noise = rng.uniform(1.0 - SPEND_NOISE, 1.0 + SPEND_NOISE, size=acquired.shape)
    spend = np.round(acquired * cac * noise, 2)
    per_customer = np.divide(spend, acquired, out=np.zeros_like(spend), where=acquired > 0)
    return spend, np.round(per_customer[channel, signup_month], 2)


def _simulate_chunk(
    rng: np.random.Generator,
    *,
    first_customer: int,
    signup: IntArray,
    channel: IntArray,
    segment: IntArray,
    region: IntArray,
    end_day: int,
) -> tuple[IntArray, npt.NDArray[np.void]]:
    """Lifetimes, cancellations and all transactions of one chunk of customers."""
    n = len(signup)
    # Keeps float lifetimes of near-immortal customers from overflowing when cast to days.
    horizon = float(end_day - signup.min() + 2) if n else 0.0
    hazard = CHANNEL_HAZARD[channel] * SEGMENT_HAZARD[segment] * REGION_HAZARD[region]
    base_scale = 12 * DAYS_PER_MONTH / BASE_CUM_HAZARD_12M ** (1 / WEIBULL_SHAPE)
    scale = base_scale * hazard ** (-1 / WEIBULL_SHAPE)

    life1 = np.minimum(rng.weibull(WEIBULL_SHAPE, n) * scale, horizon)
    stop1 = signup + life1.astype(np.int64)
    gap = REACTIVATION_MIN_GAP_DAYS + rng.exponential(REACTIVATION_MEAN_EXTRA_GAP_DAYS, n).astype(np.int64)
    start2 = stop1 + gap
    reactivated = (stop1 < end_day) & (rng.random(n) < REACTIVATION_RATE) & (start2 <= end_day)
    life2 = np.minimum(
        rng.weibull(WEIBULL_SHAPE, n) * scale * REACTIVATED_HAZARD ** (-1 / WEIBULL_SHAPE), horizon
    )
    stop2 = start2 + life2.astype(np.int64)
    last_stop = np.where(reactivated, stop2, stop1)
    is_subscription = segment > 0
    churn_day = np.where(is_subscription & (last_stop < end_day), last_stop, -1)

    buys = rng.random(n) >= NEVER_TRANSACT_RATE
    p = PURCHASE_PROB[segment]
    purchase_prob = rng.beta(p * PURCHASE_PROB_CONCENTRATION, (1 - p) * PURCHASE_PROB_CONCENTRATION)
    customer_level = np.exp(rng.normal(0.0, CUSTOMER_LEVEL_SIGMA, n))

    # Spells: (customer, first day, last day) of each period the customer is active.
    first = np.flatnonzero(buys)
    second = np.flatnonzero(buys & reactivated)
    sp_customer = np.concatenate([first, second])
    sp_start = np.concatenate([signup[first], start2[second]])
    sp_stop = np.minimum(np.concatenate([stop1[first], stop2[second]]), end_day)

    n_cycles = ((sp_stop - sp_start) / DAYS_PER_MONTH).astype(np.int64) + 1
    spell = np.repeat(np.arange(len(sp_customer)), n_cycles)
    cycle = np.arange(len(spell)) - np.repeat(np.cumsum(n_cycles) - n_cycles, n_cycles)
    cust = sp_customer[spell]
    stop = sp_stop[spell]
    cycle_start = sp_start[spell] + (cycle * DAYS_PER_MONTH).astype(np.int64)

    # Most first orders happen on the signup (or comeback) day itself; later ones wander around the
    # billing anniversary so months are not perfectly periodic.
    first_delay = np.where(rng.random(len(cycle)) < 0.75, 0, rng.integers(1, 6, len(cycle)))
    later_jitter = rng.integers(-6, 8, len(cycle))
    day = np.where(cycle == 0, np.minimum(cycle_start + first_delay, stop), cycle_start + later_jitter)
    purchased = ((cycle == 0) | (rng.random(len(cycle)) < purchase_prob[cust])) & (day <= stop)

    extra = purchased & (rng.random(len(cycle)) < EXTRA_ORDER_PROB[segment[cust]])
    extra_day = cycle_start + rng.integers(0, 30, len(cycle))
    extra &= extra_day <= stop

    o_cust = np.concatenate([cust[purchased], cust[extra]])
    o_day = np.concatenate([day[purchased], extra_day[extra]])
    o_stop = np.concatenate([stop[purchased], stop[extra]])
    o_amount = _order_amounts(rng, o_cust, o_day, signup, channel, segment, region, customer_level)

    refunded = rng.random(len(o_cust)) < REFUND_RATE
    r_cust = o_cust[refunded]
    r_day = np.minimum(o_day[refunded] + rng.integers(0, REFUND_MAX_DELAY_DAYS + 1, len(r_cust)), o_stop[refunded])
    share = np.where(rng.random(len(r_cust)) < FULL_REFUND_PROB, 1.0, rng.uniform(0.2, 0.9, len(r_cust)))
    r_amount = -np.round(o_amount[refunded] * share, 2)

    rows = np.empty(len(o_cust) + len(r_cust), dtype=_SPILL_DTYPE)
    rows["customer"] = np.concatenate([o_cust, r_cust]) + first_customer
    rows["day"] = np.concatenate([o_day, r_day])
    rows["amount"] = np.concatenate([o_amount, r_amount])
    return churn_day, rows


def _order_amounts(
    rng: np.random.Generator,
    cust: IntArray,
    day: IntArray,
    signup: IntArray,
    channel: IntArray,
    segment: IntArray,
    region: IntArray,
    customer_level: FloatArray,
) -> FloatArray:
    seg = segment[cust]
    tenure_months = (day - signup[cust]) / DAYS_PER_MONTH
    expansion = np.minimum(1.0 + EXPANSION_PER_MONTH[seg] * tenure_months, EXPANSION_CAP[seg])
    amount = (
        AMOUNT_MEDIAN[seg]
        * customer_level[cust]
        * CHANNEL_AMOUNT[channel[cust]]
        * REGION_AMOUNT[region[cust]]
        * expansion
        * AMOUNT_SEASONALITY[_calendar_month(day) - 1]
        * np.exp(rng.normal(0.0, 1.0, len(cust)) * AMOUNT_SIGMA[seg])
    )
    return np.maximum(np.round(amount, 2), 1.0)


def _write_customers(
    path: Path,
    width: int,
    signup: IntArray,
    channel: IntArray,
    segment: IntArray,
    region: IntArray,
    churn_day: IntArray,
    acquisition_cost: FloatArray,
) -> None:
    with _parquet_writer(path, CUSTOMERS_SCHEMA) as writer:
        for lo in range(0, len(signup), ROW_GROUP_SIZE):
            hi = min(lo + ROW_GROUP_SIZE, len(signup))
            churn = churn_day[lo:hi]
            table = pa.table(
                [
                    _id_strings("C", np.arange(lo + 1, hi + 1), width),
                    _dates(signup[lo:hi]),
                    _labels(CHANNELS, channel[lo:hi]),
                    _labels(SEGMENTS, segment[lo:hi]),
                    _labels(REGIONS, region[lo:hi]),
                    _dates(np.maximum(churn, 0), null=churn < 0),
                    pa.array(acquisition_cost[lo:hi], type=pa.float64()),
                ],
                schema=CUSTOMERS_SCHEMA,
            )
            writer.write_table(table, row_group_size=ROW_GROUP_SIZE)


def _write_transactions(
    path: Path,
    spill_paths: list[Path],
    start_day: int,
    n_customers: int,
    customer_width: int,
    transaction_width: int,
    progress: bool,
) -> None:
    """Sort each month bucket, number the rows chronologically and stream them out in full row groups."""
    next_id = 1
    pending: list[pa.Table] = []
    pending_rows = 0
    with _parquet_writer(path, TRANSACTIONS_SCHEMA) as writer:
        for spill in tqdm(spill_paths, desc="writing", unit="month", disable=not progress, file=sys.stderr):
            rows = np.fromfile(spill, dtype=_SPILL_DTYPE)
            spill.unlink()
            if not len(rows):
                continue
            key = (rows["day"].astype(np.int64) - start_day) * n_customers + rows["customer"]
            rows = rows[np.argsort(key, kind="stable")]
            ids = np.arange(next_id, next_id + len(rows))
            next_id += len(rows)
            pending.append(
                pa.table(
                    [
                        _id_strings("T", ids, transaction_width),
                        _id_strings("C", rows["customer"].astype(np.int64) + 1, customer_width),
                        _dates(rows["day"]),
                        pa.array(rows["amount"], type=pa.float64()),
                    ],
                    schema=TRANSACTIONS_SCHEMA,
                )
            )
            pending_rows += len(rows)
            # Each write_table call closes its own row groups, so buffer until a full group is ready.
            while pending_rows >= ROW_GROUP_SIZE:
                table = pa.concat_tables(pending)
                writer.write_table(table.slice(0, ROW_GROUP_SIZE), row_group_size=ROW_GROUP_SIZE)
                rest = table.slice(ROW_GROUP_SIZE)
                pending, pending_rows = [rest.combine_chunks()], len(rest)
        if pending_rows:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_SIZE)


def _write_marketing_spend(path: Path, spend: FloatArray, month_starts: IntArray) -> int:
    paid = [CHANNELS.index(c) for c in PAID_CHANNELS]
    n_months = len(month_starts)
    month = np.repeat(month_starts, len(paid))
    channel = np.tile(np.array(paid), n_months)
    table = pa.table(
        [
            _dates(month),
            _labels(CHANNELS, channel),
            pa.array(spend[channel, np.repeat(np.arange(n_months), len(paid))], type=pa.float64()),
        ],
        schema=MARKETING_SPEND_SCHEMA,
    )
    with _parquet_writer(path, MARKETING_SPEND_SCHEMA) as writer:
        writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
    return table.num_rows


def _parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    return pq.ParquetWriter(
        path,
        schema,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        use_dictionary=True,
    )


def _id_strings(prefix: str, numbers: IntArray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as an Arrow string array, built without Python objects."""
    n = len(numbers)
    size = len(prefix) + width
    chars = np.empty((n, size), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    rest = np.asarray(numbers, dtype=np.int64).copy()
    for pos in range(size - 1, len(prefix) - 1, -1):
        rest, digit = np.divmod(rest, 10)
        chars[:, pos] = digit + ord("0")
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


def _labels(names: tuple[str, ...], index: IntArray) -> pa.Array:
    return pc.take(pa.array(names, type=pa.string()), pa.array(index, type=pa.int64()))


def _dates(days: IntArray, null: BoolArray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null)


def _day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _calendar_month(days: IntArray) -> IntArray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def _month_starts(start_day: int, end_day: int) -> IntArray:
    first, last = np.array([start_day, end_day], dtype="datetime64[D]").astype("datetime64[M]")
    return np.arange(first, last + 1).astype("datetime64[D]").astype(np.int64)


def _month_index(days: IntArray, month_starts: IntArray) -> IntArray:
    return np.searchsorted(month_starts, days, side="right") - 1


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate",
        description="Write seeded synthetic customers/transactions/marketing_spend Parquet exports.",
    )
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS, help="number of customers")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="output folder (created if missing)"
    )
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first signup day")
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="as-of date, last day")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    counts = generate(args.customers, args.seed, args.out, args.start, args.end, progress=not args.no_progress)
    for name, rows in counts.items():
        size = (args.out / f"{name}.parquet").stat().st_size
        print(f"{args.out / f'{name}.parquet'}: {rows:,} rows, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
