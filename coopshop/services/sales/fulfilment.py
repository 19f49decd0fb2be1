"""Fulfilment of paid orders: items received from their makers, shipped with a tracking number
(the shopper is e-mailed), delivered. Bazaar sales are collected at the desk.

The allowed steps are models.orders.FULFILMENT_TRANSITIONS; only paid orders move.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Order, OrderLine, OrderLineMaker, utcnow
from coopshop.models.orders import FULFILMENT_TRANSITIONS
from coopshop.services.books import availability, postings
from coopshop.services.core import audit
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import InvalidTransition, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import buyer_mail
from coopshop.services.sales.order_states import lock_order

TRACKING_MAX = 80
# Shipped orders stay on the page until someone marks them delivered.
QUEUE_STATUSES = ("unfulfilled", "received", "shipped")


def transition(order: Order, to: str) -> None:
    """Move an order's fulfilment one allowed step, or raise InvalidTransition."""
    if order.status != "paid":
        raise InvalidTransition(
            _l("Sipariş %(number)s ödenmemiş; hazırlanamaz.", number=order.number),
            from_status=order.fulfilment_status,
            to_status=to,
        )
    if to not in FULFILMENT_TRANSITIONS[order.fulfilment_status]:
        raise InvalidTransition(
            _l(
                "Sipariş %(number)s bu adıma geçemez (%(current)s → %(next)s).",
                number=order.number,
                current=order.fulfilment_status,
                next=to,
            ),
            from_status=order.fulfilment_status,
            to_status=to,
        )
    order.fulfilment_status = to


# What the desk can act on first: ready to ship, then waiting for makers' goods, then already
# with the carrier (only "delivered" is left to say).
ACTION_ORDER = ("received", "unfulfilled", "shipped")


def queue(limit: int = 100, step: str | None = None) -> list[Order]:
    """Paid orders to be shipped or delivered, those that need the desk's action first (ready to
    ship, then waiting for goods, then in transit), the oldest payment first within each step;
    ``step`` keeps one step only. Lines and makers come along (four queries whatever the
    number of orders)."""
    steps = (step,) if step in QUEUE_STATUSES else QUEUE_STATUSES
    priority = case(
        {status: rank for rank, status in enumerate(ACTION_ORDER)},
        value=Order.fulfilment_status,
    )
    return list(
        db.session.scalars(
            select(Order)
            .where(
                Order.status == "paid",
                Order.fulfilment_status.in_(steps),
                Order.channel != "bazaar",
            )
            .order_by(priority, Order.paid_at, Order.id)
            .limit(limit)
            .options(
                selectinload(Order.lines)
                .selectinload(OrderLine.makers)
                .selectinload(OrderLineMaker.producer)
            )
        )
    )


def queue_counts() -> dict[str, int]:
    """How many paid orders wait at each fulfilment step (one grouped query)."""
    rows = db.session.execute(
        select(Order.fulfilment_status, func.count())
        .where(
            Order.status == "paid",
            Order.fulfilment_status.in_(QUEUE_STATUSES),
            Order.channel != "bazaar",
        )
        .group_by(Order.fulfilment_status)
    )
    counts = dict.fromkeys(QUEUE_STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def mark_received(
    line_ids: Iterable[int], actor_id: int | None, now: datetime | None = None
) -> int:
    """Mark order lines as received from their makers; returns how many were newly marked.

    An order whose lines are all received moves to "received" (ready to ship). Lines of unpaid
    orders, or of orders already shipped, are refused and nothing is marked.
    """
    ids = sorted({int(i) for i in line_ids})
    if not ids:
        raise ValidationFailed(_l("Teslim alınan ürünleri seçin."), field="line_ids")
    lines = list(
        db.session.scalars(select(OrderLine).where(OrderLine.id.in_(ids)).order_by(OrderLine.id))
    )
    if len(lines) != len(ids):
        raise NotFound(_l("Sipariş satırı bulunamadı."))
    now = now or utcnow()
    newly: dict[int, list[int]] = {}
    for order_id in sorted({ln.order_id for ln in lines}):
        order = lock_order(order_id)
        if order.status != "paid" or order.fulfilment_status not in ("unfulfilled", "received"):
            raise InvalidTransition(
                _l("Sipariş %(number)s için ürün teslim alınamaz.", number=order.number),
                from_status=order.fulfilment_status,
            )
    for line in lines:
        if line.received_at is None:
            line.received_at = now
            newly.setdefault(line.order_id, []).append(line.id)
    db.session.flush()
    for order_id, marked in newly.items():
        order = db.session.get(Order, order_id)
        if order.fulfilment_status == "unfulfilled" and all(
            ln.received_at is not None for ln in order.lines
        ):
            transition(order, "received")
            buyer_mail.tell(order, "prepared")
        audit.record(actor_id, "fulfilment.received", order, line_ids=marked)
    db.session.flush()
    return sum(len(v) for v in newly.values())


def _locked_paid(order_id: int) -> Order:
    order = lock_order(order_id)
    if order is None:
        raise NotFound(_l("Sipariş bulunamadı."))
    return order


def mark_shipped(
    order_id: int, tracking_number: str, actor_id: int | None, now: datetime | None = None
) -> Order:
    """Mark a paid order shipped with its tracking number and e-mail the shopper the number and
    the link to her order. Every item must have been received first."""
    tracking = " ".join((tracking_number or "").split())
    if not tracking:
        raise ValidationFailed(_l("Kargo takip numarasını yazın."), field="tracking_number")
    if len(tracking) > TRACKING_MAX:
        raise ValidationFailed(
            _l("Takip numarası en fazla %(n)d karakter olabilir.", n=TRACKING_MAX),
            field="tracking_number",
        )
    order = _locked_paid(order_id)
    if order.status == "paid" and order.fulfilment_status == "unfulfilled":
        raise InvalidTransition(
            _l(
                "Sipariş %(number)s için önce bütün ürünleri teslim alın.",
                number=order.number,
            ),
            from_status=order.fulfilment_status,
            to_status="shipped",
        )
    transition(order, "shipped")
    order.tracking_number = tracking
    db.session.flush()
    buyer_mail.tell(order, "shipped")
    audit.record(actor_id, "fulfilment.shipped", order, tracking_number=tracking)
    return order


def label_cancelled(order_id: int, actor_id: int | None) -> Order:
    """Its label was cancelled before the carrier had the parcel: a shipped order is packed
    again (no tracking number) and may get a new label. Nothing else moves an order back, and
    a delivered order never does."""
    order = _locked_paid(order_id)
    if order.fulfilment_status == "received":
        return order
    if order.fulfilment_status != "shipped" or order.delivered_at is not None:
        raise InvalidTransition(
            _l("Sipariş %(number)s kargodan geri alınamaz.", number=order.number),
            from_status=order.fulfilment_status,
            to_status="received",
        )
    order.fulfilment_status = "received"
    previous, order.tracking_number = order.tracking_number, None
    db.session.flush()
    audit.record(actor_id, "fulfilment.unshipped", order, tracking_number=previous)
    return order


def mark_delivered(
    order_id: int,
    actor_id: int | None = None,
    delivered_at: datetime | None = None,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> Order:
    """Mark a shipped order delivered (staff's click, or the carrier's event with its time as
    ``delivered_at``) and record when: the buyer's withdrawal window and the makers' payment
    count from it (postings.post_delivery_availability, online sales). The one place
    ``Order.delivered_at`` is set."""
    now = now or utcnow()
    order = _locked_paid(order_id)
    transition(order, "delivered")
    # A carrier's time in the future (a clock off) is not believed beyond now.
    order.delivered_at = min(delivered_at or now, now)
    db.session.flush()
    settings = settings or settings_service.current()
    postings.post_delivery_availability(order, settings, now=now)
    from coopshop.services.sales.withdrawals import window_ends_at  # (it builds on this module)

    buyer_mail.tell(order, "delivered", withdrawal_ends=window_ends_at(order, settings))
    audit.record(
        actor_id, "fulfilment.delivered", order, delivered_at=order.delivered_at.isoformat()
    )
    return order


def _held_for_withdrawal(order_id: int) -> set[int]:
    from coopshop.models import WithdrawalLine, WithdrawalRequest
    from coopshop.models.withdrawals import OPEN_WITHDRAWAL_STATUSES

    return set(
        db.session.scalars(
            select(WithdrawalLine.line_id)
            .join(WithdrawalRequest, WithdrawalRequest.id == WithdrawalLine.request_id)
            .where(
                WithdrawalRequest.order_id == order_id,
                WithdrawalRequest.status.in_(OPEN_WITHDRAWAL_STATUSES),
            )
        )
    )


def mark_returned(
    order_id: int,
    actor_id: int | None = None,
    returned_at: datetime | None = None,
    now: datetime | None = None,
) -> Order:
    """The carrier brought a shipped parcel back to us (returned to sender): it was never
    delivered, so the makers' money on it that is still pending is held
    (availability.ON_HOLD) until staff ship it again (ship_again) or an admin refunds it; money
    already payable stays where it is. A repeated call for a returned order changes nothing."""
    now = now or utcnow()
    order = _locked_paid(order_id)
    if order.fulfilment_status == "returned":
        return order
    transition(order, "returned")
    db.session.flush()
    postings.move_availability(
        order, availability.ON_HOLD, memo=f"Göndericiye döndü {order.number}", now=now
    )
    at = min(returned_at or now, now)
    audit.record(actor_id, "fulfilment.returned", order, returned_at=at.isoformat())
    return order


def ship_again(
    order_id: int,
    actor_id: int | None,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> Order:
    """A returned parcel is to be sent again: the order is packed again (no tracking number,
    a new label), and the makers' held money waits for its delivery as it did before the
    return (lines held for an open withdrawal request stay held)."""
    now = now or utcnow()
    order = _locked_paid(order_id)
    if order.fulfilment_status != "returned":
        raise InvalidTransition(
            _l("Sipariş %(number)s geri dönmedi; yeniden gönderilemez.", number=order.number),
            from_status=order.fulfilment_status,
            to_status="received",
        )
    transition(order, "received")
    previous, order.tracking_number = order.tracking_number, None
    db.session.flush()
    settings = settings or settings_service.current()
    held = _held_for_withdrawal(order.id)
    lines = [ln.id for ln in order.lines if ln.id not in held]
    if lines:
        postings.move_availability(
            order,
            max(availability.available_at_for(order, settings), now),
            memo=f"Yeniden gönderilecek {order.number}",
            now=now,
            line_ids=lines,
            only=availability.ON_HOLD,
        )
    audit.record(actor_id, "fulfilment.reship", order, tracking_number=previous)
    return order
