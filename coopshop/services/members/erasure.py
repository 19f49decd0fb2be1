"""Erasing a person (KVKK m.7): what still holds her data back, and the anonymisation itself.

What changes (placeholders in place of her personal data):

- her account: name, e-mail (``silinmis-<id>@silindi.invalid``, so the address is free to
  register anew), phone, an unusable password, closed, every session and API token ended;
- her orders: buyer name, e-mail, phone, street address, postal code, district, company and tax
  number on the order row; the province stays (sales by region);
- the shipping labels of her orders (the PDF with her address) are dropped; carrier and tracking
  number stay;
- mail to her in the outbox: address and body replaced (unsent mail is never sent);
- a member's profile: shop name, bio, photo, application note, IBAN; her membership ends
  (active → suspended, applied → refused), so her products leave the shop.

What stays, because a law makes the cooperative keep it (KVKK m.5/2(ç), VUK m.253, TTK m.82:
ten years for the books, five for tax documents): the orders with their lines and totals,
payments, refunds, invoices as issued (an invoice is a tax document: its buyer name, address and
TCKN/VKN are never changed, and the database refuses it anyway), the ledger, payout lines (the
IBAN and account name each transfer went to: the bank payment record), a member's tax status,
tax number and exemption certificate (the withholding and gider pusulası records the tax office
may ask for), and the audit log (append-only; it names people by id, and her id now points to
the anonymised account). Other wings anonymise their own rows on the ``user.erased`` hook.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select, update

from coopshop.db import db
from coopshop.models import (
    ApiToken,
    Invoice,
    Order,
    OutboxMessage,
    PayoutLine,
    RefundRequest,
    ReturnShipment,
    Shipment,
    User,
    utcnow,
)
from coopshop.money import kurus_text
from coopshop.services.books import balances
from coopshop.services.core import hooks, images, uow
from coopshop.services.members import signin
from coopshop.services.members.membership import MEMBERSHIP_TRANSITIONS

ERASED_NAME = "Silinmiş kişi"
ERASED_MEMBER = "Silinmiş üye %d"
ERASED_BODY = "[KVKK m.7 uyarınca silindi]"
# werkzeug's check_password_hash answers False for anything without a method and salt.
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 (not a password: a hash nothing matches)
DONE_FULFILMENT = ("delivered", "collected")
DONE_INVOICES = ("issued", "recorded")


def erased_email(user_id: int) -> str:
    # .invalid is reserved (RFC 2606): no mail can ever reach it.
    return f"silinmis-{user_id}@silindi.invalid"


def _her_orders(user_id: int):
    return select(Order.id).where(Order.customer_id == user_id)


def holds(user: User, now: datetime | None = None) -> list:
    """What the cooperative still needs her data for. Each reason, or an empty list."""
    reasons = []
    orders = _her_orders(user.id)
    if db.session.scalar(
        select(exists().where(Order.customer_id == user.id, Order.status == "pending_payment"))
    ):
        reasons.append(_l("Ödemesi beklenen bir siparişi var (önce ödenmeli ya da iptal olmalı)."))
    if db.session.scalar(
        select(
            exists().where(
                Order.customer_id == user.id,
                Order.status == "paid",
                Order.channel != "bazaar",
                Order.fulfilment_status.not_in(DONE_FULFILMENT),
            )
        )
    ):
        reasons.append(
            _l("Henüz teslim edilmemiş bir siparişi var (adresi teslimat için gerekli).")
        )
    if db.session.scalar(
        select(
            exists().where(RefundRequest.order_id.in_(orders), RefundRequest.status == "pending")
        )
    ):
        reasons.append(_l("Süren bir iadesi var."))
    if db.session.scalar(
        select(exists().where(Invoice.order_id.in_(orders), Invoice.status.not_in(DONE_INVOICES)))
    ):
        reasons.append(_l("Henüz kesilmemiş bir faturası var."))
    profile = user.producer
    if profile is not None:
        balance = balances.balance(profile.id, as_of=now)
        if balance.pending or balance.available:
            reasons.append(
                _l(
                    "Üyenin bakiyesi sıfır değil (bekleyen ve ödenebilir toplam %(amount)s): "
                    "önce ödenmeli ya da kapatılmalı.",
                    amount=kurus_text(balance.pending + balance.available),
                )
            )
        if db.session.scalar(
            select(
                exists().where(PayoutLine.producer_id == profile.id, PayoutLine.status == "pending")
            )
        ):
            reasons.append(_l("Ödemesi süren bir ödeme partisinde satırı var."))
    return reasons


def anonymise(user: User, now: datetime | None = None) -> dict:
    """Replace her personal data with placeholders; returns what was changed (counts) for the
    audit log. The caller has checked ``holds`` and records the request."""
    now = now or utcnow()
    old_email = user.email
    orders = _her_orders(user.id)
    changed = {
        "orders": _erase_orders(user.id),
        "labels": _erase_labels(orders),
        "mails": _erase_mails(user.id, old_email, now),
        "tokens": _revoke_tokens(user.id, now),
    }
    member = _anonymise_member(user)
    user.email = erased_email(user.id)
    user.name = ERASED_NAME
    user.phone = None
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.failed_logins = 0
    user.locked_until = None
    signin.end_sessions(user)
    db.session.flush()
    hooks.emit("user.erased", user)
    return {**changed, **member}


def _bulk(statement) -> int:
    """Rows an UPDATE changed, with the session's loaded objects kept in step."""
    return db.session.execute(statement.execution_options(synchronize_session="fetch")).rowcount


def _erase_orders(user_id: int) -> int:
    return _bulk(
        update(Order)
        .where(Order.customer_id == user_id)
        .values(
            buyer_name=ERASED_NAME,
            buyer_email="",
            buyer_phone="",
            address_line="",
            postal_code="",
            ilce="",
            buyer_company="",
            buyer_tax_office="",
            buyer_tax_id="",
        )
    )


def _erase_labels(orders) -> int:
    """Her shipping labels, and her return labels: they carry her address too."""
    labels = _bulk(
        update(Shipment)
        .where(Shipment.order_id.in_(orders), Shipment.label_pdf.is_not(None))
        .values(label_pdf=None)
    )
    return labels + _bulk(
        update(ReturnShipment)
        .where(ReturnShipment.order_id.in_(orders), ReturnShipment.label_pdf.is_not(None))
        .values(label_pdf=None)
    )


def _erase_mails(user_id: int, old_email: str, now: datetime) -> int:
    return _bulk(
        update(OutboxMessage)
        .where(OutboxMessage.to == old_email)
        .values(
            to=erased_email(user_id),
            body=ERASED_BODY,
            sent_at=func.coalesce(OutboxMessage.sent_at, now),
            error=case(
                (OutboxMessage.sent_at.is_(None), "erased before sending"),
                else_=OutboxMessage.error,
            ),
        )
    )


def _revoke_tokens(user_id: int, now: datetime) -> int:
    return _bulk(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _anonymise_member(user: User) -> dict:
    profile = user.producer
    if profile is None:
        return {}
    previous = profile.membership_status
    to = {"active": "suspended", "applied": "refused"}.get(previous)
    if to is not None and to in MEMBERSHIP_TRANSITIONS[previous]:
        profile.membership_status = to
    profile.display_name = ERASED_MEMBER % profile.id
    profile.bio = ""
    if profile.photo_path:
        photo = profile.photo_path
        upload_dir = current_app.config["UPLOAD_DIR"]
        uow.after_commit(lambda: images.delete_files(upload_dir, photo))
    profile.photo_path = None
    profile.application_note = ""
    profile.iban = None
    profile.notify_email = False
    profile.notify_payout_email = profile.notify_refund_email = profile.notify_sms = False
    # Kept: tax_status, tax_id, exemption_number, exemption_expires (withholding records),
    # centre and craft (the impact report's groups, never published under five women).
    return {"producer_id": profile.id, "membership": f"{previous}->{profile.membership_status}"}
