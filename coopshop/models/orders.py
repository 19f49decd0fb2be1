"""Orders from every channel, their lines with what was true when sold, payments and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from coopshop.models.catalog import Product
    from coopshop.models.user import ProducerProfile, User

CHANNELS = ("online", "bank_transfer", "bazaar")
PAYMENT_METHODS = ("stripe", "demo", "bank_transfer", "cash", "card_terminal", "iyzico")
ORDER_STATUSES = ("pending_payment", "paid", "cancelled", "expired")
# The one place order status transitions are written down.
ORDER_TRANSITIONS = {
    "pending_payment": {"paid", "cancelled", "expired"},
    "paid": set(),
    "cancelled": set(),
    "expired": set(),
}
FULFILMENT_STATUSES = (
    "unfulfilled",
    "received",
    "shipped",
    "delivered",
    "collected",
    "returned",
)
# The one place fulfilment transitions are written down: every item received from its makers,
# then shipped (with a tracking number), then delivered; a bazaar sale is collected at the desk.
# A parcel the carrier brings back (returned to sender) is never delivered: staff ship it again
# (back to packed, a new label) or refund it.
FULFILMENT_TRANSITIONS = {
    "unfulfilled": {"received", "collected"},
    "received": {"shipped"},
    "shipped": {"delivered", "returned"},
    "delivered": set(),
    "collected": set(),
    "returned": {"received"},
}
_FULFILMENT_QUEUE_WHERE = (
    "status = 'paid' AND fulfilment_status IN ('unfulfilled', 'received', 'shipped')"
)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_valid"),
        CheckConstraint(f"payment_method IN {PAYMENT_METHODS!r}", name="payment_method_valid"),
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"fulfilment_status IN {FULFILMENT_STATUSES!r}", name="fulfilment_valid"),
        CheckConstraint("subtotal_kurus >= 0", name="subtotal_non_negative"),
        CheckConstraint("shipping_kurus >= 0", name="shipping_non_negative"),
        CheckConstraint("total_kurus = subtotal_kurus + shipping_kurus", name="total_adds_up"),
        CheckConstraint(
            "shipping_vat_bp >= 0 AND shipping_vat_bp <= 10000", name="shipping_vat_range"
        ),
        # The staff's fulfilment queue (paid, not yet delivered) stays small as history grows.
        Index(
            "ix_orders_fulfilment_queue",
            "fulfilment_status",
            "paid_at",
            sqlite_where=text(_FULFILMENT_QUEUE_WHERE),
            postgresql_where=text(_FULFILMENT_QUEUE_WHERE),
        ),
        # Her entries' orders' channel read index-only on PostgreSQL (issue 22).
        Index("ix_orders_id_channel", "id", postgresql_include=["channel"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    payment_method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="pending_payment", index=True)
    fulfilment_status: Mapped[str] = mapped_column(String(16), default="unfulfilled")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cash_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cash_sessions.id", ondelete="RESTRICT"), index=True
    )
    buyer_name: Mapped[str] = mapped_column(String(120), default="")
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    buyer_phone: Mapped[str] = mapped_column(String(32), default="")
    address_line: Mapped[str] = mapped_column(Text, default="")
    il: Mapped[str] = mapped_column(String(40), default="")
    ilce: Mapped[str] = mapped_column(String(60), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    # "Kurumsal fatura" (invoicing): who the invoice is made out to when not the buyer herself,
    # and her VKN (company) or TCKN (consumer); empty means a consumer invoice to buyer_name.
    buyer_company: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    buyer_tax_office: Mapped[str] = mapped_column(String(80), default="", server_default=text("''"))
    buyer_tax_id: Mapped[str] = mapped_column(String(11), default="", server_default=text("''"))
    subtotal_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    # The VAT rate of the shipping, snapshotted like a line's: the ledger books the shipping's
    # VAT to vat:payable and the invoice's shipping line shows it (money.vat_split).
    shipping_vat_bp: Mapped[int] = mapped_column(Integer, default=2000, server_default=text("2000"))
    # Booked before shipping and the taksit surcharge carried their VAT (migration 0290): its
    # ledger keeps that booking (append-only); ledger check explains the difference with the
    # invoice as exactly that VAT (ledger_check_vat), and its refunds are booked the same way.
    legacy_vat_booking: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    total_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_reference: Mapped[str | None] = mapped_column(String(255))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the buyer received it (staff's click or the carrier's event): the withdrawal window
    # and the makers' availability count from here (services.sales.fulfilment.mark_delivered).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    customer: Mapped[User | None] = relationship(foreign_keys=[customer_id])
    payments: Mapped[list[Payment]] = relationship(back_populates="order")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order")

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderLine(Base):
    """One product in an order, with a snapshot of what was true when it was sold."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_kurus >= 0", name="unit_price_non_negative"),
        CheckConstraint("gross_kurus = unit_price_kurus * quantity", name="gross_adds_up"),
        CheckConstraint("vat_bp >= 0 AND vat_bp <= 10000", name="vat_range"),
        CheckConstraint("commission_bp >= 0 AND commission_bp <= 10000", name="commission_range"),
        CheckConstraint("stock_short >= 0 AND stock_short <= quantity", name="stock_short_range"),
        CheckConstraint(
            "withdrawal_exclusion IS NULL OR withdrawal_exclusion IN "
            "('custom_made', 'personalised')",
            name="withdrawal_exclusion_valid",
        ),
        # Her entries' lines, product and order read index-only on PostgreSQL (issue 22).
        Index(
            "ix_order_lines_id_covering",
            "id",
            postgresql_include=["order_id", "product_id", "quantity"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    product_code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_kurus: Mapped[int] = mapped_column(BigInteger)
    gross_kurus: Mapped[int] = mapped_column(BigInteger)
    vat_bp: Mapped[int] = mapped_column(Integer)
    commission_bp: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sale rung up offline at a bazaar desk: how many of the goods that left the table were
    # not in stock by the time it synced (staff correct the count), and the catalogue price
    # when the device sold at another one (an admin reviews it). Both stay as the sale happened.
    stock_short: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    list_price_kurus: Mapped[int | None] = mapped_column(BigInteger)
    # The product's withdrawal exclusion when it was sold (models.catalog.WITHDRAWAL_EXCLUSIONS).
    withdrawal_exclusion: Mapped[str | None] = mapped_column(String(16))
    # Where a largest-remainder tie among the line's makers starts (money.allocate's
    # tie_offset, position in producer-id order, mod the count): NULL means the line's own id,
    # so the odd kuruş of a 50/50 product goes to each maker on alternate lines. Lines sold
    # before migration 0320 keep 0 (ties to the lower producer id), as they were booked.
    tie_offset: Mapped[int | None] = mapped_column(Integer)

    @property
    def ties_from(self) -> int:
        """The tie offset every split of this line among its makers uses."""
        return self.id if self.tie_offset is None else self.tie_offset

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    makers: Mapped[list[OrderLineMaker]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="OrderLineMaker.producer_id"
    )


class OrderLineMaker(Base):
    """Snapshot of a line's makers and their shares at the time of sale."""

    __tablename__ = "order_line_makers"
    __table_args__ = (CheckConstraint("share_bp > 0 AND share_bp <= 10000", name="share_range"),)

    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True
    )
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    share_bp: Mapped[int] = mapped_column(Integer)

    line: Mapped[OrderLine] = relationship(back_populates="makers")
    producer: Mapped[ProducerProfile] = relationship()


PAYMENT_STATUSES = ("pending", "succeeded", "failed")


class Payment(Base):
    """Money received for an order from a provider (Stripe, demo, bank transfer, cash, card)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_kurus >= 0", name="amount_non_negative"),
        CheckConstraint("fee_kurus >= 0", name="fee_non_negative"),
        CheckConstraint("surcharge_kurus >= 0", name="surcharge_non_negative"),
        CheckConstraint(f"status IN {PAYMENT_STATUSES!r}", name="status_valid"),
        UniqueConstraint("provider", "provider_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(255))
    charge_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    amount_kurus: Mapped[int] = mapped_column(BigInteger)
    fee_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # iyzico: the taksit count, what the shopper paid above the order total for it, and each
    # basket item's paymentTransactionId ({"<order line id>" or "SHIPPING": id}) for refunds.
    installments: Mapped[int | None] = mapped_column(Integer)
    surcharge_kurus: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    item_refs: Mapped[dict | None] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="payments")


class Refund(Base):
    """Money given back for part or all of an order; RefundLine says which lines, how much."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_kurus > 0", name="amount_positive"),
        CheckConstraint("shipping_kurus >= 0", name="shipping_non_negative"),
        CheckConstraint("surcharge_kurus >= 0", name="surcharge_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    amount_kurus: Mapped[int] = mapped_column(BigInteger)  # lines + shipping + surcharge
    shipping_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    # Of the taksit surcharge (Payment.surcharge_kurus) given back: all of it when iyzico
    # cancels the payment the same day; its VAT reverses by the cumulative rule.
    surcharge_kurus: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    reason: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    # How the money went back when it did not go back through the provider (cash at the desk,
    # a transfer to the buyer's IBAN, ...), as the admin wrote it.
    note: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="refunds")
    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", cascade="all, delete-orphan"
    )


class RefundLine(Base):
    __tablename__ = "refund_lines"
    __table_args__ = (CheckConstraint("amount_kurus > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True
    )
    amount_kurus: Mapped[int] = mapped_column(BigInteger)

    refund: Mapped[Refund] = relationship(back_populates="lines")
    line: Mapped[OrderLine] = relationship()


REFUND_REQUEST_STATUSES = ("pending", "succeeded", "failed")


class RefundRequest(Base):
    """A refund through the payment provider, written down and committed before the provider is
    called: its idempotency key and its lines survive a crash between the call and the booking
    (services.refund_flow). At most one is pending per order."""

    __tablename__ = "refund_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {REFUND_REQUEST_STATUSES!r}", name="status_valid"),
        CheckConstraint("amount_kurus > 0", name="amount_positive"),
        CheckConstraint("shipping_kurus >= 0", name="shipping_non_negative"),
        UniqueConstraint("order_id", "seq"),
        Index(
            "uq_refund_requests_one_pending_per_order",
            "order_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    amount_kurus: Mapped[int] = mapped_column(BigInteger)
    shipping_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    # [[order line id, kuruş], ...]: what the admin chose, booked as is whoever finishes it.
    lines: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    provider_ref: Mapped[str | None] = mapped_column(String(255))
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("refunds.id", ondelete="RESTRICT"), unique=True
    )
    error: Mapped[str | None] = mapped_column(Text)
    # iyzico refunds go per basket item with no idempotency key: the parts already made
    # ({paymentTransactionId: kuruş}), so a retry sends only the rest.
    provider_parts: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    refund: Mapped[Refund | None] = relationship()
