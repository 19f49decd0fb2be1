"""The API's request and response shapes: one pydantic model each, the single source of truth.

Views validate requests with these models and build responses from them, and the OpenAPI
document (api/spec.py) is generated from the same models, so the description cannot drift from
the code. Amounts are integer kuruş in ``*_kurus`` fields, rates integer basis points in
``*_bp`` fields, times ISO 8601 with an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # the database's integer ids
MAX_KURUS = 10**12  # ten billion lira: far above any real amount, far below BIGINT
MAX_PAGE = 10_000
MIN_YEAR, MAX_YEAR = 2000, 2100  # a time outside these is a typo, not a period to pay
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Kurus = Annotated[int, Field(ge=0, le=MAX_KURUS)]
PositiveKurus = Annotated[int, Field(ge=1, le=MAX_KURUS)]
Bp = Annotated[int, Field(ge=0, le=10_000)]
Quantity = Annotated[int, Field(ge=1, le=999)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
ClientRef = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def text(max_length: int, min_length: int = 0):
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=NO_NUL)]


# Times go out as ISO 8601 with an explicit offset (UTC, "+00:00").
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Input(BaseModel):
    """A JSON request body: strict types (no "5" for 5), unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """Query-string parameters: text on the wire, so numbers are parsed; an unknown parameter
    is refused like an unknown body field (a typo is an error, not a silent no-op)."""

    model_config = ConfigDict(extra="forbid")


class NoQuery(Query):
    """An operation without query parameters."""


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------------------


class ErrorDetail(Output):
    code: str = Field(description="A stable code to switch on, e.g. not_found, validation_error.")
    message: str = Field(description="A human-readable message in the caller's language.")
    field: str | None = Field(None, description="The input field at fault, e.g. lines[0].quantity.")
    details: dict[str, Any] | None = None


class ErrorOut(Output):
    error: ErrorDetail


# --- catalog --------------------------------------------------------------------------------


class ProductQuery(Query):
    q: text(100) = Field("", description="Search words (Turkish-aware: 'canta' finds 'Çanta').")
    collection: text(80) | None = Field(None, description="A collection's slug.")
    category: text(80) | None = Field(None, description="A category's slug.")
    producer: Id | None = Field(None, description="A maker's producer id.")
    page: Page = 1


class PageQuery(Query):
    page: Page = 1


class CursorQuery(Query):
    cursor: str | None = Field(
        None,
        max_length=40,
        pattern=r"^-?[0-9]+\.[0-9]+$",
        description="The next_cursor of the previous page; absent for the newest lines.",
    )


class NamedRef(Output):
    id: int
    slug: str
    name: str
    name_en: str


class MakerOut(Output):
    producer_id: int
    name: str
    share_bp: int


class ProductOut(Output):
    id: int
    code: str
    title: str
    title_en: str
    price_kurus: int = Field(description="Price including VAT, in kuruş.")
    vat_bp: int
    commission_bp: int = Field(description="The commission rate that applies to a sale today.")
    stock: int
    made_to_order: bool
    lead_time_days: int | None
    collection: NamedRef | None
    category: NamedRef
    makers: list[MakerOut]
    url: str


class ProductPage(Output):
    items: list[ProductOut]
    page: int
    pages: int
    per_page: int
    total: int


class CollectionOut(Output):
    id: int
    slug: str
    name: str
    name_en: str
    description: str
    url: str


class CollectionList(Output):
    items: list[CollectionOut]


# --- sales, orders and refunds --------------------------------------------------------------


class SaleLineById(Input):
    product_id: Id
    quantity: Quantity


class SaleLineByCode(Input):
    code: text(16, min_length=1) = Field(description="The product's short code.")
    quantity: Quantity


class SaleIn(Input):
    channel: Literal["bazaar", "bank_transfer"]
    payment_method: Literal["cash", "card_terminal", "bank_transfer"]
    cash_session_id: Id | None = Field(None, description="The open desk session (bazaar sales).")
    client_ref: ClientRef | None = Field(
        None,
        description="The app's own id for this ticket: sending the same sale twice (a retry "
        "after a lost answer) records it once and answers with the first order.",
    )
    lines: Annotated[list[SaleLineById | SaleLineByCode], Field(min_length=1, max_length=100)]


class OrderLineMakerOut(Output):
    producer_id: int
    share_bp: int


class OrderLineOut(Output):
    id: int
    product_id: int | None
    code: str
    title: str
    quantity: int
    unit_price_kurus: int
    gross_kurus: int
    vat_bp: int
    commission_bp: int
    makers: list[OrderLineMakerOut]


class OrderOut(Output):
    id: int
    number: str
    channel: str
    payment_method: str
    status: str
    fulfilment_status: str
    subtotal_kurus: int
    shipping_kurus: int
    total_kurus: int
    cash_session_id: int | None
    created_at: Timestamp
    paid_at: Timestamp | None
    lines: list[OrderLineOut]


class RefundLineIn(Input):
    line_id: Id
    amount_kurus: PositiveKurus


class RefundIn(Input):
    lines: Annotated[list[RefundLineIn], Field(max_length=100)] = Field(default_factory=list)
    shipping_kurus: Kurus = 0
    reason: text(500) = Field("", description="Why the money goes back (required by the rules).")
    method: Literal["cash", "bank_transfer", "card_terminal", "demo", "original"] | None = Field(
        None, description="How the money went back (offline orders); by default as it was paid."
    )
    note: text(500) = Field("", description="How the money went back, in words (offline).")


class RefundLineOut(Output):
    id: int
    line_id: int
    amount_kurus: int


class RefundOut(Output):
    id: int
    order_id: int
    amount_kurus: int
    shipping_kurus: int
    method: str
    reason: str
    created_at: Timestamp
    lines: list[RefundLineOut]


class RefundPendingOut(Output):
    """A card refund written down and sent to its provider by a job: 'pending' until the
    provider answers, then 'succeeded' (``refund_id`` is the booked refund) or 'failed'."""

    request_id: int
    order_id: int
    status: str = Field(description="pending, succeeded or failed")
    amount_kurus: int
    error: str | None = Field(description="The provider's message (a refusal, a lost answer).")
    refund_id: int | None = None
    url: str = Field(description="Where to read this request again (GET).")


# --- balances and the ledger ----------------------------------------------------------------


class BalanceOut(Output):
    producer_id: int
    pending_kurus: int = Field(description="Owed to her, not yet payable (return window).")
    payable_kurus: int = Field(
        description="Her balance that is payable now, before withholding (negative after a "
        "clawback): what a payout line closed now would take from her balance."
    )
    available_kurus: int = Field(
        description="What the next payout batch would send to her bank if the period were "
        "closed now: payable less withholding, or 0 when the batch would leave her out "
        "(see payout_hold_reason). The same number her dashboard shows."
    )
    withholding_kurus: int = Field(description="Withholding (stopaj) that payout would keep.")
    payout_hold_reason: str | None = Field(
        description="Why a batch closed now would leave her out: below_minimum, "
        "negative_balance, not_active, no_iban, invalid_iban or iban_on_hold; null when she "
        "would be paid."
    )
    paid_kurus: int = Field(description="Paid out to her so far.")
    earned_kurus: int = Field(description="Her share of every sale so far.")
    refunded_kurus: int
    deductions_kurus: int
    fees_kurus: int
    balance_kurus: int = Field(description="pending + payable: what she is owed in all.")
    as_of: Timestamp


class MySaleLine(Output):
    order_line_id: int
    order_number: str
    paid_at: Timestamp | None
    title: str
    quantity: int
    gross_kurus: int
    share_bp: int
    earned_kurus: int = Field(description="Her part of the line.")
    refunded_kurus: int = Field(description="What was taken back from her part by refunds.")
    net_kurus: int
    available_at: Timestamp | None


class MySalesPage(Output):
    items: list[MySaleLine]
    per_page: int
    has_more: bool
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next (older) page; null on the last page."
    )


class ViolationOut(Output):
    rule: str
    description: str
    transaction_id: int | None
    order_id: int | None
    producer_id: int | None


class LedgerCheckOut(Output):
    ok: bool
    violations: list[ViolationOut]


# --- payouts --------------------------------------------------------------------------------


class PayoutIn(Input):
    cutoff: AwareDatetime = Field(
        description="The period's last day (ISO 8601 with an offset): pay what became available"
        " by the end of that day in Istanbul, or up to now while it is still running."
    )

    @field_validator("cutoff")
    @classmethod
    def _in_range(cls, value: datetime) -> datetime:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise PydanticCustomError("time_range", "out of range")
        return value.astimezone(UTC)


class PaidIn(Input):
    reference: text(80, min_length=1) = Field(description="The bank's reference for the transfer.")


class FailedIn(Input):
    reason: text(500, min_length=1) = Field(description="Why the transfer failed (wrong IBAN…).")


class PayoutLineOut(Output):
    id: int
    producer_id: int
    account_name: str
    amount_kurus: int
    iban: str
    status: str
    bank_reference: str | None
    failure_reason: str | None
    settled_at: Timestamp | None


class LeftOutOut(Output):
    producer_id: int
    name: str
    reason: str = Field(
        description=(
            "below_minimum, negative_balance, not_active, no_iban, invalid_iban or iban_on_hold."
        )
    )
    amount_kurus: int


class PayoutBatchOut(Output):
    id: int
    status: str
    cutoff: Timestamp
    created_at: Timestamp
    created_by_id: int | None
    approved_at: Timestamp | None
    approved_by_id: int | None
    total_kurus: int
    lines: list[PayoutLineOut]
    left_out: list[LeftOutOut]


class NothingToPayOut(Output):
    """Closing found no one to pay: no batch was made."""

    batch: None = None
    left_out: list[LeftOutOut]
