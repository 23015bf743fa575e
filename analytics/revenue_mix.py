"""Revenue mix: where revenue comes from (new or existing customers, which acquisition year), how it moves
between periods, and how concentrated it is.

Definitions (also on the page). Revenue is the sum of ``amount``, net of refunds, in the data's currency;
shares are fractions (0.71 is shown as 71%).

- **Scope**: customers in the selected segment / channel / region (who signed up by the window end, when one
  is set). Transactions of unknown customers, dated after the window end, or dated before the customer's signup
  period are left out (the scope of ``cohort_activity``, shared by every query here; Data health counts them).
- **As-of bound**: the window's end date, or the as-of date of the data (latest transaction date) when earlier
  or when no end is set. A period whose last day is after it is *incomplete*.
- **Window start**: applied at period level: the tables hold the periods whose first day is on or after the
  first day of the period containing the start date. Customers acquired before the window still count as
  existing customers.
- **New revenue** of a period: revenue from customers whose cohort period (the period containing their
  ``signup_date``) is that period. **Existing revenue**: from customers acquired in earlier periods.
  **Existing share** = existing / (new + existing); empty when that total is not positive or either part is
  negative (net refunds larger than payments), where a share has no meaning.
- **Acquisition year**: the calendar year of the customer's ``signup_date``.
- **Movements** (customer by customer, from the previous period to this one; a period without transactions
  is revenue 0), with churn under the churn definition in force: see :func:`revenue_movements`; New-customer
  revenue reconciled to their "new": :func:`new_revenue_reconciliation`.
- **Concentration**: see :func:`revenue_concentration`.

Every function takes ``(source, filters)`` and returns a Polars frame, so the page and
``python -m analytics export`` share one code path. The period-level tables filter the segment / channel /
region dimensions in Polars over query results cached per (grain, end): changing those filters runs no SQL.
The movements and the concentration need customer-level rows: those are computed once per data version and
(grain, end) (:meth:`DataSource.memo`) and the filter is applied to them in Polars too.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import polars as pl

from analytics.filters import Filters, Grain
from analytics.money import money_cum_sum, money_sum, money_total
from analytics.periods import (
    is_complete_expr,
    period_end,
    period_end_expr,
    period_index,
    period_index_expr,
    period_of,
    period_start,
)
from analytics.scalars import as_date, as_int
from analytics.scope import as_of_bound, in_dimensions
from analytics.survival import DEFAULT_INACTIVITY_DAYS, ChurnDefinition, resolve_churn_definition
from queries import DataSource

MOVEMENTS: tuple[str, ...] = ("new", "expansion", "contraction", "churned", "paused", "resumed", "reactivated",
                               "net_refunds")
#: What reconciles New-customer revenue (revenue_mix's new_revenue) to the movements' "new" (first paying period).
RECONCILIATION: tuple[str, ...] = ("first_paid_acquired_earlier", "new_customers_nonpositive")
_MIX_SCHEMA = pl.Schema({"period": pl.Date, "new_revenue": pl.Float64, "existing_revenue": pl.Float64,
                         "existing_share": pl.Float64, "is_complete": pl.Boolean})
_LAYER_SCHEMA = pl.Schema({"period": pl.Date, "acquisition_year": pl.Int32, "revenue": pl.Float64,
                           "is_complete": pl.Boolean})
_MOVEMENT_SCHEMA = pl.Schema({"period": pl.Date, **{m: pl.Float64 for m in MOVEMENTS}, "net_change": pl.Float64,
                              "is_complete": pl.Boolean})


def _first_shown_period(frame: pl.DataFrame, filters: Filters) -> date | None:
    """First period to show: the first period with data, or the period containing the window start if later."""
    if frame.height == 0:
        return None
    first = as_date(frame["period"].min())
    if filters.start:
        first = max(first, period_start(filters.start, filters.grain))
    return first


def _periods(first: date | None, last: date | None, grain: Grain) -> pl.DataFrame:
    """Every period from ``first`` to ``last`` (inclusive), so that a period without revenue shows as 0."""
    days: list[date] = []
    if first is not None and last is not None:
        day = first
        while day <= last:
            days.append(day)
            day = period_end(day, grain) + timedelta(days=1)
    return pl.DataFrame({"period": days}, schema={"period": pl.Date})


def _cohort_cube(source: DataSource, filters: Filters) -> pl.DataFrame:
    """cohort_activity (cached per grain and end), restricted to the selected dimensions in Polars."""
    source.require("customers", "transactions")
    cube = source.run("cohort_activity", {"grain": filters.grain, "end": filters.end})
    return in_dimensions(cube, filters)


def _shown_periods(source: DataSource, filters: Filters, frame: pl.DataFrame) -> pl.DataFrame:
    """The periods of the window (see the module docstring), with is_complete."""
    as_of = as_of_bound(source, filters)
    last = period_start(as_of, filters.grain) if as_of else None
    periods = _periods(_first_shown_period(frame, filters), last, filters.grain)
    return periods.with_columns(is_complete=is_complete_expr("period", filters.grain, as_of))


def revenue_mix(source: DataSource, filters: Filters) -> pl.DataFrame:
    """One row per period of the window: period (first day), new_revenue, existing_revenue, existing_share,
    is_complete.

    new_revenue: revenue from customers acquired in that period; existing_revenue: from customers acquired in
    earlier periods (money, net of refunds). existing_share = existing / (new + existing), a fraction, null when
    the total is not positive or a part is negative. A period without revenue is a row of zeros.

    Example: ``revenue_mix(DataSource.open("sample_data"), Filters(segment=("pro",))).tail(1)``.
    """
    cube = _cohort_cube(source, filters)
    totals = cube.group_by("period").agg(
        new_revenue=money_sum(pl.col("revenue").filter(pl.col("cohort") == pl.col("period"))),
        existing_revenue=money_sum(pl.col("revenue").filter(pl.col("cohort") < pl.col("period"))),
    )
    frame = (
        _shown_periods(source, filters, cube)
        .join(totals, on="period", how="left")
        .with_columns(pl.col("new_revenue", "existing_revenue").fill_null(0.0))
    )
    total = pl.col("new_revenue") + pl.col("existing_revenue")
    meaningful = (total > 0) & (pl.col("new_revenue") >= 0) & (pl.col("existing_revenue") >= 0)
    frame = frame.with_columns(
        existing_share=pl.when(meaningful).then(pl.col("existing_revenue") / total).otherwise(None),
    )
    return frame.select(list(_MIX_SCHEMA)).cast(_MIX_SCHEMA).sort("period")


def revenue_by_acquisition_year(source: DataSource, filters: Filters) -> pl.DataFrame:
    """The layer cake: one row per period x acquisition_year (year of the customers' signup_date) with revenue
    (money, net of refunds) and is_complete.

    Every acquisition year with revenue in the window gets a row in every period from the one its year starts
    in (0 where it has none), so stacked layers do not break. Summed over the years, revenue equals
    new_revenue + existing_revenue of :func:`revenue_mix` (same scope). Dimensions are filtered in Polars.

    Example: ``revenue_by_acquisition_year(DataSource.open("sample_data"), Filters(grain="quarter"))``.
    """
    source.require("customers", "transactions")
    rows = in_dimensions(source.run("revenue_by_acquisition_year", {"grain": filters.grain, "end": filters.end}),
                          filters)
    periods = _shown_periods(source, filters, rows)
    rows = rows.filter(pl.col("period").is_in(periods["period"].implode()))
    years = rows.select(pl.col("acquisition_year").unique().sort())
    sums = rows.group_by("period", "acquisition_year").agg(money_sum("revenue"))
    frame = (
        periods.join(years, how="cross")
        # Customers acquired in a year have no revenue in periods that end before that year.
        .filter(pl.col("acquisition_year") <= period_end_expr("period", filters.grain).dt.year())
        .join(sums, on=["period", "acquisition_year"], how="left")
        .with_columns(pl.col("revenue").fill_null(0.0))
    )
    return (frame.select(list(_LAYER_SCHEMA)).cast(_LAYER_SCHEMA)
            .sort("period", "acquisition_year"))


def revenue_movements(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                      inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> pl.DataFrame:
    """One row per period of the window: how revenue moved from the previous period, customer by customer, with
    churn under the churn definition in force (``churn_definition`` None = the default, combined).

    Columns: period, new, expansion, contraction, churned, paused, resumed, reactivated, net_refunds, net_change,
    is_complete (money; contraction, churned and paused are negative). With r(p) a customer's net revenue in
    period p (0 in a period without transactions), prev = r(p-1) and cur = r(p), and the customer's churn dates
    as of the as-of bound (the first churn, as survival counts it; under combined also the second churn of a
    customer who came back after their churn_date and went silent for N days):

    - new: cur > 0 and no earlier period with r > 0 (the first paying period; it can be later than the signup
      period, so it differs from new_revenue of :func:`revenue_mix`: :func:`new_revenue_reconciliation`) -> cur;
    - expansion: prev > 0 and cur > prev -> cur - prev;
    - contraction: prev > 0 and 0 < cur < prev -> cur - prev;
    - churned: prev > 0, cur <= 0 and the customer churned in period p - 1 or p (so by the end of p, and not
      before paying in p - 1) -> -prev;
    - paused: prev > 0, cur <= 0 and not churned in that sense (they come back later, or it is too early to
      know) -> -prev;
    - reactivated: prev <= 0, cur > 0, paid before, and churned between their last paying period and p (a
      purchase after a churn: under explicit and combined, after the churn_date) -> cur;
    - resumed: prev <= 0, cur > 0, paid before, without such a churn -> cur;
    - net_refunds: min(cur, 0) - min(prev, 0): the seven movements above describe the positive part of revenue;
      this is the change in revenue of customer-periods whose refunds exceeded their payments (small; 0 when
      no customer is ever net negative), needed for the sum to reconcile.

    Under inactivity a customer who comes back was never churned (the rule reads their last purchase as of the
    as-of date), so their return is resumed and reactivated stays 0. net_change = the sum of the eight =
    revenue(p) - revenue(p-1) over the selected customers (the previous period may be before the window start).
    Example: ``revenue_movements(DataSource.open("sample_data"), Filters()).select("period", "churned").tail(3)``.
    """
    rows = _movements_in_scope(source, filters, churn_definition, inactivity_days)
    sums = rows.group_by("period").agg(money_sum(name) for name in (*MOVEMENTS, "net_change"))
    frame = (
        _shown_periods(source, filters, rows)
        .join(sums, on="period", how="left")
        .with_columns(pl.col(*MOVEMENTS, "net_change").fill_null(0.0))
    )
    return frame.select(list(_MOVEMENT_SCHEMA)).cast(_MOVEMENT_SCHEMA).sort("period")


def _movements_in_scope(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None,
                        inactivity_days: int) -> pl.DataFrame:
    source.require("customers", "transactions")
    churn = resolve_churn_definition(source, churn_definition)
    key = (filters.grain, filters.end, churn, int(inactivity_days))
    cells = source.memo("revenue_movements", key,
                        lambda: _movement_cells(source, filters.grain, filters.end, churn, int(inactivity_days)))
    return in_dimensions(cells, filters)


def new_revenue_reconciliation(source: DataSource, filters: Filters, churn_definition: ChurnDefinition | None = None,
                               inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> pl.DataFrame:
    """New-customer revenue (customers acquired in the period: :func:`revenue_mix`'s new_revenue) reconciled to
    the movements' "new" (first paying period), one row per period:

    new_customer_revenue = first_paying_period_revenue - first_paid_acquired_earlier + new_customers_nonpositive

    where first_paid_acquired_earlier is the first payments of customers acquired in an earlier period (in "new",
    not in new-customer revenue), and new_customers_nonpositive the net revenue (0 or a refund) of customers
    acquired in the period who paid nothing net in it (in new-customer revenue, not in "new"). Money; exact.
    """
    rows = _movements_in_scope(source, filters, churn_definition, inactivity_days)
    sums = rows.group_by("period").agg(money_sum(name) for name in ("new", *RECONCILIATION))
    mix = revenue_mix(source, filters).select("period", "new_revenue", "is_complete")
    frame = mix.join(sums, on="period", how="left").with_columns(pl.col("new", *RECONCILIATION).fill_null(0.0))
    return frame.select(
        "period", pl.col("new_revenue").alias("new_customer_revenue"),
        pl.col("new").alias("first_paying_period_revenue"), *RECONCILIATION, "is_complete")


def _movement_cells(source: DataSource, grain: Grain, end: date | None, churn: ChurnDefinition,
                    inactivity_days: int) -> pl.DataFrame:
    """The movements of :func:`revenue_movements` summed per period x segment x channel x region (kept per data
    version, grain, end and churn setting, so that a filter change only filters and sums them).

    Each customer's periods are followed in order, vectorised over the rows sorted by customer and period:
    prev is the previous row's revenue when that row is the previous period (else 0, a gap); paid_before: an
    earlier row with revenue > 0; last_paid: the latest earlier period with revenue > 0; and after a period with
    revenue comes a row for the following period with cur = 0 when the customer has no transactions then (up to
    the period of the as-of bound). Every other period has cur = prev = 0 and moves nothing. The customers' churn
    periods (``queries/customer_churn_dates.sql``) are joined to the steps that lose or regain revenue.
    """
    rows = source.run("customer_period_revenue", {"grain": grain, "end": end}, cache=False)
    as_of = as_of_bound(source, Filters(grain=grain, end=end))
    last_index = period_index(as_of, grain) if as_of else None
    churn_periods = source.run("customer_churn_dates", {
        "churn_definition": churn, "inactivity_days": inactivity_days, "as_of": as_of}, cache=False).select(
        "customer_key", period_index_expr("churned_on", grain).alias("churn_1"),
        period_index_expr("returned_churn_on", grain).alias("churn_2"))
    # One lazy query (Polars shares the sorted rows between the two branches and fuses the sums): ~30% faster
    # than step by step. Sorted on one integer key (customer, period): a third of sorting on the two columns.
    first = (pl.col("customer_key") != pl.col("customer_key").shift(1)).fill_null(True)
    last = (pl.col("customer_key") != pl.col("customer_key").shift(-1)).fill_null(True)
    paying = (pl.col("revenue") > 0).cast(pl.Int64)
    # Paying periods before this row, over all rows, minus that count at the customer's first row.
    before = paying.cum_sum() - paying
    # The latest earlier paying period: carried forward from paying rows, kept only within the same customer.
    paid_index = pl.when(pl.col("revenue") > 0).then(pl.col("period_index")).shift(1).forward_fill()
    paid_owner = pl.when(pl.col("revenue") > 0).then(pl.col("customer_key")).shift(1).forward_fill()
    ordered = _customer_order(rows).lazy().with_columns(
        prev=pl.when(~first & (pl.col("period_index").shift(1) + 1 == pl.col("period_index")))
        .then(pl.col("revenue").shift(1)).otherwise(0.0),
        paid_before=(before - pl.when(first).then(before).forward_fill()) > 0,
        last_paid=pl.when(paid_owner == pl.col("customer_key")).then(paid_index),
        gap_after=(last | (pl.col("period_index").shift(-1) > pl.col("period_index") + 1)) & (pl.col("revenue") != 0),
    )
    gaps = ordered.filter(pl.col("gap_after") & (pl.col("period_index") + 1 <= (last_index or 0)))
    keep = ("customer_key", "combo", "signup_index")
    steps = pl.concat([
        ordered.select("period_index", *keep, "prev", pl.col("revenue").alias("cur"), "paid_before", "last_paid"),
        gaps.select((pl.col("period_index") + 1).alias("period_index"), *keep, pl.col("revenue").alias("prev"),
                    pl.lit(0.0).alias("cur"), pl.lit(True).alias("paid_before"),
                    pl.when(pl.col("revenue") > 0).then(pl.col("period_index")).otherwise(pl.col("last_paid"))
                    .alias("last_paid")),
    ]).join(churn_periods.lazy(), on="customer_key", how="left")
    prev, cur, paid, p = pl.col("prev"), pl.col("cur"), pl.col("paid_before"), pl.col("period_index")
    lapse = (prev > 0) & (cur <= 0)
    comeback = (prev <= 0) & (cur > 0) & paid

    def churn_in(low: pl.Expr, high: pl.Expr) -> pl.Expr:
        return (pl.col("churn_1").is_between(low, high) | pl.col("churn_2").is_between(low, high)).fill_null(False)

    churned = lapse & churn_in(p - 1, p)
    reactivated = comeback & churn_in(pl.col("last_paid"), p - 1)
    new = (cur > 0) & ~paid
    # Grouped on one integer key (period, combo): faster than on the two columns.
    width = as_int(rows["combo"].max(), default=0) + 1
    cells = steps.group_by(pl.col("period_index").cast(pl.Int64) * width + pl.col("combo")).agg(
        new=money_sum(pl.when(new).then(cur).otherwise(0.0)),
        expansion=money_sum(pl.when((prev > 0) & (cur > prev)).then(cur - prev).otherwise(0.0)),
        contraction=money_sum(pl.when((prev > 0) & (cur > 0) & (cur < prev)).then(cur - prev).otherwise(0.0)),
        churned=money_sum(pl.when(churned).then(-prev).otherwise(0.0)),
        paused=money_sum(pl.when(lapse & ~churned).then(-prev).otherwise(0.0)),
        resumed=money_sum(pl.when(comeback & ~reactivated).then(cur).otherwise(0.0)),
        reactivated=money_sum(pl.when(reactivated).then(cur).otherwise(0.0)),
        net_refunds=money_sum(pl.min_horizontal(cur, 0.0) - pl.min_horizontal(prev, 0.0)),
        net_change=money_sum(cur - prev),
        first_paid_acquired_earlier=money_sum(pl.when(new & (pl.col("signup_index") < p)).then(cur).otherwise(0.0)),
        new_customers_nonpositive=money_sum(pl.when((pl.col("signup_index") == p) & (cur <= 0)).then(cur)
                                            .otherwise(0.0)),
    ).with_columns(period_index=pl.col("period_index") // width, combo=pl.col("period_index") % width).collect()
    cells = cells.with_columns(period=pl.Series([period_of(i, grain) for i in cells["period_index"].to_list()],
                                                dtype=pl.Date))
    return (cells.join(source.run("customer_groups"), on="combo")
            .select("period", "segment", "channel", "region", *MOVEMENTS, "net_change", *RECONCILIATION)
            .sort("period", "segment", "channel", "region"))


def _customer_order(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` sorted by customer_key, then period_index.

    Rows read from a saved rollup (queries/rollup_cache.py saves it in that order) come as a few runs that are each in
    order, one per DuckDB thread, the runs in any order: then putting the runs in order is enough (~0.1 s at 10M
    transactions, against ~0.8 s for a sort). Anything else is sorted.
    """
    order = rows["customer_key"].to_numpy().astype(np.int64) * 1_000_000 + rows["period_index"].to_numpy()
    breaks = np.flatnonzero(order[1:] < order[:-1]) + 1
    if breaks.size == 0:
        return rows
    if breaks.size <= 64:
        bounds = [0, *breaks.tolist(), rows.height]
        runs = sorted(pairwise(bounds), key=lambda run: order[run[0]])
        # In order when each run starts after the previous one ends.
        if all(order[start] > order[stop - 1] for (_, stop), (start, _) in pairwise(runs)):
            return pl.concat([rows.slice(start, stop - start) for start, stop in runs], rechunk=False)
    return rows.sort(pl.Series(order))


def _concentration_rows(source: DataSource, filters: Filters) -> pl.DataFrame:
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    if as_of is None:
        return pl.DataFrame()
    params = {"grain": filters.grain, "as_of": as_of, "end": filters.end}
    customers = source.memo("concentration_customers", (filters.grain, as_of, filters.end), lambda: (
        source.run("concentration_customers", params, cache=False)
        .join(source.run("customer_groups"), on="combo").drop("combo")))
    return _lorenz_rows(in_dimensions(customers, filters).select("customer_key", "revenue"))


def _lorenz_rows(customers: pl.DataFrame) -> pl.DataFrame:
    """The Lorenz curve and summary of customers' T12M revenue (definitions: :func:`revenue_concentration`).

    One row per point: every customer when there are 100 or fewer, else the first customer reaching each whole
    percent; columns customers_below, customer_share, revenue_share, customers, zero_revenue_customers,
    total_revenue, top_20_share, gini (the summary repeated on every row).

    Customers bringing 0, 10, 30 and 60 (the example of :func:`revenue_concentration`):

    >>> rows = _lorenz_rows(pl.DataFrame({"customer_key": [1, 2, 3, 4], "revenue": [0.0, 10.0, 30.0, 60.0]}))
    >>> rows["revenue_share"].to_list(), rows.select("top_20_share", "gini").row(0)
    ([0.0, 0.1, 0.4, 1.0], (0.48, 0.5))
    """
    n = customers.height
    if n == 0:
        return pl.DataFrame(schema={"customers_below": pl.Int64, "customer_share": pl.Float64,
                                    "revenue_share": pl.Float64, "customers": pl.Int64,
                                    "zero_revenue_customers": pl.Int64, "total_revenue": pl.Float64,
                                    "top_20_share": pl.Float64, "gini": pl.Float64})
    # Ascending revenue; customer_key breaks ties so that the running sums do not depend on row order.
    ranked = customers.sort("revenue", "customer_key").with_columns(
        customers_below=pl.int_range(1, n + 1, dtype=pl.Int64),
        cumulative_revenue=money_cum_sum("revenue"),
    )
    total = money_total(ranked["revenue"])
    i, x = pl.col("customers_below"), pl.col("revenue")
    summary = ranked.select(
        zero_revenue_customers=(x == 0).sum().cast(pl.Int64),
        top_20=(x * (0.2 * n - (n - i)).clip(0.0, 1.0)).sum(),
        weighted=(i * x).sum(),
    ).row(0, named=True)
    top_20_share = summary["top_20"] / total if total else None
    gini = 2.0 * summary["weighted"] / (n * total) - (n + 1.0) / n if total else None
    points = ranked.filter(((i * 100.0 / n).floor() > ((i - 1) * 100.0 / n).floor()) | (i == n))
    return points.select(
        "customers_below",
        customer_share=i / n,
        revenue_share=(pl.col("cumulative_revenue") / total) if total else pl.lit(None, dtype=pl.Float64),
        customers=pl.lit(n, dtype=pl.Int64),
        zero_revenue_customers=pl.lit(summary["zero_revenue_customers"], dtype=pl.Int64),
        total_revenue=pl.lit(total, dtype=pl.Float64),
        top_20_share=pl.lit(top_20_share, dtype=pl.Float64),
        gini=pl.lit(gini, dtype=pl.Float64),
    )


def t12m_window(source: DataSource, filters: Filters) -> tuple[date, date] | None:
    """(first day, last day) of the trailing 12 months ending at the as-of bound."""
    as_of = as_of_bound(source, filters)
    if as_of is None:
        return None
    try:
        year_before = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February: like the SQL's "- interval 12 month", the day before is 28 February
        year_before = as_of.replace(year=as_of.year - 1, day=28)
    return year_before + timedelta(days=1), as_of


def revenue_concentration(source: DataSource, filters: Filters) -> pl.DataFrame:
    """One row: how concentrated trailing-12-month (T12M) revenue is among customers.

    Columns: window_start, window_end (T12M: the 12 months ending at the as-of bound; the window start filter
    does not apply), customers (in-scope customers with at least one transaction in T12M), zero_revenue_customers
    (of those, net T12M revenue <= 0: counted as customers with revenue 0), t12m_revenue (money, negative
    customers counted as 0), top_20_share (fraction of T12M revenue from the 20% of customers with the most; a
    customer straddling the boundary counts in proportion) and gini (0 = everyone brings the same, 1 = one
    customer brings everything; = 1 - 2 x the area under the Lorenz curve). Shares are null without revenue.

    Example: customers bringing 0, 10, 30 and 60 give top_20_share 0.48 (0.8 of the 60) and gini 0.5.
    """
    rows = _concentration_rows(source, filters)
    window = t12m_window(source, filters)
    schema = {"window_start": pl.Date, "window_end": pl.Date, "customers": pl.Int64,
              "zero_revenue_customers": pl.Int64, "t12m_revenue": pl.Float64, "top_20_share": pl.Float64,
              "gini": pl.Float64}
    if window is None:
        return pl.DataFrame(schema=schema)
    if rows.height == 0:
        return pl.DataFrame([[window[0], window[1], 0, 0, 0.0, None, None]], schema=schema, orient="row")
    first = rows.row(0, named=True)
    return pl.DataFrame([[window[0], window[1], first["customers"], first["zero_revenue_customers"],
                          first["total_revenue"], first["top_20_share"], first["gini"]]], schema=schema, orient="row")


def lorenz_curve(source: DataSource, filters: Filters) -> pl.DataFrame:
    """Points of the Lorenz curve of T12M revenue: customers sorted by revenue ascending, the customer_share
    (fraction) with the least revenue brought revenue_share (fraction) of it. Starts at (0, 0) and ends at
    (1, 1); every customer when there are 100 or fewer, else one point per percent of customers.

    Example: customers bringing 0, 10, 30 and 60 give (0, 0), (0.25, 0), (0.5, 0.1), (0.75, 0.4), (1, 1).
    """
    schema = pl.Schema({"customers_below": pl.Int64, "customer_share": pl.Float64, "revenue_share": pl.Float64})
    rows = _concentration_rows(source, filters)
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    origin = pl.DataFrame([[0, 0.0, 0.0 if rows["total_revenue"][0] else None]], schema=schema, orient="row")
    return pl.concat([origin, rows.select(list(schema)).cast(schema)])
