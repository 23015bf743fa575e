"""Churn definitions and the survival spans every fit reads.

A span is one aggregated row per segment x channel x region x signup year x value band x duration x churned,
with the customers it stands for (the frequency weight); the definitions of churn, censoring, the as-of date
and the duration are in the package docstring (:mod:`analytics.survival`). Rows are counted in SQL
(``queries/survival_customers.sql``); the shared filters and the first-order value bands are applied here.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_args

import polars as pl

from analytics.filters import Filters
from analytics.scope import as_of_bound, in_dimensions
from queries import DataSource

ChurnDefinition = Literal["combined", "explicit", "inactivity"]
CHURN_DEFINITIONS: tuple[ChurnDefinition, ...] = get_args(ChurnDefinition)
SurvivalBy = Literal["segment", "channel", "region", "cohort_year"]
SURVIVAL_BY: tuple[SurvivalBy, ...] = get_args(SurvivalBy)
BY_LABELS: dict[str, str] = {"segment": "segment", "channel": "acquisition channel", "region": "region",
                             "cohort_year": "signup year"}
DEFAULT_INACTIVITY_DAYS = 90
#: The default everywhere (app, export, board pack): a recorded churn_date where there is one, else inactivity.
DEFAULT_CHURN_DEFINITION: ChurnDefinition = "combined"
#: Groups drawn at most (the Okabe-Ito palette has 8 colours); more are pooled, see group_spans.
MAX_GROUPS = 8
#: Below either, a group is too small to say anything about (shown, warned about, left out of sentences).
MIN_CUSTOMERS = 30
MIN_CHURNED = 10


def analysis_as_of(source: DataSource, filters: Filters) -> date:
    """The date every duration is measured to: the latest transaction date, or ``filters.end`` if earlier."""
    source.require("customers", "transactions")
    as_of = as_of_bound(source, filters)
    assert as_of is not None
    return as_of


def _params(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
            inactivity_days: int) -> dict[str, Any]:
    if churn_definition not in CHURN_DEFINITIONS:
        raise ValueError(f"churn definition must be one of {', '.join(CHURN_DEFINITIONS)}, not "
                         f"{churn_definition!r}")
    if int(inactivity_days) < 1:
        raise ValueError(f"inactivity days must be at least 1, not {inactivity_days}")
    return {**filters.sql_params(), "as_of": analysis_as_of(source, filters),
            "churn_definition": churn_definition, "inactivity_days": int(inactivity_days)}


def default_churn_definition(source: DataSource) -> ChurnDefinition:
    """The default churn definition: ``combined`` for every data folder (a recorded ``churn_date`` where there
    is one, else N days without a purchase), so that customers without cancellation dates still churn.

    Kept as a function of the data so that callers need not change if a data folder ever sets its own default.
    """
    return DEFAULT_CHURN_DEFINITION


def describe_churn(churn_definition: ChurnDefinition, inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> str:
    """The churn definition in force, in a few words (captions, memos, the board pack).

    >>> describe_churn("combined", 90)
    'churn_date where recorded, else 90 days without a purchase'
    >>> describe_churn("explicit"), describe_churn("inactivity", 60)
    ('churn_date (cancellations) only', '60 days without a purchase')
    """
    if churn_definition == "explicit":
        return "churn_date (cancellations) only"
    if churn_definition == "inactivity":
        return f"{inactivity_days} days without a purchase"
    return f"churn_date where recorded, else {inactivity_days} days without a purchase"


def resolve_churn_definition(source: DataSource, churn_definition: ChurnDefinition | None) -> ChurnDefinition:
    """The definition asked for, or the default (``combined``) when None."""
    return churn_definition or default_churn_definition(source)


_BAND_QUANTILES = (("band_q1", 0.25), ("band_q2", 0.5), ("band_q3", 0.75))


def survival_spans(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
                   inactivity_days: int = DEFAULT_INACTIVITY_DAYS, *, value_bands: bool = True) -> pl.DataFrame:
    """Aggregated survival rows (``queries/survival_customers.sql``, then the filter and the value bands here,
    so that a segment / channel / region change runs no SQL): segment, channel, region, cohort_year,
    value_band (0 = never bought, 1..4 = quartile of the first-order value), duration (days), churned (bool),
    left_out (reason, or null), customers (the frequency weight), and the band cut points band_q1..band_q3.
    Rows with a ``left_out`` reason are customers no fit counts; :func:`followed` drops them.

    ``value_bands=False``: the same rows without the bands (value_band and band_q1..band_q3 null), for the fits
    that do not use them (Kaplan-Meier curves, churn hazards). Grouped once per as-of date and window for every
    segment / channel / region, so that a filter change only selects rows (the bands are quartiles within the
    filtered scope, so they are recomputed on each change).
    """
    params = _params(source, filters, churn_definition, inactivity_days)
    key = (params["as_of"], params["start"], churn_definition, params["inactivity_days"])
    if not value_bands:
        every = source.memo("survival_spans_unbanded", key, lambda: _unbanded_spans(source, params, key))
        return in_dimensions(every, filters)
    dims = (filters.segment, filters.channel, filters.region)
    # Kept per filter too: the Overview and the Value page ask for the same spans more than once.
    return source.memo("survival_spans", key + dims, lambda: _banded_spans(source, params, key, filters))


_SPAN_KEYS = ["segment", "channel", "region", "cohort_year", "value_band", "duration", "churned", "left_out"]


def _survival_customers(source: DataSource, params: dict[str, Any], key: tuple[Any, ...]) -> pl.DataFrame:
    return source.memo("survival_customers", key, lambda: source.run("survival_customers", params, cache=False))


def _unbanded_spans(source: DataSource, params: dict[str, Any], key: tuple[Any, ...]) -> pl.DataFrame:
    no_band = pl.lit(None, dtype=pl.Float64)
    return (_survival_customers(source, params, key)
            .group_by("combo", "cohort_year", "duration", "churned", "left_out").agg(pl.col("customers").sum())
            .join(source.run("customer_groups"), on="combo").drop("combo")
            .with_columns(value_band=pl.lit(None, dtype=pl.Int32), band_q1=no_band, band_q2=no_band, band_q3=no_band)
            .select(*_SPAN_KEYS, "customers", "band_q1", "band_q2", "band_q3"))


def _in_scope(source: DataSource, params: dict[str, Any], key: tuple[Any, ...], filters: Filters,
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the survival customers of the selected segments / channels / regions, the customer groups)."""
    customers = _survival_customers(source, params, key)
    groups = source.run("customer_groups")
    chosen = in_dimensions(groups, filters)
    scoped = customers if chosen.height == groups.height else customers.filter(
        pl.col("combo").is_in(chosen["combo"].implode()))
    return scoped, groups


def _value_bands(scoped: pl.DataFrame) -> tuple[pl.Expr, tuple[pl.Expr, pl.Expr, pl.Expr]]:
    """(each row's value band, the cut points q1..q3): quartiles (linear interpolation) of the first-order
    value of the followed customers who bought, in the filtered scope; 0 = never bought, null = left out."""
    value = pl.col("first_value")
    values = scoped.filter(pl.col("left_out").is_null() & value.is_not_null())
    if not values.height:
        cuts: tuple[float | None, ...] = (None, None, None)
    elif values["customers"].max() == 1:  # the usual case: one customer per distinct first-order value
        cuts = values.select(*(value.quantile(q, interpolation="linear").alias(name)
                               for name, q in _BAND_QUANTILES)).row(0)
    else:
        cuts = values.select(*(value.repeat_by("customers").explode().quantile(q, interpolation="linear")
                               .alias(name) for name, q in _BAND_QUANTILES)).row(0)
    q1, q2, q3 = (pl.lit(c, dtype=pl.Float64) for c in cuts)
    band = (pl.when(pl.col("left_out").is_not_null()).then(None)
            .when(value.is_null()).then(0)
            .when(value <= q1).then(1)
            .when(value <= q2).then(2)
            .when(value <= q3).then(3)
            .otherwise(4).cast(pl.Int32))
    return band, (q1, q2, q3)


def _banded_spans(source: DataSource, params: dict[str, Any], key: tuple[Any, ...],
                  filters: Filters) -> pl.DataFrame:
    scoped, groups = _in_scope(source, params, key, filters)
    band, (q1, q2, q3) = _value_bands(scoped)
    return (scoped.with_columns(value_band=band)
            .group_by("combo", *_SPAN_KEYS[3:]).agg(pl.col("customers").sum())
            .join(groups, on="combo").drop("combo")
            .with_columns(band_q1=q1, band_q2=q2, band_q3=q3)
            .select(*_SPAN_KEYS, "customers", "band_q1", "band_q2", "band_q3")
            .sort(_SPAN_KEYS, nulls_last=True))


def cox_rows(source: DataSource, filters: Filters, churn_definition: ChurnDefinition,
             inactivity_days: int = DEFAULT_INACTIVITY_DAYS) -> pl.DataFrame:
    """The Cox model's input: the followed customers of :func:`survival_spans` (value bands included) summed
    per segment x channel x region x value_band x duration x churned, without the signup years and the
    left-out rows (cohort_year and left_out null). :func:`cox_design` gives the same design from either.
    Half the rows of the spans at 10M transactions, so a filter change refits sooner.
    """
    params = _params(source, filters, churn_definition, inactivity_days)
    key = (params["as_of"], params["start"], churn_definition, params["inactivity_days"])
    scoped, groups = _in_scope(source, params, key, filters)
    band, (q1, q2, q3) = _value_bands(scoped)
    return (scoped.lazy().filter(pl.col("left_out").is_null())
            .group_by("combo", band.alias("value_band"), "duration", "churned").agg(pl.col("customers").sum())
            .join(groups.lazy(), on="combo").drop("combo")
            .with_columns(cohort_year=pl.lit(None, dtype=pl.Int64), left_out=pl.lit(None, dtype=pl.Utf8),
                          band_q1=q1, band_q2=q2, band_q3=q3)
            .select(*_SPAN_KEYS, "customers", "band_q1", "band_q2", "band_q3")
            .collect())


def followed(spans: pl.DataFrame) -> pl.DataFrame:
    """The spans of customers who are followed (every row without a left_out reason)."""
    return spans.filter(pl.col("left_out").is_null())


def left_out_counts(spans: pl.DataFrame) -> dict[str, int]:
    """Customers in scope that no curve counts, by reason ('signed up after the as-of date', ...)."""
    counts = spans.filter(pl.col("left_out").is_not_null()).group_by("left_out").agg(pl.col("customers").sum())
    return {row["left_out"]: int(row["customers"]) for row in counts.sort("left_out").iter_rows(named=True)}


def group_spans(spans: pl.DataFrame, by: SurvivalBy) -> pl.DataFrame:
    """Spans summed to one row per group x duration x churned (``group`` is text: '2024' for cohort years).

    More than MAX_GROUPS groups do not fit one chart: the largest MAX_GROUPS - 1 are kept and the rest pooled
    as 'other (N smaller groups)'; for signup years, the latest ones are kept and the rest pooled as
    'before YEAR'.
    """
    if by not in SURVIVAL_BY:
        raise ValueError(f"survival_by must be one of {', '.join(SURVIVAL_BY)}, not {by!r}")
    grouped = (followed(spans).group_by(pl.col(by).cast(pl.Utf8).alias("group"), "duration", "churned")
               .agg(pl.col("customers").sum()))
    sizes = grouped.group_by("group").agg(pl.col("customers").sum()).sort(["customers", "group"],
                                                                          descending=[True, False])
    if sizes.height > MAX_GROUPS:
        if by == "cohort_year":
            keep = sorted(sizes["group"].to_list())[-(MAX_GROUPS - 1):]
            other = f"before {keep[0]}"
        else:
            keep = sizes["group"].head(MAX_GROUPS - 1).to_list()
            other = f"other ({sizes.height - len(keep)} smaller groups)"
        grouped = (grouped.with_columns(pl.when(pl.col("group").is_in(keep)).then(pl.col("group"))
                                        .otherwise(pl.lit(other)).alias("group"))
                   .group_by("group", "duration", "churned").agg(pl.col("customers").sum()))
    return grouped.sort("group", "duration", "churned")
