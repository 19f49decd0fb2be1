"""Reconciliation with iyzico: what iyzico's reporting service lists for the days of a period
(every PAYMENT of a basket item, every REFUND and CANCEL; services.sales.iyzico_reporting)
against the iyzico orders, payments, fees and refunds in our books, every difference named.

How the two sides meet: an iyzico payment is our Payment.provider_ref (its paymentId); a
refund part is sent with the conversation id ``<refund request key>-<paymentTransactionId>``
and a cancel with the request key itself (services.sales.iyzico_refunds), so each REFUND or
CANCEL row names the RefundRequest it belongs to; anything else (a refund made in iyzico's
panel) is a refund not booked. Something just across the period's edge on one side (paid at
23:59 at iyzico, marked paid here after midnight) is looked up by id in iyzico's payment details
before it is called missing. Our side is a few batched queries, never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coopshop import turkey
from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
    Payment,
    Refund,
    RefundRequest,
)
from coopshop.money import kurus_text
from coopshop.services.books import ledger_check
from coopshop.services.payouts import reconcile
from coopshop.services.sales import iyzico, iyzico_reporting
from coopshop.services.sales.iyzico_wire import _amount_to_kurus_rounded

KINDS = {
    "payment_without_order": _l("Siparişi olmayan iyzico ödemesi"),
    "order_without_payment": _l("iyzico'da ödemesi bulunmayan sipariş"),
    "amount": _l("Tutar farkı"),
    "fee": _l("Ödeme ücreti farkı"),
    "refund_not_booked": _l("Deftere işlenmemiş iyzico iadesi"),
    "refund_not_at_iyzico": _l("iyzico'da bulunmayan iade"),
    "unreachable": _l("iyzico'ya sorulamayan kayıt"),
}
FAILED_ITEM = -1  # transactionStatus of an item rejected after fraud review: not money taken


@dataclass(frozen=True)
class Mismatch(reconcile.Mismatch):
    @property
    def title(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


@dataclass
class _AtIyzico:
    """A period's rows, grouped the way the books are."""

    payments: dict[str, list[iyzico_reporting.DailyTransaction]]
    refunds: list[iyzico_reporting.DailyTransaction]
    cancels: dict[str, list[iyzico_reporting.DailyTransaction]]
    rows: int


def _days(start: datetime, end: datetime) -> list[date]:
    first = turkey.istanbul_date(start)
    last = turkey.istanbul_date(end - timedelta(microseconds=1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _read(client, start: datetime, end: datetime) -> _AtIyzico:
    payments, cancels = defaultdict(list), defaultdict(list)
    refunds, rows = [], 0
    for day in _days(start, end):
        for row in iyzico_reporting.daily_transactions(client, day):
            rows += 1
            if row.transaction_type == "PAYMENT" and row.transaction_status != FAILED_ITEM:
                payments[row.payment_id].append(row)
            elif row.transaction_type == "REFUND":
                refunds.append(row)
            elif row.transaction_type == "CANCEL":
                cancels[row.payment_id].append(row)
    return _AtIyzico(dict(payments), refunds, dict(cancels), rows)


def _add(found: list[Mismatch], kind: str, description, refs: dict) -> None:
    found.append(Mismatch(kind, str(description), refs))


def _our_payments(payment_ids) -> dict[str, Payment]:
    found: dict[str, Payment] = {}
    for chunk in reconcile._chunks({p for p in payment_ids if p}):
        for payment in db.session.scalars(
            select(Payment)
            .where(Payment.provider == "iyzico", Payment.provider_ref.in_(chunk))
            .options(joinedload(Payment.order))
        ):
            found[payment.provider_ref] = payment
    return found


def booked_fees(payment_ids) -> dict[int, int]:
    """The fee booked per payment: what its fee transactions took from the clearing account
    (their credit legs there; a taksit surcharge the same transaction brings into clearing is
    a debit leg and not a fee), less what reversals of them gave back."""
    booked: dict[int, int] = defaultdict(int)
    for chunk in reconcile._chunks(set(payment_ids)):
        rows = db.session.execute(
            select(LedgerTransaction.payment_id, LedgerTransaction.kind, LedgerEntry.amount_kurus)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(
                LedgerTransaction.payment_id.in_(chunk),
                LedgerTransaction.kind.in_(("fee", "reversal")),
                Account.code.like("clearing:%"),
            )
        )
        for payment_id, kind, amount in rows:
            if kind == "fee" and amount < 0:
                booked[payment_id] += -int(amount)
            elif kind == "reversal" and amount > 0:
                booked[payment_id] -= int(amount)
    return dict(booked)


def fees_waived(payment_ids) -> set[int]:
    """Payments whose fee transaction was reversed: iyzico gave its fee back (a same-day
    cancel, surcharge_postings.waive_fee), so the books rightly hold no fee for them."""
    waived: set[int] = set()
    reversed_ids = select(LedgerTransaction.reverses_id).where(
        LedgerTransaction.reverses_id.is_not(None)
    )
    for chunk in reconcile._chunks(set(payment_ids)):
        waived.update(
            db.session.scalars(
                select(LedgerTransaction.payment_id).where(
                    LedgerTransaction.payment_id.in_(chunk),
                    LedgerTransaction.kind == "fee",
                    LedgerTransaction.id.in_(reversed_ids),
                )
            )
        )
    return waived


def _payments(at: _AtIyzico, found: list[Mismatch]) -> None:
    """Each payment iyzico took in the period against the paid order and fee it belongs to."""
    ours = _our_payments(at.payments)
    fees = booked_fees(p.id for p in ours.values())
    waived = fees_waived(p.id for p in ours.values())
    for payment_id, rows in sorted(at.payments.items()):
        price = sum(r.price_kurus for r in rows)
        paid = sum(r.paid_price_kurus for r in rows)
        refs = {"payment": payment_id, "basket": rows[0].basket_id}
        payment = ours.get(payment_id)
        if payment is None or payment.status != "succeeded" or payment.order.paid_at is None:
            text = _l(
                "iyzico ödemesi %(payment)s (%(amount)s, sepet %(basket)s) hiçbir ödenmiş "
                "siparişe bağlı değil.",
                payment=payment_id,
                amount=kurus_text(paid),
                basket=rows[0].basket_id or "—",
            )
            _add(found, "payment_without_order", text, refs)
            continue
        order = payment.order
        refs["order"] = order.number
        ours_paid = order.total_kurus + payment.surcharge_kurus
        if price != order.total_kurus or paid != ours_paid:
            text = _l(
                "Sipariş %(order)s: iyzico %(theirs)s aldı (fiyat %(price)s), defterde "
                "%(ours)s (sipariş toplamı %(total)s).",
                order=order.number,
                theirs=kurus_text(paid),
                price=kurus_text(price),
                ours=kurus_text(ours_paid),
                total=kurus_text(order.total_kurus),
            )
            _add(found, "amount", text, refs)
        commission = _amount_to_kurus_rounded(sum(r.iyzico_commission for r in rows))
        if commission != payment.fee_kurus:
            text = _l(
                "Sipariş %(order)s: iyzico'nun ücreti %(theirs)s, ödeme kaydındaki %(ours)s.",
                order=order.number,
                theirs=kurus_text(commission),
                ours=kurus_text(payment.fee_kurus),
            )
            _add(found, "fee", text, refs)
        booked = fees.get(payment.id, 0)
        expected = 0 if payment.id in waived else payment.fee_kurus
        if booked != expected:
            text = _l(
                "Sipariş %(order)s: ödeme ücreti %(fee)s, deftere işlenen %(booked)s.",
                order=order.number,
                fee=kurus_text(expected),
                booked=kurus_text(booked),
            )
            _add(found, "fee", text, refs)


def _known_elsewhere(client, payment_id: str | None) -> bool:
    """iyzico has this payment as a success, on a day outside the period."""
    if not payment_id:
        return False
    details = iyzico_reporting.payment_details(client, payment_id=payment_id)
    return details is not None and details.payment_status == 1


def _orders(client, at: _AtIyzico, start, end, found: list[Mismatch]) -> int:
    """Each iyzico order paid here in the period has its payment at iyzico."""
    rows = db.session.execute(
        select(Order, Payment)
        .outerjoin(
            Payment,
            (Payment.order_id == Order.id)
            & (Payment.provider == "iyzico")
            & (Payment.status == "succeeded"),
        )
        .where(Order.payment_method == "iyzico", Order.paid_at >= start, Order.paid_at < end)
        .order_by(Order.id)
    ).all()
    for order, payment in rows:
        payment_id = payment.provider_ref if payment is not None else None
        if payment_id in at.payments:
            continue
        try:
            if _known_elsewhere(client, payment_id):
                continue
        except iyzico.ProviderError as exc:
            _add(found, "unreachable", f"{order.number}: {exc}", {"order": order.number})
            continue
        text = _l(
            "Sipariş %(order)s (%(total)s) ödendi olarak kayıtlı ama iyzico'da başarılı bir "
            "ödemesi yok (%(payment)s).",
            order=order.number,
            total=kurus_text(order.total_kurus),
            payment=payment_id or "—",
        )
        _add(found, "order_without_payment", text, {"order": order.number, "payment": payment_id})
    return len(rows)


def _requests(keys) -> dict[str, RefundRequest]:
    found: dict[str, RefundRequest] = {}
    for chunk in reconcile._chunks(set(keys)):
        for request in db.session.scalars(
            select(RefundRequest).where(RefundRequest.idempotency_key.in_(chunk))
        ):
            found[request.idempotency_key] = request
    return found


def _request_key(row: iyzico_reporting.DailyTransaction) -> str | None:
    """The refund request a REFUND row was sent for (``<key>-<paymentTransactionId>``)."""
    suffix = f"-{row.payment_tx_id}"
    conversation = row.conversation_id or ""
    return conversation[: -len(suffix)] if conversation.endswith(suffix) else None


def _refunds_at_iyzico(at: _AtIyzico, found: list[Mismatch]) -> set[str]:
    """Each REFUND/CANCEL at iyzico is a booked refund; returns the request keys seen."""
    by_key: dict[str, list] = defaultdict(list)
    for row in at.refunds:
        by_key[_request_key(row) or f"?{row.transaction_id}"].append(row)
    for payment_id, rows in at.cancels.items():
        by_key[rows[0].conversation_id or f"?cancel-{payment_id}"] += rows
    requests = _requests(k for k in by_key if not k.startswith("?"))
    for key, rows in sorted(by_key.items()):
        amount = sum(r.price_kurus for r in rows)
        request = requests.get(key)
        refs = {"payment": rows[0].payment_id, "refund": key}
        if request is None or request.status != "succeeded":
            text = str(
                _l(
                    "iyzico iadesi (%(amount)s, ödeme %(payment)s, %(ref)s) deftere işlenmemiş.",
                    amount=kurus_text(amount),
                    payment=rows[0].payment_id or "—",
                    ref=rows[0].conversation_id or "—",
                )
            )
            if request is not None:
                text += f" {_l('İade isteği #%(id)s tamamlanmamış.', id=request.id)}"
            _add(found, "refund_not_booked", text, refs)
        elif amount != request.amount_kurus and rows[0].transaction_type == "REFUND":
            text = _l(
                "İade %(ref)s: iyzico %(theirs)s, defterde %(ours)s.",
                ref=key,
                theirs=kurus_text(amount),
                ours=kurus_text(request.amount_kurus),
            )
            _add(found, "amount", text, refs)
    return set(by_key)


def _made_elsewhere(client, request: RefundRequest, payment_id: str | None) -> bool:
    if not payment_id:
        return False
    details = iyzico_reporting.payment_details(client, payment_id=payment_id)
    if details is None:
        return False
    if any(c.conversation_id == request.idempotency_key for c in details.cancels):
        return True
    prefix = f"{request.idempotency_key}-"
    return any(
        (r.conversation_id or "").startswith(prefix) for item in details.items for r in item.refunds
    )


def _refunds_here(client, seen: set[str], start, end, found: list[Mismatch]) -> None:
    """Each refund booked here in the period through iyzico is at iyzico."""
    rows = db.session.execute(
        select(Refund, RefundRequest, Payment)
        .join(RefundRequest, RefundRequest.refund_id == Refund.id)
        .join(Order, Order.id == Refund.order_id)
        .outerjoin(
            Payment,
            (Payment.order_id == Order.id)
            & (Payment.provider == "iyzico")
            & (Payment.status == "succeeded"),
        )
        .where(
            Order.payment_method == "iyzico",
            Refund.method == "original",
            Refund.created_at >= start,
            Refund.created_at < end,
        )
        .options(joinedload(Refund.order))
        .order_by(Refund.id)
    ).all()
    for refund, request, payment in rows:
        if request.idempotency_key in seen:
            continue
        payment_id = payment.provider_ref if payment is not None else None
        try:
            if _made_elsewhere(client, request, payment_id):
                continue
        except iyzico.ProviderError as exc:
            _add(found, "unreachable", f"{refund.order.number}: {exc}", {"refund": refund.id})
            continue
        text = _l(
            "Sipariş %(order)s için deftere işlenen %(amount)s iade iyzico'da yok (%(ref)s).",
            order=refund.order.number,
            amount=kurus_text(refund.amount_kurus),
            ref=request.idempotency_key,
        )
        refs = {"order": refund.order.number, "refund": refund.provider_ref}
        _add(found, "refund_not_at_iyzico", text, refs)


def reconcile_iyzico(client, start: datetime, end: datetime) -> tuple[list[Mismatch], dict]:
    """(mismatches, counts) between iyzico's reporting and our books for [start, end).
    Raises ProviderError when a day's transactions cannot be read (nothing is half-compared)."""
    at = _read(client, start, end)
    found: list[Mismatch] = []
    _payments(at, found)
    orders = _orders(client, at, start, end, found)
    seen = _refunds_at_iyzico(at, found)
    _refunds_here(client, seen, start, end, found)
    order = list(KINDS)
    found.sort(key=lambda m: order.index(m.kind))
    counts = {
        "transactions": at.rows,
        "payments": len(at.payments),
        "orders": orders,
        "refunds": len(seen),
    }
    return found, counts


def run(client, start: datetime, end: datetime) -> reconcile.Report:
    mismatches, counts = reconcile_iyzico(client, start, end)
    return reconcile.Report(start, end, mismatches, ledger_check.check(), counts)
