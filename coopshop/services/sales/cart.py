"""The shopping cart: a plain {product_id: quantity} dict and what it adds up to.

``add``, ``set_quantity`` and ``remove`` are pure (no database, no session): they return a new
dict or raise ValidationFailed. ``checked_add`` and ``checked_set_quantity`` also ask the
catalog whether the product is for sale and in stock. ``summarize`` prices a cart in a fixed
number of queries. Where the dict is kept (the session) is the view's business.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Product, ProductMaker
from coopshop.services.catalog.listing import in_stock, is_for_sale
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales.orders import MAX_QUANTITY
from coopshop.services.sales.shipping_price import shipping_for

# The cart lives in a signed cookie (about 4 KB): a bound on distinct products keeps it there.
MAX_LINES = 50

Items = dict[int, int]


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    line_total_kurus: int  # 0 when the product is no longer for sale
    problem: str | None = None


@dataclass(frozen=True)
class CartSummary:
    lines: tuple[CartLine, ...]
    subtotal_kurus: int
    shipping_kurus: int
    total_kurus: int
    ok: bool  # something to order, and nothing in the way
    free_shipping_remaining_kurus: int = 0  # how much more buys free shipping (0: it is free)
    unknown_ids: tuple[int, ...] = ()  # ids in the cart that no longer exist at all

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def _check_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed(_l("Adet bir tam sayı olmalı."), field="quantity")
    if quantity < 1:
        raise ValidationFailed(_l("Adet en az 1 olmalı."), field="quantity")
    if quantity > MAX_QUANTITY:
        raise ValidationFailed(
            _l("Bir üründen en fazla %(n)d adet alınabilir.", n=MAX_QUANTITY), field="quantity"
        )
    return quantity


def add(items: Items, product_id: int, quantity: int) -> Items:
    """``quantity`` more of a product (added to what is already in the cart)."""
    _check_quantity(quantity)
    if product_id not in items and len(items) >= MAX_LINES:
        raise ValidationFailed(
            _l("Sepete en fazla %(n)d farklı ürün eklenebilir.", n=MAX_LINES), field="product"
        )
    new = dict(items)
    new[product_id] = _check_quantity(new.get(product_id, 0) + quantity)
    return new


def set_quantity(items: Items, product_id: int, quantity: int) -> Items:
    """Change how many of a product already in the cart (0 is refused: use ``remove``)."""
    _check_quantity(quantity)
    if product_id not in items:
        raise ValidationFailed(_l("Bu ürün sepetinizde yok."), field="product")
    return {**items, product_id: quantity}


def remove(items: Items, product_id: int) -> Items:
    """The cart without that product (removing what is not there changes nothing)."""
    return {pid: qty for pid, qty in items.items() if pid != product_id}


def availability_problem(product: Product, quantity: int) -> str | None:
    """Why ``quantity`` of ``product`` cannot be bought now, or None. Needs makers loaded."""
    if not is_for_sale(product):
        return _("Bu ürün şu an satışta değil.")
    if quantity > MAX_QUANTITY:
        return _("Bir üründen en fazla %(n)d adet alınabilir.", n=MAX_QUANTITY)
    if in_stock(product, quantity):
        return None
    if product.stock <= 0:
        return _("Bu ürün tükendi.")
    return _("Stokta yalnızca %(n)d adet var.", n=product.stock)


def max_addable(product: Product) -> int:
    """The largest quantity of ``product`` a cart may hold now (0: sold out)."""
    if product.made_to_order:
        return MAX_QUANTITY
    return max(0, min(product.stock, MAX_QUANTITY))


def _load(product_ids) -> dict[int, Product]:
    if not product_ids:
        return {}
    products = db.session.scalars(
        select(Product)
        .where(Product.id.in_(sorted(product_ids)))
        .options(
            selectinload(Product.images),
            selectinload(Product.makers).selectinload(ProductMaker.producer),
        )
    )
    return {p.id: p for p in products}


def _require_available(product_id: int, quantity: int) -> None:
    product = _load([product_id]).get(product_id)
    if product is None:
        raise ValidationFailed(_l("Ürün bulunamadı."), field="product")
    problem = availability_problem(product, quantity)
    if problem is not None:
        raise ValidationFailed(problem, field="quantity", product_id=product_id)


def checked_add(items: Items, product_id: int, quantity: int) -> Items:
    """``add``, refused when the product is not for sale or the new total exceeds its stock."""
    new = add(items, product_id, quantity)
    _require_available(product_id, new[product_id])
    return new


def checked_set_quantity(items: Items, product_id: int, quantity: int) -> Items:
    """``set_quantity``, refused when the product is not for sale or short of stock."""
    new = set_quantity(items, product_id, quantity)
    _require_available(product_id, quantity)
    return new


def summarize(
    items: Items,
    settings: CoopSettings,
    *,
    province: str = "",
    quote_kurus: int | None = None,
) -> CartSummary:
    """Price the cart: one query for the products (plus one each for makers, their profiles
    and images, however many lines, and one for the shipping rate table), each line checked
    against what is for sale now. Shipping for `province` (her il, once she has given it), or
    the aggregator's `quote_kurus` (services.sales.shipping_price)."""
    products = _load(items.keys())
    lines = []
    for product_id in sorted(items):
        product = products.get(product_id)
        if product is None:
            continue
        quantity = items[product_id]
        problem = availability_problem(product, quantity)
        on_sale = is_for_sale(product)
        lines.append(
            CartLine(
                product=product,
                quantity=quantity,
                line_total_kurus=product.price_kurus * quantity if on_sale else 0,
                problem=problem,
            )
        )
    subtotal = sum(line.line_total_kurus for line in lines)
    shipping = (
        shipping_for(
            subtotal,
            settings,
            province=province,
            item_count=sum(line.quantity for line in lines if line.line_total_kurus),
            quote_kurus=quote_kurus,
        )
        if subtotal
        else 0
    )
    unknown = tuple(sorted(pid for pid in items if pid not in products))
    return CartSummary(
        lines=tuple(lines),
        subtotal_kurus=subtotal,
        shipping_kurus=shipping,
        total_kurus=subtotal + shipping,
        ok=bool(lines) and not unknown and all(line.problem is None for line in lines),
        free_shipping_remaining_kurus=max(0, settings.free_shipping_threshold_kurus - subtotal),
        unknown_ids=unknown,
    )
