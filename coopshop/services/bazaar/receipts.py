"""Receipts of bazaar tickets by e-mail: the buyer at the desk gives an address, the device keeps
it with the ticket, and the receipt is queued when the ticket is recorded — in the same
transaction, so a ticket sent again (a retry, a second device) never mails it twice.
"""

from __future__ import annotations

import re

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from coopshop.models import OfflineTicket, Order
from coopshop.services.bazaar import sync
from coopshop.services.core import mail

EMAIL_MAX = 254
# Enough to catch a typo at the desk ("ayse@", "ayse.example.org"); the mail server does the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALES = ("tr", "en")


def clean_email(address: str | None) -> str | None:
    """The address as it will be used, or None when it is not one (the sale is kept anyway:
    a mistyped address must never hold back a sale that happened)."""
    address = (address or "").strip()
    if not address or len(address) > EMAIL_MAX or not _EMAIL.match(address):
        return None
    return address


def queue_receipt(order: Order, ticket: OfflineTicket, to: str, locale: str = "tr") -> None:
    with force_locale(locale if locale in LOCALES else "tr"):
        mail.queue(
            to,
            _("Satış fişiniz: %(number)s", number=order.number),
            render_template("email/bazaar_receipt.txt", order=order, ticket=ticket),
        )


def record(
    ticket: sync.DeviceTicket, email: str | None = None, locale: str = "tr"
) -> tuple[sync.Synced, bool]:
    """``sync.record`` the ticket and, the first time only, queue its receipt to ``email``.
    Returns the result and whether a receipt was queued."""
    synced = sync.record(ticket)
    address = clean_email(email)
    if not synced.first_time or address is None:
        return synced, False
    queue_receipt(synced.order, synced.ticket, address, locale)
    return synced, True
