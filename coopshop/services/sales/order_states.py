"""An order's way after it is created: paid (booked through postings.post_sale), cancelled or
expired, under a row lock, by the state machine of coopshop.models.orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import (
    Order,
    Payment,
    ProducerProfile,
    utcnow,
)
from coopshop.models.orders import ORDER_TRANSITIONS
from coopshop.services.books import postings
from coopshop.services.core import hooks, locks
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import InvalidTransition, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import notifications
from coopshop.services.sales.orders import release_stock


def _transition(order: Order, to: str) -> None:
    if to not in ORDER_TRANSITIONS[order.status]:
        raise InvalidTransition(
            _l("Sipariş %(number)s bu duruma geçemez.", number=order.number),
            from_status=order.status,
            to_status=to,
        )
    order.status = to


@dataclass(frozen=True)
class PaymentInfo:
    provider: str
    amount_kurus: int
    provider_ref: str | None = None
    charge_ref: str | None = None
    fee_kurus: int = 0
    # iyzico: taksit count, what was paid above the total for it, basket item → transaction id
    installments: int | None = None
    surcharge_kurus: int = 0
    item_refs: dict | None = None


def lock_order(order_id: int) -> Order | None:
    """Read an order with a row lock (PostgreSQL), so two deliveries cannot both fulfil it."""
    return locks.lock_row(Order, order_id)


def mark_paid(
    order: Order,
    payment: PaymentInfo,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> bool:
    """Mark a pending order paid, record the payment and book it in the ledger.

    Returns False, changing nothing, when the order is already paid (a repeated webhook or a
    double click). A cancelled or expired order raises InvalidTransition.
    """

    settings = settings or settings_service.current()
    if order.status == "paid":
        return False
    if payment.amount_kurus != order.total_kurus:
        raise ValidationFailed(
            _l(
                "Ödenen tutar (%(paid)d) sipariş tutarına (%(total)d) eşit değil.",
                paid=payment.amount_kurus,
                total=order.total_kurus,
            ),
            field="amount",
        )
    _transition(order, "paid")
    order.paid_at = now or utcnow()
    record = Payment(
        order_id=order.id,
        provider=payment.provider,
        provider_ref=payment.provider_ref,
        charge_ref=payment.charge_ref,
        amount_kurus=payment.amount_kurus,
        fee_kurus=payment.fee_kurus,
        installments=payment.installments,
        surcharge_kurus=payment.surcharge_kurus,
        item_refs=payment.item_refs,
        status="succeeded",
        created_at=order.paid_at,
    )
    db.session.add(record)
    db.session.flush()
    postings.post_sale(order, settings=settings)
    if payment.fee_kurus or payment.surcharge_kurus:
        postings.post_fee(
            record,
            payment.fee_kurus,
            settings=settings,
            now=order.paid_at,
            surcharge_kurus=payment.surcharge_kurus,
        )
    hooks.emit("order.paid", order)  # invoicing writes the order's invoice row
    notifications.sale_made(order)  # each maker hears of her pieces and her share
    return True


def cancel(order: Order, to: str = "cancelled", now: datetime | None = None) -> None:
    """Cancel or expire an unpaid order and give its stock back."""
    if to not in ("cancelled", "expired"):
        raise ValueError(to)
    _transition(order, to)
    order.cancelled_at = now or utcnow()
    for line in sorted(order.lines, key=lambda ln: ln.product_id or 0):
        if line.product_id is not None:
            release_stock(line.product_id, line.quantity)


def producer_ids_of(order: Order) -> list[int]:
    return sorted({m.producer_id for line in order.lines for m in line.makers})


def makers_of(order: Order) -> list[ProducerProfile]:
    ids = producer_ids_of(order)
    if not ids:
        return []
    return list(db.session.scalars(select(ProducerProfile).where(ProducerProfile.id.in_(ids))))
