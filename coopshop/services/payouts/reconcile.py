"""Reconciliation with Stripe: what Stripe says happened in a period against the orders, payments,
refunds and fees in our books, with every difference named for an admin.

Stripe's objects are read through the SDK (charges, refunds, balance transactions, payouts, each
listed with created[gte]/[lt] and paged with auto_paging_iter; objects are also kept to the period
here, so a server that ignores the filter gives the same answer). Our side is a handful of
batched queries, never one per object. Something that sits just across the period's edge on one
side (a charge at 23:59:59 whose order was marked paid after midnight) is fetched by id before it
is called missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coopshop import turkey
from coopshop.db import db
from coopshop.models import Order, Payment, Refund
from coopshop.money import kurus_text
from coopshop.services.books import ledger_check
from coopshop.services.payouts.reconcile_reads import (
    _booked_fees,
    _chunks,
    _payments_where,
    _Stripe,
)

KINDS = {
    "charge_without_order": _l("Siparişi olmayan Stripe ödemesi"),
    "order_without_charge": _l("Stripe ödemesi bulunmayan sipariş"),
    "amount": _l("Tutar farkı"),
    "fee": _l("Ödeme ücreti farkı"),
    "refund_not_booked": _l("Deftere işlenmemiş Stripe iadesi"),
    "refund_not_at_stripe": _l("Stripe'ta bulunmayan iade"),
    "payout_sum": _l("Bakiye hareketleriyle tutmayan Stripe aktarımı"),
}
# Balance transactions of a payout that are the payout itself, not money it carries.
_PAYOUT_OWN_TYPES = ("payout", "payout_cancel", "payout_failure", "payout_minimum_balance_hold")


@dataclass(frozen=True)
class Mismatch:
    kind: str
    description: str
    refs: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    def __str__(self) -> str:
        return f"[{self.kind}] {self.description}"


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    mismatches: list[Mismatch]
    violations: list[ledger_check.Violation]
    counts: dict

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.violations


def day_period(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in Istanbul: whole days, both kept."""
    return turkey.day_bounds(first, last)


def _add(found: list[Mismatch], kind: str, description, refs: dict) -> None:
    found.append(Mismatch(kind, str(description), refs))


# Long on purpose: one batched pass over the period's charges; each kind of mismatch is its own
# message.
def _charges(api: _Stripe, found: list[Mismatch]) -> tuple[set[str], set[str], int]:
    """Each succeeded charge of the period against the paid order it belongs to."""
    charges = [c for c in api.list(api.v1.charges) if c.get("status") == "succeeded"]
    by_charge = _payments_where(Payment.charge_ref, (c["id"] for c in charges))
    by_intent = _payments_where(
        Payment.provider_ref,
        (c.get("payment_intent") for c in charges if c["id"] not in by_charge),
    )
    balance = {
        t["source"]: t
        for t in api.list(api.v1.balance_transactions)
        if isinstance(t.get("source"), str)
    }
    matched = [
        (c, by_charge.get(c["id"]) or by_intent.get(c.get("payment_intent"))) for c in charges
    ]
    booked_fees = _booked_fees(p.id for _, p in matched if p is not None)
    for charge, payment in matched:
        refs = {"charge": charge["id"]}
        if payment is None or payment.order.status != "paid":
            _add(
                found,
                "charge_without_order",
                _l(
                    "Stripe ödemesi %(charge)s (%(amount)s) hiçbir ödenmiş siparişe bağlı değil.",
                    charge=charge["id"],
                    amount=kurus_text(int(charge["amount"])),
                ),
                {**refs, "order": payment.order.number if payment else None},
            )
            continue
        order = payment.order
        refs |= {"order": order.number, "payment": payment.id}
        if (
            charge.get("currency") != "try"
            or int(charge["amount"]) != payment.amount_kurus
            or payment.amount_kurus != order.total_kurus
        ):
            _add(
                found,
                "amount",
                _l(
                    "Sipariş %(order)s: Stripe %(charge_amount)s %(currency)s aldı, "
                    "ödeme kaydı %(paid)s, sipariş toplamı %(total)s.",
                    order=order.number,
                    charge_amount=kurus_text(int(charge["amount"])),
                    currency=str(charge.get("currency", "")).upper(),
                    paid=kurus_text(payment.amount_kurus),
                    total=kurus_text(order.total_kurus),
                ),
                refs,
            )
        txn = balance.get(charge["id"])
        if txn is None and isinstance(charge.get("balance_transaction"), str):
            txn = api.retrieve(api.v1.balance_transactions, charge["balance_transaction"])
        elif isinstance(charge.get("balance_transaction"), dict):
            txn = charge["balance_transaction"]
        booked = booked_fees.get(payment.id, 0)
        if (
            txn is not None
            and txn.get("currency") == "try"
            and int(txn["fee"]) != payment.fee_kurus
        ):
            _add(
                found,
                "fee",
                _l(
                    "Sipariş %(order)s: Stripe'ın ücreti %(stripe_fee)s, ödeme kaydındaki "
                    "ücret %(fee)s.",
                    order=order.number,
                    stripe_fee=kurus_text(int(txn["fee"])),
                    fee=kurus_text(payment.fee_kurus),
                ),
                {**refs, "balance_transaction": txn.get("id")},
            )
        if booked != payment.fee_kurus:
            _add(
                found,
                "fee",
                _l(
                    "Sipariş %(order)s: ödeme ücreti %(fee)s, deftere işlenen %(booked)s.",
                    order=order.number,
                    fee=kurus_text(payment.fee_kurus),
                    booked=kurus_text(booked),
                ),
                refs,
            )
    return {c["id"] for c in charges}, {c.get("payment_intent") for c in charges}, len(charges)


def _orders(api: _Stripe, start, end, charge_ids, intent_ids, found: list[Mismatch]) -> int:
    """Each online order paid in the period has a succeeded charge at Stripe."""
    rows = db.session.execute(
        select(Order, Payment)
        .outerjoin(
            Payment,
            (Payment.order_id == Order.id)
            & (Payment.provider == "stripe")
            & (Payment.status == "succeeded"),
        )
        .where(
            Order.payment_method == "stripe",
            Order.status == "paid",
            Order.paid_at >= start,
            Order.paid_at < end,
        )
        .order_by(Order.id)
    ).all()
    for order, payment in rows:
        if payment is not None and (
            payment.charge_ref in charge_ids or payment.provider_ref in intent_ids
        ):
            continue
        charge = None
        if payment is not None and payment.charge_ref:
            charge = api.retrieve(api.v1.charges, payment.charge_ref)
        if charge is not None and charge.get("status") == "succeeded":
            continue  # in a neighbouring period at Stripe
        _add(
            found,
            "order_without_charge",
            _l(
                "Sipariş %(order)s (%(total)s) ödendi olarak kayıtlı ama Stripe'ta "
                "başarılı bir ödemesi yok (%(charge)s).",
                order=order.number,
                total=kurus_text(order.total_kurus),
                charge=(payment.charge_ref if payment else None) or "—",
            ),
            {"order": order.number, "charge": payment.charge_ref if payment else None},
        )
    return len(rows)


# Long on purpose: one batched pass over the period's refunds; each kind of mismatch is its own
# message.
def _refunds(api: _Stripe, start, end, found: list[Mismatch]) -> int:
    at_stripe = [
        r for r in api.list(api.v1.refunds) if r.get("status") in (None, "succeeded", "pending")
    ]
    booked: dict[str, Refund] = {}
    for chunk in _chunks(r["id"] for r in at_stripe):
        booked.update(
            (r.provider_ref, r)
            for r in db.session.scalars(
                select(Refund)
                .where(Refund.provider_ref.in_(chunk))
                .options(joinedload(Refund.order))
            )
        )
    for stripe_refund in at_stripe:
        ours = booked.get(stripe_refund["id"])
        request = (stripe_refund.get("metadata") or {}).get("refund_request")
        refs = {"refund": stripe_refund["id"], "charge": stripe_refund.get("charge")}
        if ours is None:
            _add(
                found,
                "refund_not_booked",
                str(
                    _l(
                        "Stripe iadesi %(refund)s (%(amount)s, ödeme %(charge)s) deftere "
                        "işlenmemiş.",
                        refund=stripe_refund["id"],
                        amount=kurus_text(int(stripe_refund["amount"])),
                        charge=stripe_refund.get("charge") or "—",
                    )
                )
                + (f" {_l('İade isteği #%(id)s tamamlanmamış.', id=request)}" if request else ""),
                refs,
            )
        elif int(stripe_refund["amount"]) != ours.amount_kurus:
            _add(
                found,
                "amount",
                _l(
                    "İade %(refund)s (sipariş %(order)s): Stripe %(stripe_amount)s, "
                    "defterde %(amount)s.",
                    refund=stripe_refund["id"],
                    order=ours.order.number,
                    stripe_amount=kurus_text(int(stripe_refund["amount"])),
                    amount=kurus_text(ours.amount_kurus),
                ),
                {**refs, "order": ours.order.number},
            )
    ours_in_period = db.session.scalars(
        select(Refund)
        .join(Order, Order.id == Refund.order_id)
        .where(
            Order.payment_method == "stripe",
            Refund.method == "original",
            Refund.created_at >= start,
            Refund.created_at < end,
        )
        .options(joinedload(Refund.order))
        .order_by(Refund.id)
    ).all()
    listed = {r["id"] for r in at_stripe}
    for refund in ours_in_period:
        if refund.provider_ref in listed:
            continue
        if refund.provider_ref and api.retrieve(api.v1.refunds, refund.provider_ref) is not None:
            continue
        _add(
            found,
            "refund_not_at_stripe",
            _l(
                "Sipariş %(order)s için deftere işlenen %(amount)s iade Stripe'ta yok (%(ref)s).",
                order=refund.order.number,
                amount=kurus_text(refund.amount_kurus),
                ref=refund.provider_ref or "—",
            ),
            {
                "order": refund.order.number,
                "refund_id": refund.id,
                "refund": refund.provider_ref,
            },
        )
    return len(at_stripe)


def _payouts(api: _Stripe, found: list[Mismatch]) -> int:
    payouts = [p for p in api.list(api.v1.payouts) if p.get("status") not in ("failed", "canceled")]
    for payout in payouts:
        carried = [
            t
            for t in api.payout_transactions(payout["id"])
            if t.get("type") not in _PAYOUT_OWN_TYPES
        ]
        total = sum(int(t["net"]) for t in carried)
        if total != int(payout["amount"]):
            _add(
                found,
                "payout_sum",
                _l(
                    "Stripe aktarımı %(payout)s %(amount)s, bakiye hareketlerinin "
                    "toplamı %(total)s (%(count)d hareket).",
                    payout=payout["id"],
                    amount=kurus_text(int(payout["amount"])),
                    total=kurus_text(total),
                    count=len(carried),
                ),
                {"payout": payout["id"]},
            )
    return len(payouts)


def reconcile_stripe(provider, start: datetime, end: datetime) -> list[Mismatch]:
    """Every difference between Stripe and our books for [start, end), kind by kind."""
    return _run(provider, start, end)[0]


def _run(provider, start: datetime, end: datetime) -> tuple[list[Mismatch], dict]:
    api = _Stripe(provider, start, end)
    found: list[Mismatch] = []
    charge_ids, intent_ids, charges = _charges(api, found)
    orders = _orders(api, start, end, charge_ids, intent_ids - {None}, found)
    refunds = _refunds(api, start, end, found)
    payouts = _payouts(api, found)
    order = list(KINDS)
    found.sort(key=lambda m: order.index(m.kind))
    return found, {"charges": charges, "orders": orders, "refunds": refunds, "payouts": payouts}


def run(provider, start: datetime, end: datetime) -> Report:
    """Stripe's mismatches (when a provider is configured) and the ledger's own check."""
    mismatches, counts = _run(provider, start, end) if provider is not None else ([], {})
    return Report(start, end, mismatches, ledger_check.check(), counts)
