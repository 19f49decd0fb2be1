"""What a member still has to bring to the centre: her items in paid online orders that the centre
has not received yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from coopshop.db import db
from coopshop.models import Order, OrderLine, OrderLineMaker, ProducerProfile, RefundLine


@dataclass(frozen=True)
class BringRow:
    order_line_id: int
    order_number: str
    paid_at: datetime | None
    product_code: str
    title: str
    quantity: int
    partly_refunded: bool
    co_makers: tuple[str, ...] = ()


def to_bring(producer_id: int, limit: int = 500) -> list[BringRow]:
    """Her items in paid online orders that the centre has not received yet (received_at is
    NULL), oldest order first, leaving out lines refunded in full. Two queries."""
    refunded = (
        select(RefundLine.line_id, func.sum(RefundLine.amount_kurus).label("amount"))
        .group_by(RefundLine.line_id)
        .subquery()
    )
    refunded_amount = func.coalesce(refunded.c.amount, 0)
    rows = db.session.execute(
        select(
            OrderLine.id,
            Order.number,
            Order.paid_at,
            OrderLine.product_code,
            OrderLine.title,
            OrderLine.quantity,
            refunded_amount.label("refunded"),
        )
        .select_from(OrderLineMaker)
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.line_id == OrderLine.id)
        .where(
            OrderLineMaker.producer_id == producer_id,
            Order.status == "paid",
            Order.channel == "online",
            OrderLine.received_at.is_(None),
            refunded_amount < OrderLine.gross_kurus,
        )
        .order_by(Order.paid_at, Order.id, OrderLine.id)
        .limit(limit)
    ).all()
    partners: dict[int, list[str]] = {}
    if rows:
        for line_id, name in db.session.execute(
            select(OrderLineMaker.line_id, ProducerProfile.display_name)
            .join(ProducerProfile, ProducerProfile.id == OrderLineMaker.producer_id)
            .where(
                and_(
                    OrderLineMaker.line_id.in_([r[0] for r in rows]),
                    OrderLineMaker.producer_id != producer_id,
                )
            )
            .order_by(OrderLineMaker.line_id, ProducerProfile.display_name)
        ):
            partners.setdefault(line_id, []).append(name)
    return [
        BringRow(
            order_line_id=r[0],
            order_number=r[1],
            paid_at=r[2],
            product_code=r[3],
            title=r[4],
            quantity=r[5],
            partly_refunded=int(r[6]) > 0,
            co_makers=tuple(partners.get(r[0], ())),
        )
        for r in rows
    ]
