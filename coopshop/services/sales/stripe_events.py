"""Stripe webhook events: the truth about online payments.

Each event id is recorded; a repeat delivery is a no-op. Events may arrive late or out of order:
an 'expired' after a 'completed' does not undo the payment, because every handler only moves an
order forward from the state it finds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, Payment, Refund, WebhookEvent, utcnow
from coopshop.money import split_largest_remainder
from coopshop.services.core import audit
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import checkout, order_states, refund_flow
from coopshop.services.sales import refunds as refund_service
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.payments import StripeProvider

log = logging.getLogger(__name__)

HANDLED = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
)


@dataclass(frozen=True)
class Outcome:
    duplicate: bool
    action: str


def already_processed(event_id: str) -> bool:
    return (
        db.session.scalar(
            select(WebhookEvent.id).where(
                WebhookEvent.provider == "stripe", WebhookEvent.event_id == event_id
            )
        )
        is not None
    )


def handle(event, provider: StripeProvider, settings: CoopSettings) -> Outcome:
    """Apply one verified event. The caller commits; the unique (provider, event_id) row makes
    a concurrent duplicate fail at commit instead of booking twice."""
    event_id, event_type, obj = _parts(event)
    if already_processed(event_id):
        return Outcome(duplicate=True, action="duplicate")
    order = _order_for(obj)
    db.session.add(
        WebhookEvent(
            provider="stripe",
            event_id=event_id,
            event_type=event_type,
            order_id=order.id if order else None,
        )
    )
    if event_type not in HANDLED:
        return Outcome(False, "ignored")
    if event_type == "charge.refunded":
        return Outcome(False, _charge_refunded(obj, provider))
    if order is None:
        log.warning("stripe event %s (%s) names no order we know", event_id, event_type)
        return Outcome(False, "unknown order")
    if order.payment_method != provider.payment_method:
        # A Stripe event acts only on orders paid through Stripe: never on a bank transfer.
        audit.record(
            None,
            "payment.wrong_provider",
            order,
            event_id=event_id,
            event_type=event_type,
            payment_method=order.payment_method,
        )
        return Outcome(False, "not a stripe order")
    if event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("payment_status") != "paid":
            return Outcome(False, "awaiting async payment")
        return Outcome(False, _paid(order, obj, provider, settings))
    if event_type == "checkout.session.async_payment_failed":
        return Outcome(False, _give_up(order, "cancelled"))
    return Outcome(False, _give_up(order, "expired"))  # checkout.session.expired


def _parts(event) -> tuple[str, str, dict]:
    """The event's id, type and object; a signed event of another shape is refused."""
    data = event.get("data") if isinstance(event, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    event_id, event_type = (
        event.get(k) if isinstance(event, dict) else None for k in ("id", "type")
    )
    if not (isinstance(event_id, str) and event_id and len(event_id) <= 255):
        raise ValidationFailed("the event has no id")
    if not (isinstance(event_type, str) and len(event_type) <= 80 and isinstance(obj, dict)):
        raise ValidationFailed("the event has no type or no data.object")
    return event_id, event_type, obj


def _order_for(obj) -> Order | None:
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    order_id = metadata.get("order_id")
    if order_id and str(order_id).isdigit() and int(order_id) < 2**31:
        return db.session.get(Order, int(order_id))
    number = obj.get("client_reference_id") or metadata.get("order_number")
    if isinstance(number, str) and number:
        return db.session.scalar(select(Order).where(Order.number == number))
    return None


def _paid(order: Order, session, provider: StripeProvider, settings: CoopSettings) -> str:
    intent_id = session.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    details = provider.charge_details(intent_id) if intent_id else None
    amount = int(session.get("amount_total") or 0)
    if amount != order.total_kurus or (session.get("currency") or "try") != "try":
        # Never book an amount the order does not say; an admin must look at it.
        audit.record(
            None,
            "payment.amount_mismatch",
            order,
            expected_kurus=order.total_kurus,
            received_kurus=amount,
            currency=session.get("currency"),
            session=session.get("id"),
        )
        return "amount mismatch"
    paid = checkout.fulfil(
        order.id,
        PaymentInfo(
            provider="stripe",
            amount_kurus=amount,
            provider_ref=intent_id or session.get("id"),
            charge_ref=details.charge_ref if details else None,
            fee_kurus=details.fee_kurus if details else 0,
        ),
        settings,
    )
    return "paid" if paid else "already paid"


def _give_up(order: Order, to: str) -> str:
    locked = order_states.lock_order(order.id)
    if locked is None or locked.status != "pending_payment":
        return f"left {locked.status if locked else 'missing'}"
    order_states.cancel(locked, to=to, now=utcnow())
    return to


def _charge_refunded(charge, provider: StripeProvider) -> str:
    """A refund made at Stripe (its dashboard): book what coopshop has not booked yet."""
    payment = db.session.scalar(select(Payment).where(Payment.charge_ref == charge.get("id")))
    if payment is None:
        return "unknown charge"
    known = set(
        db.session.scalars(
            select(Refund.provider_ref).where(
                Refund.order_id == payment.order_id, Refund.provider_ref.is_not(None)
            )
        )
    )
    booked = 0
    # Newer API versions leave charge.refunds out of the event: ask Stripe for the list.
    for stripe_refund in provider.refunds_for_charge(charge["id"]):
        if stripe_refund["id"] in known or stripe_refund.get("status") not in (None, "succeeded"):
            continue
        # Started from an admin's refund page: book the lines she chose (services.refund_flow).
        mine = refund_flow.complete_from_webhook(stripe_refund)
        if mine is not None:
            booked += mine
            continue
        order = order_states.lock_order(payment.order_id)
        if _book_external_refund(order, int(stripe_refund["amount"]), stripe_refund["id"]):
            booked += 1
    return f"booked {booked} refund(s)"


def _book_external_refund(order: Order, amount: int, provider_ref: str) -> bool:
    """Spread a refund that names no lines over what remains of each line and the shipping,
    in proportion (largest remainder, exact to the kuruş). Too large: left for an admin."""
    left = refund_service.refundable(order)
    if amount <= 0 or amount > left.total_kurus:
        audit.record(
            None,
            "refund.unmatched",
            order,
            provider_ref=provider_ref,
            amount_kurus=amount,
            refundable_kurus=left.total_kurus,
        )
        return False
    keys = [line_id for line_id, remaining in sorted(left.lines.items()) if remaining > 0]
    weights = [left.lines[k] for k in keys]
    if left.shipping_kurus > 0:
        weights.append(left.shipping_kurus)
    parts = split_largest_remainder(amount, weights)
    shipping = parts[len(keys)] if left.shipping_kurus > 0 else 0
    refund_service.create_refund(
        order,
        [(k, part) for k, part in zip(keys, parts, strict=False) if part > 0],
        shipping_kurus=shipping,
        reason="Stripe",
        method="original",
        provider_ref=provider_ref,
    )
    return True
