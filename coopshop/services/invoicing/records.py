"""The invoice rows: a paid order's invoice and a refund's answer, written in the caller's
transaction with their UUID, buyer, lines and totals fixed before any call to the integrator.

Lines, VAT per rate and totals come from the order's line snapshots (interface.build_totals, to
the kuruş); shipping is its own line at the order's shipping VAT rate, and a taksit surcharge
(vade farkı, part of the VAT base: KDVK art. 24/c) is spread over the order's VAT rates in
proportion to their gross, by the functions the ledger books them with (books.vat_extras).
The gross of a sale's invoice is what the buyer paid (the order's total plus
the surcharge), and this module refuses to write one that is not.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from datetime import datetime

from sqlalchemy import func, select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import Invoice, Order, Payment, Refund, RefundLine, utcnow
from coopshop.money import cumulative_split
from coopshop.services.books import vat_extras
from coopshop.services.invoicing.interface import CONSUMER_TCKN, LineInput, Totals, build_totals
from coopshop.services.invoicing.settings import InvoicingSettings

log = logging.getLogger(__name__)

SHIPPING_LINE = vat_extras.SHIPPING_LINE
SURCHARGE_LINE = vat_extras.SURCHARGE_LINE
ANONYMOUS_BUYER = "Nihai Tüketici"


def wants_invoice(order: Order, settings: InvoicingSettings) -> bool:
    """Every paid online or transfer order; a bazaar sale when the buyer gave her name at the
    desk, or every one when INVOICING_BAZAAR_ALWAYS says so."""
    if order.channel != "bazaar":
        return True
    return settings.bazaar_always or bool(order.buyer_name.strip() or order.buyer_tax_id)


def order_lines(
    order: Order, settings: InvoicingSettings | None = None, surcharge_kurus: int = 0
) -> list[LineInput]:
    """The sale invoice's lines: the order's line snapshots, its shipping at the order's
    shipping VAT rate, and the surcharge per VAT rate (books.vat_extras, as the ledger books
    them)."""
    del settings  # the rates are the order's snapshots
    lines = [
        LineInput(line.title, line.quantity, line.unit_price_kurus, line.vat_bp)
        for line in order.lines
    ]
    if order.shipping_kurus:
        lines.append(LineInput(SHIPPING_LINE, 1, order.shipping_kurus, order.shipping_vat_bp))
    return lines + surcharge_lines(order, surcharge_kurus, [], surcharge_kurus)


def surcharge_lines(order: Order, total: int, earlier: list[int], amount: int) -> list[LineInput]:
    """The vade farkı as one line per VAT rate, split by the order's gross at each rate
    (largest remainder, so the parts add up exactly); a return's lines take back from what is
    left at each rate, with the VAT the ledger books (books.vat_extras)."""
    if amount <= 0:
        return []
    steps = vat_extras.surcharge_steps(order, total, earlier, amount)
    return [
        LineInput(SURCHARGE_LINE, 1, gross, bp, vat_kurus=vat)
        for bp, (gross, _net, vat) in steps.items()
        if gross
    ]


def surcharge_of(order: Order) -> int:
    """What the buyer paid above the order's total to pay in instalments (iyzico's taksit)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Payment.surcharge_kurus), 0)).where(
                Payment.order_id == order.id, Payment.status == "succeeded"
            )
        )
    )


def invoiced_total(order: Order) -> int:
    """The gross a sale invoice of ``order`` must carry: its total and any taksit surcharge."""
    return order.total_kurus + surcharge_of(order)


def sale_invoice(order_id: int) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(Invoice.order_id == order_id, Invoice.purpose == "sale")
    )


def documents_of(order_id: int) -> list[Invoice]:
    return list(
        db.session.scalars(select(Invoice).where(Invoice.order_id == order_id).order_by(Invoice.id))
    )


def _snapshot(totals: Totals) -> dict:
    return {
        "lines": [
            [
                li.name,
                li.quantity,
                li.unit_price_kurus,
                li.vat_bp,
                li.gross_kurus,
                li.net_kurus,
                li.vat_kurus,
            ]
            for li in totals.lines
        ],  # fmt: skip
        "by_rate": [
            [bp, net, vat]
            for (bp, net), (_, vat) in zip(totals.net_by_rate, totals.vat_by_rate, strict=True)
        ],
        "net_kurus": totals.net_kurus,
        "vat_kurus": totals.vat_kurus,
        "gross_kurus": totals.gross_kurus,
    }


def _buyer(order: Order) -> dict:
    name = (order.buyer_company or order.buyer_name).strip() or ANONYMOUS_BUYER
    address = " ".join(p for p in (order.address_line, order.ilce, order.il) if p).strip()
    return {
        "buyer_name": name[:200],
        "buyer_tax_id": order.buyer_tax_id or CONSUMER_TCKN,
        "buyer_tax_office": order.buyer_tax_office,
        "buyer_address": address,
        "buyer_email": order.buyer_email,
    }


TOTALS_MISMATCH = "totals_mismatch"


def create_for_order(order: Order, settings: InvoicingSettings) -> Invoice:
    """The order's one sale invoice, pending; the existing one when it has it already.

    When the lines' total is not what was paid (the snapshots and the order disagree, which
    should never happen) the invoice is never sent: it is recorded as failed with the reason,
    on the admin's failure list, and the payment goes on (invoicing never fails checkout)."""
    existing = sale_invoice(order.id)
    if existing is not None:
        return existing
    surcharge = surcharge_of(order)
    totals = build_totals(order_lines(order, settings, surcharge))
    expected = order.total_kurus + surcharge
    failure: dict = {"status": "pending"}
    if totals.gross_kurus != expected:
        log.error(
            "order %s: invoice lines %d != paid %d", order.number, totals.gross_kurus, expected
        )
        failure = {
            "status": "failed",
            "error_code": TOTALS_MISMATCH,
            "error": (
                f"the invoice lines add up to {totals.gross_kurus} kuruş but the order was paid "
                f"{expected} kuruş; not sent, the order's lines need checking before an invoice "
                "can be issued"
            ),
        }
    invoice = Invoice(
        uuid=str(uuidlib.uuid4()),
        order_id=order.id,
        purpose="sale",
        provider=settings.provider,
        created_at=utcnow(),
        **_buyer(order),
        **_snapshot(totals),
        **failure,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def refund_lines(refund: Refund, settings: InvoicingSettings | None = None) -> list[LineInput]:
    """The refunded lines: whole units where the amount is whole units, else one line of it;
    then the shipping and the surcharge given back. Each line's VAT is what the ledger booked
    for the refund: the cumulative rule over the order's earlier refunds (money.cumulative_split),
    so a line returned in steps returns its sale's VAT exactly."""
    del settings
    order = refund.order
    before = _refunded_before(refund)
    lines = []
    for rl in sorted(refund.lines, key=lambda r: r.line_id):
        line = rl.line
        unit = line.unit_price_kurus
        _, vat = cumulative_split(before.get(rl.line_id, 0), rl.amount_kurus, line.vat_bp)
        if unit and rl.amount_kurus % unit == 0:
            lines.append(LineInput(line.title, rl.amount_kurus // unit, unit, line.vat_bp, vat))
        else:
            lines.append(LineInput(line.title, 1, rl.amount_kurus, line.vat_bp, vat))
    shipping_before, _ = vat_extras.extras_refunded_before(order.id, refund.id)
    if refund.shipping_kurus:
        _, vat = cumulative_split(shipping_before, refund.shipping_kurus, order.shipping_vat_bp)
        lines.append(LineInput(SHIPPING_LINE, 1, refund.shipping_kurus, order.shipping_vat_bp, vat))
    earlier = vat_extras.surcharge_refunds_before(order.id, refund.id)
    paid = vat_extras.surcharge_paid(order.id)
    return lines + surcharge_lines(order, paid, earlier, refund.surcharge_kurus)


def _refunded_before(refund: Refund) -> dict[int, int]:
    """Per order line, what the order's refunds before ``refund`` gave back."""
    return {
        line_id: int(amount)
        for line_id, amount in db.session.execute(
            select(RefundLine.line_id, func.sum(RefundLine.amount_kurus))
            .join(Refund, Refund.id == RefundLine.refund_id)
            .where(Refund.order_id == refund.order_id, Refund.id < refund.id)
            .group_by(RefundLine.line_id)
        )
    }


def cancellable(original: Invoice, order: Order, refund: Refund, now: datetime) -> bool:
    """An e-Arşiv may be cancelled only for the whole invoice, by its first refund, and before
    it is reported to GİB: taken here as the Istanbul day it was issued (or not issued yet)."""
    if original.kind == "efatura":
        return False
    if refund.amount_kurus != original.gross_kurus or len(order.refunds) > 1:
        return False
    if original.issued_at is None:
        return original.status != "issued"
    return turkey.istanbul_date(original.issued_at) == turkey.istanbul_date(now)


def we_issue_the_return(original: Invoice) -> bool:
    """Who documents a return: a consumer (TCKN, or none) cannot invoice, so the cooperative
    sends an e-Arşiv return invoice (IADE) naming the original; a company (VKN: an e-Fatura
    user or not) returns goods with its own iade faturası to the cooperative (VUK), so ours is
    only a record of it for the accountant."""
    return len(original.buyer_tax_id) == 11


def create_for_refund(
    refund: Refund, settings: InvoicingSettings, now: datetime | None = None
) -> Invoice | None:
    """The document answering ``refund``: a cancellation of the whole e-Arşiv when the rules
    allow it, else a return invoice with the refunded lines (sent through the queue, or kept as
    a record when the buyer issues it: see ``we_issue_the_return``). None without an invoice."""
    now = now or utcnow()
    order = refund.order
    original = sale_invoice(order.id)
    if original is None:
        return None
    common = {
        "uuid": str(uuidlib.uuid4()),
        "order_id": order.id,
        "original_id": original.id,
        "refund_id": refund.id,
        "provider": original.provider,
        "kind": original.kind,
        "reason": refund.reason or "İade",
        "created_at": now,
        "buyer_name": original.buyer_name,
        "buyer_tax_id": original.buyer_tax_id,
        "buyer_tax_office": original.buyer_tax_office,
        "buyer_address": original.buyer_address,
        "buyer_email": original.buyer_email,
    }
    if cancellable(original, order, refund, now):
        doc = Invoice(
            purpose="cancellation",
            status="pending",
            lines=original.lines,
            by_rate=original.by_rate,
            net_kurus=original.net_kurus,
            vat_kurus=original.vat_kurus,
            gross_kurus=original.gross_kurus,
            **common,
        )
    else:
        totals = build_totals(refund_lines(refund, settings))
        status = "pending" if we_issue_the_return(original) else "recorded"
        doc = Invoice(purpose="return", status=status, **common, **_snapshot(totals))
    db.session.add(doc)
    db.session.flush()
    return doc
