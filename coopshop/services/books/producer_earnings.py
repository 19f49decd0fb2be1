"""What each producer earned and had refunded, recomputed from the documents alone (paid lines'
snapshots and refund lines), never from the ledger: the other side of ledger_check's
producer_balances. Plain lines are summed in SQL; only co-made and refunded ones come to Python.
"""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import BigInteger, and_, cast, exists, func, literal_column, not_, or_, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import Order, OrderLine, OrderLineMaker, RefundLine
from coopshop.money import BP, allocate, refund_delta

_BP = literal_column(str(BP), BigInteger)  # typed, so that // is integer division on both DBs


def expected_from_documents() -> tuple[dict[int, int], dict[int, int]]:
    """(earned, refunded) per producer, recomputed from paid lines' snapshots and refund lines.

    Most lines have one maker and no refund: what she earned of them is docs/design.md's
    formula, summed per producer in the database (one GROUP BY, no row comes to Python). The
    rest, co-made or refunded lines, are replayed here with the rules that booked them.
    """
    earned = _single_maker_earnings()
    refunded: dict[int, int] = {}
    _replay_the_rest(earned, refunded)
    return earned, refunded


def _round_half_up(numerator, denominator):
    """money.round_half_up for non-negative integers, in SQL: (2n + d) // 2d."""
    return (2 * numerator + denominator) // (2 * denominator)


def _plain_line():
    """A paid line with one maker (a share of 10,000: shares are positive) and no refund."""
    return and_(
        Order.status == "paid",
        OrderLineMaker.share_bp == BP,
        not_(exists().where(RefundLine.line_id == OrderLine.id)),
    )


def _single_maker_earnings() -> dict[int, int]:
    gross = cast(OrderLine.gross_kurus, BigInteger)
    net = _round_half_up(gross * _BP, _BP + OrderLine.vat_bp)
    per_line = (
        select(
            OrderLineMaker.producer_id.label("producer_id"),
            net.label("net"),
            OrderLine.commission_bp.label("commission_bp"),
        )
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_plain_line())
        .subquery()
    )
    commission = _round_half_up(per_line.c.net * per_line.c.commission_bp, _BP)
    rows = db.session.execute(
        select(per_line.c.producer_id, func.sum(per_line.c.net - commission)).group_by(
            per_line.c.producer_id
        )
    )
    return {producer_id: int(total) for producer_id, total in rows}


def _replay_the_rest(earned: dict[int, int], refunded: dict[int, int]) -> None:
    """Co-made or refunded paid lines, one pass in line order: allocate, then replay each
    line's refunds in the order they were made (money.refund_delta: the cumulative formula for
    the totals, refund_makers for the split among makers, which depends on what each had
    refunded before)."""
    steps_by_line: dict[int, list[int]] = {}
    for line_id, amount in db.session.execute(
        select(RefundLine.line_id, RefundLine.amount_kurus).order_by(
            RefundLine.line_id, RefundLine.refund_id
        )
    ):
        steps_by_line.setdefault(line_id, []).append(int(amount))
    other = aliased(OrderLineMaker)
    co_made = exists().where(other.line_id == OrderLine.id, other.share_bp < BP)
    refunded_line = exists().where(RefundLine.line_id == OrderLine.id)
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
        .where(Order.status == "paid", or_(co_made, refunded_line))
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
