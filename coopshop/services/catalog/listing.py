"""Reading the catalog: what is for sale, where, by whom, and Turkish-aware search over it.

Every public listing loads its page in a fixed number of queries (count, rows, then makers and
images by ``selectinload``), however many products the page shows.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Category, Collection, ProducerProfile, Product, ProductMaker
from coopshop.services.core import paging
from coopshop.services.core.paging import Page
from coopshop.turkish import search_fold

PER_PAGE = 24
# A search query longer than this is cut, and only its first words are used: enough for any
# real query, and a bound on the SQL a visitor can make us run.
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8


def for_sale() -> Select:
    """Active products with at least one maker and none who is an inactive member (docs/design.md:
    only active products of active members are for sale; a product nobody made cannot be paid
    out, and orders refuse it). ``is_for_sale`` is the same rule in Python."""
    # A correlated NOT EXISTS, not NOT IN (subquery): the planner checks the makers of the
    # rows it reads (an anti-join) instead of collecting every inactive member's products first.
    inactive_maker = (
        select(ProductMaker.product_id)
        .join(ProducerProfile, ProducerProfile.id == ProductMaker.producer_id)
        .where(
            ProductMaker.product_id == Product.id,
            ProducerProfile.membership_status != "active",
        )
        .exists()
    )
    return select(Product).where(
        Product.status == "active",
        Product.makers.any(),
        ~inactive_maker,
    )


def is_for_sale(product: Product) -> bool:
    """``for_sale()`` for a product already loaded with its makers and their profiles: the one
    rule the shop, the cart, checkout's orders, the bazaar desk and the API sell by."""
    return (
        product.status == "active"
        and bool(product.makers)
        and all(m.producer.membership_status == "active" for m in product.makers)
    )


def in_stock(product: Product, quantity: int) -> bool:
    """Whether ``quantity`` can be taken now: always for a product made to order."""
    return product.made_to_order or product.stock >= quantity


def _card_options():
    """What a product card shows: images and makers' names, loaded per page, not per row."""
    return (
        selectinload(Product.images),
        selectinload(Product.makers).selectinload(ProductMaker.producer),
    )


def _newest_first(query: Select) -> Select:
    return query.order_by(Product.created_at.desc(), Product.id.desc())


def paginate(query: Select, page: int | None, per_page: int = PER_PAGE) -> Page:
    """A page of products (0, negative or past the end show the nearest real page), loaded with
    their cards' makers and images. The count rides on the page's own query (one scan)."""
    return paging.paginate_counted(query.options(*_card_options()), page, per_page)


def featured_products(limit: int = 8) -> list[Product]:
    query = _newest_first(for_sale()).options(*_card_options()).limit(limit)
    return list(db.session.scalars(query))


def active_collections() -> list[Collection]:
    return list(
        db.session.scalars(
            select(Collection)
            .where(Collection.active.is_(True))
            .order_by(Collection.position, Collection.id)
        )
    )


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name_tr, Category.id)))


def collection_by_slug(slug: str) -> Collection | None:
    return db.session.scalar(
        select(Collection).where(Collection.slug == slug, Collection.active.is_(True))
    )


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def public_producer(producer_id: int) -> ProducerProfile | None:
    """A member's public page exists only while she is an active member."""
    return db.session.scalar(
        select(ProducerProfile).where(
            ProducerProfile.id == producer_id, ProducerProfile.membership_status == "active"
        )
    )


def product_for_sale(product_id: int) -> Product | None:
    """The product page's product, or None when the public may not see it."""
    return db.session.scalar(
        for_sale()
        .where(Product.id == product_id)
        .options(
            *_card_options(),
            selectinload(Product.collection),
            selectinload(Product.category),
        )
    )


def collection_products(collection: Collection, page: int | None) -> Page:
    return paginate(_newest_first(for_sale().where(Product.collection_id == collection.id)), page)


def category_products(category: Category, page: int | None) -> Page:
    return paginate(_newest_first(for_sale().where(Product.category_id == category.id)), page)


def producer_products(producer: ProducerProfile, page: int | None) -> Page:
    made_by_her = select(ProductMaker.product_id).where(ProductMaker.producer_id == producer.id)
    return paginate(_newest_first(for_sale().where(Product.id.in_(made_by_her))), page)


def search_words(query: str) -> list[str]:
    """The folded words of a visitor's query: "İPEK  Yolu" -> ["ipek", "yolu"]."""
    folded = search_fold((query or "")[:MAX_QUERY_LENGTH])
    return folded.split()[:MAX_QUERY_WORDS]


def search(query: str, page: int | None) -> Page:
    """Products for sale whose folded text contains every word of the query.

    Both sides are folded by ``search_fold`` (Turkish lower-casing, ç ğ ı ö ş ü folded), so the
    database compares plain lower-case ASCII-ish text with LIKE, the same on SQLite and
    PostgreSQL. ``contains(autoescape=True)`` makes % and _ in the query match literally.
    """
    words = search_words(query)
    if not words:
        return Page(items=[], number=1, per_page=PER_PAGE, total=0)
    return paginate(_newest_first(for_sale().where(*_search_conditions(words))), page)


def _search_conditions(words: list[str]) -> list:
    return [Product.search_text.contains(word, autoescape=True) for word in words]


def _browsed(
    query: str, collection_id: int | None, category_id: int | None, producer_id: int | None
) -> Select:
    selected = for_sale()
    words = search_words(query)
    if words:
        selected = selected.where(*_search_conditions(words))
    if collection_id is not None:
        selected = selected.where(Product.collection_id == collection_id)
    if category_id is not None:
        selected = selected.where(Product.category_id == category_id)
    if producer_id is not None:
        made_by_her = select(ProductMaker.product_id).where(ProductMaker.producer_id == producer_id)
        selected = selected.where(Product.id.in_(made_by_her))
    return _newest_first(selected)


def browse(
    query: str = "",
    collection_id: int | None = None,
    category_id: int | None = None,
    producer_id: int | None = None,
    page: int | None = None,
    per_page: int = PER_PAGE,
) -> Page:
    """Products for sale narrowed by any mix of search words, a collection, a category and a
    maker (the API's listing; the shop's pages are the one-filter cases). An empty query does
    not narrow. Each product comes with its collection, category and makers loaded."""
    selected = _browsed(query, collection_id, category_id, producer_id).options(
        selectinload(Product.collection), selectinload(Product.category)
    )
    return paginate(selected, page, per_page)


def browse_ids(
    query: str = "",
    collection_id: int | None = None,
    category_id: int | None = None,
    producer_id: int | None = None,
    page: int | None = None,
    per_page: int = PER_PAGE,
) -> Page:
    """``browse``'s page with the products' ids as its items: one narrow query (the count
    over ids, not over whole product rows), small enough to cache (the API caches it under
    the catalog's generation and loads the page's products by ``products_in_order``)."""
    selected = _browsed(query, collection_id, category_id, producer_id)
    return paging.paginate_counted(selected.with_only_columns(Product.id), page, per_page)


def products_in_order(ids: list[int]) -> list[Product]:
    """The products of ``ids`` that are for sale now, in that order, with their cards' makers
    and images, collection and category (one query each, whatever the number)."""
    if not ids:
        return []
    found = db.session.scalars(
        for_sale()
        .where(Product.id.in_(ids))
        .options(*_card_options(), selectinload(Product.collection), selectinload(Product.category))
    )
    by_id = {p.id: p for p in found}
    return [by_id[i] for i in ids if i in by_id]


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A URL-friendly form of a Turkish title: "El Dokuması Atkı" -> "el-dokumasi-atki"."""
    return _NOT_SLUG.sub("-", search_fold(text)).strip("-")[:80].strip("-")


def product_slug(product: Product) -> str:
    return slugify(product.title_tr)
