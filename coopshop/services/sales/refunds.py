"""Refunds: a whole order, one line or part of a line (plus shipping), never more than was paid.

Each refund is booked by the cumulative rule (coopshop.money.refund_delta): the amount refunded
so far on a line is allocated with the sale's formula and the previous allocation subtracted, so
refunding a whole line in any number of steps reverses its sale to the kuruş. A maker's refund
debit carries the availability of the credit it reverses (availability.refund_available_at):
a refund of a sale still pending reduces her pending money; of one already payable, her balance
at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from coopshop.db import db
from coopshop.models import Order, Refund, RefundLine, utcnow
from coopshop.services.books import ledger, postings
from coopshop.services.core import hooks
from coopshop.services.core.errors import Conflict, LedgerError, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales.order_states import lock_order

METHODS = ("original", *ledger.CLEARING_BY_METHOD)


@dataclass(frozen=True)
class Refundable:
    """What is left to refund: per line id, and of the shipping."""

    lines: dict[int, int]
    shipping_kurus: int

    @property
    def total_kurus(self) -> int:
        return sum(self.lines.values()) + self.shipping_kurus


def refunded_so_far(order: Order) -> tuple[dict[int, int], int]:
    """(refunded per line id, shipping refunded) for an order, in two aggregate queries."""
    per_line = dict(
        db.session.execute(
            select(RefundLine.line_id, func.sum(RefundLine.amount_kurus))
            .join(Refund, Refund.id == RefundLine.refund_id)
            .where(Refund.order_id == order.id)
            .group_by(RefundLine.line_id)
        ).all()
    )
    shipping = db.session.scalar(
        select(func.coalesce(func.sum(Refund.shipping_kurus), 0)).where(Refund.order_id == order.id)
    )
    return {k: int(v) for k, v in per_line.items()}, int(shipping)


def refundable(order: Order) -> Refundable:
    per_line, shipping = refunded_so_far(order)
    return Refundable(
        lines={line.id: line.gross_kurus - per_line.get(line.id, 0) for line in order.lines},
        shipping_kurus=order.shipping_kurus - shipping,
    )


def _merge(lines: Sequence[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for line_id, amount in lines:
        if type(amount) is not int or amount <= 0:
            raise ValidationFailed(_l("İade tutarı sıfırdan büyük olmalı."), field="amount")
        merged[line_id] = merged.get(line_id, 0) + amount
    return merged


# Long on purpose: every refusal comes before the one write (nothing half-booked); the legs are in
# postings.post_refund.
def create_refund(
    order: Order,
    lines: Sequence[tuple[int, int]],
    shipping_kurus: int = 0,
    reason: str = "",
    method: str = "original",
    actor_id: int | None = None,
    provider_ref: str | None = None,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> Refund:
    """Refund ``lines`` ([(order line id, amount in kuruş), ...]) and ``shipping_kurus``.

    ``method`` is "original" (back the way it was paid) or a payment method ("cash" at a
    bazaar desk, "bank_transfer", ...): it picks the clearing account the money leaves from.
    Raises LedgerError, writing nothing, when an amount exceeds what remains. ``settings`` is
    accepted for symmetry with the other postings; refunds do not depend on any setting.
    """
    del settings
    now = now or utcnow()
    if method not in METHODS:
        raise ValidationFailed(_l("Geçersiz iade yöntemi."), field="method")
    if type(shipping_kurus) is not int or shipping_kurus < 0:
        raise ValidationFailed(_l("Kargo iadesi negatif olamaz."), field="shipping")
    wanted = _merge(lines)
    if not wanted and shipping_kurus == 0:
        raise ValidationFailed(_l("İade tutarı sıfırdan büyük olmalı."), field="amount")
    # One refund at a time per order (a row lock on PostgreSQL), so two clerks cannot both
    # refund the last of a line.
    order = lock_order(order.id) or order
    if order.status != "paid":
        raise LedgerError(_l("Yalnız ödenmiş siparişler iade edilebilir."), order_id=order.id)
    if provider_ref is not None and db.session.scalar(
        select(exists().where(Refund.provider_ref == provider_ref))
    ):
        raise Conflict(_l("Bu iade zaten kaydedilmiş."), provider_ref=provider_ref)

    order_lines = {line.id: line for line in postings.lines_with_makers(order)}
    before, shipping_before = refunded_so_far(order)
    for line_id, amount in wanted.items():
        line = order_lines.get(line_id)
        if line is None:
            raise ValidationFailed(_l("Satır bu siparişe ait değil."), field="lines")
        remaining = line.gross_kurus - before.get(line_id, 0)
        if amount > remaining:
            raise LedgerError(
                _l("İade tutarı kalan tutarı aşıyor."),
                line_id=line_id,
                remaining_kurus=remaining,
                requested_kurus=amount,
            )
    if shipping_before + shipping_kurus > order.shipping_kurus:
        raise LedgerError(
            _l("Kargo iadesi ödenen kargo tutarını aşıyor."),
            remaining_kurus=order.shipping_kurus - shipping_before,
        )

    clearing = ledger.clearing_account_code(
        order.payment_method if method == "original" else method
    )
    total = sum(wanted.values()) + shipping_kurus
    refund = Refund(
        order_id=order.id,
        amount_kurus=total,
        shipping_kurus=shipping_kurus,
        reason=(reason or "").strip(),
        method=method,
        provider_ref=provider_ref,
        created_by_id=actor_id,
        created_at=now,
        lines=[RefundLine(line_id=line_id, amount_kurus=amt) for line_id, amt in wanted.items()],
    )
    db.session.add(refund)
    db.session.flush()

    postings.post_refund(
        order, refund, order_lines, wanted, before, clearing, actor_id=actor_id, now=now
    )
    hooks.emit("refund.created", refund)  # invoicing answers it with a cancellation or return
    return refund


def refund_order(
    order: Order,
    reason: str = "",
    method: str = "original",
    actor_id: int | None = None,
    provider_ref: str | None = None,
    include_shipping: bool = True,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
) -> Refund:
    """Refund everything that remains of an order (and of its shipping, unless told not to)."""
    left = refundable(order)
    lines = [(line_id, amount) for line_id, amount in sorted(left.lines.items()) if amount > 0]
    shipping = left.shipping_kurus if include_shipping else 0
    if not lines and shipping == 0:
        raise LedgerError(_l("Bu siparişte iade edilecek tutar kalmadı."), order_id=order.id)
    return create_refund(
        order,
        lines,
        shipping_kurus=shipping,
        reason=reason,
        method=method,
        actor_id=actor_id,
        provider_ref=provider_ref,
        settings=settings,
        now=now,
    )
