"""Data health: what was found in the exports, how much of it, and what to do about it.

``data_health(source)`` runs every check whose exports loaded and returns a :class:`HealthReport` with
one :class:`Finding` per check (including the checks that found nothing, so the page can show them as
passed). Errors come from loading (:class:`queries.Problem`) and gate the pages that need that export;
warnings never gate.

Checks (each counts rows, except the two duplicate checks which count duplicated keys):

- duplicate ``customer_id`` in customers; null required keys in customers and transactions;
- transactions whose customer is not in customers; transactions dated before their customer's signup;
- customers whose signup or churn date is after the as-of date; spend months after the as-of date;
- negative amounts (refunds: normal, shown for awareness); duplicate ``transaction_id``.

The as-of date is the latest transaction date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from queries import DataSource

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    export: str
    affected: int
    message: str
    examples: pl.DataFrame | None = None


@dataclass(frozen=True)
class HealthReport:
    data_dir: Path
    fingerprint: str
    as_of: date | None
    coverage: pl.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning" and f.affected > 0]

    def table(self) -> pl.DataFrame:
        """One row per check: check, level, export, affected, message (the ``data_health.csv`` export)."""
        return pl.DataFrame(
            {
                "check": [f.check for f in self.findings],
                "level": [f.level if f.affected > 0 else "passed" for f in self.findings],
                "export": [f.export for f in self.findings],
                "affected": [f.affected for f in self.findings],
                "message": [f.message for f in self.findings],
            },
            schema={"check": pl.String, "level": pl.String, "export": pl.String, "affected": pl.Int64,
                    "message": pl.String},
        )


def _affected(frame: pl.DataFrame) -> int:
    return int(frame["affected"][0]) if frame.height else 0


def _check(source: DataSource, query: str, check: str, export: str, level: Level,
           describe: str, advice: str, params: dict[str, object] | None = None) -> Finding:
    examples = source.run(query, params or {})
    affected = _affected(examples)
    if affected == 0:
        return Finding(check, level, export, 0, f"No {describe}.")
    shown = examples.drop([c for c in ("affected", "refunded") if c in examples.columns])
    return Finding(check, level, export, affected, f"{affected:,} {describe}. {advice}", shown)


def data_health(source: DataSource) -> HealthReport:
    """Run every applicable check on ``source``. Example: ``data_health(DataSource.open("sample_data")).warnings``."""
    findings: list[Finding] = [
        Finding("load", "error", p.export, 1, p.message) for p in source.problems if p.level == "error"
    ]
    findings += [Finding("load", "warning", p.export, 1, p.message) for p in source.problems if p.level == "warning"]
    has_c, has_t, has_s = source.has("customers"), source.has("transactions"), source.has("marketing_spend")

    if has_c:
        findings.append(_check(
            source, "health_duplicate_customers", "duplicate customer_id", "customers", "warning",
            "customer_id values appear more than once in customers",
            "Each customer should be one row: the dashboard keeps the row with the earliest signup_date of "
            "each and ignores the others. De-duplicate the export to choose yourself."))
    if has_c and has_t:
        nulls = source.run("health_null_keys")
        for row in nulls.iter_rows(named=True):
            findings.append(Finding(
                "null keys", "warning", row["export"], int(row["affected"]),
                f"{row['affected']:,} rows of {row['export']} have no {row['column_name']}. They are left out of "
                "every metric that needs it; fill them in the source system or drop them from the export."))
        if nulls.height == 0:
            findings.append(Finding("null keys", "warning", "customers, transactions", 0,
                                    "No required key is empty."))
        findings.append(_check(
            source, "health_unknown_customers", "unknown customer", "transactions", "warning",
            "transactions belong to a customer_id that is not in customers",
            "They are left out of customer metrics (cohorts, survival, value). Export the missing customers, "
            "or check that both exports use the same ids."))
        findings.append(_check(
            source, "health_before_signup", "before signup", "transactions", "warning",
            "transactions are dated before their customer's signup_date",
            "Check that signup_date is the acquisition date; these transactions fall before period 0 and are "
            "left out of cohort curves."))
    if has_c and source.as_of:
        findings.append(_check(
            source, "health_customers_after_as_of", "dates after as-of", "customers", "warning",
            f"customers have a signup or churn date after the as-of date ({source.as_of})",
            "The as-of date is the latest transaction date: either transactions are missing for recent days, "
            "or these dates are wrong.", {"as_of": source.as_of}))
    if has_s and source.as_of:
        findings.append(_check(
            source, "health_spend_after_as_of", "spend after as-of", "marketing_spend", "warning",
            f"marketing_spend rows are for months after the as-of date ({source.as_of})",
            "Spend for months without transactions makes CAC look too high; drop them or add the transactions.",
            {"as_of": source.as_of}))
    if has_t:
        findings.append(_check(
            source, "health_negative_amounts", "negative amounts", "transactions", "info",
            "transactions have a negative amount (refunds)",
            "Refunds are normal: revenue is net of them, and a customer is active in a period only with a "
            "positive amount."))
        findings.append(_check(
            source, "health_duplicate_transactions", "duplicate transaction_id", "transactions", "warning",
            "transaction_id values appear more than once",
            "Revenue counts every row, so duplicates inflate it. De-duplicate the export."))
    return HealthReport(source.data_dir, source.fingerprint, source.as_of, data_coverage(source), findings)


def data_coverage(source: DataSource) -> pl.DataFrame:
    """One row per export: status, files, rows, distinct keys, first and last date (``data_coverage.csv``)."""
    rows = []
    for export, files in source.files.items():
        row: dict[str, object] = {"export": export, "files": len(files), "rows": None, "distinct_keys": None,
                                  "first_date": None, "last_date": None}
        if source.has(export):
            stats = source.run(f"coverage_{export}").row(0, named=True)
            row.update({k: stats[k] for k in ("rows", "distinct_keys", "first_date", "last_date")})
            row["status"] = "ok"
        else:
            row["status"] = "error" if files or export != "marketing_spend" else "absent (optional)"
        rows.append(row)
    schema = {"export": pl.String, "status": pl.String, "files": pl.Int64, "rows": pl.Int64,
              "distinct_keys": pl.Int64, "first_date": pl.Date, "last_date": pl.Date}
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)
