"""The double-entry ledger: accounts, transactions and their entries. Append-only.

Every balance a screen shows is a sum over entries. Rows are never updated or deleted: the ORM
refuses it and so does the database (append_only() below, from models.base).
On PostgreSQL the database also refuses, at commit, a transaction whose entries do not sum to
zero (ZERO_SUM_DDL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, append_only, utcnow

ACCOUNT_KINDS = ("asset", "liability", "revenue", "expense")
TRANSACTION_KINDS = (
    "sale",
    "refund",
    "fee",
    "payout",
    "payout_failed",
    "cash_over_short",
    "adjustment",
    "reversal",
    "availability",  # moves a maker's pending share to a new available_at (sums to zero)
)


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (CheckConstraint(f"kind IN {ACCOUNT_KINDS!r}", name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT"), unique=True
    )

    def __repr__(self) -> str:
        return f"<Account {self.code}>"


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        CheckConstraint(f"kind IN {TRANSACTION_KINDS!r}", name="kind_valid"),
        # An order is sold once: two racing payment confirmations cannot both book its sale.
        Index(
            "uq_ledger_transactions_one_sale_per_order",
            "order_id",
            unique=True,
            sqlite_where=text("kind = 'sale'"),
            postgresql_where=text("kind = 'sale'"),
        ),
        # A balance reads each of her entries' kind: on PostgreSQL an index-only probe per
        # entry instead of a scan of every transaction (issue 22).
        Index("ix_ledger_transactions_id_kind", "id", postgresql_include=["kind", "reverses_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("refunds.id", ondelete="RESTRICT"), index=True
    )
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    payout_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("payout_lines.id", ondelete="RESTRICT"), index=True
    )
    cash_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cash_sessions.id", ondelete="RESTRICT"), index=True
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id"
    )


class LedgerEntry(Base):
    """One leg of a transaction: debit positive, credit negative."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_kurus <> 0", name="amount_non_zero"),
        Index("ix_ledger_entries_account_available", "account_id", "available_at"),
        # Her entries newest first: the sales history pages by keyset along it, and on
        # PostgreSQL her balance, dashboard and totals read it alone (index-only) (issue 22).
        Index(
            "ix_ledger_entries_producer_covering",
            "producer_id",
            "created_at",
            "order_line_id",
            postgresql_include=["transaction_id", "amount_kurus", "available_at"],
            sqlite_where=text("producer_id IS NOT NULL"),
            postgresql_where=text("producer_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount_kurus: Mapped[int] = mapped_column(BigInteger)
    # Producer entries only: whose money, from which line, and when it may be paid out.
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT")
    )
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True
    )
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Always its transaction's created_at (ledger.post); indexed so a report reads a period's
    # entries without scanning the others.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()


class LedgerImmutableError(Exception):
    """Raised when code tries to update or delete a ledger row."""


# Append-only in the ORM and in the database (models.base.append_only).
APPEND_ONLY_TABLES = ("ledger_entries", "ledger_transactions")
append_only(
    LedgerEntry,
    LedgerTransaction,
    error=LedgerImmutableError,
    message="ledger rows are append-only",
    hint="post a reversing transaction instead",
    trigger_function="ledger_append_only",
)

# On PostgreSQL the entries of a transaction must sum to zero, checked at COMMIT (deferred, so
# the legs can be written one by one) by a constraint trigger. SQLite has no deferred triggers;
# there the ledger service's own check is the guard. Migration 0250 holds a frozen copy.
ZERO_SUM_DDL = [
    "CREATE OR REPLACE FUNCTION ledger_zero_sum() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE total bigint; "
    "BEGIN "
    "SELECT sum(amount_kurus) INTO total FROM ledger_entries "
    "WHERE transaction_id = NEW.transaction_id; "
    "IF total <> 0 THEN "
    "RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = 'ledger transaction ' "
    "|| NEW.transaction_id || ' does not sum to zero (off by ' || total || ' kurus)'; "
    "END IF; "
    "RETURN NULL; "
    "END $$",
    "CREATE CONSTRAINT TRIGGER ledger_entries_zero_sum AFTER INSERT ON ledger_entries "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_zero_sum()",
]


@event.listens_for(LedgerEntry.__table__, "after_create")
def _create_zero_sum_trigger(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        for statement in ZERO_SUM_DDL:
            connection.exec_driver_sql(statement)
