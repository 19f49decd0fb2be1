"""iyzico payment results: the callback and the webhook only carry a token, so both retrieve the
result from iyzico (signature checked by the adapter) and then run the one fulfilment path,
services.sales.checkout.fulfil, once.

Once means: the order row is locked before anything is decided, and each iyzico payment id is
recorded as a WebhookEvent (provider 'iyzico', event id 'payment:<id>'), like Stripe's events;
a callback and a webhook racing each other find the order paid and the payment recorded, and
the unique (provider, event_id) is the database's last word. A webhook delivery is recorded by
its own reference code too, so a repeat is a no-op before iyzico is even asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, WebhookEvent, utcnow
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, NotFound
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import checkout, iyzico, order_states
from coopshop.services.sales.order_states import PaymentInfo

log = logging.getLogger(__name__)
PROVIDER = "iyzico"


class PaymentNotConfirmed(Conflict):
    """iyzico could not be asked, or its answer was not signed by our key: nothing is fulfilled.
    The order waits (for the webhook, a later retrieve, or its expiry)."""


@dataclass(frozen=True)
class Confirmation:
    action: str  # paid | already paid | failed | pending | mismatch | duplicate | unknown order
    order_number: str | None = None


def order_for_token(token: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.payment_reference == token, Order.payment_method == PROVIDER)
    )


def _seen(event_id: str) -> bool:
    return (
        db.session.scalar(
            select(WebhookEvent.id).where(
                WebhookEvent.provider == PROVIDER, WebhookEvent.event_id == event_id
            )
        )
        is not None
    )


def _record(event_id: str, event_type: str, order_id: int | None) -> None:
    db.session.add(
        WebhookEvent(
            provider=PROVIDER, event_id=event_id, event_type=event_type[:80], order_id=order_id
        )
    )
    db.session.flush()


def confirm(
    token: str, client: iyzico.IyzicoClient, settings: CoopSettings, source: str = "callback"
) -> Confirmation:
    """Retrieve the result for ``token`` and act on it: fulfil a verified, matching payment;
    cancel (stock back) an order whose payment failed; leave anything else pending."""
    order = order_for_token(token) if token else None
    if order is None:
        raise NotFound(_l("Bu ödemeye ait sipariş bulunamadı."))
    try:
        result = client.retrieve_checkout_form(token, conversation_id=order.number)
    except iyzico.ProviderError as exc:
        log.warning("iyzico retrieve for order %s failed: %s", order.number, exc)
        raise PaymentNotConfirmed(
            _l("Ödemeniz doğrulanamadı; siparişiniz ödeme bekliyor. Birazdan yeniden bakın."),
            order=order.number,
            error_code=exc.error_code,
        ) from None
    order = order_states.lock_order(order.id)
    if result.payment_status == "FAILURE":
        return Confirmation(_give_up(order, result), order.number)
    if not result.is_paid:
        return Confirmation("pending", order.number)  # INIT, or in iyzico's fraud review
    if not _matches(order, token, result):
        return Confirmation("mismatch", order.number)
    event_id = f"payment:{result.payment_id}"
    if _seen(event_id) or order.status == "paid":
        return Confirmation("already paid", order.number)
    _record(event_id, f"{source}.{result.payment_status}", order.id)
    paid = checkout.fulfil(order.id, _payment_info(order, token, result), settings)
    if paid:
        return Confirmation("paid", order.number)
    return Confirmation(f"left {order.status}", order.number)  # paid after it expired: audited


def _matches(order: Order, token: str, result: iyzico.CheckoutFormResult) -> bool:
    """The answer is for this order, this attempt, in lira, and covers the total."""
    problems = []
    if result.basket_id != order.number:
        problems.append("basket id")
    if result.token != token or order.payment_reference != token:
        problems.append("token")
    if (result.currency or "TRY") != "TRY":
        problems.append("currency")
    if result.price_kurus != order.total_kurus:
        problems.append("price")
    if result.paid_price_kurus is None or result.paid_price_kurus < order.total_kurus:
        problems.append("paid price")
    if not problems:
        return True
    audit.record(
        None,
        "payment.amount_mismatch",
        order,
        provider=PROVIDER,
        problems=problems,
        expected_kurus=order.total_kurus,
        price_kurus=result.price_kurus,
        paid_kurus=result.paid_price_kurus,
        basket_id=result.basket_id,
        payment_id=result.payment_id,
    )
    return False


def _payment_info(order: Order, token: str, result: iyzico.CheckoutFormResult) -> PaymentInfo:
    return PaymentInfo(
        provider=PROVIDER,
        amount_kurus=order.total_kurus,
        provider_ref=result.payment_id,
        charge_ref=token,
        fee_kurus=result.iyzi_commission_kurus,
        installments=result.installment,
        surcharge_kurus=result.paid_price_kurus - order.total_kurus,
        item_refs={item.item_id: item.payment_transaction_id for item in result.items},
    )


def _give_up(order: Order, result: iyzico.CheckoutFormResult) -> str:
    if order.status != "pending_payment":
        return f"left {order.status}"
    order_states.cancel(order, to="cancelled", now=utcnow())
    audit.record(
        None,
        "payment.failed",
        order,
        provider=PROVIDER,
        error_code=result.error_code,
        error_message=result.error_message,
    )
    return "failed"


def on_webhook(
    event: iyzico.WebhookEvent, client: iyzico.IyzicoClient, settings: CoopSettings
) -> Confirmation:
    """A verified notification: recorded once by its reference code, then the same confirm as
    the callback (which retrieves the result; the notification's own status is not trusted)."""
    event_id = "notification:" + (
        event.reference_code or f"{event.payment_id}:{event.status}:{event.event_time}"
    )
    if _seen(event_id):
        return Confirmation("duplicate")
    token = event.token
    if not token and event.conversation_id:
        order = db.session.scalar(
            select(Order).where(
                Order.number == event.conversation_id, Order.payment_method == PROVIDER
            )
        )
        token = order.payment_reference if order is not None else None
    order = order_for_token(token) if token else None
    _record(event_id, event.event_type, order.id if order else None)
    if order is None:
        log.warning("iyzico notification %s names no order we know", event_id)
        return Confirmation("unknown order")
    return confirm(token, client, settings, source="webhook")
