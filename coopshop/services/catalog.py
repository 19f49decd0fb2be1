"""Reading the catalog: what is for sale, and to whom it belongs."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from coopshop.extensions import db
from coopshop.models import ProducerProfile, Product, ProductMaker


def for_sale() -> Select:
    """Active products none of whose makers is an inactive member (DESIGN.md: only active
    products of active members are for sale)."""
    inactive_maker = (
        select(ProductMaker.product_id)
        .join(ProducerProfile, ProducerProfile.id == ProductMaker.producer_id)
        .where(ProducerProfile.membership_status != "active")
    )
    return select(Product).where(Product.status == "active", Product.id.not_in(inactive_maker))


def featured_products(limit: int = 8) -> list[Product]:
    query = (
        for_sale()
        .options(
            selectinload(Product.images),
            selectinload(Product.makers).selectinload(ProductMaker.producer),
        )
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
