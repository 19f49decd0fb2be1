"""Invoices: the legal document of each paid order, and the documents that answer its refunds.

One row per document. A sale's invoice (``purpose='sale'``, at most one per order) is written in
the transaction that marks the order paid, with its UUID (the ETTN), its buyer and its totals,
before the integrator is ever called; the queue (services.invoicing.queue) then issues it. A
refund adds a new row linked to the original (``purpose='cancellation'`` or ``'return'``): an
issued invoice is never changed, and the database refuses to (see ``immutable_ddl``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow
from coopshop.models.orders import Order, Refund

INVOICE_KINDS = ("earsiv", "efatura")
INVOICE_PURPOSES = ("sale", "cancellation", "return")
INVOICE_STATUSES = ("pending", "issuing", "issued", "failed", "recorded")
# The one place the queue's transitions are written down.
INVOICE_TRANSITIONS = {
    "pending": {"issuing"},
    "issuing": {"issued", "failed", "pending"},
    "failed": {"pending"},
    "issued": set(),
    "recorded": set(),
}
_ONE_SALE_INVOICE = "purpose = 'sale'"


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(f"kind IN {INVOICE_KINDS!r}", name="kind_valid"),
        CheckConstraint(f"purpose IN {INVOICE_PURPOSES!r}", name="purpose_valid"),
        CheckConstraint(f"status IN {INVOICE_STATUSES!r}", name="status_valid"),
        CheckConstraint("net_kurus >= 0 AND vat_kurus >= 0", name="amounts_non_negative"),
        CheckConstraint("gross_kurus = net_kurus + vat_kurus", name="gross_adds_up"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint(
            "(purpose = 'sale') = (original_id IS NULL)", name="documents_answer_an_invoice"
        ),
        Index(
            "uq_invoices_one_sale_invoice_per_order",
            "order_id",
            unique=True,
            sqlite_where=text(_ONE_SALE_INVOICE),
            postgresql_where=text(_ONE_SALE_INVOICE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), default="sale")
    original_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("refunds.id", ondelete="RESTRICT"), unique=True
    )
    # Decided once, on the first attempt (from the integrator's e-Fatura list), then fixed.
    kind: Mapped[str | None] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_tax_id: Mapped[str] = mapped_column(String(11))
    buyer_tax_office: Mapped[str] = mapped_column(String(80), default="")
    buyer_address: Mapped[str] = mapped_column(Text, default="")
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    # [[name, quantity, unit price, vat bp, gross, net, vat], ...] in kuruş, as sent.
    lines: Mapped[list] = mapped_column(JSON)
    # [[vat bp, net, vat], ...] in kuruş.
    by_rate: Mapped[list] = mapped_column(JSON)
    net_kurus: Mapped[int] = mapped_column(BigInteger)
    vat_kurus: Mapped[int] = mapped_column(BigInteger)
    gross_kurus: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    refund: Mapped[Refund | None] = relationship()
    original: Mapped[Invoice | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Invoice {self.purpose} {self.number or self.uuid} {self.status}>"


_FIXED = ("uuid", "order_id", "purpose", "original_id", "refund_id", "provider", "buyer_name",
          "buyer_tax_id", "buyer_tax_office", "lines", "by_rate", "net_kurus", "vat_kurus",
          "gross_kurus")  # fmt: skip
_MESSAGE = "invoice amounts and parties are fixed; an issued invoice never changes"


def immutable_ddl(dialect: str) -> list[str]:
    """Statements making the database refuse: any change to a document's parties, lines or
    amounts; changing its kind once decided; any change once issued or recorded; any DELETE."""
    if dialect == "sqlite":
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FIXED)
        return [
            "CREATE TRIGGER invoices_fixed BEFORE UPDATE ON invoices WHEN "
            f"OLD.status IN ('issued', 'recorded') OR {changed} "
            "OR (OLD.kind IS NOT NULL AND NEW.kind IS NOT OLD.kind) "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
            "CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
        ]
    if dialect == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FIXED)
        changed = changed.replace("NEW.lines IS", "NEW.lines::text IS").replace(
            "OLD.lines OR", "OLD.lines::text OR"
        )
        changed = changed.replace("NEW.by_rate IS", "NEW.by_rate::text IS").replace(
            "OLD.by_rate OR", "OLD.by_rate::text OR"
        )
        return [
            "CREATE OR REPLACE FUNCTION invoices_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'DELETE' OR OLD.status IN ('issued', 'recorded') OR {changed} "
            "OR (OLD.kind IS NOT NULL AND NEW.kind IS DISTINCT FROM OLD.kind) "
            f"THEN RAISE EXCEPTION '{_MESSAGE}'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER invoices_fixed BEFORE UPDATE OR DELETE ON invoices "
            "FOR EACH ROW EXECUTE FUNCTION invoices_fixed()",
        ]
    return []


@event.listens_for(Invoice.__table__, "after_create")
def _create_immutable_triggers(target, connection, **kw) -> None:
    for statement in immutable_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
