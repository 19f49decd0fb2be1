"""Telling a member what happened to her money: her work sold, a payout to her was approved or
paid, a refund took from her share.

The service functions that make each fact call these at the point they make it, inside its
transaction (orders.mark_paid, payouts.approve and mark_line_paid, refunds.create_refund): the
e-mail (services.core.mail) and the SMS (services.members.sms) are outbox rows of that same
transaction, so a rolled-back sale sends nothing and a committed one sends once per fact (each
of those functions makes its fact once: a repeated payment, approval or mark changes nothing).

What she reads is hers only: her pieces and her share of each, as the ledger booked them for
her (a co-made piece shows her part, never her co-maker's), in her language (Turkish unless
she chose English). Her choices (profile page): e-mail of sales (``notify_email``, also used
for answers to her questions), of payouts, of refunds: on unless she turns them off; SMS of all
of these to her phone: off unless she turns it on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    PayoutLine,
    ProducerProfile,
    Refund,
)
from coopshop.money import kurus_text
from coopshop.services.core import mail
from coopshop.services.members import sms
from coopshop.services.members.producer_profile import masked_iban

KINDS = ("sale", "payout_approved", "payout_paid", "refund")
_EMAIL_CHOICE = {
    "sale": "notify_email",
    "payout_approved": "notify_payout_email",
    "payout_paid": "notify_payout_email",
    "refund": "notify_refund_email",
}


@dataclass(frozen=True)
class Piece:
    """One of her lines in an order: what it is and what it meant for her."""

    quantity: int
    title: str
    amount_kurus: int  # her share (a sale) or what was taken from it (a refund), in kuruş


def _link(endpoint: str) -> str:
    """The address of her page on the public base, from the URL map alone: a command or a
    worker makes these facts too, outside any request."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint)


def _hers_by_line(where, sign: int) -> dict[int, dict[int, int]]:
    """producer id -> {order line id: amount} of the ledger entries matching ``where``."""
    entry = LedgerEntry
    rows = db.session.execute(
        select(entry.producer_id, entry.order_line_id, func.sum(entry.amount_kurus))
        .join(LedgerTransaction, LedgerTransaction.id == entry.transaction_id)
        .where(*where, entry.producer_id.is_not(None))
        .group_by(entry.producer_id, entry.order_line_id)
        .order_by(entry.producer_id, entry.order_line_id)
    )
    out: dict[int, dict[int, int]] = {}
    for producer_id, line_id, total in rows:
        if total:
            out.setdefault(producer_id, {})[line_id] = sign * int(total)
    return out


def _pieces(parts: dict[int, int]) -> list[Piece]:
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.id.in_(list(parts))).order_by(OrderLine.id)
    )
    return [Piece(line.quantity, line.title, parts[line.id]) for line in lines]


def _members(ids: Iterable[int]) -> list[ProducerProfile]:
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(ProducerProfile).where(ProducerProfile.id.in_(ids)).order_by(ProducerProfile.id)
        )
    )


def _tell(member: ProducerProfile, kind: str, subject, template: str, sms_text, **context) -> None:
    """Queue her e-mail and SMS of one fact, as she chose, in her language. ``subject`` and
    ``sms_text`` are functions called under her locale."""
    user = member.user
    if user is None or not user.active:
        return
    with force_locale(user.locale or "tr"):
        if getattr(member, _EMAIL_CHOICE[kind]) and user.email:
            body = render_template(template, member=member, **context)
            mail.queue(user.email, str(subject()), body)
        if member.notify_sms and user.phone:
            text = f"{current_app.config['COOP_NAME']}: {sms_text()} {context['link']}"
            sms.queue(user.phone, text, kind)


def sale_made(order: Order) -> None:
    """Her work in this paid order sold: one message per maker, her pieces and her share."""
    shares = _hers_by_line(
        (LedgerTransaction.kind == "sale", LedgerTransaction.order_id == order.id), sign=-1
    )
    for member in _members(shares):
        pieces = _pieces(shares[member.id])
        total = sum(p.amount_kurus for p in pieces)
        count = sum(p.quantity for p in pieces)
        _tell(
            member,
            "sale",
            lambda: _("Bir satış yaptınız: %(number)s", number=order.number),
            "email/member/sale.txt",
            lambda total=total, count=count: _(
                "%(count)d ürününüz satıldı (sipariş %(number)s). Size kalan: %(amount)s.",
                count=count,
                number=order.number,
                amount=kurus_text(total),
            ),
            order=order,
            pieces=pieces,
            total_kurus=total,
            link=_link("producer.earnings"),
        )


def refund_taken(refund: Refund) -> None:
    """A refund took back part of her share: what, from which of her pieces."""
    taken = _hers_by_line((LedgerTransaction.refund_id == refund.id,), sign=1)
    order = db.session.get(Order, refund.order_id)
    for member in _members(pid for pid, parts in taken.items() if sum(parts.values()) > 0):
        pieces = [p for p in _pieces(taken[member.id]) if p.amount_kurus]
        total = sum(p.amount_kurus for p in pieces)
        _tell(
            member,
            "refund",
            lambda: _("Bir iade size kalandan düşüldü: %(number)s", number=order.number),
            "email/member/refund.txt",
            lambda total=total: _(
                "Sipariş %(number)s için yapılan iade size kalandan %(amount)s düştü.",
                number=order.number,
                amount=kurus_text(total),
            ),
            order=order,
            pieces=pieces,
            total_kurus=total,
            link=_link("producer.earnings"),
        )


def payout_approved(lines: Iterable[PayoutLine]) -> None:
    """A payout batch was approved: each member in it hears her amount and the IBAN it goes to."""
    for line in lines:
        _payout(line, "payout_approved")


def payout_paid(line: PayoutLine) -> None:
    """The bank paid her line."""
    _payout(line, "payout_paid")


def _payout(line: PayoutLine, kind: str) -> None:
    member = db.session.get(ProducerProfile, line.producer_id)
    if member is None:
        return
    iban = masked_iban(line.iban)
    net = kurus_text(line.net_kurus)
    if kind == "payout_approved":
        subject = lambda: _("Üye ödemeniz onaylandı: %(amount)s", amount=net)  # noqa: E731
        text = lambda: _(  # noqa: E731
            "%(amount)s üye ödemeniz onaylandı; %(iban)s hesabınıza gönderilecek.",
            amount=net,
            iban=iban,
        )
    else:
        subject = lambda: _("Üye ödemeniz gönderildi: %(amount)s", amount=net)  # noqa: E731
        text = lambda: _(  # noqa: E731
            "%(amount)s %(iban)s hesabınıza gönderildi.", amount=net, iban=iban
        )
    _tell(
        member,
        kind,
        subject,
        "email/member/payout.txt",
        text,
        line=line,
        step=kind,
        iban=iban,
        link=_link("producer.earnings"),
    )
