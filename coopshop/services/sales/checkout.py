"""Checkout: turn a cart into an order, fulfil it once when paid, expire it when never paid."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, ProducerProfile, utcnow
from coopshop.services.core import audit, mail
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.legal import seller as seller_service
from coopshop.services.legal.seller import SellerIdentity
from coopshop.services.sales import agreements, order_states, orders
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import Buyer, LineRequest, NewOrder

log = logging.getLogger(__name__)

METHODS = ("card", "bank_transfer")


@dataclass(frozen=True)
class CheckoutRequest:
    items: dict[int, int]
    buyer: Buyer
    method: str  # "card" or "bank_transfer"
    card_payment_method: str  # "stripe" or "demo": which provider takes cards here
    customer_id: int | None = None
    locale: str = "tr"
    # Her two ticks (pre-information form read, contract approved) and her IP: without both
    # nothing is written; with them the texts she approved are stored with the order.
    acceptance: Acceptance = Acceptance()
    # The aggregator's shipping price for the cart's parcel (services.shipping.pricing), when
    # the shop takes it from there; None: the rate table.
    shipping_quote_kurus: int | None = None


def place_order(
    req: CheckoutRequest,
    settings: CoopSettings,
    now: datetime | None = None,
    seller: SellerIdentity | None = None,
) -> Order:
    """Create the order with its stock held and the agreements she approved stored with it.
    Unpaid orders past their time are expired first, so their stock is back on the shelf for
    this shopper. Every online and bank-transfer order is placed here."""
    now = now or utcnow()
    agreements.require(req.acceptance)
    if req.method not in METHODS:
        raise ValidationFailed(_l("Ödeme yöntemi seçin."), field="method")
    if not req.items:
        raise ValidationFailed(_l("Sepetiniz boş."), field="lines")
    expire_due(now=now)
    online = req.method == "card"
    order = orders.create_order(
        NewOrder(
            channel="online" if online else "bank_transfer",
            payment_method=req.card_payment_method if online else "bank_transfer",
            lines=[LineRequest(quantity=q, product_id=pid) for pid, q in sorted(req.items.items())],
            buyer=req.buyer,
            customer_id=req.customer_id,
            charge_shipping=True,
            shipping_quote_kurus=req.shipping_quote_kurus,
        ),
        settings=settings,
        now=now,
    )
    agreements.record(order, req.acceptance, seller or seller_service.current(), settings, now)
    if not online:
        # The money has a deadline too: past it the order expires like an unpaid card order
        # and its stock goes back (expire_due), so a forgotten transfer never holds stock.
        order.expires_at = transfer_deadline(order.created_at, settings)
        db.session.flush()
        _queue_transfer_instructions(order, req.locale)
    return order


def transfer_deadline(placed_at: datetime, settings: CoopSettings) -> datetime:
    """When a bank-transfer order placed at ``placed_at`` expires unpaid: TRANSFER_PAYMENT_DAYS
    whole days later, to the minute (FAST transfers arrive at weekends too)."""
    return placed_at + timedelta(days=settings.transfer_payment_days)


def fulfil(order_id: int, payment: PaymentInfo, settings: CoopSettings) -> bool:
    """Mark the order paid, book it, and queue the e-mails: exactly once per order.

    The order row is locked first (PostgreSQL), so two deliveries of the same payment racing
    each other cannot both book it; the second sees 'paid' and changes nothing.
    """
    order = order_states.lock_order(order_id)
    if order is None:
        log.warning("payment for unknown order %s", order_id)
        return False
    if order.status in ("expired", "cancelled"):
        # Paid after it expired: the money arrived but the stock was released. Keep a record
        # an admin can act on (refund or re-hold) instead of silently dropping it.
        audit.record(
            None,
            "payment.after_expiry",
            order,
            provider=payment.provider,
            provider_ref=payment.provider_ref,
            amount_kurus=payment.amount_kurus,
        )
        return False
    if not order_states.mark_paid(order, payment, settings=settings):
        return False
    _queue_paid_mail(order)
    return True


def status_as_of(order: Order, now: datetime | None = None) -> str:
    """The order's status as the shopper should see it now: an unpaid online order past its
    time is expired even before expire_due() has written it."""
    now = now or utcnow()
    expires_at = order.expires_at
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    if order.status == "pending_payment" and expires_at is not None and expires_at < now:
        return "expired"
    return order.status


def expire_due(now: datetime | None = None, limit: int = 200) -> int:
    """Expire unpaid online and bank-transfer orders whose time is up and give their stock
    back. Running it again finds nothing more to do (only ``pending_payment`` rows are taken,
    under a row lock, so two runners never expire the same order twice)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Order)
        .where(
            Order.status == "pending_payment",
            Order.channel.in_(("online", "bank_transfer")),
            Order.expires_at.is_not(None),
            Order.expires_at < now,
        )
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for order in due:
        order_states.cancel(order, to="expired", now=now)
        if order.channel == "bank_transfer":
            # No clerk did it: the log says the deadline did, and what went back on the shelf.
            audit.record(
                None,
                "transfer.expired",
                order,
                deadline=order.expires_at.isoformat(),
                total_kurus=order.total_kurus,
            )
    return len(due)


def _order_locale(order: Order) -> str:
    customer = order.customer
    return customer.locale if customer is not None else "tr"


def _queue_transfer_instructions(order: Order, locale: str) -> None:
    if not order.buyer_email:
        return
    with force_locale(locale):
        mail.queue(
            order.buyer_email,
            _("Siparişiniz %(number)s: havale/EFT bilgileri", number=order.number),
            render_template(
                "email/transfer_instructions.txt",
                order=order,
                agreements=agreements.of_order(order.id),
            ),
        )


def _queue_paid_mail(order: Order) -> None:
    if order.buyer_email:
        with force_locale(_order_locale(order)):
            mail.queue(
                order.buyer_email,
                _("Siparişiniz alındı: %(number)s", number=order.number),
                render_template(
                    "email/order_confirmation.txt",
                    order=order,
                    agreements=agreements.of_order(order.id),
                ),
            )
    makers = db.session.scalars(
        select(ProducerProfile).where(ProducerProfile.id.in_(order_states.producer_ids_of(order)))
    ).all()
    for maker in makers:
        if not maker.notify_email:
            continue
        lines = [ln for ln in order.lines if any(m.producer_id == maker.id for m in ln.makers)]
        with force_locale(maker.user.locale):
            mail.queue(
                maker.user.email,
                _("Bir satış yaptınız: %(number)s", number=order.number),
                render_template("email/maker_sale.txt", order=order, maker=maker, lines=lines),
            )
