"""The VAT in what an order charges besides its lines: shipping and the taksit surcharge.

Shipping is a supply of its own at the order's snapshotted ``shipping_vat_bp``; the surcharge
(vade farkı, KDVK art. 24/c: part of the VAT base of the supply it finances) is spread over the
order's VAT rates in proportion to the gross at each rate, shipping included. Both split by
``money.vat_split``; refunds of either take back by the cumulative rule, like a line's. The
ledger (post_sale, post_fee, refunds) and the invoices (services.invoicing.records) call these
same functions, so vat:payable and the invoices agree to the kuruş.

An order booked before this rule (``Order.legacy_vat_booking``, migration 0290) keeps its
booking: shipping whole to coop:shipping, the surcharge whole to coop:instalments, and so do its
refunds; ledger_check_vat explains its difference with the invoice as exactly this VAT.
"""

from __future__ import annotations

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, Payment, Refund
from coopshop.money import cumulative_split, spread_step
from coopshop.services.books.ledger import INSTALMENTS, SHIPPING, VAT, Leg

# The names of the invoice lines for shipping and the surcharge (services.invoicing.records
# writes them; ledger_check_vat reads them back to explain an order booked before this rule).
SHIPPING_LINE = "Kargo"
SURCHARGE_LINE = "Vade farkı (taksit)"
EXTRA_LINES = (SHIPPING_LINE, SURCHARGE_LINE)


def gross_by_rate(order: Order) -> dict[int, int]:
    """The order's gross per VAT rate: its lines and its shipping (what a surcharge spreads on)."""
    gross: dict[int, int] = {}
    for line in order.lines:
        gross[line.vat_bp] = gross.get(line.vat_bp, 0) + line.gross_kurus
    if order.shipping_kurus:
        bp = order.shipping_vat_bp
        gross[bp] = gross.get(bp, 0) + order.shipping_kurus
    return gross or {order.shipping_vat_bp: 0}


def shipping_split(order: Order, before: int, amount: int) -> tuple[int, int]:
    """(net, VAT) of ``amount`` of the order's shipping after ``before`` of it (0 for the sale,
    what earlier refunds gave back for a refund)."""
    if order.legacy_vat_booking:
        return amount, 0
    return cumulative_split(before, amount, order.shipping_vat_bp)


def surcharge_steps(
    order: Order, total: int, earlier: list[int], amount: int
) -> dict[int, tuple[int, int, int]]:
    """Per VAT rate, (gross, net, VAT) of ``amount`` of the order's ``total`` surcharge after
    the ``earlier`` refunds of it (money.spread_step; the sale is ``(S, [], S)``)."""
    return spread_step(gross_by_rate(order), total, earlier, amount)


def surcharge_split(order: Order, total: int, earlier: list[int], amount: int) -> tuple[int, int]:
    """(net, VAT) of ``amount`` of the order's taksit surcharge (see ``surcharge_steps``)."""
    if amount == 0:
        return 0, 0
    if order.legacy_vat_booking:
        return amount, 0
    steps = surcharge_steps(order, total, earlier, amount).values()
    return sum(net for _, net, _ in steps), sum(vat for _, _, vat in steps)


def shipping_legs(order: Order, before: int, amount: int, *, sign: int) -> list[Leg]:
    """The legs of ``amount`` of shipping: net on coop:shipping, VAT on vat:payable; ``sign``
    -1 credits them (the sale), +1 debits them (a refund)."""
    net, vat = shipping_split(order, before, amount)
    return [Leg(SHIPPING, sign * net), Leg(VAT, sign * vat)]


def surcharge_legs(
    order: Order, total: int, earlier: list[int], amount: int, *, sign: int
) -> list[Leg]:
    """The legs of ``amount`` of the surcharge: net on coop:instalments, VAT on vat:payable."""
    net, vat = surcharge_split(order, total, earlier, amount)
    return [Leg(INSTALMENTS, sign * net), Leg(VAT, sign * vat)]


def sale_surcharge_legs(order: Order, clearing: str, amount: int) -> list[Leg]:
    """The legs of the surcharge a payment took: ``clearing`` received it, its net and VAT are
    credited (the whole of it, nothing given back before)."""
    return [Leg(clearing, amount), *surcharge_legs(order, amount, [], amount, sign=-1)]


def surcharge_paid(order_id: int) -> int:
    """The taksit surcharge the order's succeeded payments took."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Payment.surcharge_kurus), 0)).where(
                Payment.order_id == order_id, Payment.status == "succeeded"
            )
        )
    )


def surcharge_refunds_before(order_id: int, refund_id: int | None = None) -> list[int]:
    """The surcharge each earlier refund of the order gave back, in the order they were made."""
    query = (
        select(Refund.surcharge_kurus)
        .where(Refund.order_id == order_id, Refund.surcharge_kurus > 0)
        .order_by(Refund.id)
    )
    if refund_id is not None:
        query = query.where(Refund.id < refund_id)
    return [int(amount) for amount in db.session.scalars(query)]


def extras_refunded_before(order_id: int, refund_id: int | None = None) -> tuple[int, int]:
    """(shipping, surcharge) the order's refunds gave back before ``refund_id`` (all if None)."""
    query = select(
        func.coalesce(func.sum(Refund.shipping_kurus), 0),
        func.coalesce(func.sum(Refund.surcharge_kurus), 0),
    ).where(Refund.order_id == order_id)
    if refund_id is not None:
        query = query.where(Refund.id < refund_id)
    shipping, surcharge = db.session.execute(query).one()
    return int(shipping), int(surcharge)
