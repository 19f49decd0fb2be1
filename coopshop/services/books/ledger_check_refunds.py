"""Ledger check (issue 16): each refund step recomputed from the cumulative allocation (joined
into ledger_check.CHECKS).

For a refund of R out of a line after B was refunded before (earlier refunds of the line, in
the order they were made), docs/design.md takes back ``vat(B + R) - vat(B)`` of VAT,
``commission(B + R) - commission(B)`` of commission and the rest from the makers together,
each by the line's snapshot; no maker is ever credited by a refund and none is charged more
than her part of the sale (money.refund_makers). Each refund transaction's legs are compared
per line in one grouped pass, window functions giving B; the makers' bounds in another.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, cast, func, or_, select

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction, Order, OrderLine, RefundLine
from coopshop.services.books.ledger import COMMISSION, VAT
from coopshop.services.books.ledger_check import Violation, _tl
from coopshop.services.books.maker_split_sql import _BP, round_half_up


def _split(gross, line):
    """(VAT, commission) of a cumulative ``gross`` of ``line``, in SQL."""
    net = round_half_up(cast(gross, BigInteger) * _BP, _BP + line.vat_bp)
    return gross - net, round_half_up(net * line.commission_bp, _BP)


def _steps():
    """Each refund line with what its line had refunded before it and after it."""
    after = func.sum(RefundLine.amount_kurus).over(
        partition_by=RefundLine.line_id, order_by=RefundLine.refund_id
    )
    return select(
        RefundLine.refund_id,
        RefundLine.line_id,
        RefundLine.amount_kurus.label("amount"),
        (after - RefundLine.amount_kurus).label("before"),
        after.label("after"),
    ).subquery("steps")


def _booked():
    """Per refund and line, what its refund transaction debited to VAT and commission."""
    txn, entry = LedgerTransaction, LedgerEntry

    def debited(code):
        return func.coalesce(func.sum(case((Account.code == code, entry.amount_kurus), else_=0)), 0)

    return (
        select(
            txn.refund_id,
            entry.order_line_id.label("line_id"),
            debited(VAT).label("vat"),
            debited(COMMISSION).label("commission"),
        )
        .join(entry, entry.transaction_id == txn.id)
        .join(Account, Account.id == entry.account_id)
        .where(txn.kind == "refund", entry.order_line_id.is_not(None))
        .group_by(txn.refund_id, entry.order_line_id)
        .subquery("refunded")
    )


def refund_steps_follow_the_formula() -> list[Violation]:
    """Each refund line's VAT and commission legs by the cumulative formula."""
    steps, booked = _steps(), _booked()
    vat_after, com_after = _split(steps.c.after, OrderLine)
    vat_before, com_before = _split(steps.c.before, OrderLine)
    want_vat, want_com = vat_after - vat_before, com_after - com_before
    got_vat = func.coalesce(booked.c.vat, 0)
    got_com = func.coalesce(booked.c.commission, 0)
    rows = db.session.execute(
        select(
            steps.c.refund_id,
            Order.id,
            Order.number,
            steps.c.line_id,
            want_vat,
            got_vat,
            want_com,
            got_com,
        )  # fmt: skip
        .join(OrderLine, OrderLine.id == steps.c.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(
            booked,
            and_(booked.c.refund_id == steps.c.refund_id, booked.c.line_id == steps.c.line_id),
        )
        .where(or_(got_vat != want_vat, got_com != want_com))
        .order_by(steps.c.refund_id, steps.c.line_id)
    )
    violations = []
    for refund_id, order_id, number, line_id, wv, gv, wc, gc in rows:
        for code, want, got in ((VAT, wv, gv), (COMMISSION, wc, gc)):
            if int(want) != int(got):
                violations.append(
                    Violation(
                        "refund_leg",
                        f"refund {refund_id} (order {number}), line {line_id}: {code} debited "
                        f"{_tl(int(got))}, the cumulative formula makes {_tl(int(want))}",
                        order_id=order_id,
                    )
                )
    return violations + _makers_within_their_parts()


def _makers_within_their_parts() -> list[Violation]:
    """No refund leg credits a maker; her refunds of a line never exceed her sale part."""
    txn, entry = LedgerTransaction, LedgerEntry
    credited = func.sum(case((txn.kind == "sale", -entry.amount_kurus), else_=0))
    taken = func.sum(case((txn.kind == "refund", entry.amount_kurus), else_=0))
    in_favour = func.sum(
        case((and_(txn.kind == "refund", entry.amount_kurus < 0), -entry.amount_kurus), else_=0)
    )
    rows = db.session.execute(
        select(entry.order_line_id, entry.producer_id, credited, taken, in_favour)
        .join(txn, txn.id == entry.transaction_id)
        .where(
            entry.producer_id.is_not(None),
            entry.order_line_id.is_not(None),
            txn.kind.in_(("sale", "refund")),
        )
        .group_by(entry.order_line_id, entry.producer_id)
        .having(or_(taken > credited, in_favour > 0))
        .order_by(entry.order_line_id, entry.producer_id)
    )
    return [
        Violation(
            "refund_leg",
            f"line {line_id}: producer {producer_id} "
            + (
                f"was credited {_tl(int(favour))} by refunds"
                if favour
                else f"had {_tl(int(back))} refunded of a sale part of {_tl(int(sold))}"
            ),
            producer_id=producer_id,
        )
        for line_id, producer_id, sold, back, favour in rows
    ]
