"""Reconciliation with iyzico: every iyzico order marked paid in a period, against what iyzico
says about its payment (retrieve by the order's token, signature checked), and the fee booked.

iyzico's reporting service (settlement files, transaction lists) is not read yet: a payment
iyzico took with no order here, and refunds made in iyzico's panel, are not found by this
check (see README, iyzico).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, Payment
from coopshop.money import kurus_text
from coopshop.services.books import ledger_check
from coopshop.services.payouts import reconcile
from coopshop.services.sales import iyzico

KINDS = {
    "order_without_payment": _l("iyzico'da ödemesi bulunmayan sipariş"),
    "amount": _l("Tutar farkı"),
    "fee": _l("Ödeme ücreti farkı"),
    "unreachable": _l("iyzico'ya sorulamayan sipariş"),
}


@dataclass(frozen=True)
class Mismatch(reconcile.Mismatch):
    @property
    def title(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


def _paid_orders(start: datetime, end: datetime) -> list[tuple[Order, Payment]]:
    rows = db.session.execute(
        select(Order, Payment)
        .join(Payment, Payment.order_id == Order.id)
        .where(
            Order.payment_method == "iyzico",
            Payment.provider == "iyzico",
            Payment.status == "succeeded",
            Order.paid_at >= start,
            Order.paid_at < end,
        )
        .order_by(Order.id)
    )
    return list(rows.tuples())


def _compare(order: Order, payment: Payment, result: iyzico.CheckoutFormResult) -> list[Mismatch]:
    refs = {"order": order.number, "payment": payment.provider_ref}
    if not result.is_paid or result.payment_id != payment.provider_ref:
        text = _l(
            "Sipariş %(order)s ödendi görünüyor; iyzico'da ödemesi %(status)s.",
            order=order.number,
            status=result.payment_status or "—",
        )
        return [Mismatch("order_without_payment", str(text), refs)]
    found = []
    paid = order.total_kurus + payment.surcharge_kurus
    if result.paid_price_kurus != paid or result.price_kurus != order.total_kurus:
        text = _l(
            "Sipariş %(order)s: iyzico %(theirs)s, defterde %(ours)s.",
            order=order.number,
            theirs=kurus_text(result.paid_price_kurus or 0),
            ours=kurus_text(paid),
        )
        found.append(Mismatch("amount", str(text), refs))
    if result.iyzi_commission_kurus != payment.fee_kurus:
        text = _l(
            "Sipariş %(order)s: iyzico'nun ücreti %(theirs)s, işlenen %(ours)s.",
            order=order.number,
            theirs=kurus_text(result.iyzi_commission_kurus),
            ours=kurus_text(payment.fee_kurus),
        )
        found.append(Mismatch("fee", str(text), refs))
    return found


def reconcile_iyzico(client: iyzico.IyzicoClient, start: datetime, end: datetime):
    """(mismatches, counts) for the iyzico orders paid in [start, end)."""
    found: list[Mismatch] = []
    rows = _paid_orders(start, end)
    for order, payment in rows:
        try:
            result = client.retrieve_checkout_form(
                payment.charge_ref or order.payment_reference or "",
                conversation_id=order.number,
            )
        except (iyzico.ProviderError, ValueError) as exc:
            text = f"{order.number}: {exc}"
            found.append(Mismatch("unreachable", text, {"order": order.number}))
            continue
        found += _compare(order, payment, result)
    return found, {"orders": len(rows)}


def run(client: iyzico.IyzicoClient, start: datetime, end: datetime) -> reconcile.Report:
    mismatches, counts = reconcile_iyzico(client, start, end)
    return reconcile.Report(start, end, mismatches, ledger_check.check(), counts)
