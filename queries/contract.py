"""The data contract: which exports a data folder holds and which columns each must or may carry.

This is the single place the contract is written down; the runner, the validation, the README table and
the tests all read it from here.

- ``customers`` (required): one row per customer.
- ``transactions`` (required): one row per payment or refund.
- ``marketing_spend`` (optional): one row per month and channel.
- ``touchpoints`` (optional): one row per touch of the retention process (a welcome call, a package, an offer).
- ``leads`` (optional): one row per sales lead (a prospect), with the customer it became, if any.

Column kinds:

- ``id``: string or integer; normalised to text so that ``1`` and ``"1"`` join.
- ``date``: date, timestamp, or text in ISO form; normalised to a calendar date (timestamps are truncated).
- ``number``: any numeric type, or text holding numbers; normalised to a 64-bit float.
- ``text``: anything; normalised to text.

Optional columns that are missing get the default shown in the contract (``unknown`` for the dimensions,
null otherwise), so every query can rely on every column existing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["id", "date", "number", "text"]
ExportName = Literal["customers", "transactions", "marketing_spend", "touchpoints", "leads"]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: ColumnKind
    required: bool
    description: str
    # SQL literal used when an optional column is absent. A constant from this file, never user text.
    missing_default: str = "null"
    #: Text only: a blank or null value stays null (an offer without an outcome has none), instead of 'unknown'.
    keep_null: bool = False


@dataclass(frozen=True)
class ExportSpec:
    name: ExportName
    required: bool
    description: str
    columns: tuple[ColumnSpec, ...]
    #: Rows are unique on this key: the normalised view keeps the earliest row of each (queries/validation.py).
    unique_key: str | None = None

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


CUSTOMERS = ExportSpec(
    name="customers",
    required=True,
    description="One row per customer.",
    columns=(
        ColumnSpec("customer_id", "id", True, "Unique customer key (string or integer)."),
        ColumnSpec("signup_date", "date", True, "Acquisition date: the customer's cohort is taken from it."),
        ColumnSpec("acquisition_channel", "text", False, "Channel that won the customer.", "'unknown'"),
        ColumnSpec("segment", "text", False, "Customer segment, e.g. plan or size.", "'unknown'"),
        ColumnSpec("region", "text", False, "Customer region.", "'unknown'"),
        ColumnSpec("churn_date", "date", False, "Explicit cancellation date; empty = still a customer."),
        ColumnSpec("acquisition_cost", "number", False, "Attributed acquisition cost of this customer."),
    ),
    unique_key="customer_id",
)

TRANSACTIONS = ExportSpec(
    name="transactions",
    required=True,
    description="One row per payment (positive amount) or refund (negative amount).",
    columns=(
        ColumnSpec("customer_id", "id", True, "The paying customer; matches customers.customer_id."),
        ColumnSpec("transaction_date", "date", True, "Date of the payment or refund."),
        ColumnSpec("amount", "number", True, "Revenue in the data's currency; negative = refund."),
        ColumnSpec("transaction_id", "id", False, "Unique transaction key, used to spot duplicates."),
        ColumnSpec("gross_margin", "number", False, "Profit of this transaction; else a margin % applies."),
    ),
)

MARKETING_SPEND = ExportSpec(
    name="marketing_spend",
    required=False,
    description="Marketing spend per month and acquisition channel.",
    columns=(
        ColumnSpec("month", "date", True, "Any date in the month (first of month by convention)."),
        ColumnSpec("channel", "text", True, "Acquisition channel; matches customers.acquisition_channel."),
        ColumnSpec("spend", "number", True, "Spend in the data's currency."),
    ),
)

TOUCHPOINTS = ExportSpec(
    name="touchpoints",
    required=False,
    description="One row per touch of the retention process: a call, a package, a check-in, an offer.",
    columns=(
        ColumnSpec("customer_id", "id", True, "The customer touched; matches customers.customer_id."),
        ColumnSpec("touch_date", "date", True, "Date of the touch."),
        ColumnSpec("touchpoint", "text", True, "What happened, free text: welcome_call, handoff_package, "
                   "onboarding, check_in, support_ticket, offer, ...", keep_null=True),
        ColumnSpec("outcome", "text", False, "Result where it has one, e.g. accepted / declined for an offer.",
                   keep_null=True),
        ColumnSpec("cost", "number", False, "Cost of the touch in the data's currency."),
    ),
)

LEADS = ExportSpec(
    name="leads",
    required=False,
    description="One row per sales lead (a prospect who is not yet a customer when it is created).",
    columns=(
        ColumnSpec("lead_id", "id", True, "Unique lead key."),
        ColumnSpec("created_date", "date", True, "Date the lead was created."),
        ColumnSpec("channel", "text", False, "Channel the lead came from.", "'unknown'"),
        ColumnSpec("customer_id", "id", False, "The customer the lead became; empty = not (yet) converted."),
    ),
)

EXPORTS: dict[str, ExportSpec] = {
    spec.name: spec for spec in (CUSTOMERS, TRANSACTIONS, MARKETING_SPEND, TOUCHPOINTS, LEADS)}

#: Name of the optional file in the data folder that maps contract columns to the export's own names.
MAPPING_FILE = "retention.toml"
