"""Staff's steps on a buyer's withdrawal request (cayma hakkı; the rules and her request are in
withdrawals.py): the open and closed requests, the goods received, the refund (through
refund_flow, planned from the request's units) or a rejection, and releasing the makers' held
shares when the request is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Order, RefundRequest, WithdrawalLine, WithdrawalRequest, utcnow
from coopshop.models.withdrawals import OPEN_WITHDRAWAL_STATUSES
from coopshop.services.books import availability, postings
from coopshop.services.core import audit, hooks
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from coopshop.services.sales import refund_start
from coopshop.services.sales import refunds as refund_service
from coopshop.services.sales.order_states import lock_order
from coopshop.services.sales.withdrawals import _mail, _transition, requested_units


def get_request(request_id: int) -> WithdrawalRequest:
    request = db.session.scalar(
        select(WithdrawalRequest)
        .where(WithdrawalRequest.id == request_id)
        .options(
            selectinload(WithdrawalRequest.order).selectinload(Order.lines),
            selectinload(WithdrawalRequest.lines).selectinload(WithdrawalLine.line),
        )
    )
    if request is None:
        raise NotFound(_l("Cayma talebi bulunamadı."))
    return request


def _locked(request_id: int) -> WithdrawalRequest:
    request = get_request(request_id)
    lock_order(request.order_id)
    db.session.refresh(request)
    return request


def open_requests(limit: int = 200) -> list[WithdrawalRequest]:
    """Open requests, the nearest refund deadline first, with their orders and lines."""
    return list(
        db.session.scalars(
            select(WithdrawalRequest)
            .where(WithdrawalRequest.status.in_(OPEN_WITHDRAWAL_STATUSES))
            .order_by(WithdrawalRequest.refund_due_at, WithdrawalRequest.id)
            .limit(limit)
            .options(
                selectinload(WithdrawalRequest.order),
                selectinload(WithdrawalRequest.lines).selectinload(WithdrawalLine.line),
            )
        )
    )


def recent_closed(limit: int = 50) -> list[WithdrawalRequest]:
    return list(
        db.session.scalars(
            select(WithdrawalRequest)
            .where(WithdrawalRequest.status.not_in(OPEN_WITHDRAWAL_STATUSES))
            .order_by(WithdrawalRequest.resolved_at.desc(), WithdrawalRequest.id.desc())
            .limit(limit)
            .options(selectinload(WithdrawalRequest.order), selectinload(WithdrawalRequest.refund))
        )
    )


def mark_received(
    request_id: int, actor_id: int | None, now: datetime | None = None
) -> WithdrawalRequest:
    """The goods she sent back have arrived."""
    request = _locked(request_id)
    _transition(request, "received")
    request.received_at = now or utcnow()
    db.session.flush()
    audit.record(actor_id, "withdrawal.received", request, order=request.order.number)
    _mail(request, "received")
    return request


def refund_plan(request: WithdrawalRequest) -> tuple[list[tuple[int, int]], int]:
    """The (line id, kuruş) pairs and the shipping to refund for a request: each unit at the
    price she paid (the last units of a line get exactly what remains of it), and the delivery
    cost when, with this request, she withdraws from every unit of the order (m.13)."""
    order = request.order
    left = refund_service.refundable(order)
    lines = []
    for wline in request.lines:
        line = wline.line
        amount = min(wline.quantity * line.unit_price_kurus, left.lines.get(line.id, 0))
        if wline.quantity == line.quantity:
            amount = left.lines.get(line.id, 0)
        if amount > 0:
            lines.append((line.id, amount))
    requested = requested_units(order.id)
    everything = all(requested.get(line.id, 0) >= line.quantity for line in order.lines)
    shipping = left.shipping_kurus if everything else 0
    return lines, shipping


@dataclass(frozen=True)
class RefundOutcome:
    request: WithdrawalRequest
    refunded: bool  # False: the card provider has not confirmed yet (retry from the order)
    error: str | None = None


def refund(
    request_id: int,
    actor_id: int | None,
    provider=None,
    method: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> RefundOutcome:
    """Give her money back for the request, through the existing refund path: the card
    provider for a card order (``provider``), else booked with ``method`` (how the money went
    back, e.g. a transfer to her IBAN) and ``note``."""
    request = _locked(request_id)
    if request.status not in ("requested", "received"):
        raise InvalidTransition(
            _l("Bu cayma talebi için iade yapılamaz."), from_status=request.status
        )
    order = request.order
    lines, shipping = refund_plan(request)
    if not lines and shipping == 0:
        raise Conflict(_l("Bu talep için iade edilecek tutar kalmadı."))
    _transition(request, "refunding")
    db.session.flush()
    reason = f"Cayma hakkı (talep #{request.id})"
    done = refund_start.start(
        order,
        lines,
        shipping,
        reason,
        actor_id,
        provider=provider,
        method=method,
        note=note,
        now=now,
    )
    if isinstance(done, RefundRequest):
        # Through the card provider, by the refund job after the commit: the request stays
        # refunding until it answers (on_refund_created, or on_refund_failed sends it back).
        return RefundOutcome(get_request(request_id), False, done.error)
    return RefundOutcome(get_request(request_id), True)


def on_refund_created(refund) -> None:
    """Subscribed to "refund.created": the refund a withdrawal started (at once, or when the
    card provider confirmed it later) resolves that withdrawal."""
    request = db.session.scalar(
        select(WithdrawalRequest).where(
            WithdrawalRequest.order_id == refund.order_id,
            WithdrawalRequest.status == "refunding",
        )
    )
    if request is None:
        return
    request.status = "refunded"
    request.refund_id = refund.id
    request.resolved_at = refund.created_at
    db.session.flush()
    _release(request, refund.created_at)
    audit.record(
        refund.created_by_id,
        "withdrawal.refunded",
        request,
        order=request.order.number,
        refund_id=refund.id,
        amount_kurus=refund.amount_kurus,
    )
    _mail(request, "refunded", refund=refund)


def reject(
    request_id: int, note: str, actor_id: int | None, now: datetime | None = None
) -> WithdrawalRequest:
    """Close a request without a refund (the goods never came back, or she took it back), with
    a note she reads. The makers' held shares become payable again."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_l("Bir açıklama yazın."), field="note")
    now = now or utcnow()
    request = _locked(request_id)
    _transition(request, "rejected")
    request.note = note
    request.resolved_at = now
    db.session.flush()
    _release(request, now)
    audit.record(actor_id, "withdrawal.rejected", request, order=request.order.number, note=note)
    _mail(request, "rejected")
    return request


def _release(request: WithdrawalRequest, now: datetime) -> None:
    """Move what is held for this request's lines (and not for another open request) back to
    when it would have been payable: the end of the window, or now if that has passed."""
    order = request.order
    still_held = set(
        db.session.scalars(
            select(WithdrawalLine.line_id)
            .join(WithdrawalRequest, WithdrawalRequest.id == WithdrawalLine.request_id)
            .where(
                WithdrawalRequest.order_id == order.id,
                WithdrawalRequest.id != request.id,
                WithdrawalRequest.status.in_(OPEN_WITHDRAWAL_STATUSES),
            )
        )
    )
    line_ids = [wl.line_id for wl in request.lines if wl.line_id not in still_held]
    if not line_ids:
        return
    settings = settings_service.current()
    if order.delivered_at is not None and order.channel == "online":
        due = availability.payable_after_delivery(order.delivered_at, settings)
    else:
        due = availability.available_at_for(order, settings)
    postings.move_availability(
        order,
        max(due, now),
        memo=f"Cayma talebi #{request.id} sonuçlandı {order.number}",
        now=now,
        line_ids=line_ids,
        only=availability.ON_HOLD,
    )


def on_refund_failed(refund_request: RefundRequest) -> None:
    """Subscribed to "refund.failed": the card provider refused the refund a withdrawal started
    (in the refund job, after the page answered); the withdrawal goes back to where it was,
    received if the goods came back, else requested, for staff to try again or reject."""
    request = db.session.scalar(
        select(WithdrawalRequest).where(
            WithdrawalRequest.order_id == refund_request.order_id,
            WithdrawalRequest.status == "refunding",
        )
    )
    if request is None:
        return
    _transition(request, "received" if request.received_at is not None else "requested")
    db.session.flush()
    audit.record(
        refund_request.created_by_id,
        "withdrawal.refund_failed",
        request,
        order=request.order.number,
        error=refund_request.error,
    )


def install() -> None:
    hooks.subscribe("refund.created", on_refund_created)
    hooks.subscribe("refund.failed", on_refund_failed)
