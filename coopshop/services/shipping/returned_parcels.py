"""Parcels the carrier brought back (returned to sender) and their follow-up: staff ship the
order again (packed again, a new label) or an admin refunds it through the refund service.
Until then the makers' money on it is held (services.sales.fulfilment.mark_returned)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, Refund, utcnow
from coopshop.models.shipping import Shipment
from coopshop.services.core import audit
from coopshop.services.sales import fulfilment


@dataclass(frozen=True)
class ReturnedParcel:
    order_id: int
    number: str
    buyer_name: str
    il: str
    total_kurus: int
    refunded_kurus: int
    carrier: str
    tracking_number: str
    returned_at: datetime | None

    @property
    def refunded_in_full(self) -> bool:
        return self.refunded_kurus >= self.total_kurus


def returned(limit: int = 200) -> list[ReturnedParcel]:
    """Orders whose parcel came back, the latest return first, with what was refunded of each
    (one query)."""
    refunded = (
        select(Refund.order_id, func.sum(Refund.amount_kurus).label("amount"))
        .group_by(Refund.order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Order.id,
            Order.number,
            Order.buyer_name,
            Order.il,
            Order.total_kurus,
            func.coalesce(refunded.c.amount, 0),
            Shipment.carrier,
            Shipment.tracking_number,
            Shipment.status_at,
        )
        .outerjoin(Shipment, Shipment.order_id == Order.id)
        .outerjoin(refunded, refunded.c.order_id == Order.id)
        .where(Order.status == "paid", Order.fulfilment_status == "returned")
        .order_by(Shipment.status_at.desc(), Order.id.desc())
        .limit(limit)
    ).all()
    return [
        ReturnedParcel(
            order_id=r[0],
            number=r[1],
            buyer_name=r[2],
            il=r[3],
            total_kurus=int(r[4]),
            refunded_kurus=int(r[5]),
            carrier=r[6] or "",
            tracking_number=r[7] or "",
            returned_at=r[8],
        )
        for r in rows
    ]


def ship_again(order_id: int, actor_id: int | None, now: datetime | None = None) -> Order:
    """Send a returned order again: it is packed again and its returned label is set aside
    (kept, with its events, as a cancelled one), so the fulfilment page buys a new label."""
    now = now or utcnow()
    order = fulfilment.ship_again(order_id, actor_id, now=now)
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    if shipment is not None and shipment.cancelled_at is None:
        shipment.cancelled_at = now
        db.session.flush()
        audit.record(
            actor_id,
            "shipping.label_cancelled",
            order,
            provider=shipment.provider,
            reason="returned_to_sender",
        )
    return order
