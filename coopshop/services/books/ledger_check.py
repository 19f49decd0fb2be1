"""`flask ledger check`: the ledger's invariants, checked against the documents behind it.

Each check is one or a few aggregate queries; what breaks a rule comes back as a Violation whose
description names the transaction, order or producer, so an admin can find it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    ProducerProfile,
    Refund,
    RefundLine,
)
from coopshop.services.books.producer_earnings import expected_from_documents
from coopshop.services.core import settings as settings_service


@dataclass(frozen=True)
class Violation:
    rule: str
    description: str
    transaction_id: int | None = None
    order_id: int | None = None
    producer_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.rule}] {self.description}"


def _tl(kurus: int) -> str:
    return f"{kurus} kuruş"


def _producer_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(ProducerProfile.id, ProducerProfile.display_name).where(
                ProducerProfile.id.in_(ids)
            )
        ).all()
    )


def _named(violations: list[Violation]) -> list[Violation]:
    """Put the producer's name next to her id, so the report reads without a lookup."""
    names = _producer_names(v.producer_id for v in violations if v.producer_id is not None)
    return [
        Violation(
            v.rule,
            v.description.replace(
                f"producer {v.producer_id}", f"producer {v.producer_id} ({names[v.producer_id]})"
            )
            if v.producer_id in names
            else v.description,
            v.transaction_id,
            v.order_id,
            v.producer_id,
        )
        for v in violations
    ]


def unbalanced_transactions() -> list[Violation]:
    """Entries summed per transaction in one GROUP BY over ledger_entries alone (its
    transaction_id index); only the few that do not sum to zero are joined to their
    transaction."""
    total = func.sum(LedgerEntry.amount_kurus)
    sums = (
        select(LedgerEntry.transaction_id.label("id"), total.label("total"))
        .group_by(LedgerEntry.transaction_id)
        .having(total != 0)
        .subquery()
    )
    rows = db.session.execute(
        select(
            LedgerTransaction.id, LedgerTransaction.kind, LedgerTransaction.order_id, sums.c.total
        )
        .join(sums, sums.c.id == LedgerTransaction.id)
        .order_by(LedgerTransaction.id)
    )
    return [
        Violation(
            "balanced",
            f"transaction #{tid} ({kind}"
            + (f", order id {order_id}" if order_id else "")
            + f") does not sum to zero: its entries add up to {_tl(int(s))}",
            transaction_id=tid,
            order_id=order_id,
        )
        for tid, kind, order_id, s in rows
    ]


def misattributed_entries() -> list[Violation]:
    """An entry's producer_id must be the owner of its account, and only on producer accounts."""
    rows = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.transaction_id, LedgerEntry.producer_id, Account.code)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(
            or_(
                and_(LedgerEntry.producer_id.is_(None), Account.producer_id.is_not(None)),
                LedgerEntry.producer_id != func.coalesce(Account.producer_id, -1),
            )
        )
        .order_by(LedgerEntry.id)
    )
    return [
        Violation(
            "attribution",
            f"entry #{eid} of transaction #{tid} on account {code} carries producer "
            f"{producer_id}, not the account's owner",
            transaction_id=tid,
            producer_id=producer_id,
        )
        for eid, tid, producer_id, code in rows
    ]


def sales_match_orders() -> list[Violation]:
    """Every paid order has exactly one sale whose clearing debit is the order total; no other
    order has a sale."""
    clearing = aliased(Account)
    debit = (
        select(
            LedgerTransaction.order_id.label("order_id"),
            func.count(func.distinct(LedgerTransaction.id)).label("sales"),
            func.coalesce(func.sum(LedgerEntry.amount_kurus), 0).label("debit"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(clearing, clearing.id == LedgerEntry.account_id)
        .where(LedgerTransaction.kind == "sale", clearing.code.like("clearing:%"))
        .group_by(LedgerTransaction.order_id)
        .subquery()
    )
    sale_count = (
        select(LedgerTransaction.order_id, func.count().label("n"))
        .where(LedgerTransaction.kind == "sale")
        .group_by(LedgerTransaction.order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Order.id,
            Order.number,
            Order.status,
            Order.total_kurus,
            func.coalesce(sale_count.c.n, 0),
            func.coalesce(debit.c.debit, 0),
        )
        .outerjoin(sale_count, sale_count.c.order_id == Order.id)
        .outerjoin(debit, debit.c.order_id == Order.id)
        .where(
            or_(
                and_(
                    Order.status == "paid",
                    or_(
                        func.coalesce(sale_count.c.n, 0) != 1,
                        func.coalesce(debit.c.debit, 0) != Order.total_kurus,
                    ),
                ),
                and_(Order.status != "paid", func.coalesce(sale_count.c.n, 0) > 0),
            )
        )
        .order_by(Order.id)
    )
    violations = []
    for order_id, number, status, total, n, booked in rows:
        if status != "paid":
            text = f"order {number} (id {order_id}) is {status} but has {n} sale transaction(s)"
        elif n != 1:
            text = f"order {number} (id {order_id}) is paid but has {n} sale transactions"
        else:
            text = (
                f"order {number} (id {order_id}): the sale debits {_tl(int(booked))} "
                f"to clearing, the order total is {_tl(total)}"
            )
        violations.append(Violation("sale", text, order_id=order_id))
    return violations


def refunds_within_lines() -> list[Violation]:
    """No line refunded beyond its gross, no shipping beyond what was charged, and each refund
    booked once with the refund's amount leaving the clearing account."""
    violations = []
    refunded = func.sum(RefundLine.amount_kurus)
    for line_id, number, order_id, gross, total in db.session.execute(
        select(OrderLine.id, Order.number, Order.id, OrderLine.gross_kurus, refunded)
        .join(RefundLine, RefundLine.line_id == OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .group_by(OrderLine.id, Order.number, Order.id, OrderLine.gross_kurus)
        .having(refunded > OrderLine.gross_kurus)
    ):
        violations.append(
            Violation(
                "refund",
                f"order {number}, line {line_id}: refunded {_tl(int(total))} of a line of "
                f"{_tl(gross)}",
                order_id=order_id,
            )
        )
    shipping = func.sum(Refund.shipping_kurus)
    for order_id, number, charged, total in db.session.execute(
        select(Order.id, Order.number, Order.shipping_kurus, shipping)
        .join(Refund, Refund.order_id == Order.id)
        .group_by(Order.id, Order.number, Order.shipping_kurus)
        .having(shipping > Order.shipping_kurus)
    ):
        violations.append(
            Violation(
                "refund",
                f"order {number}: refunded {_tl(int(total))} of shipping, {_tl(charged)} charged",
                order_id=order_id,
            )
        )
    clearing = aliased(Account)
    credit = (
        select(
            LedgerTransaction.refund_id.label("refund_id"),
            func.count(func.distinct(LedgerTransaction.id)).label("n"),
            func.sum(LedgerEntry.amount_kurus).label("credit"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(clearing, clearing.id == LedgerEntry.account_id)
        .where(LedgerTransaction.kind == "refund", clearing.code.like("clearing:%"))
        .group_by(LedgerTransaction.refund_id)
        .subquery()
    )
    for refund_id, order_id, amount, n, booked in db.session.execute(
        select(Refund.id, Refund.order_id, Refund.amount_kurus, credit.c.n, credit.c.credit)
        .outerjoin(credit, credit.c.refund_id == Refund.id)
        .where(
            or_(
                func.coalesce(credit.c.n, 0) != 1,
                func.coalesce(credit.c.credit, 0) != -Refund.amount_kurus,
            )
        )
        .order_by(Refund.id)
    ):
        violations.append(
            Violation(
                "refund",
                f"refund {refund_id} (order id {order_id}) of {_tl(amount)} is booked in "
                f"{n or 0} transaction(s) taking {_tl(-int(booked or 0))} from clearing",
                order_id=order_id,
            )
        )
    return violations


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


CHECKS = (
    unbalanced_transactions,
    misattributed_entries,
    sales_match_orders,
    refunds_within_lines,
    producer_balances,
    payouts_within_available,
    availability_moves,
    online_sales_not_payable_early,
)


def check() -> list[Violation]:
    """Run every check; an empty list means the ledger holds."""
    return _named([violation for run in CHECKS for violation in run()])


# Checks against the tax documents (issue 17) live beside this module and join the list here.
from coopshop.services.books import ledger_check_documents as _documents  # noqa: E402

CHECKS += (_documents.paid_orders_have_invoices, _documents.withholdings_match_payouts)
