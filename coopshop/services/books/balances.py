"""What the cooperative owes each producer, as aggregate queries over ledger entries.

Nothing here is stored: every number is a sum over producer entries (indexed by producer_id),
for one producer or for all of them in a single grouped query. Amounts are shown from her side:
a credit to her account (a sale) is a positive amount owed to her.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    utcnow,
)
from coopshop.services.books import ledger
from coopshop.services.books.availability import ON_HOLD

# A reversal counts under the kind it reverses (reversing a deduction gives it back).
_DEDUCTION_KINDS = ("adjustment", "cash_over_short")


@dataclass(frozen=True)
class ProducerBalance:
    """A producer's position as of a moment. ``pending + available`` is what she is owed."""

    producer_id: int
    pending: int = 0
    available: int = 0
    earned: int = 0
    refunded: int = 0
    paid_out: int = 0
    deductions: int = 0
    fees: int = 0

    @property
    def balance(self) -> int:
        return self.pending + self.available


def _balance_query(as_of: datetime):
    txn = LedgerTransaction
    reversed_txn = aliased(LedgerTransaction)
    kind = func.coalesce(reversed_txn.kind, txn.kind)
    owed = ledger.to_member(LedgerEntry.amount_kurus)

    def total(expr):
        return func.coalesce(func.sum(expr), 0)

    def owed_if(*conditions):
        return total(case((and_(*conditions), owed), else_=0))

    return (
        select(
            LedgerEntry.producer_id,
            owed_if(LedgerEntry.available_at > as_of).label("pending"),
            owed_if(
                or_(LedgerEntry.available_at.is_(None), LedgerEntry.available_at <= as_of)
            ).label("available"),
            owed_if(kind == "sale").label("earned"),
            (-owed_if(kind == "refund")).label("refunded"),
            (-owed_if(kind.in_(("payout", "payout_failed")))).label("paid_out"),
            (-owed_if(kind.in_(_DEDUCTION_KINDS))).label("deductions"),
            (-owed_if(kind == "fee")).label("fees"),
        )
        .join(txn, txn.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == txn.reverses_id)
        .where(LedgerEntry.producer_id.is_not(None), LedgerEntry.created_at <= as_of)
        .group_by(LedgerEntry.producer_id)
    )


def _from_row(row) -> ProducerBalance:
    return ProducerBalance(
        producer_id=row.producer_id,
        pending=int(row.pending),
        available=int(row.available),
        earned=int(row.earned),
        refunded=int(row.refunded),
        paid_out=int(row.paid_out),
        deductions=int(row.deductions),
        fees=int(row.fees),
    )


def balances(
    as_of: datetime | None = None, producer_ids: list[int] | None = None
) -> dict[int, ProducerBalance]:
    """Every producer's balance (or those of ``producer_ids``) in one grouped query.

    Producers with no entries are left out; ``balances().get(pid)`` or ``balance(pid)`` give
    zeros for them. Entries written after ``as_of`` are not counted, so a past balance stays
    what it was.
    """
    query = _balance_query(as_of or utcnow())
    if producer_ids is not None:
        query = query.where(LedgerEntry.producer_id.in_(producer_ids))
    return {row.producer_id: _from_row(row) for row in db.session.execute(query)}


def balance(producer_id: int, as_of: datetime | None = None) -> ProducerBalance:
    found = balances(as_of, [producer_id]).get(producer_id)
    return found or ProducerBalance(producer_id=producer_id)


# Why money is still pending, as pending_reasons groups it.
PENDING_REASONS = ("withdrawal", "after_delivery", "awaiting_delivery", "other")


@dataclass(frozen=True)
class PendingPart:
    """Part of her pending money, why it waits, and when the first of it becomes payable."""

    reason: str  # a PENDING_REASONS code
    amount: int
    first_available_at: datetime | None


def pending_reasons(producer_id: int, as_of: datetime | None = None) -> list[PendingPart]:
    """Her pending money split by why it waits: held for a buyer's open withdrawal request, the
    withdrawal window after delivery, a delivery not yet recorded (online sales), or anything
    else (a bazaar delay). One grouped query; parts of zero left out."""
    as_of = as_of or utcnow()
    reason = case(
        (LedgerEntry.available_at == ON_HOLD, "withdrawal"),
        (and_(Order.channel == "online", Order.delivered_at.is_not(None)), "after_delivery"),
        (Order.channel == "online", "awaiting_delivery"),
        else_="other",
    ).label("reason")
    rows = db.session.execute(
        select(
            reason,
            func.coalesce(func.sum(ledger.to_member(LedgerEntry.amount_kurus)), 0),
            func.min(LedgerEntry.available_at),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(Order, Order.id == LedgerTransaction.order_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.available_at > as_of,
            LedgerEntry.created_at <= as_of,
        )
        .group_by(reason)
    )
    found = {r: (int(amount), first) for r, amount, first in rows}
    return [
        PendingPart(r, found[r][0], None if r == "withdrawal" else found[r][1])
        for r in PENDING_REASONS
        if r in found and found[r][0] != 0
    ]


def current_available_at(producer_id: int, line_id_column):
    """A correlated subquery: when her share of a line becomes payable now, the date of the
    latest credit booked for it (the sale's, or an availability move's)."""
    entry = aliased(LedgerEntry)
    txn = aliased(LedgerTransaction)
    return (
        select(entry.available_at)
        .join(txn, txn.id == entry.transaction_id)
        .where(
            entry.producer_id == producer_id,
            entry.order_line_id == line_id_column,
            entry.amount_kurus < 0,
            txn.kind.in_(("sale", "availability")),
        )
        .order_by(entry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
