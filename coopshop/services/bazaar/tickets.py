"""Selling at a bazaar desk: a ticket of product codes and quantities, paid in cash or on the
card terminal, becomes a paid order of the desk's cash session in one step.

The sale goes through services.orders like every other channel (stock held by a conditional
UPDATE, lines snapshotted, booked by postings.post_sale), so several desks can sell at once and a
product is never sold twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Order, Payment, Product, ProductMaker
from coopshop.services.bazaar import cash
from coopshop.services.catalog.listing import in_stock, is_for_sale
from coopshop.services.core import audit
from coopshop.services.core.errors import InsufficientStock, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import fulfilment, order_states, orders
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import MAX_QUANTITY, Buyer, LineRequest, NewOrder

PAYMENT_METHODS = ("cash", "card_terminal")
CODE_MAX = 16


@dataclass(frozen=True)
class TicketLine:
    code: str
    quantity: int
    product: Product | None
    problem: str | None = None

    @property
    def unit_price_kurus(self) -> int:
        return self.product.price_kurus if self.product is not None else 0

    @property
    def line_total_kurus(self) -> int:
        return self.unit_price_kurus * self.quantity


@dataclass(frozen=True)
class Ticket:
    lines: tuple[TicketLine, ...]

    @property
    def total_kurus(self) -> int:
        return sum(line.line_total_kurus for line in self.lines)

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def sellable(self) -> bool:
        return bool(self.lines) and not any(line.problem for line in self.lines)


def normalize_code(code: str | None) -> str:
    return "".join((code or "").split()).upper()


def new_ticket_ref() -> str:
    return secrets.token_hex(8)


def _products_by_code(codes: Sequence[str]) -> dict[str, Product]:
    if not codes:
        return {}
    return {
        p.code: p
        for p in db.session.scalars(
            select(Product)
            .where(Product.code.in_(set(codes)))
            .options(selectinload(Product.makers).selectinload(ProductMaker.producer))
        )
    }


def _problem(product: Product | None, quantity: int) -> str | None:
    if product is None:
        return str(_l("Bu kodla bir ürün yok."))
    if not is_for_sale(product):
        return str(_l("Bu ürün şu an satışta değil."))
    if not in_stock(product, quantity):
        return str(_l("Stokta yalnız %(n)d adet var.", n=product.stock))
    return None


def price_ticket(items: Sequence[tuple[str, int]]) -> Ticket:
    """The ticket's lines with today's products and prices (one query for the products and
    two for their makers), each with a problem to show when it cannot be sold as it is."""
    products = _products_by_code([code for code, _ in items])
    lines = []
    for code, quantity in items:
        product = products.get(code)
        lines.append(TicketLine(code, quantity, product, _problem(product, quantity)))
    return Ticket(tuple(lines))


def add_to_ticket(
    items: Sequence[tuple[str, int]], code: str, quantity: int
) -> list[tuple[str, int]]:
    """``items`` with ``quantity`` more of the product ``code``; an unknown code, a product not
    for sale or more than the stock raise with a message for the clerk (the ticket unchanged)."""
    code = normalize_code(code)
    if not code:
        raise ValidationFailed(_l("Ürün kodunu yazın ya da okutun."), field="code")
    if len(code) > CODE_MAX:
        raise ValidationFailed(_l("Bu kodla bir ürün yok: %(code)s", code=code), field="code")
    if type(quantity) is not int or quantity <= 0:
        raise ValidationFailed(_l("Adet en az 1 olmalı."), field="quantity")
    merged = dict(items)
    wanted = merged.get(code, 0) + quantity
    if wanted > MAX_QUANTITY:
        raise ValidationFailed(
            _l("Bir üründen en fazla %(n)d adet satılabilir.", n=MAX_QUANTITY), field="quantity"
        )
    product = _products_by_code([code]).get(code)
    if product is None:
        raise ValidationFailed(_l("Bu kodla bir ürün yok: %(code)s", code=code), field="code")
    if not is_for_sale(product):
        raise ValidationFailed(
            _l("%(title)s şu an satışta değil.", title=product.title_tr), field="code"
        )
    if not in_stock(product, wanted):
        raise InsufficientStock(
            _l(
                "%(title)s için stokta yalnız %(n)d adet var.",
                title=product.title_tr,
                n=product.stock,
            ),
            field="quantity",
        )
    merged[code] = wanted
    return list(merged.items())


def order_for_ticket(ticket_ref: str) -> Order | None:
    """The order a ticket already became (a double click, a re-sent form), if any."""
    return db.session.scalar(
        select(Order)
        .join(Payment, Payment.order_id == Order.id)
        .where(
            Payment.provider.in_(PAYMENT_METHODS), Payment.provider_ref == _payment_ref(ticket_ref)
        )
    )


def _payment_ref(ticket_ref: str) -> str:
    return f"pos-{ticket_ref}"


def sell(
    cash_session_id: int,
    lines: Sequence[LineRequest],
    payment_method: str,
    actor_id: int | None,
    ticket_ref: str | None = None,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
    already_sold: bool = False,
    buyer: Buyer | None = None,
) -> Order:
    """Sell ``lines`` at the desk of an open cash session: the order is created, its stock
    taken, paid by ``payment_method`` ("cash" or "card_terminal") and booked, in one go.

    ``ticket_ref`` makes the sale idempotent: a ticket already sold returns its order, changing
    nothing (the unique payment reference also stops two racing submissions). Running short of
    stock raises InsufficientStock; the caller rolls back and nothing is written — except for
    a ticket ``already_sold`` offline (services.bazaar.sync), recorded as it happened.
    """
    if payment_method not in PAYMENT_METHODS:
        raise ValidationFailed(_l("Ödeme yöntemi seçin."), field="method")
    if not lines:
        raise ValidationFailed(_l("Fiş boş: önce ürün ekleyin."), field="lines")
    if ticket_ref:
        existing = order_for_ticket(ticket_ref)
        if existing is not None:
            return existing
    session = cash.lock_for_sale(cash_session_id)
    order = orders.create_order(
        NewOrder(
            channel="bazaar",
            payment_method=payment_method,
            lines=_as_typed(lines),
            created_by_id=actor_id,
            cash_session_id=session.id,
            already_sold=already_sold,
            buyer=buyer or Buyer(),  # named when she asked for an invoice at the desk
        ),
        settings=settings,
        now=now,
    )
    _paid_and_collected(order, payment_method, ticket_ref, settings, now)
    audit.record(
        actor_id,
        "bazaar.sale",
        order,
        cash_session_id=session.id,
        payment_method=payment_method,
        total_kurus=order.total_kurus,
    )
    return order


def _as_typed(lines: Sequence[LineRequest]) -> list[LineRequest]:
    """Codes as typed or scanned: "ipk01 " is IPK01."""
    return [
        LineRequest(
            quantity=ln.quantity,
            product_id=ln.product_id,
            code=normalize_code(ln.code),
            unit_price_kurus=ln.unit_price_kurus,
        )
        if ln.code
        else ln
        for ln in lines
    ]


def _paid_and_collected(
    order: Order,
    payment_method: str,
    ticket_ref: str | None,
    settings: CoopSettings | None,
    now: datetime | None,
) -> None:
    """Paid at the desk (its ticket's reference makes a second sale of it fail) and taken."""
    order_states.mark_paid(
        order,
        PaymentInfo(
            provider=payment_method,
            amount_kurus=order.total_kurus,
            provider_ref=_payment_ref(ticket_ref) if ticket_ref else None,
        ),
        settings=settings,
        now=now,
    )
    fulfilment.transition(order, "collected")  # the buyer takes it from the table
    db.session.flush()


def sell_ticket(
    cash_session_id: int,
    lines: Sequence[LineRequest],
    payment_method: str,
    actor_id: int | None,
    ticket_ref: str,
    buyer: Buyer | None = None,
) -> Order:
    """The desk's one press: ``sell`` the ticket, or, when a second click sold the same ticket at
    the same moment (the unique payment reference stopped this one), answer with that sale.
    ``buyer``: who asked for an invoice at the desk (name, TCKN/VKN), if anyone did."""
    try:
        with db.session.begin_nested():
            return sell(
                cash_session_id, lines, payment_method, actor_id, ticket_ref=ticket_ref, buyer=buyer
            )
    except IntegrityError:
        order = order_for_ticket(ticket_ref)
        if order is None:
            raise
        return order


def recent_sales(cash_session_id: int, limit: int = 20) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.cash_session_id == cash_session_id)
            .order_by(Order.id.desc())
            .limit(limit)
        )
    )
