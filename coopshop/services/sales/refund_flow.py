"""An admin's refund, from choosing what to give back to the money leaving the right account.

Offline orders (bazaar, bank transfer) and demo-paid ones are booked at once (services.refunds):
the admin says how the money went back (cash, a transfer, the card terminal) with a note.

An online order is refunded through Stripe, which is outside our database transaction, so a
crash between Stripe's answer and our commit must neither lose the refund nor make it twice:

1. ``request_provider_refund`` writes a RefundRequest (lines, shipping, reason) with its
   idempotency key ``refund-<order number>-<n>``; it is **committed** before Stripe is called
   (with the ``refund.send`` job that calls ``send``: services.sales.refund_jobs, after the
   page answered). The key belongs to the request, so a retry sends the same key.
2. ``send`` first looks at the charge's refunds at Stripe for one carrying this request's id in
   its metadata (a previous attempt that got through; Stripe forgets idempotency keys after a
   day, the metadata it keeps); only if there is none does it ask Stripe to refund.
3. ``complete`` books the request's own lines with the Stripe refund id as Refund.provider_ref,
   under the order's row lock, and only if the request is still pending.

If the process dies after step 2, the request stays pending (shown on the order page with a
"try again" button; reconciliation lists the Stripe refund as not booked), and whichever comes
first finishes it exactly once: the admin's retry (step 2 finds the refund and books it) or the
charge.refunded webhook (stripe_events asks ``complete_from_webhook``, which books the request's
lines, not a proportional guess). Both take the order lock and re-read the request, and the
unique provider_ref is the database's last word. One request at most is pending per order.

An iyzico order takes the same steps; step 2 is services.sales.iyzico_refunds (per basket item,
or a same-day cancel), which records each part it made so a retry never sends one twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import stripe
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import Order, Payment, Refund, RefundRequest, utcnow
from coopshop.services.core import audit, hooks
from coopshop.services.core.errors import Conflict, LedgerError, NotFound, ValidationFailed
from coopshop.services.sales import order_states
from coopshop.services.sales import refunds as refund_service

log = logging.getLogger(__name__)

SCOPES = ("order", "line", "part")
OFFLINE_METHODS = ("cash", "bank_transfer", "card_terminal")
# Stripe errors after which the refund may still have been made: the request stays pending.
_TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


@dataclass(frozen=True)
class RefundChoice:
    """What the admin picked: the whole order, one whole line, or part of a line (in kuruş),
    and whether what remains of the shipping goes back too."""

    scope: str
    line_id: int | None = None
    amount_kurus: int | None = None
    include_shipping: bool = False


PROVIDER_METHODS = ("stripe", "iyzico")


def goes_through_provider(order: Order) -> bool:
    return order.payment_method in PROVIDER_METHODS


def methods_for(order: Order) -> tuple[str, ...]:
    """How the money may go back: through Stripe ('original'), to the demo clearing account, or,
    for bazaar and bank-transfer sales, in cash, by transfer or on the card terminal."""
    if goes_through_provider(order):
        return ("original",)
    if order.payment_method == "demo":
        return ("demo",)
    return OFFLINE_METHODS


def plan(order: Order, choice: RefundChoice) -> tuple[list[tuple[int, int]], int]:
    """The (line id, kuruş) pairs and shipping for ``choice``, checked against what remains."""
    left = refund_service.refundable(order)
    shipping = left.shipping_kurus if choice.include_shipping else 0
    if choice.scope == "order":
        lines = [(lid, amount) for lid, amount in sorted(left.lines.items()) if amount > 0]
    elif choice.scope in ("line", "part"):
        if choice.line_id not in left.lines:
            raise ValidationFailed(_l("Satır bu siparişe ait değil."), field="line")
        remaining = left.lines[choice.line_id]
        if remaining <= 0:
            raise ValidationFailed(_l("Bu satırda iade edilecek tutar kalmadı."), field="line")
        amount = remaining
        if choice.scope == "part":
            amount = choice.amount_kurus
            if type(amount) is not int or amount <= 0:
                raise ValidationFailed(_l("İade tutarını yazın."), field="amount")
            if amount > remaining:
                raise ValidationFailed(
                    _l("İade tutarı bu satırda kalan tutarı aşıyor."),
                    field="amount",
                    remaining_kurus=remaining,
                )
        lines = [(choice.line_id, amount)]
    else:
        raise ValidationFailed(_l("İade türünü seçin."), field="scope")
    if not lines and shipping == 0:
        raise ValidationFailed(_l("Bu siparişte iade edilecek tutar kalmadı."), field="scope")
    return lines, shipping


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("İade nedenini yazın."), field="reason")
    return reason


def pending_request(order_id: int) -> RefundRequest | None:
    return db.session.scalar(
        select(RefundRequest).where(
            RefundRequest.order_id == order_id, RefundRequest.status == "pending"
        )
    )


def refuse_if_pending(order_id: int) -> None:
    """One request at most waits for the provider per order."""
    waiting = pending_request(order_id)
    if waiting is not None:
        raise Conflict(
            _l("Bu siparişin tamamlanmamış bir iadesi var; önce onu tamamlayın."),
            request_id=waiting.id,
        )


def refund_offline(
    order: Order,
    lines: list[tuple[int, int]],
    shipping_kurus: int,
    reason: str,
    method: str,
    note: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> Refund:
    """Book a refund of a demo, bazaar or bank-transfer order, with how the money went back."""
    reason = _clean_reason(reason)
    if goes_through_provider(order):
        raise ValidationFailed(
            _l("İnternetten ödenen siparişler ödeme sağlayıcısı üzerinden iade edilir.")
        )
    if method not in methods_for(order):
        raise ValidationFailed(_l("Geçersiz iade yöntemi."), field="method")
    refund = refund_service.create_refund(
        order,
        lines,
        shipping_kurus=shipping_kurus,
        reason=reason,
        method=method,
        actor_id=actor_id,
        now=now,
    )
    refund.note = (note or "").strip()
    audit.record(
        actor_id,
        "refund.created",
        refund,
        order=order.number,
        amount_kurus=refund.amount_kurus,
        method=method,
        note=refund.note,
    )
    return refund


def request_provider_refund(
    order: Order,
    lines: list[tuple[int, int]],
    shipping_kurus: int,
    reason: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> RefundRequest:
    """Step 1: write down a Stripe refund. The caller commits before calling ``send``."""
    reason = _clean_reason(reason)
    if not goes_through_provider(order):
        raise ValidationFailed(_l("Bu sipariş Stripe ile ödenmedi."))  # nor with iyzico
    order = order_states.lock_order(order.id) or order
    if order.status != "paid":
        raise LedgerError(_l("Yalnız ödenmiş siparişler iade edilebilir."), order_id=order.id)
    refuse_if_pending(order.id)
    left = refund_service.refundable(order)
    for line_id, amount in lines:
        if amount <= 0 or amount > left.lines.get(line_id, 0):
            raise LedgerError(_l("İade tutarı kalan tutarı aşıyor."), line_id=line_id)
    if shipping_kurus < 0 or shipping_kurus > left.shipping_kurus:
        raise LedgerError(_l("Kargo iadesi ödenen kargo tutarını aşıyor."))
    total = sum(amount for _, amount in lines) + shipping_kurus
    if total <= 0:
        raise ValidationFailed(_l("İade tutarı sıfırdan büyük olmalı."), field="amount")
    last = select(func.coalesce(func.max(RefundRequest.seq), 0))
    seq = db.session.scalar(last.where(RefundRequest.order_id == order.id)) + 1
    request = RefundRequest(
        order_id=order.id,
        seq=seq,
        idempotency_key=f"refund-{order.number}-{seq}",
        status="pending",
        amount_kurus=total,
        shipping_kurus=shipping_kurus,
        lines=[[line_id, amount] for line_id, amount in lines],
        reason=reason,
        created_by_id=actor_id,
        created_at=now or utcnow(),
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(
            _l("Bu sipariş için aynı anda başka bir iade başlatıldı; sayfayı yenileyin.")
        ) from None
    audit.record(
        actor_id,
        "refund.requested",
        request,
        order=order.number,
        amount_kurus=total,
        idempotency_key=request.idempotency_key,
    )
    return request


def _charge_ref(order_id: int) -> str | None:
    return db.session.scalar(
        select(Payment.charge_ref)
        .where(
            Payment.order_id == order_id,
            Payment.provider == "stripe",
            Payment.status == "succeeded",
            Payment.charge_ref.is_not(None),
        )
        .order_by(Payment.id)
        .limit(1)
    )


def _get_request(request_id: int) -> RefundRequest:
    request = db.session.get(RefundRequest, request_id)
    if request is None:
        raise NotFound(_l("İade isteği bulunamadı."))
    return request


def _as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def send(request_id: int, provider, actor_id: int | None = None) -> RefundRequest:
    """Steps 2 and 3: make sure Stripe has the refund (once), then book it. Returns the request:
    'succeeded', 'failed' (Stripe refused; its message in ``error``) or still 'pending' (Stripe
    could not be reached; try again). The caller commits in every case."""
    request = _get_request(request_id)
    if request.status != "pending":
        return request
    order = db.session.get(Order, request.order_id)
    if order.payment_method == "iyzico":
        from coopshop.services.sales import iyzico_refunds

        return iyzico_refunds.send(request, provider, actor_id)
    charge_ref = _charge_ref(order.id)
    if charge_ref is None:
        return _fail(request, "no Stripe charge recorded for this order", actor_id)
    metadata = {
        "order_id": str(order.id),
        "order_number": order.number,
        "refund_request": str(request.id),
    }
    try:
        found = [
            r
            for r in provider.refunds_for_charge(charge_ref)
            if (r.get("metadata") or {}).get("refund_request") == str(request.id)
        ]
        stripe_refund = (
            found[0]
            if found
            else _as_dict(
                provider.refund(
                    charge_ref,
                    request.amount_kurus,
                    idempotency_key=request.idempotency_key,
                    metadata=metadata,
                )
            )
        )
    except _TRANSIENT as exc:
        log.warning("refund request %s: Stripe unreachable: %s", request.id, exc)
        request.error = str(exc)[:500]
        return request
    except stripe.StripeError as exc:
        return _fail(request, getattr(exc, "user_message", None) or str(exc), actor_id)
    return complete(request.id, stripe_refund, actor_id)


def _fail(request: RefundRequest, error: str, actor_id: int | None) -> RefundRequest:
    request.status = "failed"
    request.error = error[:500]
    request.completed_at = utcnow()
    audit.record(actor_id, "refund.request_failed", request, error=request.error)
    hooks.emit("refund.failed", request)
    return request


def complete(
    request_id: int,
    stripe_refund: dict,
    actor_id: int | None = None,
    now: datetime | None = None,
    surcharge_kurus: int = 0,
) -> RefundRequest:
    """Book a request whose refund Stripe made, once, under the order's lock. An iyzico cancel
    also gave back the taksit surcharge (``surcharge_kurus``), booked on the same refund."""
    request = _get_request(request_id)
    order = order_states.lock_order(request.order_id)
    db.session.refresh(request)  # re-read after the lock: another path may have finished it
    if request.status != "pending":
        return request
    refund_id = stripe_refund["id"]
    status = stripe_refund.get("status")
    if status in ("failed", "canceled"):
        return _fail(request, f"Stripe refund {refund_id} {status}", actor_id)
    if int(stripe_refund.get("amount") or 0) != request.amount_kurus:
        # Not what was asked: leave it pending and visible, for an admin and reconciliation.
        request.error = f"Stripe refund {refund_id} is for {stripe_refund.get('amount')} kuruş"
        audit.record(actor_id, "refund.amount_mismatch", request, provider_ref=refund_id)
        return request
    booked = db.session.scalar(select(Refund).where(Refund.provider_ref == refund_id))
    if booked is None:
        booked = refund_service.create_refund(
            order,
            [(int(line_id), int(amount)) for line_id, amount in request.lines],
            shipping_kurus=request.shipping_kurus,
            reason=request.reason,
            method="original",
            actor_id=request.created_by_id,
            provider_ref=refund_id,
            now=now,
            surcharge_kurus=surcharge_kurus,
        )
    request.status = "succeeded"
    request.provider_ref = refund_id
    request.refund_id = booked.id
    request.error = None
    request.completed_at = now or utcnow()
    audit.record(
        actor_id if actor_id is not None else request.created_by_id,
        "refund.created",
        booked,
        order=order.number,
        amount_kurus=booked.amount_kurus,
        method=order.payment_method,
        provider_ref=refund_id,
        request_id=request.id,
    )
    return request


def complete_from_webhook(stripe_refund: dict) -> int | None:
    """For stripe_events: a refund an admin started here (its metadata names the request) is
    booked with the request's lines. Returns 1 when it booked it, 0 when it was already booked,
    None when the refund was not started here."""
    request_id = str((stripe_refund.get("metadata") or {}).get("refund_request") or "")
    if not request_id.isdigit():
        return None
    request = db.session.get(RefundRequest, int(request_id))
    if request is None:
        return None
    if request.status != "pending":
        return 0
    done = complete(request.id, stripe_refund)
    return 1 if done.status == "succeeded" else 0
