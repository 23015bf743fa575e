"""The Cox model's design: one-hot covariates for segment, channel, region and first-order value band
(reference levels, levels left out), and the hazard-ratio table named after them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import polars as pl
from lifelines import CoxPHFitter

from analytics.survival.spans import MIN_CHURNED, MIN_CUSTOMERS, followed

COX_DIMENSIONS: tuple[str, ...] = ("segment", "channel", "region", "value_band")
DIMENSION_LABELS = {"segment": "segment", "channel": "channel", "region": "region",
                    "value_band": "first-order value"}


def _band_label(band: int, cuts: tuple[float, float, float]) -> str:
    q1, q2, q3 = (f"{c:,.0f}" for c in cuts)
    return {0: "never bought", 1: f"lowest quarter (≤ {q1})", 2: f"second quarter ({q1}–{q2})",
            3: f"third quarter ({q2}–{q3})", 4: f"top quarter (> {q3})"}[band]


@dataclass(frozen=True)
class CoxDesign:
    """The Cox model's input: one row per covariates x duration x churned with its customer count."""

    frame: pd.DataFrame  # one-hot columns named "dimension: level", plus duration, churned, customers
    references: dict[str, str]  # dimension -> reference level (hazard ratio 1)
    levels: pl.DataFrame  # dimension, level, customers, churned, role (reference|covariate|left out)
    covariates: list[tuple[str, str]] = field(default_factory=list)  # (dimension, level) per column


def cox_design(spans: pl.DataFrame) -> CoxDesign:
    """One-hot covariates for segment, channel, region (reference: the largest group) and first-order value
    band (reference: the lowest quarter, unless it has fewer than MIN_CUSTOMERS customers or MIN_CHURNED
    churns: then the largest band). Levels with no churn at all are left out with their customers (a level
    that never churns has no finite hazard ratio), and so is a dimension left with a single level.
    """
    cuts = ((float(spans["band_q1"][0]), float(spans["band_q2"][0]), float(spans["band_q3"][0]))
            if spans.height and spans["band_q1"][0] is not None else (0.0, 0.0, 0.0))
    # Bands are labelled after summing (one label per band, so the same groups).
    data = (followed(spans).lazy().group_by(*COX_DIMENSIONS, "duration", "churned").agg(pl.col("customers").sum())
            .with_columns(pl.col("value_band").replace_strict({band: _band_label(band, cuts) for band in range(5)},
                                                              return_dtype=pl.Utf8))
            .collect())
    # Customers and churns per covariate cell (a few hundred rows): the level sizes below come from these.
    cells = data.group_by(*COX_DIMENSIONS).agg(customers=pl.col("customers").sum(),
                                               churned=pl.col("customers").filter(pl.col("churned")).sum())

    def sizes(frame: pl.DataFrame, dim: str) -> pl.DataFrame:
        return (frame.group_by(dim).agg(pl.col("customers", "churned").sum())
                .sort(["customers", dim], descending=[True, False]))

    def within(frame: pl.DataFrame, kept: dict[str, list[str]]) -> pl.DataFrame:
        return frame.filter(pl.all_horizontal(pl.col(dim).is_in(kept[dim]) for dim in COX_DIMENSIONS))

    # Leaving out a level can leave another dimension's level without churns: repeat until nothing changes.
    kept: dict[str, list[str]] = {dim: cells[dim].unique().to_list() for dim in COX_DIMENSIONS}
    model_cells = cells
    for _ in range(len(COX_DIMENSIONS) + 1):
        model_cells = within(cells, kept)
        now = {dim: sizes(model_cells, dim).filter(pl.col("churned") > 0)[dim].to_list() for dim in COX_DIMENSIONS}
        if all(set(now[dim]) == set(kept[dim]) for dim in COX_DIMENSIONS):
            break
        kept = now
    model_data = within(data, kept)

    level_rows = []
    references: dict[str, str] = {}
    covariates: list[tuple[str, str]] = []
    for dim in COX_DIMENSIONS:
        inside = sizes(model_cells, dim)
        lowest = inside.filter((pl.col(dim) == _band_label(1, cuts)) & (pl.col("customers") >= MIN_CUSTOMERS)
                               & (pl.col("churned") >= MIN_CHURNED))
        reference = (lowest[dim][0] if dim == "value_band" and lowest.height
                     else inside[dim][0] if inside.height else None)
        single = inside.height < 2
        for row in inside.iter_rows(named=True):
            role = "single level" if single else "reference" if row[dim] == reference else "covariate"
            level_rows.append({"dimension": DIMENSION_LABELS[dim], "level": row[dim],
                               "customers": row["customers"], "churned": row["churned"], "role": role})
        for row in sizes(cells, dim).filter(~pl.col(dim).is_in(kept[dim])).iter_rows(named=True):
            level_rows.append({"dimension": DIMENSION_LABELS[dim], "level": row[dim],
                               "customers": row["customers"], "churned": row["churned"], "role": "left out"})
        if not single and reference is not None:
            references[dim] = reference
            covariates += [(dim, level) for level in inside[dim].to_list() if level != reference]
    columns = {f"{DIMENSION_LABELS[dim]}: {level}": (pl.col(dim) == level).cast(pl.Float64)
               for dim, level in covariates}
    # Sorted on every column: the group-bys above return rows in any order, and the fit's sums would then
    # differ in the last bits from one run to the next.
    design = model_data.select(**columns, duration=pl.col("duration").cast(pl.Float64),
                               churned=pl.col("churned").cast(pl.Int64),
                               customers=pl.col("customers").cast(pl.Float64))
    design = design.sort(["duration", "churned", *columns, "customers"])
    levels = pl.DataFrame(level_rows, schema={"dimension": pl.Utf8, "level": pl.Utf8, "customers": pl.Int64,
                                              "churned": pl.Int64, "role": pl.Utf8})
    return CoxDesign(design.to_pandas(), references, levels, covariates)


HAZARD_RATIO_SCHEMA = {"covariate": pl.Utf8, "hazard_ratio": pl.Float64, "ci_lower": pl.Float64,
                       "ci_upper": pl.Float64, "p_value": pl.Float64}


def hazard_ratio_table(cph: CoxPHFitter, design: CoxDesign) -> pl.DataFrame:
    """covariate ('segment: pro vs enterprise'), hazard_ratio, ci_lower, ci_upper (95%), p_value."""
    summary = cph.summary
    rows = []
    for (dim, level), column in zip(design.covariates, cph.params_.index, strict=True):
        row = summary.loc[column]
        rows.append({"covariate": f"{DIMENSION_LABELS[dim]}: {level} vs {design.references[dim]}",
                     "hazard_ratio": float(row["exp(coef)"]), "ci_lower": float(row["exp(coef) lower 95%"]),
                     "ci_upper": float(row["exp(coef) upper 95%"]), "p_value": float(row["p"])})
    return pl.DataFrame(rows, schema=HAZARD_RATIO_SCHEMA)
