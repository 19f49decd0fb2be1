"""Bank-transfer (havale/EFT) orders waiting for their money: confirmed with the bank's
reference (then paid and booked through the same path as every other payment) or cancelled (the
stock goes back on the shelf)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from coopshop.db import db
from coopshop.models import Order, Payment
from coopshop.money import kurus_text
from coopshop.services.core import audit
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import checkout, order_states
from coopshop.services.sales.order_states import PaymentInfo

REFERENCE_MAX = 255


def _awaiting():
    return select(Order).where(
        Order.channel == "bank_transfer",
        Order.payment_method == "bank_transfer",
        Order.status == "pending_payment",
    )


def awaiting(search: str = "", limit: int = 100) -> tuple[list[Order], int]:
    """Orders waiting for a transfer, the oldest first, and how many there are in all.

    ``search`` narrows to an order number or a buyer's name (part of either)."""
    query = _awaiting()
    term = " ".join((search or "").split())
    if term:
        like = f"%{term}%"
        query = query.where(Order.number.ilike(like) | Order.buyer_name.ilike(like))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Order.created_at, Order.id).limit(limit)).all()
    return list(rows), int(total or 0)


def _locked_transfer(order_id: int) -> Order:
    order = order_states.lock_order(order_id)
    if order is None or order.payment_method != "bank_transfer":
        raise NotFound(_l("Havale bekleyen sipariş bulunamadı."))
    return order


def confirm_transfer(
    order_id: int,
    bank_reference: str,
    actor_id: int | None,
    received_amount_kurus: int,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> bool:
    """The money arrived: mark the order paid, book it and e-mail the shopper and makers.

    Returns False, changing nothing, when the order is already paid (a second click). An amount
    that is not the order total, a reference already used for another payment, or a cancelled
    order are refused with a clear message and nothing written.
    """
    reference = _clean_reference(bank_reference)
    if type(received_amount_kurus) is not int or received_amount_kurus <= 0:
        raise ValidationFailed(_l("Gelen tutarı yazın."), field="amount")
    order = _locked_transfer(order_id)
    if order.status == "paid":
        return False
    _refuse_unless_awaiting(order, now)
    _refuse_other_amount(order, received_amount_kurus)
    _refuse_used_reference(reference)
    paid = checkout.fulfil(
        order.id,
        PaymentInfo(
            provider="bank_transfer", amount_kurus=received_amount_kurus, provider_ref=reference
        ),
        settings or settings_service.current(),
    )
    if paid:
        audit.record(
            actor_id,
            "transfer.confirm",
            order,
            bank_reference=reference,
            amount_kurus=received_amount_kurus,
        )
    return paid


def _clean_reference(bank_reference: str) -> str:
    reference = " ".join((bank_reference or "").split())
    if not reference:
        raise ValidationFailed(_l("Banka referansını (dekont no) yazın."), field="reference")
    if len(reference) > REFERENCE_MAX:
        raise ValidationFailed(_l("Banka referansı çok uzun."), field="reference")
    return reference


def _refuse_unless_awaiting(order: Order, now: datetime | None) -> None:
    """Only an order still waiting for its transfer, within its deadline, may be confirmed."""
    if checkout.status_as_of(order, now) == "expired":
        # Its stock may already be someone else's: a late transfer is sent back to the buyer
        # (or she orders again), it never revives an expired order.
        raise InvalidTransition(
            _l(
                "Sipariş %(number)s için ödeme süresi %(deadline)s tarihinde doldu; ürünler "
                "yeniden satışa çıktı. Havale onaylanamaz: parayı alıcıya iade edin ya da yeni "
                "bir sipariş açmasını isteyin.",
                number=order.number,
                deadline=format_datetime(order.expires_at, "short"),
            ),
            from_status="expired",
            to_status="paid",
        )
    if order.status != "pending_payment":
        raise InvalidTransition(
            _l(
                "Sipariş %(number)s iptal edilmiş ya da süresi dolmuş; havale onaylanamaz.",
                number=order.number,
            ),
            from_status=order.status,
            to_status="paid",
        )


def _refuse_other_amount(order: Order, received_amount_kurus: int) -> None:
    if received_amount_kurus != order.total_kurus:
        raise ValidationFailed(
            _l(
                "Gelen tutar (%(received)s) sipariş tutarına (%(total)s) eşit değil. Eksik ya "
                "da fazla gelen havale için yöneticiye danışın.",
                received=kurus_text(received_amount_kurus),
                total=kurus_text(order.total_kurus),
            ),
            field="amount",
        )


def _refuse_used_reference(reference: str) -> None:
    used = db.session.scalar(
        select(
            exists().where(Payment.provider == "bank_transfer", Payment.provider_ref == reference)
        )
    )
    if used:
        raise Conflict(
            _l("Bu banka referansı başka bir ödeme için zaten kullanılmış: %(ref)s", ref=reference),
            field="reference",
        )


def cancel_transfer(order_id: int, actor_id: int | None) -> Order:
    """The money never came: cancel the order and give its stock back."""
    order = _locked_transfer(order_id)
    if order.status != "pending_payment":
        raise InvalidTransition(
            _l("Sipariş %(number)s artık havale beklemiyor.", number=order.number),
            from_status=order.status,
            to_status="cancelled",
        )
    order_states.cancel(order)
    db.session.flush()
    audit.record(actor_id, "transfer.cancel", order, total_kurus=order.total_kurus)
    return order


def order_number(order_id: int) -> str | None:
    """The number of an order (the transfer queue checks a confirmation came from its own card)."""
    return db.session.scalar(select(Order.number).where(Order.id == order_id))
