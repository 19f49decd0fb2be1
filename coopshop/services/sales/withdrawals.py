"""The buyer's right of withdrawal (cayma hakkı): her request, the goods' return, the refund.

A distance sale (ordered on the site: paid by card or by transfer) may be withdrawn from until
RETURN_WINDOW_DAYS after delivery (before delivery too), line by line and unit by unit, except
the lines excluded when sold (made to her specifications or personalised: the line's snapshot,
Mesafeli Sözleşmeler Yönetmeliği m.15). The refund is due within REFUND_DAYS of her request
(m.13) and goes through the existing refund rules (refund_flow → refunds.create_refund), so it
is exact to the kuruş and reaches the makers' balances like any other refund.

While a request is open, the makers' shares of its lines that are still pending are not
payable: they are moved to availability.ON_HOLD (an 'availability' transaction) and moved back when
the request is resolved, to the end of the window (or now, if that has passed). What is left of
a share after the refund is what comes back; what was already payable (no delivery recorded by
the longest wait) stays payable, and its refund is netted by the next payout batch.

Every step e-mails her (services.core.mail) and shows on her order page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Order, OrderLine, WithdrawalLine, WithdrawalRequest, utcnow
from coopshop.models.withdrawals import WITHDRAWAL_TRANSITIONS
from coopshop.services.books import availability, postings
from coopshop.services.core import audit, hooks, mail
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import refunds as refund_service
from coopshop.services.sales.order_states import lock_order
from coopshop.turkey import ISTANBUL

DISTANCE_CHANNELS = ("online", "bank_transfer")  # a bazaar sale is not a distance sale
REFUND_DAYS = 14  # the seller refunds within 14 days of the withdrawal notice (m.13)
RETURN_GOODS_DAYS = 10  # she sends the goods back within 10 days of her notice (m.14)
REASON_MAX = 1000

EXCLUSION_LABELS = {
    "custom_made": _l("Alıcının isteğine göre üretilir"),
    "personalised": _l("Kişiye özel hazırlanır"),
}
_EXCLUSION_REASONS = {
    "custom_made": _l(
        "Bu ürün alıcının istekleri doğrultusunda üretildiği için cayma hakkı yoktur "
        "(Mesafeli Sözleşmeler Yönetmeliği m.15/1-ç)."
    ),
    "personalised": _l(
        "Bu ürün kişiye özel hazırlandığı için cayma hakkı yoktur "
        "(Mesafeli Sözleşmeler Yönetmeliği m.15/1-ç)."
    ),
}
STATUS_LABELS = {
    "requested": _l("Cayma talebi alındı"),
    "received": _l("İade edilen ürünler bize ulaştı"),
    "refunding": _l("Para iadesi yapılıyor"),
    "refunded": _l("İade edildi"),
    "rejected": _l("Cayma talebi kapatıldı"),
}


def exclusion_reason(code: str | None) -> str | None:
    """The sentence that says why an exclusion code (models.catalog.WITHDRAWAL_EXCLUSIONS)
    takes away the right of withdrawal, or None for no exclusion."""
    reason = _EXCLUSION_REASONS.get(code or "")
    return str(reason) if reason is not None else None


def withdrawal_excluded_reason(line: OrderLine) -> str | None:
    """Why this line cannot be withdrawn from (its snapshot when sold, never the product as it
    is now), or None if it can: for the order page, the withdrawal form and the
    pre-information form."""
    return exclusion_reason(line.withdrawal_exclusion)


def exclusion_label(code: str | None) -> str | None:
    label = EXCLUSION_LABELS.get(code or "")
    return str(label) if label is not None else None


def window_ends_at(order: Order, settings: CoopSettings) -> datetime | None:
    """The last moment she may withdraw: RETURN_WINDOW_DAYS after delivery; before a delivery
    is recorded, the longest wait after payment (after it, ask the shop). None: never (not a
    paid distance sale)."""
    if order.status != "paid" or order.channel not in DISTANCE_CHANNELS:
        return None
    if order.delivered_at is not None:
        return availability.payable_after_delivery(order.delivered_at, settings)
    return order.paid_at + timedelta(days=settings.max_payable_wait_days)


def _transition(request: WithdrawalRequest, to: str) -> None:
    if to not in WITHDRAWAL_TRANSITIONS[request.status]:
        raise InvalidTransition(
            _l("Bu cayma talebi bu adıma geçemez."), from_status=request.status, to_status=to
        )
    request.status = to


# --- what may still be withdrawn ------------------------------------------------------------------


def requested_units(order_id: int) -> dict[int, int]:
    """Units of each line already in a withdrawal request that was not closed (one query)."""
    rows = db.session.execute(
        select(WithdrawalLine.line_id, func.sum(WithdrawalLine.quantity))
        .join(WithdrawalRequest, WithdrawalRequest.id == WithdrawalLine.request_id)
        .where(WithdrawalRequest.order_id == order_id, WithdrawalRequest.status != "rejected")
        .group_by(WithdrawalLine.line_id)
    )
    return {line_id: int(n) for line_id, n in rows}


def withdrawable_units(order: Order) -> dict[int, int]:
    """Per line: how many units she may still withdraw from: bought, less those already
    requested, less those whose money was already refunded otherwise (whole units of what
    remains to refund). Excluded lines: 0."""
    requested = requested_units(order.id)
    left = refund_service.refundable(order).lines
    units = {}
    for line in order.lines:
        if line.withdrawal_exclusion:
            units[line.id] = 0
            continue
        by_money = (
            left.get(line.id, 0) // line.unit_price_kurus
            if line.unit_price_kurus
            else line.quantity
        )
        units[line.id] = max(0, min(line.quantity - requested.get(line.id, 0), by_money))
    return units


def requests_for(order_id: int) -> list[WithdrawalRequest]:
    return list(
        db.session.scalars(
            select(WithdrawalRequest)
            .where(WithdrawalRequest.order_id == order_id)
            .options(
                selectinload(WithdrawalRequest.lines).selectinload(WithdrawalLine.line),
                selectinload(WithdrawalRequest.refund),
            )
            .order_by(WithdrawalRequest.id)
        )
    )


# --- her request -------------------------------------------------------------------------------


# Long on purpose: each legal refusal (window, exclusion, units) has its own message before the one
# write.
def request_withdrawal(
    order: Order,
    wanted: Mapping[int, int],
    *,
    requested_by_id: int | None,
    reason: str = "",
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> WithdrawalRequest:
    """Her withdrawal from ``wanted`` ({order line id: units}) of ``order``. The caller has
    checked that she is the buyer (her account or the order's signed link). Refused, writing
    nothing: outside the window, an excluded line (with its reason), more units than she may
    still withdraw, a line of another order, nothing chosen."""
    settings = settings or settings_service.current()
    now = now or utcnow()
    order = lock_order(order.id)  # one request at a time per order: no double counting
    if order is None:
        raise NotFound(_l("Sipariş bulunamadı."))
    ends = window_ends_at(order, settings)
    if ends is None:
        raise Forbidden(_l("Bu sipariş için cayma hakkı kullanılamaz."))
    if now > ends:
        if order.delivered_at is not None:
            raise Conflict(
                _l(
                    "Cayma süresi doldu: teslimden sonraki %(days)d gün içinde "
                    "bildirilebilirdi (son gün %(date)s).",
                    days=settings.return_window_days,
                    date=_day(ends),
                )
            )
        raise Conflict(_l("Cayma süresi doldu. Lütfen bizimle iletişime geçin."))
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _l("Açıklama en fazla %(n)d karakter olabilir.", n=REASON_MAX), field="reason"
        )
    chosen = {int(k): v for k, v in wanted.items() if v}
    if any(type(v) is not int or v < 0 for v in chosen.values()):
        raise ValidationFailed(_l("Adet sıfır ya da daha büyük bir tam sayı olmalı."))
    if not chosen:
        raise ValidationFailed(_l("Cayma hakkını kullanmak istediğiniz ürünü ve adedi seçin."))
    lines = {line.id: line for line in order.lines}
    left = withdrawable_units(order)
    for line_id, units in sorted(chosen.items()):
        line = lines.get(line_id)
        if line is None:
            raise ValidationFailed(_l("Satır bu siparişe ait değil."), field="lines")
        excluded = withdrawal_excluded_reason(line)
        if excluded:
            raise ValidationFailed(f"{line.title}: {excluded}", field="lines", line_id=line_id)
        if units > left[line_id]:
            raise ValidationFailed(
                _l(
                    "%(title)s: en fazla %(n)d adet için cayma hakkı kullanabilirsiniz.",
                    title=line.title,
                    n=left[line_id],
                ),
                field="lines",
                line_id=line_id,
            )
    request = WithdrawalRequest(
        order_id=order.id,
        status="requested",
        reason=reason,
        note="",
        requested_by_id=requested_by_id,
        created_at=now,
        refund_due_at=now + timedelta(days=REFUND_DAYS),
        lines=[WithdrawalLine(line_id=lid, quantity=n) for lid, n in sorted(chosen.items())],
    )
    db.session.add(request)
    db.session.flush()
    postings.move_availability(
        order,
        availability.ON_HOLD,
        memo=f"Cayma talebi #{request.id} {order.number}",
        now=now,
        line_ids=chosen,
    )
    audit.record(
        requested_by_id,
        "withdrawal.requested",
        request,
        order=order.number,
        lines={str(k): v for k, v in sorted(chosen.items())},
    )
    _mail(request, "requested")
    hooks.emit("withdrawal.requested", request)
    return request


def _day(moment: datetime) -> str:
    return moment.astimezone(ISTANBUL).strftime("%d.%m.%Y")


# --- telling her ---------------------------------------------------------------------------------


def _mail(request: WithdrawalRequest, step: str, refund=None) -> None:
    order = request.order
    if not order.buyer_email:
        return
    locale = order.customer.locale if order.customer is not None else "tr"
    with force_locale(locale):
        subjects = {
            "requested": _("Cayma talebiniz alındı: %(number)s", number=order.number),
            "received": _("İade ettiğiniz ürünler bize ulaştı: %(number)s", number=order.number),
            "refunded": _("Paranız iade edildi: %(number)s", number=order.number),
            "rejected": _("Cayma talebiniz kapatıldı: %(number)s", number=order.number),
        }
        mail.queue(
            order.buyer_email,
            subjects[step],
            render_template(
                "email/withdrawal.txt",
                order=order,
                request=request,
                step=step,
                refund=refund,
                return_days=RETURN_GOODS_DAYS,
            ),
        )
