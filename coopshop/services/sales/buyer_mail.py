"""The shopper's e-mail at each change of her order: paid, prepared (every piece in from its
makers), shipped (with the tracking number), delivered, refunded. One template family
(``templates/email/_order.txt`` and ``email/order_<step>.txt``; the withdrawal steps' mail,
services.sales.withdrawals, is of the same family), in her language, queued in the change's own
transaction through the outbox: a rolled-back change sends nothing. Each step's service function
makes its change once (a second click is refused), so each change is told once.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from coopshop.models import Order
from coopshop.services.core import mail

STEPS = ("paid", "prepared", "shipped", "delivered", "refunded")


def locale_of(order: Order) -> str:
    """Her account's language, or Turkish for a guest."""
    return order.customer.locale if order.customer is not None else "tr"


def _subject(step: str, number: str) -> str:
    if step == "paid":
        return _("Siparişiniz alındı: %(number)s", number=number)
    if step == "prepared":
        return _("Siparişiniz hazırlandı: %(number)s", number=number)
    if step == "shipped":
        return _("Siparişiniz kargoya verildi: %(number)s", number=number)
    if step == "delivered":
        return _("Siparişiniz teslim edildi: %(number)s", number=number)
    return _("Paranız iade edildi: %(number)s", number=number)


def tell(order: Order, step: str, **context) -> None:
    """Queue the e-mail of ``step`` to the order's buyer (none without an address: a bazaar
    sale)."""
    if step not in STEPS:
        raise ValueError(f"unknown order step {step!r}")
    if not order.buyer_email:
        return
    with force_locale(locale_of(order)):
        mail.queue(
            order.buyer_email,
            _subject(step, order.number),
            render_template(f"email/order_{step}.txt", order=order, **context),
        )
