"""What each producer earned and had refunded, recomputed from the documents alone (paid lines'
snapshots and refund lines), never from the ledger: the other side of ledger_check's
producer_balances.
"""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, OrderLine, OrderLineMaker, RefundLine
from coopshop.money import allocate, refund_delta


def expected_from_documents() -> tuple[dict[int, int], dict[int, int]]:
    """(earned, refunded) per producer, recomputed from paid lines' snapshots and refund lines.

    Each line's refunds are replayed in the order they were made with the rule that booked them
    (money.refund_delta: the cumulative formula for the totals, refund_makers for the split
    among makers, which depends on what each had refunded before), so one pass over the refund
    lines, grouped by line, recomputes every maker's refunded amount.
    """
    steps_by_line: dict[int, list[int]] = {}
    for line_id, amount in db.session.execute(
        select(RefundLine.line_id, RefundLine.amount_kurus).order_by(
            RefundLine.line_id, RefundLine.refund_id
        )
    ):
        steps_by_line.setdefault(line_id, []).append(int(amount))
    earned: dict[int, int] = {}
    refunded: dict[int, int] = {}
    rows = db.session.execute(
        select(
            OrderLine.id,
            OrderLine.gross_kurus,
            OrderLine.vat_bp,
            OrderLine.commission_bp,
            OrderLineMaker.producer_id,
            OrderLineMaker.share_bp,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(OrderLineMaker, OrderLineMaker.line_id == OrderLine.id)
        .where(Order.status == "paid")
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
        sold = allocate(gross, vat_bp, commission_bp, shares)
        back = _replay_refunds(steps_by_line.get(line_id, []), gross, vat_bp, commission_bp, shares)
        for maker, part, returned in zip(makers, sold.makers, back, strict=True):
            earned[maker.producer_id] = earned.get(maker.producer_id, 0) + part
            refunded[maker.producer_id] = refunded.get(maker.producer_id, 0) + returned
    return earned, refunded


def _replay_refunds(steps, gross, vat_bp, commission_bp, shares) -> list[int]:
    """Each maker's refunded total after the line's refund ``steps`` (in order). An
    over-refunded line is reported by ledger_check.refunds_within_lines; here it stops at fully
    refunded."""
    booked = [0] * len(shares)
    done = 0
    for step in steps:
        step = min(step, gross - done)
        if step <= 0:
            break
        delta = refund_delta(gross, done, step, vat_bp, commission_bp, shares, booked)
        booked = [b + d for b, d in zip(booked, delta.makers, strict=True)]
        done += step
    return booked
