"""Postings of the taksit surcharge beyond the payment's own (postings.post_fee): giving it back
with a refund, and a processor's fee waived when iyzico cancels a payment the same day.
Through ledger.post, like every posting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction, Payment, Refund
from coopshop.services.books import vat_extras
from coopshop.services.books.ledger import Leg, post, reverse
from coopshop.services.books.postings import post_fee


def post_surcharge_refund(
    refund: Refund, clearing: str, actor_id: int | None, now: datetime
) -> LedgerTransaction:
    """Give back ``refund.surcharge_kurus`` of the taksit surcharge, after what earlier refunds
    gave back: from coop:instalments its net, from vat:payable its VAT, each rate's by the
    cumulative rule (books.vat_extras). A ``fee`` transaction carrying the refund's id, as the
    surcharge came in with the payment's fee."""
    order = refund.order
    earlier = vat_extras.surcharge_refunds_before(order.id, refund.id)
    total = vat_extras.surcharge_paid(order.id)
    legs = vat_extras.surcharge_legs(order, total, earlier, refund.surcharge_kurus, sign=1)
    return post(
        "fee",
        [Leg(clearing, -refund.surcharge_kurus), *legs],
        memo=f"Taksit farkı iadesi {order.number}",
        order_id=order.id,
        refund_id=refund.id,
        actor_id=actor_id,
        now=now,
    )


def waive_fee(
    payment: Payment, actor_id: int | None, now: datetime | None = None
) -> LedgerTransaction | None:
    """The processor gave its fee back (iyzico keeps none when it cancels a payment the same
    day): the payment's fee transaction is reversed and, as the surcharge did reach us and goes
    back with the refund, the surcharge alone is booked again, dated like the first. Nothing
    when no fee was booked."""
    reversed_ids = select(LedgerTransaction.reverses_id).where(
        LedgerTransaction.reverses_id.is_not(None)
    )
    fee_txn = db.session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.payment_id == payment.id,
            LedgerTransaction.kind == "fee",
            LedgerTransaction.id.not_in(reversed_ids),
        )
    )
    if fee_txn is None or not payment.fee_kurus:
        return None
    reversal = reverse(
        fee_txn.id, actor_id, f"Ödeme ücreti iade edildi {payment.order.number}", now
    )
    if payment.surcharge_kurus:
        post_fee(payment, 0, now=fee_txn.created_at, surcharge_kurus=payment.surcharge_kurus)
    return reversal
