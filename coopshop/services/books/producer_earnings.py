"""What each producer earned and had refunded, recomputed from the documents alone (paid lines'
snapshots and refund lines), never from the ledger: the other side of ledger_check's
producer_balances. Lines never refunded are summed in SQL; only refunded ones come to Python.
"""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import exists, func, not_, select

from coopshop.db import db
from coopshop.models import Order, OrderLine, OrderLineMaker, RefundLine
from coopshop.money import allocate, refund_delta
from coopshop.services.books.maker_split_sql import line_net, maker_parts, tie_offset


def expected_from_documents() -> tuple[dict[int, int], dict[int, int]]:
    """(earned, refunded) per producer, recomputed from paid lines' snapshots and refund lines.

    A line never refunded is docs/design.md's formula, its makers' part split by largest
    remainder (money.split_largest_remainder, equal remainders in turn from the line's tie
    offset, OrderLine.ties_from, as postings.allocate_line does), summed per producer in the
    database: one grouped query with window functions, no row comes to Python. Refunded lines
    (a few in a hundred) are replayed here with the rules that booked them.
    """
    earned = _unrefunded_earnings()
    refunded: dict[int, int] = {}
    _replay_refunded(earned, refunded)
    return earned, refunded


def _unrefunded_earnings() -> dict[int, int]:
    """Per producer, her parts of every paid line never refunded (books.maker_split_sql)."""
    line = OrderLine
    lines = (
        select(
            line.id.label("line_id"),
            line.commission_bp,
            line_net(line).label("net"),
            tie_offset(line).label("tie_offset"),
        )
        .join(Order, Order.id == line.order_id)
        .where(Order.status == "paid", not_(exists().where(RefundLine.line_id == line.id)))
        .subquery("nets")
    )
    parts = maker_parts(lines)
    rows = db.session.execute(
        select(parts.c.producer_id, func.sum(parts.c.part)).group_by(parts.c.producer_id)
    )
    return {producer_id: int(total) for producer_id, total in rows}


def _replay_refunded(earned: dict[int, int], refunded: dict[int, int]) -> None:
    """Refunded paid lines, one pass in line order: allocate, then replay each line's refunds
    in the order they were made (money.refund_delta: the cumulative formula for the totals,
    refund_makers for the split among makers, which depends on what each had refunded
    before)."""
    steps_by_line: dict[int, list[int]] = {}
    for line_id, amount in db.session.execute(
        select(RefundLine.line_id, RefundLine.amount_kurus).order_by(
            RefundLine.line_id, RefundLine.refund_id
        )
    ):
        steps_by_line.setdefault(line_id, []).append(int(amount))
    refunded_line = exists().where(RefundLine.line_id == OrderLine.id)
    rows = db.session.execute(
        select(
            OrderLine.id,
            OrderLine.gross_kurus,
            OrderLine.vat_bp,
            OrderLine.commission_bp,
            func.coalesce(OrderLine.tie_offset, OrderLine.id).label("tie_offset"),
            OrderLineMaker.producer_id,
            OrderLineMaker.share_bp,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(OrderLineMaker, OrderLineMaker.line_id == OrderLine.id)
        .where(Order.status == "paid", refunded_line)
        .order_by(OrderLine.id, OrderLineMaker.producer_id)
        .execution_options(yield_per=5000)
    )
    for line_id, group in groupby(rows, key=lambda row: row.id):
        makers = list(group)
        gross, vat_bp, commission_bp = (
            makers[0].gross_kurus,
            makers[0].vat_bp,
            makers[0].commission_bp,
        )
        shares = [m.share_bp for m in makers]
        ties = makers[0].tie_offset
        sold = allocate(gross, vat_bp, commission_bp, shares, ties)
        back = _replay_refunds(
            steps_by_line.get(line_id, []), gross, vat_bp, commission_bp, shares, ties
        )
        for maker, part, returned in zip(makers, sold.makers, back, strict=True):
            earned[maker.producer_id] = earned.get(maker.producer_id, 0) + part
            refunded[maker.producer_id] = refunded.get(maker.producer_id, 0) + returned


def _replay_refunds(steps, gross, vat_bp, commission_bp, shares, ties=0) -> list[int]:
    """Each maker's refunded total after the line's refund ``steps`` (in order). An
    over-refunded line is reported by ledger_check.refunds_within_lines; here it stops at fully
    refunded."""
    booked = [0] * len(shares)
    done = 0
    for step in steps:
        step = min(step, gross - done)
        if step <= 0:
            break
        delta = refund_delta(gross, done, step, vat_bp, commission_bp, shares, booked, ties)
        booked = [b + d for b, d in zip(booked, delta.makers, strict=True)]
        done += step
    return booked
