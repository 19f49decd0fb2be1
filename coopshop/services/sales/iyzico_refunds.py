"""Refunds through iyzico, step 2 of services.refund_flow's protocol for an iyzico order.

The RefundRequest is already written down and committed. iyzico refunds per basket item (its
paymentTransactionId, kept on the payment) and has no idempotency key, so each part made is
recorded on the request (``provider_parts``) and a retry sends only what is left. A whole order
refunded on the day it was paid is cancelled instead (one call, iyzico voids the payment);
should iyzico refuse the cancel, the refund goes per item. A refusal of the first part marks
the request failed with iyzico's message; a timeout leaves it pending (the outcome is unknown).

A timeout can hide a refund iyzico did make (the answer was lost, not the request), and the
parts recorded here only know answers that arrived. So before anything is sent, iyzico's
reporting service is asked what this payment already has: a refund on an item carrying this
part's conversation id (``<request key>-<transaction id>``), or a cancel carrying the request's
key, was made by an earlier attempt and is not sent again. When that question gets no answer,
nothing is sent and the request stays pending.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import Order, Payment, RefundRequest, utcnow
from coopshop.services.books import surcharge_postings
from coopshop.services.sales import iyzico, iyzico_reporting
from coopshop.services.sales import refunds as refund_service

log = logging.getLogger(__name__)


def istanbul_date(moment: datetime):
    """iyzico's day (its cancel works until the bank's end of day) is Istanbul's."""
    return turkey.istanbul_date(moment)


def _payment(order_id: int) -> Payment | None:
    return db.session.scalar(
        select(Payment)
        .where(
            Payment.order_id == order_id,
            Payment.provider == "iyzico",
            Payment.status == "succeeded",
        )
        .order_by(Payment.id)
        .limit(1)
    )


def parts_of(request: RefundRequest, payment: Payment) -> list[tuple[str, int]]:
    """(paymentTransactionId, kuruş) per basket item the request gives money back on."""
    refs = payment.item_refs or {}
    wanted = [(str(line_id), int(amount)) for line_id, amount in request.lines]
    if request.shipping_kurus:
        wanted.append(("SHIPPING", request.shipping_kurus))
    missing = [item for item, _ in wanted if item not in refs]
    if missing:
        raise KeyError(", ".join(missing))
    return [(refs[item], amount) for item, amount in wanted]


def part_conversation_id(request: RefundRequest, txn_id: str) -> str:
    return f"{request.idempotency_key}-{txn_id}"


def made_at_iyzico(client, request: RefundRequest, payment: Payment) -> tuple[dict, bool]:
    """What earlier attempts of this request left at iyzico: ({transaction id: kuruş refunded
    under this request}, whether the payment was cancelled under it). Raises ProviderError."""
    details = iyzico_reporting.payment_details(client, payment_id=payment.provider_ref)
    if details is None:
        return {}, False
    cancelled = any(c.conversation_id == request.idempotency_key for c in details.cancels)
    made = {}
    for item in details.items:
        wanted = part_conversation_id(request, item.payment_transaction_id)
        total = sum(r.price_kurus for r in item.refunds if r.conversation_id == wanted)
        if total:
            made[item.payment_transaction_id] = total
    return made, cancelled


def _pending(request: RefundRequest, exc: Exception) -> RefundRequest:
    request.error = str(exc)[:500]
    return request


def _catch_up(client, request: RefundRequest, payment: Payment, parts) -> dict | None:
    """The parts already made (recorded here, or found at iyzico and now recorded); None when
    the payment was cancelled under this request. ValueError when iyzico has a different
    amount for a part than this request asks (a person must look)."""
    made, cancelled = made_at_iyzico(client, request, payment)
    if cancelled:
        return None
    done = dict(request.provider_parts or {})
    wanted = dict(parts)
    for txn_id, amount in made.items():
        if txn_id in wanted and txn_id not in done:
            if amount != wanted[txn_id]:
                raise ValueError(f"iyzico has {amount} kuruş refunded on {txn_id} for this request")
            done[txn_id] = amount
    if done != (request.provider_parts or {}):
        log.info("refund request %s: parts already made at iyzico: %s", request.id, done)
        request.provider_parts = dict(done)
        db.session.flush()
    return done


def _whole_order_today(order: Order, request: RefundRequest, payment: Payment, now) -> bool:
    nothing_back_yet = refund_service.refundable(order).total_kurus == order.total_kurus
    return (
        nothing_back_yet
        and not request.provider_parts
        and request.amount_kurus == order.total_kurus
        and istanbul_date(payment.created_at) == istanbul_date(now)
    )


def send(
    request: RefundRequest, provider, actor_id: int | None, now: datetime | None = None
) -> RefundRequest:
    """Make the refund at iyzico once, then book it (refund_flow.complete)."""
    from coopshop.services.sales import refund_flow

    now = now or utcnow()
    order = db.session.get(Order, request.order_id)
    payment = _payment(order.id)
    if payment is None or not payment.provider_ref:
        return refund_flow._fail(request, "no iyzico payment recorded for this order", actor_id)
    try:
        parts = parts_of(request, payment)
    except KeyError as exc:
        return refund_flow._fail(request, f"no iyzico transaction for item(s) {exc}", actor_id)
    client, ip = provider.client, provider.buyer_ip
    try:
        done = _catch_up(client, request, payment, parts)
    except iyzico.ProviderError as exc:
        log.warning(
            "refund request %s: iyzico's refunds unknown, nothing sent: %s", request.id, exc
        )
        return _pending(request, exc)
    except ValueError as exc:
        return _pending(request, exc)
    if done is None:  # an earlier attempt's cancel went through
        ref = f"iyzico-cancel-{payment.provider_ref}"
        return _book_cancel(request, payment, ref, actor_id, now)
    if _whole_order_today(order, request, payment, now):
        try:
            cancel = client.cancel(payment.provider_ref, request.idempotency_key, ip)
        except iyzico.IyzicoTimeoutError as exc:
            return _pending(request, exc)
        except iyzico.ProviderError as exc:
            log.info("iyzico refused to cancel %s (%s): refunding per item", order.number, exc)
        else:
            return _book_cancel(
                request, payment, f"iyzico-cancel-{cancel.payment_id}", actor_id, now
            )
    done = dict(request.provider_parts or {})
    for txn_id, amount in parts:
        if txn_id in done:
            continue
        try:
            client.refund(txn_id, amount, part_conversation_id(request, txn_id), ip)
        except iyzico.IyzicoTimeoutError as exc:
            return _pending(request, exc)
        except iyzico.ProviderError as exc:
            message = f"iyzico {exc.error_code}: {exc.error_message}"
            if not done:
                return refund_flow._fail(request, message, actor_id)
            request.error = message[:500]  # some parts made: stays pending for a retry
            return request
        done[txn_id] = amount
        request.provider_parts = dict(done)  # a new dict, so the JSON column sees the change
        db.session.flush()
    ref = f"iyzico-{request.idempotency_key}"
    return refund_flow.complete(request.id, _as_refund(ref, request), actor_id, now)


def _book_cancel(
    request: RefundRequest, payment: Payment, ref: str, actor_id: int | None, now: datetime
) -> RefundRequest:
    """A cancel voids the payment: the buyer gets all she paid back, the taksit surcharge
    included, and iyzico keeps no commission on a payment that never reached the bank's end of
    day (see the README on what iyzico's pages say). So the refund gives back the surcharge
    too, and the fee booked with the payment is waived (surcharge_postings.waive_fee: reversed,
    the surcharge booked again on its own so the refund can take it back), leaving
    clearing:iyzico, fees:payment, coop:instalments and vat:payable where they started."""
    from coopshop.services.sales import refund_flow

    done = refund_flow.complete(
        request.id, _as_refund(ref, request), actor_id, now, surcharge_kurus=payment.surcharge_kurus
    )
    if done.status == "succeeded":
        surcharge_postings.waive_fee(payment, actor_id, now)
    return done


def _as_refund(ref: str, request: RefundRequest) -> dict:
    """The provider's answer in the shape refund_flow.complete books."""
    return {"id": ref, "status": "succeeded", "amount": request.amount_kurus}
