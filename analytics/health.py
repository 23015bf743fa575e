"""Data health: what was found in the exports, how much of it, and what to do about it.

``data_health(source)`` runs every check whose exports loaded and returns a :class:`HealthReport` with
one :class:`Finding` per check (including the checks that found nothing, so the page can show them as
passed). Errors come from loading (:class:`queries.Problem`) and gate the pages that need that export
(``blocking``); warnings never gate.

Rows and values no figure may use are errors that do not gate: the normalised views leave them out
(queries/validation.py, ``finish_export``), so every figure is computed without them, and these checks count
them from the views of every row as exported (``*_all``), with examples:

- transactions whose amount is not finite (NaN, +/-infinity: also the text "NaN" or "inf");
- transactions whose amount is implausible: 1,000 x the 99.9th percentile of |amount| or more, and any
  |amount| >= 1e12;
- marketing_spend rows whose spend is not finite, negative or >= 1e12;
- acquisition_cost (customers) and gross_margin (transactions) that are not finite, or >= 1e12 in size (a negative
  acquisition_cost too): the value is dropped, the row kept;
- transactions dated after the as-of date (a warning, or information when the as-of date was asked for).

Checks (each counts rows, except the two duplicate checks which count duplicated keys):

- duplicate ``customer_id`` in customers; null required keys in customers and transactions;
- transactions whose customer is not in customers; transactions dated before their customer's signup;
- customers whose signup or churn date is after the as-of date; spend months after the as-of date;
- negative amounts (refunds: normal, shown for awareness); duplicate ``transaction_id``;
- churn dates: a whole segment or acquisition channel without any ``churn_date`` while others have some (the
  combined churn definition, the default, covers those customers by inactivity); purchases dated after their
  customer's ``churn_date`` (a return: survival counts the first churn, the revenue movements a reactivation);
- a stale export: an as-of date more than ``STALE_DAYS`` days before today;
- no currency set in ``retention.toml`` (money shows without one).

The as-of date is the latest transaction date not after today, or the date asked for (``--as-of``, ``as_of=``).

Cost (about 2 s at 10M transactions, from 9): the checks share two passes over transactions.
``health_customer_links`` groups them by customer once, counts unknown-customer transactions exactly, flags
customers with transactions before signup and gives the transactions' coverage figures;
``health_transaction_id_order`` proves in one streaming pass, run on a second thread beside the others, that
no transaction_id repeats when the export is in id order; ``health_customer_ids`` and the null-key counts
come from the Parquet statistics. The costly exact queries (duplicated ids, transactions before signup) and
the examples run only for what a pass could not rule out, so every count stays exact.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from queries import DataSource
from queries.contract import EXPORTS
from queries.validation import MONEY_LIMIT

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    export: str
    affected: int
    message: str
    examples: pl.DataFrame | None = None
    #: An error that makes its export unusable (from loading); other errors name rows left out of the figures.
    blocking: bool = False


@dataclass(frozen=True)
class HealthReport:
    data_dir: Path
    fingerprint: str
    as_of: date | None
    coverage: pl.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Errors that make an export unusable: the pages that need it show the message instead of numbers."""
        return [f for f in self.findings if f.level == "error" and f.blocking]

    @property
    def excluded(self) -> list[Finding]:
        """Errors about rows or values that are left out of every figure; the export is used without them."""
        return [f for f in self.findings if f.level == "error" and not f.blocking and f.affected > 0]

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


#: How a check's description starts for one row rather than several ("1 transaction has ...").
_SINGULAR = (("transactions have", "transaction has"), ("transactions are", "transaction is"),
             ("transactions belong", "transaction belongs"), ("customers have", "customer has"),
             ("rows have", "row has"), ("rows are", "row is"), ("values appear", "value appears"))


def singular(describe: str) -> str:
    """A check's description for one affected row.

    >>> singular("transactions have an amount that is not finite")
    'transaction has an amount that is not finite'
    >>> singular("marketing_spend rows are for months after the as-of date")
    'marketing_spend row is for months after the as-of date'
    """
    for plural_form, one in _SINGULAR:
        if plural_form in describe:
            return describe.replace(plural_form, one, 1)
    return describe


def _finding(check: str, level: Level, export: str, affected: int, describe: str, advice: str,
             examples: pl.DataFrame | None = None) -> Finding:
    if affected == 0:
        return Finding(check, level, export, 0, f"No {describe}.")
    if affected == 1:
        describe = singular(describe)
    shown = None if examples is None else examples.drop(
        [c for c in ("affected", "refunded") if c in examples.columns])
    return Finding(check, level, export, affected, f"{affected:,} {describe}. {advice}", shown)


def _check(source: DataSource, query: str, check: str, export: str, level: Level,
           describe: str, advice: str, params: dict[str, object] | None = None,
           proved_none: bool = False) -> Finding:
    """Run ``query`` (count in ``affected``, first examples as rows), unless a cheaper pass ``proved_none``."""
    if proved_none:
        return _finding(check, level, export, 0, describe, advice)
    examples = source.run(query, params or {})
    return _finding(check, level, export, _affected(examples), describe, advice, examples)


#: An as-of date more than this many days before today makes the export stale.
STALE_DAYS = 45


def data_health(source: DataSource, today: date | None = None) -> HealthReport:
    """Run every applicable check on ``source`` (``today``: the date the staleness check counts from; the
    source's "today" by default, which ``RETENTION_TODAY`` can set).
    Example: ``data_health(DataSource.open("sample_data")).warnings``."""
    findings: list[Finding] = [
        Finding("load", "error", p.export, 1, p.message, blocking=True) for p in source.problems if p.level == "error"
    ]
    findings += [Finding("load", "warning", p.export, 1, p.message) for p in source.problems if p.level == "warning"]
    # The transaction_id pass streams on one thread: it runs beside the other checks rather than after them
    # (the runner gives every query its own cursor, so this is safe).
    if source.manifest is not None:
        # A prebuilt rollup: the transactions are never read; their checks are the build's counts.
        findings += _export_findings(source, None, prebuilt=True)
        findings += _prebuilt_findings(source)
    else:
        with ThreadPoolExecutor(max_workers=1) as background:
            id_order = (background.submit(source.run, "health_transaction_id_order")
                        if source.has("transactions") else None)
            findings += _export_findings(source, id_order)
    findings += _churn_findings(source) + _freshness_findings(source, today or source.today or date.today())
    return HealthReport(source.data_dir, source.fingerprint, source.as_of, data_coverage(source), findings)


def _process_findings(source: DataSource, has_c: bool) -> list[Finding]:
    """The checks of the optional touchpoints and leads exports (the Retention process page reads them)."""
    findings: list[Finding] = []
    if source.has("touchpoints"):
        if has_c:
            findings.append(_check(
                source, "health_touch_unknown_customers", "unknown customer", "touchpoints", "warning",
                "touches belong to a customer_id that is not in customers",
                "They count in no figure of the Retention process page. Export the missing customers, or check "
                "that both exports use the same ids."))
            findings.append(_check(
                source, "health_touch_before_signup", "before signup", "touchpoints", "warning",
                "touches are dated before their customer's signup_date",
                "They count neither for coverage nor as offers to existing customers. Check touch_date and "
                "signup_date."))
        findings.append(_check(
            source, "health_invalid_touch_costs", "invalid cost", "touchpoints", "error",
            "touches have a cost that is not a finite, non-negative amount below 1e12 (NaN, infinite, negative or "
            "absurd)", "These costs are ignored (the touches count, without a cost). Fix them in the export.",
            {"limit": MONEY_LIMIT}))
    if source.has("leads") and has_c:
        findings.append(_check(
            source, "health_lead_unknown_customers", "unknown customer", "leads", "warning",
            "leads name a customer_id that is not in customers",
            "They still count as converted. Export the missing customers, or check that both exports use the "
            "same ids."))
    return findings


def _export_findings(source: DataSource, id_order: Future[pl.DataFrame] | None,
                     prebuilt: bool = False) -> list[Finding]:
    """The checks of data_health, in the order the page shows them (``id_order``: its id-order pass, running).
    ``prebuilt``: the transactions are a prebuilt rollup's, whose checks :func:`_prebuilt_findings` reports."""
    findings: list[Finding] = []
    has_c, has_s = source.has("customers"), source.has("marketing_spend")
    has_t = source.has("transactions") and not prebuilt

    if has_c:
        # As many distinct ids in the (de-duplicated) customers as rows with an id in the export: no repeat.
        ids = int(source.run("health_customer_ids")["ids"][0])
        findings.append(_check(
            source, "health_duplicate_customers", "duplicate customer_id", "customers", "warning",
            "customer_id values appear more than once in customers",
            "Each customer should be one row: the dashboard keeps the row with the earliest signup_date of "
            "each and ignores the others. De-duplicate the export to choose yourself.",
            proved_none=int(source.run("coverage_customers")["distinct_keys"][0]) == ids))
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
        # One pass over transactions (grouped by customer, joined to customers once) counts both checks; the
        # costly per-transaction queries run only for what it found.
        links = source.run("health_customer_links").row(0, named=True)
        unknown = int(links["unknown_customer_transactions"])
        findings.append(_finding(
            "unknown customer", "warning", "transactions", unknown,
            "transactions belong to a customer_id that is not in customers",
            "They are left out of customer metrics (cohorts, survival, value). Export the missing customers, "
            "or check that both exports use the same ids.",
            source.run("health_unknown_customers", {"customer_ids": links["unknown_customer_ids"]})
            if unknown else None))
        findings.append(_check(
            source, "health_before_signup", "before signup", "transactions", "warning",
            "transactions are dated before their customer's signup_date",
            "Check that signup_date is the acquisition date; these transactions fall before period 0 and are "
            "left out of cohort curves.", proved_none=links["customers_before_signup"] == 0))
    if has_t:
        findings += _excluded_transactions(source)
    if has_c:
        findings.append(_check(
            source, "health_invalid_acquisition_costs", "invalid acquisition_cost", "customers", "error",
            "customers have an acquisition_cost that is not a finite, non-negative amount below 1e12 (NaN, "
            "infinite, negative or absurd)",
            "These costs are ignored (the customers count, without a cost): CAC and LTV:CAC leave them out. Fix "
            "them in the export.", {"limit": MONEY_LIMIT}))
    if has_s:
        findings.append(_check(
            source, "health_invalid_spend", "invalid spend", "marketing_spend", "error",
            "marketing_spend rows have a spend that is not a finite, non-negative amount below 1e12 (NaN, "
            "infinite, negative or absurd)",
            "These rows are left out of every figure (spend, CAC, the budget model). Fix them in the export.",
            {"limit": MONEY_LIMIT}))
    findings += _process_findings(source, has_c)
    if has_c and source.as_of:
        findings.append(_check(
            source, "health_customers_after_as_of", "dates after as-of", "customers", "warning",
            f"customers have a signup or churn date after the as-of date ({source.as_of})",
            "The as-of date is the latest transaction date not after today (or the date asked for): either "
            "transactions are missing for recent days, or these dates are wrong.", {"as_of": source.as_of}))
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
        # Ids read in strictly increasing (or decreasing) order prove there is no duplicate in one streaming
        # pass; otherwise every id is counted (a group by over all of them, twice the cost).
        order = (id_order.result() if id_order else source.run("health_transaction_id_order")).row(0, named=True)
        findings.append(_check(
            source, "health_duplicate_transactions", "duplicate transaction_id", "transactions", "warning",
            "transaction_id values appear more than once",
            "Revenue counts every row, so duplicates inflate it. De-duplicate the export.",
            proved_none=min(order["not_ascending"], order["not_descending"]) == 0))
    return findings


def _churn_findings(source: DataSource) -> list[Finding]:
    """Segments or channels without any churn_date while others have some; purchases after a churn_date."""
    if not (source.has("customers") and source.has("transactions")):
        return []
    findings: list[Finding] = []
    coverage = source.run("health_churn_date_coverage")
    names = {"segment": "segment", "channel": "acquisition channel"}
    for dimension, label in names.items():
        rows = coverage.filter(pl.col("dimension") == dimension)
        missing = rows.filter(pl.col("with_churn_date") == 0)
        if missing.height and missing.height < rows.height:
            customers = int(missing["customers"].sum())
            groups = ", ".join(f"{row['value']} ({row['customers']:,} customers)"
                               for row in missing.iter_rows(named=True))
            findings.append(Finding(
                f"no churn_date by {dimension}", "warning", "customers", customers,
                f"{customers:,} customers in a {label} without any churn_date while other {label}s have some: "
                f"{groups}. The combined churn definition (the default) covers them by inactivity: they churn "
                "after N days without a purchase. Under the explicit definition they would never churn; export "
                "their cancellations if they have any.", missing.select("value", "customers")))
        elif rows.height:
            findings.append(Finding(f"no churn_date by {dimension}", "warning", "customers", 0,
                                    f"No {label} lacks churn dates while others have them."))
    if source.manifest is not None:
        return findings  # purchases after a churn date need single transactions (see _prebuilt_findings)
    after = source.run("health_purchases_after_churn")
    affected = int(after["affected"][0]) if after.height else 0
    customers = int(after["customers"][0]) if after.height else 0
    findings.append(_finding(
        "purchases after churn_date", "info", "transactions", affected,
        f"purchases are dated after their customer's churn_date ({customers:,} customers)",
        "They mean the customer came back: survival counts the first churn (on the churn_date), and the revenue "
        "movements count the return as reactivated. If the churn dates are wrong, fix them in the export.",
        after.drop("customers") if after.height else None))
    return findings


def _freshness_findings(source: DataSource, today: date) -> list[Finding]:
    """A stale export (as-of date long before today), and money without a currency."""
    findings: list[Finding] = []
    if source.as_of is not None:
        age = (today - source.as_of).days
        findings.append(Finding(
            "stale export", "warning", "transactions", age if age > STALE_DAYS else 0,
            f"The latest transaction is from {source.as_of}, {age:,} days before today ({today}): every figure is "
            f"as of that date. Re-export the data to see recent months." if age > STALE_DAYS else
            f"The latest transaction ({source.as_of}) is within {STALE_DAYS} days of today."))
    if source.has("transactions"):
        findings.append(Finding(
            "currency", "info", "retention.toml", 0 if source.currency else 1,
            f"Money is shown in {source.currency}." if source.currency else
            "No currency is set: money is shown without one. Add currency = \"EUR\" (your ISO code) to "
            "retention.toml in the data folder."))
    return findings


def _excluded_transactions(source: DataSource) -> list[Finding]:
    """The transactions no figure uses (each counted from every row as exported), and margins set aside."""
    findings = [_check(
        source, "health_nonfinite_amounts", "non-finite amount", "transactions", "error",
        "transactions have an amount that is not a finite number (NaN or infinite)",
        "They are left out of every figure. Fix the amounts in the export (an empty amount is better than NaN).")]
    bound = source.amount_bound
    basis = (f"1,000 times the 99.9th percentile of |amount| ({source.amount_p999:,.2f}), i.e. {bound:,.2f}"
             if bound < MONEY_LIMIT and source.amount_p999 else "1e12")
    findings.append(_check(
        source, "health_implausible_amounts", "implausible amount", "transactions", "error",
        f"transactions have an amount of {basis} or more in size",
        "They are left out of every figure: no single payment is that large next to the others. If one is real, "
        "split it into the payments it stands for; otherwise fix it in the export.", {"bound": bound}))
    if source.as_of is not None:
        asked = source.as_of_request is not None
        findings.append(_check(
            source, "health_transactions_after_as_of", "transactions after as-of", "transactions",
            "info" if asked else "warning",
            f"transactions are dated after the as-of date ({source.as_of})",
            "They are left out of every figure. " + (
                "The as-of date was asked for (--as-of, or as_of= in the URL); customers who signed up after "
                "it are left out too." if asked else
                f"The as-of date is the latest transaction date not after today ({source.today}): these are "
                "dated in the future. Fix the dates in the export, or open the data with a later as-of date."),
            {"as_of": source.as_of}))
    findings.append(_check(
        source, "health_invalid_margins", "invalid gross_margin", "transactions", "error",
        "transactions have a gross_margin that is not a finite amount below 1e12 in size",
        "Those margins are ignored: the margin % setting applies to these transactions instead. Fix them in the "
        "export.", {"limit": MONEY_LIMIT}))
    return findings


#: The checks of single transactions that a prebuilt rollup's build does not count (queries/portable_health_counts.sql).
PREBUILT_UNCHECKED = ("duplicate transaction_id", "transactions before signup", "invalid gross_margin",
                      "purchases after churn_date")


def _prebuilt_findings(source: DataSource) -> list[Finding]:
    """The transactions' checks from a prebuilt rollup's build (its health_counts table): which build, when, and
    what it counted; the checks it does not make are named, not passed."""
    manifest = source.manifest
    assert manifest is not None
    counts = source.run("prebuilt_health_counts").row(0, named=True)
    findings = [Finding(
        "prebuilt rollup", "info", "transactions", 1,
        f"The figures read the prebuilt rollup in {source.rollup_dir}, built {manifest.created} on {manifest.engine} "
        f"from {manifest.source} (as of {manifest.as_of}): the transactions are not read. The checks of the "
        f"transactions below are the build's counts over its {int(counts['rows']):,} rows; these need single "
        f"transactions and are not run: {', '.join(PREBUILT_UNCHECKED)}. Open the data folder without the rollup to "
        "run them.")]
    nulls = [("customer_id", counts["null_customer"]), ("transaction_date", counts["undated"]),
             ("amount", counts["null_amount"])]
    for column, affected in nulls:
        if affected:
            findings.append(Finding(
                "null keys", "warning", "transactions", int(affected),
                f"{int(affected):,} rows of transactions have no {column} (counted by the rollup's build). They are "
                "left out of every metric that needs it; fill them in the source system or drop them from the "
                "export."))
    findings.append(_finding(
        "unknown customer", "warning", "transactions", int(counts["unknown_customer"]),
        "transactions belong to a customer_id that is not in customers (counted by the rollup's build)",
        "They are left out of customer metrics (cohorts, survival, value). Export the missing customers, or check "
        "that both exports use the same ids."))
    findings.append(_finding(
        "implausible amount", "error", "transactions", int(counts["implausible_amount"]),
        f"transactions have an amount that is not finite or is {source.amount_bound:,.2f} or more in size "
        "(counted by the rollup's build)",
        "They are left out of every figure. Fix the amounts in the export."))
    if source.as_of is not None:
        findings.append(_finding(
            "transactions after as-of", "warning", "transactions", int(counts["after_as_of"]),
            f"transactions are dated after the as-of date ({source.as_of}; counted by the rollup's build)",
            "They are left out of every figure. Fix the dates in the export, or rebuild the rollup later."))
    findings.append(_finding(
        "negative amounts", "info", "transactions", int(counts["refunds"]),
        "transactions have a negative amount (refunds; counted by the rollup's build)",
        "Refunds are normal: revenue is net of them, and a customer is active in a period only with a positive "
        "amount."))
    return findings


def data_coverage(source: DataSource) -> pl.DataFrame:
    """One row per export: status, files, rows, distinct keys, first and last date (``data_coverage.csv``)."""
    rows = []
    for export, files in source.files.items():
        row: dict[str, object] = {"export": export, "files": len(files), "rows": None, "distinct_keys": None,
                                  "first_date": None, "last_date": None}
        if export == "transactions" and source.manifest is not None:
            # A prebuilt rollup: its build counted them over the same transactions (queries/portable_health_counts.sql).
            stats = source.run("prebuilt_health_counts").row(0, named=True)
            row.update(rows=stats["kept_rows"], distinct_keys=stats["distinct_customers"],
                       first_date=stats["first_date"], last_date=stats["last_date"], status="ok")
        elif source.has(export):
            # With customers, the transactions' figures come from the pass data_health makes anyway (cached):
            # coverage_transactions would count the distinct customer_ids a second time.
            query = ("health_customer_links" if export == "transactions" and source.has("customers")
                     else f"coverage_{export}")
            stats = source.run(query).row(0, named=True)
            row.update({k: stats[k] for k in ("rows", "distinct_keys", "first_date", "last_date")})
            row["status"] = "ok"
        else:
            row["status"] = "error" if files or EXPORTS[export].required else "absent (optional)"
        rows.append(row)
    schema = {"export": pl.String, "status": pl.String, "files": pl.Int64, "rows": pl.Int64,
              "distinct_keys": pl.Int64, "first_date": pl.Date, "last_date": pl.Date}
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)
