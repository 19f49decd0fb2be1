"""A member's own products as she reads them: her list (paged, by status), one of hers by id
(404 for anyone else's), the choices of her forms and the counts per status.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    Product,
    ProductMaker,
)
from coopshop.services.core.errors import NotFound
from coopshop.services.core.paging import Page, paginate

PER_PAGE = 20


def _made_by(producer_id: int):
    return select(ProductMaker.product_id).where(ProductMaker.producer_id == producer_id)


def _full_options():
    return (
        selectinload(Product.makers).selectinload(ProductMaker.producer),
        selectinload(Product.images),
        selectinload(Product.collection),
        selectinload(Product.category),
    )


def get_own_product(producer_id: int, product_id: int) -> Product:
    """Her product (she is one of its makers) or NotFound: another member's product does not
    exist as far as she is concerned."""
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id, Product.id.in_(_made_by(producer_id)))
        .options(*_full_options())
    )
    if product is None:
        raise NotFound(_l("Ürün bulunamadı."))
    return product


def own_products(producer_id: int, status: str | None = None, page: int | None = 1) -> Page:
    """Her products (co-made ones too), newest change first, one page in four queries."""
    query = select(Product).where(Product.id.in_(_made_by(producer_id)))
    if status:
        query = query.where(Product.status == status)
    query = query.order_by(Product.updated_at.desc(), Product.id.desc()).options(
        selectinload(Product.images),
        selectinload(Product.makers).selectinload(ProductMaker.producer),
    )
    return paginate(query, page, PER_PAGE)


def product_choices(producer_id: int) -> list[tuple[int, str, str]]:
    """(id, code, title) of all her products, for filters."""
    rows = db.session.execute(
        select(Product.id, Product.code, Product.title_tr)
        .where(Product.id.in_(_made_by(producer_id)))
        .order_by(Product.title_tr, Product.id)
    )
    return [tuple(row) for row in rows]


def status_counts(producer_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Product.status, func.count())
        .where(Product.id.in_(_made_by(producer_id)))
        .group_by(Product.status)
    )
    return {status: int(n) for status, n in rows}
