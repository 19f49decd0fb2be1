"""The cooperative's bank statements, imported for reconciliation: one row per statement file,
one per line, and what each line was matched to (a bank-transfer order, a payout line, a bazaar
cash session, a card provider's settlement) or why it was not; and the card providers' own
settlement records (a Stripe payout, an iyzico day's payout to the merchant) the bank's money-in
lines are matched to."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

# matched: a document agrees to the kuruş; different: a document was found but the amount or
# its state differs; unmatched: nothing found; manual: an admin matched it by hand, with a reason.
LINE_STATUSES = ("matched", "different", "unmatched", "manual")
MATCH_KINDS = ("transfer_order", "payout_line", "cash_session", "provider_payout", "other")
PROVIDERS = ("stripe", "iyzico")
# A Stripe payout's status (pending, in_transit, paid, failed, canceled); iyzico lists only
# payouts completed, recorded as paid.
SETTLEMENT_STATUSES = ("pending", "in_transit", "paid", "failed", "canceled")


class ProviderSettlement(Base):
    """One payout of a card provider to the cooperative's bank account, as the provider reports
    it: a Stripe payout (its balance transactions summed), or iyzico's payouts completed on one
    day. Recorded (and brought up to date) when that provider's period is reconciled."""

    __tablename__ = "provider_settlements"
    __table_args__ = (
        CheckConstraint(f"provider IN {PROVIDERS!r}", name="provider_valid"),
        CheckConstraint(f"status IN {SETTLEMENT_STATUSES!r}", name="status_valid"),
        UniqueConstraint("provider", "external_id"),
        Index("ix_provider_settlements_arrival", "provider", "arrival_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))  # po_…, or iyzico:YYYY-MM-DD
    amount_kurus: Mapped[int] = mapped_column(BigInteger)  # what the bank is to receive
    # What its transactions carried (Stripe: the net of its balance transactions, and their
    # fees); None where the provider does not say.
    carried_kurus: Mapped[int | None] = mapped_column(BigInteger)
    fee_kurus: Mapped[int | None] = mapped_column(BigInteger)
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="try")
    status: Mapped[str] = mapped_column(String(12))
    arrival_on: Mapped[date] = mapped_column(Date)  # the day it reaches (reached) the bank
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankStatement(Base):
    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank: Mapped[str] = mapped_column(String(20))  # a layout key (services.payouts.bank_files)
    account: Mapped[str] = mapped_column(String(40), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the file
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    opening_kurus: Mapped[int | None] = mapped_column(BigInteger)
    closing_kurus: Mapped[int | None] = mapped_column(BigInteger)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[BankStatementLine]] = relationship(
        back_populates="statement", order_by="BankStatementLine.position"
    )


class BankStatementLine(Base):
    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        CheckConstraint("amount_kurus <> 0", name="amount_nonzero"),
        CheckConstraint(f"status IN {LINE_STATUSES!r}", name="status_valid"),
        CheckConstraint(
            f"match_kind IS NULL OR match_kind IN {MATCH_KINDS!r}", name="match_kind_valid"
        ),
        CheckConstraint(f"provider IS NULL OR provider IN {PROVIDERS!r}", name="provider_valid"),
        UniqueConstraint("statement_id", "position"),
        Index("ix_bank_statement_lines_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("bank_statements.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    # The same movement in two overlapping statements is one line (the first import keeps it).
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    booked_on: Mapped[date] = mapped_column(Date)
    amount_kurus: Mapped[int] = mapped_column(BigInteger)  # money in is positive, out negative
    reference: Mapped[str] = mapped_column(String(120), default="")
    counterparty: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="unmatched")
    match_kind: Mapped[str | None] = mapped_column(String(20))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    payout_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("payout_lines.id", ondelete="RESTRICT"), index=True
    )
    cash_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cash_sessions.id", ondelete="RESTRICT"), index=True
    )
    provider: Mapped[str | None] = mapped_column(String(20))
    settlement_id: Mapped[int | None] = mapped_column(
        ForeignKey("provider_settlements.id", ondelete="RESTRICT"), index=True
    )
    expected_kurus: Mapped[int | None] = mapped_column(BigInteger)  # the document's amount
    problem: Mapped[str] = mapped_column(String(40), default="")  # a DIFFERENCES code
    note: Mapped[str] = mapped_column(Text, default="")  # the admin's reason for a hand match
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[BankStatement] = relationship(back_populates="lines")
    settlement: Mapped[ProviderSettlement | None] = relationship()
