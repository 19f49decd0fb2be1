"""Orders from every channel: holding stock and snapshotting lines.

Every channel (online, bank transfer, bazaar) creates its order here and marks it paid in
order_states.py (the state machine), so every paid order reaches the ledger the same way
(books.postings.post_sale).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    Order,
    OrderLine,
    OrderLineMaker,
    Product,
    ProductMaker,
    utcnow,
)
from coopshop.money import BP
from coopshop.services.books import commission
from coopshop.services.catalog.listing import is_for_sale
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import InsufficientStock, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales.shipping_price import shipping_for

# Letters and digits that cannot be mistaken for each other when read aloud or hand-written.
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_QUANTITY = 999


@dataclass(frozen=True)
class LineRequest:
    """One product and how many: by id (online) or by its short code (bazaar desk)."""

    quantity: int
    product_id: int | None = None
    code: str | None = None
    # The price a point-of-sale device showed when it rang the sale up offline: the sale is
    # made at it (the buyer paid it), and a difference from the catalogue is kept on the line.
    unit_price_kurus: int | None = None


@dataclass(frozen=True)
class Buyer:
    name: str = ""
    email: str = ""
    phone: str = ""
    address_line: str = ""
    il: str = ""
    ilce: str = ""
    postal_code: str = ""
    # "Kurumsal fatura": the invoice's addressee, tax office and VKN/TCKN (all optional).
    company: str = ""
    tax_office: str = ""
    tax_id: str = ""


@dataclass(frozen=True)
class NewOrder:
    channel: str
    payment_method: str
    lines: Sequence[LineRequest]
    buyer: Buyer = field(default_factory=Buyer)
    customer_id: int | None = None
    created_by_id: int | None = None
    cash_session_id: int | None = None
    charge_shipping: bool = False
    # The aggregator's price for the parcel, asked before the order's transaction (checkout).
    shipping_quote_kurus: int | None = None
    # A sale that already happened (an offline ticket: the goods left the table): what stock
    # there is is taken and the rest is recorded on the line as short, instead of refusing.
    already_sold: bool = False


def new_order_number(now: datetime | None = None) -> str:
    now = now or utcnow()
    suffix = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
    return f"{now:%y%m}-{suffix}"


def effective_commission_bp(
    product: Product,
    default_bp: int,
    at: datetime | None = None,
    rates: commission.RatesInForce | None = None,
) -> int:
    """Product override, else the makers' (producer) override, else the collection's rate, else
    the cooperative default, each the dated one in force at ``at`` (the sale; now when None). A
    co-made product uses the lowest producer override among its makers, so no maker is charged
    more than her own agreed rate on her share (services.commission.resolve).

    Pass ``rates`` (commission.rates_for, loaded once per order) to skip the lookup."""
    if rates is None:
        rates = commission.rates_for(at or utcnow(), [product])
    return commission.resolve(product, default_bp, rates)


def _load_products(requests: Sequence[LineRequest]) -> dict:
    ids = {r.product_id for r in requests if r.product_id is not None}
    codes = {r.code.strip().upper() for r in requests if r.code}
    conditions = []
    if ids:
        conditions.append(Product.id.in_(ids))
    if codes:
        conditions.append(Product.code.in_(codes))
    if not conditions:
        return {}
    from sqlalchemy import or_

    products = db.session.scalars(
        select(Product)
        .where(or_(*conditions))
        .options(
            selectinload(Product.makers).selectinload(ProductMaker.producer),
            selectinload(Product.collection),
        )
    ).all()
    by_key: dict = {}
    for p in products:
        by_key[("id", p.id)] = p
        by_key[("code", p.code)] = p
    return by_key


def _merge_requests(requests: Sequence[LineRequest], products: dict) -> list[tuple[Product, int]]:
    """Resolve each request to a product and add up repeated products, in product-id order
    (stock is always taken in primary-key order, so concurrent orders cannot deadlock)."""
    quantities: dict[int, int] = {}
    by_id: dict[int, Product] = {}
    for r in requests:
        if not isinstance(r.quantity, int) or r.quantity <= 0:
            raise ValidationFailed(_l("Adet en az 1 olmalı."), field="quantity")
        key = ("id", r.product_id) if r.product_id is not None else ("code", (r.code or "").upper())
        product = products.get(key)
        if product is None:
            raise ValidationFailed(
                _l("Ürün bulunamadı: %(ref)s", ref=r.code or r.product_id), field="product"
            )
        quantities[product.id] = quantities.get(product.id, 0) + r.quantity
        by_id[product.id] = product
    for qty in quantities.values():
        if qty > MAX_QUANTITY:
            raise ValidationFailed(
                _l("Bir üründen en fazla %(n)d adet alınabilir.", n=MAX_QUANTITY), field="quantity"
            )
    return [(by_id[pid], quantities[pid]) for pid in sorted(quantities)]


def _check_for_sale(product: Product) -> None:
    if not is_for_sale(product):
        raise ValidationFailed(
            _l("%(title)s şu an satışta değil.", title=product.title_tr), field="product"
        )
    if sum(m.share_bp for m in product.makers) != BP:
        raise ValidationFailed(
            _l("%(title)s için üretici payları hatalı.", title=product.title_tr), field="product"
        )


def hold_stock(product_id: int, quantity: int) -> bool:
    """Take ``quantity`` from stock in one conditional UPDATE; False when there is not enough.

    The WHERE clause is the guard: two buyers racing for the last unit cannot both succeed,
    whatever the isolation level, because the second UPDATE sees the first one's result.
    """
    result = db.session.execute(
        update(Product)
        .where(
            Product.id == product_id,
            Product.made_to_order.is_(False),
            Product.stock >= quantity,
        )
        .values(stock=Product.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _snapshot(
    product: Product, quantity: int, price: int | None, commission_bp: int, short: int
) -> OrderLine:
    """The order line as sold: the product's facts now, at ``price`` when a device sold it at
    another price than the catalogue's (kept in list_price_kurus), ``short`` units not in stock."""
    unit = product.price_kurus if price is None else price
    return OrderLine(
        product_id=product.id,
        product_code=product.code,
        title=product.title_tr,
        quantity=quantity,
        unit_price_kurus=unit,
        gross_kurus=unit * quantity,
        vat_bp=product.vat_bp,
        commission_bp=commission_bp,
        stock_short=short,
        list_price_kurus=product.price_kurus if unit != product.price_kurus else None,
        withdrawal_exclusion=product.withdrawal_exclusion,
        makers=[
            OrderLineMaker(producer_id=m.producer_id, share_bp=m.share_bp) for m in product.makers
        ],
    )


def take_what_is_left(product_id: int, quantity: int) -> int:
    """For a sale that already happened: take what stock there is (under a row lock) and return
    how many of ``quantity`` were not there."""
    stock = db.session.scalar(
        select(Product.stock).where(Product.id == product_id).with_for_update()
    )
    taken = min(stock or 0, quantity)
    if taken:
        db.session.execute(
            update(Product).where(Product.id == product_id).values(stock=Product.stock - taken)
        )
    return quantity - taken


def _device_prices(requests: Sequence[LineRequest], products: dict) -> dict[int, int]:
    """product id -> the price the device sold it at, where it gave one."""
    prices = {}
    for request in requests:
        if request.unit_price_kurus is None:
            continue
        key = (
            ("id", request.product_id)
            if request.product_id is not None
            else ("code", (request.code or "").strip().upper())
        )
        product = products.get(key)
        if product is None:
            continue
        if type(request.unit_price_kurus) is not int or request.unit_price_kurus < 0:
            raise ValidationFailed(_l("Fiyat negatif olamaz."), field="unit_price_kurus")
        if prices.get(product.id, request.unit_price_kurus) != request.unit_price_kurus:
            raise ValidationFailed(
                _l("Aynı ürün bir fişte iki fiyatla satılamaz."), field="unit_price_kurus"
            )
        prices[product.id] = request.unit_price_kurus
    return prices


def release_stock(product_id: int, quantity: int) -> None:
    db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.made_to_order.is_(False))
        .values(stock=Product.stock + quantity)
        .execution_options(synchronize_session=False)
    )


# Long on purpose: the order's snapshot is one constructor call naming every buyer field.
def create_order(
    new: NewOrder, settings: CoopSettings | None = None, now: datetime | None = None
) -> Order:
    """Create an order in ``pending_payment`` with its stock held and its lines snapshotted.

    Raises InsufficientStock (nothing held) when any product runs short.
    """
    settings = settings or settings_service.current()
    now = now or utcnow()
    if not new.lines:
        raise ValidationFailed(_l("Sipariş boş."), field="lines")
    products = _load_products(new.lines)
    wanted = _merge_requests(new.lines, products)

    order = Order(
        number=new_order_number(now),
        channel=new.channel,
        payment_method=new.payment_method,
        status="pending_payment",
        customer_id=new.customer_id,
        created_by_id=new.created_by_id,
        cash_session_id=new.cash_session_id,
        buyer_name=new.buyer.name,
        buyer_email=new.buyer.email,
        buyer_phone=new.buyer.phone,
        address_line=new.buyer.address_line,
        il=new.buyer.il,
        ilce=new.buyer.ilce,
        postal_code=new.buyer.postal_code,
        buyer_company=new.buyer.company,
        buyer_tax_office=new.buyer.tax_office,
        buyer_tax_id=new.buyer.tax_id,
        shipping_vat_bp=settings.shipping_vat_bp,
        created_at=now,
        expires_at=(
            now + timedelta(minutes=settings.order_expiry_minutes)
            if new.channel == "online"
            else None
        ),
    )
    # The dated rates in force at the sale, in one query for the whole order.
    rates = commission.rates_for(now, [p for p, _ in wanted])
    subtotal = 0
    prices = _device_prices(new.lines, products) if new.already_sold else {}
    for product, quantity in wanted:
        if not new.already_sold:  # a sale that happened is recorded even if since withdrawn
            _check_for_sale(product)
        short = 0
        if not product.made_to_order and not hold_stock(product.id, quantity):
            if not new.already_sold:
                raise InsufficientStock(
                    _l(
                        "%(title)s için yeterli stok yok (istenen %(wanted)d).",
                        title=product.title_tr,
                        wanted=quantity,
                    ),
                    product_id=product.id,
                )
            short = take_what_is_left(product.id, quantity)
        commission_bp = effective_commission_bp(product, settings.default_commission_bp, now, rates)
        line = _snapshot(product, quantity, prices.get(product.id), commission_bp, short)
        order.lines.append(line)
        subtotal += line.gross_kurus
    order.subtotal_kurus = subtotal
    order.shipping_kurus = (
        shipping_for(
            subtotal,
            settings,
            province=new.buyer.il,
            item_count=sum(line.quantity for line in order.lines),
            quote_kurus=new.shipping_quote_kurus,
        )
        if new.charge_shipping
        else 0
    )
    order.total_kurus = subtotal + order.shipping_kurus
    db.session.add(order)
    db.session.flush()
    return order
