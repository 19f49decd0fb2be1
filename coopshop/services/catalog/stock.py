"""Stock kept by hand: adjustments with a reason, their history, and the low-stock warning.

An adjustment is one conditional UPDATE (as services.orders.hold_stock): the database adds the
change only when the result is not below zero, so a count racing a sale can never make stock
negative, whatever the isolation level. Each adjustment writes a StockMovement with the stock it
left, and an audit event.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from coopshop.db import db
from coopshop.models import ProducerProfile, Product, ProductMaker, StockMovement
from coopshop.services.catalog import co_makers
from coopshop.services.catalog.producer_products import require_member
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, InsufficientStock, ValidationFailed
from coopshop.services.core.paging import Page, paginate

MAX_DELTA = 9999
MAX_NOTE = 200
LOW_STOCK_AT = 2  # this many or fewer left: warn her, so she can make more in time
PER_PAGE = 25

REASON_LABELS = {
    "initial": _l("İlk stok"),
    "produced": _l("Yeni üretim"),
    "count": _l("Sayım düzeltmesi"),
    "damaged": _l("Hasarlı ya da kayıp"),
    "personal": _l("Kendim kullandım / hediye"),
    "returned": _l("İade geldi"),
    "made_to_order": _l("Siparişe üretime geçti"),
    "other": _l("Başka bir neden"),
}
# The reasons she may pick; the others are written by the system.
CHOOSABLE_REASONS = ("produced", "count", "damaged", "personal", "returned", "other")


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


def _apply(product_id: int, delta: int) -> int | None:
    """Add ``delta`` to the stock in one statement unless the result would be negative; the new
    stock, or None when refused."""
    return db.session.scalar(
        update(Product)
        .where(
            Product.id == product_id,
            Product.made_to_order.is_(False),
            Product.stock + delta >= 0,
        )
        .values(stock=Product.stock + delta)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    )


def _record(product: Product, delta: int, reason: str, note: str, stock: int, actor_id):
    movement = StockMovement(
        product_id=product.id,
        delta=delta,
        reason=reason,
        note=note,
        resulting_stock=stock,
        actor_id=actor_id,
    )
    db.session.add(movement)
    # The UPDATE bypassed the identity map: show the product's new stock without a reload.
    set_committed_value(product, "stock", stock)
    audit.record(
        actor_id,
        "stock.adjusted",
        product,
        delta=delta,
        reason=reason,
        note=note,
        stock=stock,
    )
    db.session.flush()
    return movement


def adjust(
    producer: ProducerProfile,
    product: Product,
    delta: int,
    reason: str,
    note: str = "",
    actor_id: int | None = None,
) -> StockMovement:
    """Add (``delta`` > 0) or take away (< 0) stock of her ``product`` (loaded with
    own_products.get_own_product), with a reason. Refuses, writing nothing, a change that
    would leave less than zero. Her co-makers count stock too, once they have accepted."""
    require_member(producer)
    co_makers.require_accepted_maker(producer, product)
    if type(delta) is not int or delta == 0:
        raise ValidationFailed(_l("Adet sıfırdan farklı olmalı."), field="quantity")
    if abs(delta) > MAX_DELTA:
        raise ValidationFailed(
            _l("Bir seferde en fazla %(n)d adet değiştirilebilir.", n=MAX_DELTA), field="quantity"
        )
    if reason not in CHOOSABLE_REASONS:
        raise ValidationFailed(_l("Bir neden seçin."), field="reason")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            _l("Not en fazla %(n)d karakter olabilir.", n=MAX_NOTE), field="note"
        )
    if reason == "other" and not note:
        raise ValidationFailed(_l("Nedeni kısaca yazın."), field="note")
    if product.made_to_order:
        raise Conflict(_l("Siparişe üretilen bir ürünün stoğu tutulmaz."))
    stock = _apply(product.id, delta)
    if stock is None:
        current = db.session.scalar(select(Product.stock).where(Product.id == product.id))
        raise InsufficientStock(
            _l(
                "Stok eksiye düşemez: elde %(stock)d adet var, %(n)d adet düşülemez.",
                stock=current or 0,
                n=-delta,
            ),
            field="quantity",
            product_id=product.id,
        )
    return _record(product, delta, reason, note, stock, actor_id)


def clear_for_made_to_order(product: Product, actor_id: int | None) -> StockMovement | None:
    """Write off what stock is left when a product becomes made to order (called while it is
    still a stock product)."""
    current = db.session.scalar(select(Product.stock).where(Product.id == product.id))
    if not current:
        return None
    stock = _apply(product.id, -current)
    if stock is None:  # a sale took it meanwhile: nothing left to write off
        return None
    return _record(product, -current, "made_to_order", "", stock, actor_id)


def history(product_id: int, page: int | None = 1) -> Page:
    """The product's stock movements, newest first, with who made them."""
    query = (
        select(StockMovement)
        .where(StockMovement.product_id == product_id)
        .options(joinedload(StockMovement.actor))
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
    )
    return paginate(query, page, PER_PAGE)


def low_stock(producer_id: int, limit: int = 10) -> list[Product]:
    """Her stock products, in the shop or on their way, with LOW_STOCK_AT or fewer left."""
    made_by_her = select(ProductMaker.product_id).where(ProductMaker.producer_id == producer_id)
    return list(
        db.session.scalars(
            select(Product)
            .where(
                Product.id.in_(made_by_her),
                Product.status.in_(("active", "in_review")),
                Product.made_to_order.is_(False),
                Product.stock <= LOW_STOCK_AT,
            )
            .order_by(Product.stock, Product.title_tr, Product.id)
            .limit(limit)
        )
    )
