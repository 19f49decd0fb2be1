"""API: the catalog as the shop shows it (only what is for sale), for the point-of-sale app."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from coopshop.api.errors import ApiError
from coopshop.api.routes import operation
from coopshop.api.schemas import (
    CollectionList,
    CollectionOut,
    MakerOut,
    NamedRef,
    ProductOut,
    ProductPage,
    ProductQuery,
)
from coopshop.models import Category, Collection, Product, utcnow
from coopshop.services.books import commission
from coopshop.services.catalog import listing as catalog
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import orders
from coopshop.web import catalog_cache
from coopshop.web.links import external_url


def _ref(obj: Collection | Category) -> NamedRef:
    return NamedRef(id=obj.id, slug=obj.slug, name=obj.name_tr, name_en=obj.name_en or "")


def products_out(products: Sequence[Product]) -> list[ProductOut]:
    """Products with the commission rate a sale would snapshot now (one rates query a page)."""
    now = utcnow()
    rates = commission.rates_for(now, products)
    default_bp = settings_service.current().default_commission_bp
    return [
        ProductOut(
            id=p.id,
            code=p.code,
            title=p.title_tr,
            title_en=p.title_en or "",
            price_kurus=p.price_kurus,
            vat_bp=p.vat_bp,
            commission_bp=orders.effective_commission_bp(p, default_bp, now, rates),
            stock=p.stock,
            made_to_order=p.made_to_order,
            lead_time_days=p.lead_time_days,
            collection=_ref(p.collection) if p.collection is not None else None,
            category=_ref(p.category),
            makers=[
                MakerOut(
                    producer_id=m.producer_id, name=m.producer.display_name, share_bp=m.share_bp
                )
                for m in p.makers
            ],
            url=external_url("shop.product", product_id=p.id, slug=catalog.product_slug(p)),
        )
        for p in products
    ]


@operation(
    "GET",
    "/products",
    summary="Products for sale",
    tag="catalog",
    query=ProductQuery,
    response=ProductPage,
)
def list_products(query: ProductQuery):
    """Products for sale, newest first, 24 a page. Filters combine: search words, a collection
    or category slug, a maker's producer id. An unknown slug gives an empty page."""
    empty = ProductPage(items=[], page=1, pages=1, per_page=catalog.PER_PAGE, total=0)
    collection_id = category_id = None
    if query.collection is not None:
        found = catalog.collection_by_slug(query.collection)
        if found is None:
            return empty
        collection_id = found.id
    if query.category is not None:
        found = catalog.category_by_slug(query.category)
        if found is None:
            return empty
        category_id = found.id
    # The page's ids and total are cached under the catalog's generation (any committed change
    # to a product, its makers, photos, collection or category moves it on); the products,
    # their stock and commission are read fresh for every request.
    filters = (query.q, collection_id, category_id, query.producer)
    page = catalog_cache.value(
        "api-products", (*filters, query.page), lambda: catalog.browse_ids(*filters, query.page)
    )
    return ProductPage(
        items=products_out(catalog.products_in_order(list(page.items))),
        page=page.number,
        pages=page.pages,
        per_page=page.per_page,
        total=page.total,
    )


@operation(
    "GET",
    "/products/{product_id}",
    summary="One product for sale",
    tag="catalog",
    response=ProductOut,
)
def get_product(product_id: int):
    """A product that is for sale; 404 for one that is not (a draft, archived, or made by a
    member who is not active)."""
    product = catalog.product_for_sale(product_id)
    if product is None:
        raise ApiError(404, "not_found", _l("Ürün bulunamadı."))
    return products_out([product])[0]


@operation(
    "GET",
    "/collections",
    summary="Active collections",
    tag="catalog",
    response=CollectionList,
)
def list_collections():
    """The active collections in the shop's order."""
    return CollectionList(
        items=[
            CollectionOut(
                id=c.id,
                slug=c.slug,
                name=c.name_tr,
                name_en=c.name_en or "",
                description=c.description_tr or "",
                url=external_url("shop.collection", slug=c.slug),
            )
            for c in catalog.active_collections()
        ]
    )
