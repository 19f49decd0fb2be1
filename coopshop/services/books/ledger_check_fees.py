"""Ledger check (issue 16): each payment's fee transaction against the fee the payment records
and the fee rule of books.postings.post_fee (joined into ledger_check.CHECKS).

Per succeeded payment, over its transactions (the fee, a reversal when the processor waived it,
the surcharge booked again after a waiver; a refund's surcharge is the refund's, not here):

- what fees:payment and the makers carry together is the payment's recorded fee, or nothing
  once the fee was waived (its fee transaction reversed);
- the clearing account gave up that fee and received the taksit surcharge;
- the fee rule (books.fee_spread): the makers together bear none of the fee, or, when fees are
  spread, the part of it that falls on their parts of the sale (fee × their parts ÷ what was
  charged, half-up); no maker is ever credited by a fee.

And no fee transaction of a payment that did not succeed or does not exist. One grouped pass
over the payments' transactions; a deleted fee transaction is named.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction, Order, Payment
from coopshop.money import round_half_up
from coopshop.services.books.ledger import FEES
from coopshop.services.books.ledger_check import Violation, _tl


def _booked():
    """Per payment: the fee carried (fees:payment and makers), the makers' part, the clearing
    accounts' move, the most a maker was credited on one leg, and whether a fee was reversed."""
    txn = LedgerTransaction
    reversed_fee = aliased(LedgerTransaction)
    entry = LedgerEntry
    on_producer = entry.producer_id.is_not(None)

    def total(condition):
        return func.coalesce(func.sum(case((condition, entry.amount_kurus), else_=0)), 0)

    return (
        select(
            txn.payment_id,
            total(or_(Account.code == FEES, on_producer)).label("fee"),
            total(on_producer & (txn.kind == "fee")).label("makers"),
            total(Account.code.like("clearing:%")).label("clearing"),
            func.min(case((on_producer & (txn.kind == "fee"), entry.amount_kurus))).label("lowest"),
            func.count(reversed_fee.id).label("waived"),
        )
        .join(entry, entry.transaction_id == txn.id)
        .join(Account, Account.id == entry.account_id)
        .outerjoin(
            reversed_fee,
            and_(reversed_fee.id == txn.reverses_id, reversed_fee.kind == "fee"),
        )
        .where(
            txn.payment_id.is_not(None),
            txn.refund_id.is_(None),
            or_(txn.kind == "fee", reversed_fee.id.is_not(None)),
        )
        .group_by(txn.payment_id)
        .subquery("booked")
    )


def _makers_sold():
    """Per order: the makers' parts of its sale together (what its sale credited them)."""
    return (
        select(
            LedgerTransaction.order_id,
            (-func.sum(LedgerEntry.amount_kurus)).label("parts"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind == "sale", LedgerEntry.producer_id.is_not(None))
        .group_by(LedgerTransaction.order_id)
        .subquery("makers_sold")
    )


def spread_share(fee: int, makers_parts: int, charged: int) -> int:
    """What the makers bear of ``fee`` when it is spread (books.fee_spread's formula)."""
    if fee <= 0 or makers_parts <= 0 or charged <= 0:
        return 0
    return min(fee, round_half_up(fee * makers_parts, charged))


def _problem(row) -> str | None:
    fee, surcharge = row.fee_kurus, row.surcharge_kurus
    booked = int(row.booked_fee or 0)
    waived = int(row.waived or 0) > 0
    where = f"payment #{row.id} of order {row.number}"
    if row.status != "succeeded":
        return f"{where} is {row.status} but has a fee transaction" if row.booked_id else None
    expected = 0 if waived else fee
    if booked != expected:
        return (
            f"{where}: the payment's fee is {_tl(fee)}"
            + (" (waived)" if waived else "")
            + f", its fee transactions carry {_tl(booked)}"
        )
    clearing = int(row.clearing or 0)
    if clearing != surcharge - expected:
        return (
            f"{where}: clearing moved {_tl(clearing)} for the fee and surcharge, the payment "
            f"says {_tl(surcharge - expected)} (surcharge {_tl(surcharge)} − fee {_tl(expected)})"
        )
    makers = int(row.makers or 0)
    spread = spread_share(fee, int(row.makers_parts or 0), int(row.total_kurus) + surcharge)
    if (row.lowest is not None and int(row.lowest) < 0) or makers not in (0, spread):
        return (
            f"{where}: the makers bear {_tl(makers)} of a fee of {_tl(fee)} (the fee rule: "
            f"{_tl(spread)}, their parts' share, when it is spread, none otherwise, and no maker "
            "credited)"
        )
    return None


def fees_match_payments() -> list[Violation]:
    """Each payment's recorded fee and surcharge against what its transactions booked."""
    booked, sold = _booked(), _makers_sold()
    rows = db.session.execute(
        select(
            Payment.id,
            Payment.status,
            Payment.fee_kurus,
            Payment.surcharge_kurus,
            Order.id.label("order_id"),
            Order.number,
            Order.total_kurus,
            sold.c.parts.label("makers_parts"),
            booked.c.payment_id.label("booked_id"),
            booked.c.fee.label("booked_fee"),
            booked.c.makers,
            booked.c.clearing,
            booked.c.lowest,
            booked.c.waived,
        )
        .join(Order, Order.id == Payment.order_id)
        .outerjoin(booked, booked.c.payment_id == Payment.id)
        .outerjoin(sold, sold.c.order_id == Order.id)
        .where(
            or_(
                booked.c.payment_id.is_not(None),
                and_(
                    Payment.status == "succeeded",
                    or_(Payment.fee_kurus > 0, Payment.surcharge_kurus > 0),
                ),
            )
        )
        .order_by(Payment.id)
        .execution_options(yield_per=5000)
    )
    violations = []
    for row in rows:
        problem = _problem(row)
        if problem:
            violations.append(Violation("fee", problem, order_id=row.order_id))
    return violations + _fees_without_payment()


def _fees_without_payment() -> list[Violation]:
    """A fee transaction that is neither a payment's nor a refund's."""
    txn = LedgerTransaction
    rows = db.session.execute(
        select(txn.id, txn.order_id)
        .outerjoin(Payment, Payment.id == txn.payment_id)
        .where(txn.kind == "fee", txn.refund_id.is_(None), Payment.id.is_(None))
        .order_by(txn.id)
    )
    return [
        Violation(
            "fee",
            f"fee transaction #{tid}"
            + (f" (order id {order_id})" if order_id else "")
            + " belongs to no payment",
            transaction_id=tid,
            order_id=order_id,
        )
        for tid, order_id in rows
    ]
