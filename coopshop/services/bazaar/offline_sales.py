"""Offline sales recorded by staff from a point-of-sale app (the JSON API): a bazaar desk's sale,
which is services.bazaar.sell as the desk page makes it, or a bank-transfer sale whose money has
already arrived, made and paid at once through services.orders like every other channel.

``client_ref`` is the app's own id for the ticket: a sale sent twice (a retry after a lost
answer) is recorded once, and the second call finds the first order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, Payment
from coopshop.services.bazaar import cash
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.core import audit
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import order_states, orders
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import LineRequest, NewOrder

CHANNELS = ("bazaar", "bank_transfer")


@dataclass(frozen=True)
class OfflineSale:
    channel: str
    payment_method: str
    lines: Sequence[LineRequest]
    actor_id: int | None
    cash_session_id: int | None = None
    client_ref: str | None = None


def _transfer_ref(client_ref: str) -> str:
    return f"api-{client_ref}"


def previous(sale: OfflineSale) -> Order | None:
    """The order this ticket already became, if it was sent before."""
    if not sale.client_ref:
        return None
    if sale.channel == "bazaar":
        return bazaar.order_for_ticket(sale.client_ref)
    return db.session.scalar(
        select(Order)
        .join(Payment, Payment.order_id == Order.id)
        .where(
            Payment.provider == "bank_transfer",
            Payment.provider_ref == _transfer_ref(sale.client_ref),
        )
    )


def sell(
    sale: OfflineSale, settings: CoopSettings | None = None, now: datetime | None = None
) -> Order:
    """Record ``sale`` as a paid, booked order (or return the order it already became).

    Raises ValidationFailed for a channel and payment method that do not go together, a bazaar
    sale without its cash session, and whatever services.bazaar and services.orders refuse
    (InsufficientStock when stock is short: the caller rolls back and nothing is written).
    """
    if sale.channel not in CHANNELS:
        raise ValidationFailed(_l("Geçersiz satış kanalı."), field="channel")
    if sale.channel == "bazaar":
        if sale.cash_session_id is None:
            raise ValidationFailed(
                _l("Pazar satışı için açık bir kasa oturumu seçin."), field="cash_session_id"
            )
        return bazaar.sell(
            sale.cash_session_id,
            sale.lines,
            sale.payment_method,
            sale.actor_id,
            ticket_ref=sale.client_ref,
            settings=settings,
            now=now,
        )
    return _sell_by_transfer(sale, settings, now)


def _sell_by_transfer(
    sale: OfflineSale, settings: CoopSettings | None, now: datetime | None
) -> Order:
    """A sale paid by transfer (to the cooperative's account, seen on the spot), once per
    ``client_ref``."""
    if sale.payment_method != "bank_transfer":
        raise ValidationFailed(
            _l("Havale satışının ödeme yöntemi havale olmalı."), field="payment_method"
        )
    found = previous(sale)
    if found is not None:
        return found
    session_id = None
    if sale.cash_session_id is not None:
        session_id = cash.lock_for_sale(sale.cash_session_id).id
    order = orders.create_order(
        NewOrder(
            channel="bank_transfer",
            payment_method="bank_transfer",
            lines=sale.lines,
            created_by_id=sale.actor_id,
            cash_session_id=session_id,
        ),
        settings=settings,
        now=now,
    )
    order_states.mark_paid(
        order,
        PaymentInfo(
            provider="bank_transfer",
            amount_kurus=order.total_kurus,
            provider_ref=_transfer_ref(sale.client_ref) if sale.client_ref else None,
        ),
        settings=settings,
        now=now,
    )
    db.session.flush()
    audit.record(
        sale.actor_id,
        "offline.transfer_sale",
        order,
        cash_session_id=session_id,
        total_kurus=order.total_kurus,
    )
    return order
