"""`flask ledger check`: the ledger's invariants, checked against the documents behind it.

Each check is one or a few aggregate queries; what breaks a rule comes back as a Violation whose
description names the transaction, order or producer, so an admin can find it.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# Long on purpose: three aggregate queries of one rule, each with its own message.
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
    # The taksit surcharge given back leaves clearing in a transaction of its own.
    goods_and_shipping = Refund.amount_kurus - Refund.surcharge_kurus
    for refund_id, order_id, amount, n, booked in db.session.execute(
        select(Refund.id, Refund.order_id, goods_and_shipping, credit.c.n, credit.c.credit)
        .outerjoin(credit, credit.c.refund_id == Refund.id)
        .where(
            or_(
                func.coalesce(credit.c.n, 0) > 1,
                and_(func.coalesce(credit.c.n, 0) == 0, goods_and_shipping > 0),
                func.coalesce(credit.c.credit, 0) != -goods_and_shipping,
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


def check() -> list[Violation]:
    """Run every check; an empty list means the ledger holds."""
    return _named([violation for run in CHECKS for violation in run()])


# The checks on the makers' money, against the tax documents (issue 17) and of each transaction
# against its source document (issue 16) live beside this module (they use its Violation) and
# join the list here, in this order.
from coopshop.services.books import ledger_check_deductions as _deductions  # noqa: E402
from coopshop.services.books import ledger_check_documents as _documents  # noqa: E402
from coopshop.services.books import ledger_check_fees as _fees  # noqa: E402
from coopshop.services.books import ledger_check_makers as _makers  # noqa: E402
from coopshop.services.books import ledger_check_payouts as _payouts  # noqa: E402
from coopshop.services.books import ledger_check_refunds as _refunds  # noqa: E402
from coopshop.services.books import ledger_check_rollups as _rollups  # noqa: E402
from coopshop.services.books import ledger_check_sales as _sales  # noqa: E402
from coopshop.services.books import ledger_check_vat as _vat  # noqa: E402

CHECKS = (
    unbalanced_transactions,
    misattributed_entries,
    sales_match_orders,
    refunds_within_lines,
    # each transaction recomputed from its document (issue 16)
    _sales.sale_lines_match_snapshots,
    _sales.sale_makers_match_snapshots,
    _sales.sale_shipping_matches_order,
    _refunds.refund_steps_follow_the_formula,
    _fees.fees_match_payments,
    _payouts.payouts_match_lines,
    _deductions.deductions_match_documents,
    _makers.producer_balances,
    _makers.payouts_within_available,
    _makers.availability_moves,
    _makers.online_sales_not_payable_early,
    _documents.paid_orders_have_invoices,
    _documents.withholdings_match_payouts,
    _vat.invoices_match_vat,
    _rollups.rollups_match_entries,
)
