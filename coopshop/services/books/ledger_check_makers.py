"""The ledger check's rules on the makers' money: each producer's balance as her documents say,
payouts within what was available, availability moves that sum to zero for every maker and line,
and online sales not payable before their withdrawal window (joined into ledger_check.CHECKS).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
)
from coopshop.services.books.ledger_check import Violation, _tl
from coopshop.services.books.producer_earnings import expected_from_documents
from coopshop.services.core import settings as settings_service


def producer_balances() -> list[Violation]:
    """Each producer's ledger balance equals her earnings − refunds (recomputed from the orders
    and refund lines) − payouts − deductions and fees (as booked)."""
    txn = LedgerTransaction
    reversed_txn = aliased(LedgerTransaction)
    kind = func.coalesce(reversed_txn.kind, txn.kind)
    rows = db.session.execute(
        select(Account.producer_id, kind, func.sum(LedgerEntry.amount_kurus))
        .join(LedgerEntry, LedgerEntry.account_id == Account.id)
        .join(txn, txn.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == txn.reverses_id)
        .where(Account.producer_id.is_not(None))
        .group_by(Account.producer_id, kind)
    )
    booked: dict[int, dict[str, int]] = {}
    for producer_id, k, amount in rows:
        booked.setdefault(producer_id, {})[k] = -int(amount)  # from her side: owed to her
    earned, refunded = expected_from_documents()
    violations = []
    for producer_id in sorted(booked.keys() | earned.keys()):
        by_kind = booked.get(producer_id, {})
        balance = sum(by_kind.values())
        payouts = -(by_kind.get("payout", 0) + by_kind.get("payout_failed", 0))
        others = -sum(
            v for k, v in by_kind.items() if k not in ("sale", "refund", "payout", "payout_failed")
        )
        expected = earned.get(producer_id, 0) - refunded.get(producer_id, 0) - payouts - others
        if balance != expected:
            violations.append(
                Violation(
                    "producer_balance",
                    f"producer {producer_id}: ledger balance {_tl(balance)} but earnings "
                    f"{_tl(earned.get(producer_id, 0))} − refunds "
                    f"{_tl(refunded.get(producer_id, 0))} − payouts {_tl(payouts)} − "
                    f"deductions and fees {_tl(others)} = {_tl(expected)}",
                    producer_id=producer_id,
                )
            )
    return violations


def payouts_within_available() -> list[Violation]:
    """A payout never takes more than was available to her just before it."""
    payout = aliased(LedgerTransaction)
    earlier = aliased(LedgerEntry)
    paid = func.sum(LedgerEntry.amount_kurus)
    payouts = (
        select(
            payout.id.label("txn_id"),
            payout.created_at.label("created_at"),
            LedgerEntry.producer_id.label("producer_id"),
            paid.label("amount"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == payout.id)
        .where(payout.kind == "payout", LedgerEntry.producer_id.is_not(None))
        .group_by(payout.id, payout.created_at, LedgerEntry.producer_id)
        .subquery()
    )
    available = (
        select(func.coalesce(-func.sum(earlier.amount_kurus), 0))
        .where(
            earlier.producer_id == payouts.c.producer_id,
            earlier.transaction_id < payouts.c.txn_id,
            func.coalesce(earlier.available_at, earlier.created_at) <= payouts.c.created_at,
        )
        .scalar_subquery()
    )
    violations = []
    for txn_id, producer_id, amount, before in db.session.execute(
        select(payouts.c.txn_id, payouts.c.producer_id, payouts.c.amount, available)
        .where(payouts.c.amount > available)
        .order_by(payouts.c.txn_id)
    ):
        violations.append(
            Violation(
                "payout",
                f"payout transaction #{txn_id} pays producer {producer_id} {_tl(int(amount))} "
                f"but only {_tl(int(before))} was available",
                transaction_id=txn_id,
                producer_id=producer_id,
            )
        )
    return violations


def availability_moves() -> list[Violation]:
    """An 'availability' transaction only moves a maker's money in time: every leg on a
    producer account, and its legs sum to zero for each maker and each line."""
    total = func.sum(LedgerEntry.amount_kurus)
    rows = db.session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.order_id,
            LedgerEntry.producer_id,
            LedgerEntry.order_line_id,
            total,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind == "availability")
        .group_by(
            LedgerTransaction.id,
            LedgerTransaction.order_id,
            LedgerEntry.producer_id,
            LedgerEntry.order_line_id,
        )
        .having(or_(total != 0, LedgerEntry.producer_id.is_(None)))
        .order_by(LedgerTransaction.id)
    )
    return [
        Violation(
            "availability",
            f"availability transaction #{tid} (order id {order_id}) "
            + (
                f"moves {_tl(int(s))} off producers' accounts"
                if producer_id is None
                else f"does not sum to zero for producer {producer_id}, line {line_id}: "
                f"{_tl(int(s))}"
            ),
            transaction_id=tid,
            order_id=order_id,
            producer_id=producer_id,
        )
        for tid, order_id, producer_id, line_id, s in rows
    ]


def online_sales_not_payable_early() -> list[Violation]:
    """No maker's share of an online sale is available before the buyer's withdrawal window
    closed (RETURN_WINDOW_DAYS after delivery), or, with no delivery recorded by then, before
    the longest wait after payment (MAX_PAYABLE_WAIT_DAYS): per order, line and maker, what her
    entries credit her before that moment nets to no credit at all. Checked with the current
    settings, streamed one order at a time."""
    settings = settings_service.current()
    window = timedelta(days=settings.return_window_days)
    longest = timedelta(days=settings.max_payable_wait_days)
    columns = (
        Order.id,
        Order.number,
        Order.paid_at,
        Order.delivered_at,
        LedgerEntry.order_line_id,
        LedgerEntry.producer_id,
        LedgerEntry.available_at,
    )
    rows = db.session.execute(
        select(*columns, func.sum(LedgerEntry.amount_kurus).label("amount"))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(
            Order.channel == "online",
            Order.paid_at.is_not(None),
            LedgerEntry.producer_id.is_not(None),
        )
        .group_by(*columns)
        .order_by(Order.id, LedgerEntry.order_line_id, LedgerEntry.producer_id)
        .execution_options(yield_per=5000)
    )
    violations = []
    for (order_id, line_id, producer_id), group in groupby(
        rows, key=lambda r: (r.id, r.order_line_id, r.producer_id)
    ):
        group = list(group)
        first = group[0]
        bound = first.paid_at + longest
        if first.delivered_at is not None:
            bound = min(bound, first.delivered_at + window)
        early = sum(
            int(r.amount) for r in group if r.available_at is not None and r.available_at < bound
        )
        if early < 0:
            violations.append(
                Violation(
                    "availability",
                    f"order {first.number} (id {order_id}), line {line_id}: producer "
                    f"{producer_id} is credited {_tl(-early)} available before "
                    f"{bound.isoformat()} (withdrawal window or longest wait)",
                    order_id=order_id,
                    producer_id=producer_id,
                )
            )
    return violations
