"""What happened to an order, in order, for the shopper's order page: placed, paid, prepared
(every piece in from its makers), shipped, delivered or collected, each refund with its amount,
each withdrawal request, cancelled or expired. Read from the order's own timestamps, its lines'
``received_at``, the fulfilment audit events (shipped) and its refunds and withdrawal requests;
nothing is written.

Generic over states: a status this module does not know (a new one) still ends the history as a
step of its own (``Step.kind`` is the status; the page shows the order's status word for a kind
not in LABELS), never as "being prepared".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, Order, Refund
from coopshop.models.withdrawals import WithdrawalRequest

LABELS = {
    "placed": _l("Sipariş verildi"),
    "paid": _l("Ödendi"),
    "prepared": _l("Hazırlandı: ürünler üreticilerden teslim alındı ve paketlendi"),
    "shipped": _l("Kargoya verildi"),
    "delivered": _l("Teslim edildi"),
    "collected": _l("Teslim alındı"),
    "returned": _l("Göndericiye geri döndü"),
    "refunded": _l("İade edildi"),
    "withdrawal_requested": _l("Cayma talebi alındı"),
    "withdrawal_rejected": _l("Cayma talebi kapatıldı"),
    "cancelled": _l("İptal edildi"),
    "expired": _l("Ödeme süresi doldu"),
}

_KNOWN_STATUSES = ("pending_payment", "paid", "cancelled", "expired")
_KNOWN_FULFILMENT = ("unfulfilled", "received", "shipped", "delivered", "collected")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    kind: str
    at: datetime | None
    amount_kurus: int | None = None
    detail: str = ""  # the tracking number of "shipped"


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _last_shipped_at(order: Order) -> datetime | None:
    return db.session.scalar(
        select(AuditEvent.created_at)
        .where(
            AuditEvent.action == "fulfilment.shipped",
            AuditEvent.object_type == "Order",
            AuditEvent.object_id == str(order.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def _way(order: Order, status: str) -> list[Step]:
    steps = [Step("placed", order.created_at)]
    if order.paid_at is not None:
        steps.append(Step("paid", order.paid_at, order.total_kurus))
    fulfilment = order.fulfilment_status
    received = [line.received_at for line in order.lines]
    if fulfilment in ("received", "shipped", "delivered") and all(received):
        steps.append(Step("prepared", max(_aware(r) for r in received)))
    elif fulfilment in ("received", "shipped", "delivered"):
        steps.append(Step("prepared", None))
    if fulfilment in ("shipped", "delivered"):
        steps.append(Step("shipped", _last_shipped_at(order), detail=order.tracking_number or ""))
    elif fulfilment not in _KNOWN_FULFILMENT:
        # A step this module does not know yet (one after the parcel left, say): what is known
        # before it, then it in its own words.
        shipped_at = _last_shipped_at(order)
        if shipped_at is not None:
            steps.append(Step("shipped", shipped_at, detail=order.tracking_number or ""))
        steps.append(Step(fulfilment, None))
    if fulfilment == "delivered":
        steps.append(Step("delivered", order.delivered_at))
    if fulfilment == "collected":
        steps.append(Step("collected", order.delivered_at or order.paid_at))
    if status == "cancelled":
        steps.append(Step("cancelled", order.cancelled_at))
    elif status == "expired":
        steps.append(Step("expired", order.expires_at))
    return steps


def history(
    order: Order,
    status: str,
    refunds: list[Refund] | None = None,
    withdrawal_requests: list[WithdrawalRequest] | None = None,
) -> list[Step]:
    """The order's steps, oldest first (``status`` as the shopper sees it now, see
    checkout.status_as_of)."""
    # The way's steps keep their order (a clock's step back never puts "shipped" before
    # "paid"; a step without a recorded time sorts as the one before it); refunds and
    # withdrawal requests fall in between by their time.
    keyed, last = [], _EARLIEST
    for step in _way(order, status):
        last = max(last, _aware(step.at) or last)
        keyed.append((last, step))
    extras = [Step("refunded", r.created_at, r.amount_kurus) for r in refunds or []]
    for wr in withdrawal_requests or []:
        extras.append(Step("withdrawal_requested", wr.created_at))
        if wr.status == "rejected":
            extras.append(Step("withdrawal_rejected", wr.resolved_at or wr.created_at))
    keyed += [(_aware(step.at) or last, step) for step in extras]
    ordered = [step for _key, step in sorted(keyed, key=lambda pair: pair[0])]
    if status not in _KNOWN_STATUSES:
        ordered.append(Step(status, None))
    return ordered


def headline(steps: list[Step]) -> Step | None:
    """The step the page's headline tells: the latest of the way or a refund (not a withdrawal
    request, which the page shows in its own section)."""
    for step in reversed(steps):
        if not step.kind.startswith("withdrawal_"):
            return step
    return None
