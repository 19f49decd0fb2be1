"""Payout batches: one line per producer, paid to her IBAN by bank transfer."""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

BATCH_STATUSES = ("draft", "approved", "paid", "cancelled")
BATCH_TRANSITIONS = {
    "draft": {"approved", "cancelled"},
    "approved": {"paid"},
    "paid": set(),
    "cancelled": set(),
}
LINE_STATUSES = ("pending", "paid", "failed")


class PayoutBatch(Base):
    __tablename__ = "payout_batches"
    __table_args__ = (
        CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="status_valid"),
        # One draft at a time: two admins closing a period at once cannot both put the same
        # money in a batch (the second insert fails; services.payouts turns that into Conflict).
        Index(
            "uq_payout_batches_one_draft",
            "status",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    # Producers with money who were not put in the batch, and why, as of closing:
    # [{"producer_id", "name", "reason", "amount_kurus"}, ...] (NULL on batches from before)
    left_out: Mapped[list | None] = mapped_column(JSON, default=list)

    lines: Mapped[list[PayoutLine]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="PayoutLine.id"
    )


class PayoutLine(Base):
    __tablename__ = "payout_lines"
    __table_args__ = (
        CheckConstraint("amount_kurus > 0", name="amount_positive"),
        CheckConstraint(f"status IN {LINE_STATUSES!r}", name="status_valid"),
        CheckConstraint(
            "withholding_kurus >= 0 AND withholding_kurus < amount_kurus",
            name="withholding_range",
        ),
        CheckConstraint("withholding_bp >= 0 AND withholding_bp < 10000", name="withholding_bp"),
        UniqueConstraint("batch_id", "producer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("payout_batches.id", ondelete="CASCADE"), index=True
    )
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT"), index=True
    )
    amount_kurus: Mapped[int] = mapped_column(BigInteger)
    iban: Mapped[str] = mapped_column(String(34))
    account_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    bank_reference: Mapped[str | None] = mapped_column(String(80))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Her tax status when the period closed, and the withholding (stopaj) kept from
    # ``amount_kurus`` for the tax office: the bank pays amount - withholding.
    tax_status: Mapped[str] = mapped_column(
        String(16), default="other", server_default=text("'other'")
    )
    withholding_bp: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    withholding_kurus: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    # A registered sole trader invoices the cooperative for her payout: her invoice's number,
    # entered by an admin; the line cannot be marked paid without it.
    member_invoice_number: Mapped[str | None] = mapped_column(String(40))

    @property
    def net_kurus(self) -> int:
        """What the bank transfers to her."""
        return self.amount_kurus - self.withholding_kurus

    batch: Mapped[PayoutBatch] = relationship(back_populates="lines")
