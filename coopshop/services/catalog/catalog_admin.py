"""The admin side of the catalog: the product review queue, collections and categories.

Reviewing moves a product through services.products.change_status; the makers are told the
outcome by e-mail, with the reason when it is sent back. Every action is audited.
A collection's commission rate is not edited here: it is dated (services.commission).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Category, Collection, ProducerProfile, Product, ProductMaker
from coopshop.services.catalog import co_makers, products
from coopshop.services.catalog.listing import paginate
from coopshop.services.core import audit, locks, mail
from coopshop.services.core.errors import InvalidTransition, ValidationFailed
from coopshop.services.core.paging import Page

MAX_REASON_LENGTH = 2000
REVIEW_PER_PAGE = 20
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --- the review queue ------------------------------------------------------------------------


def review_queue(page: int | None) -> Page:
    """Products waiting for review, oldest first, with images, makers, collection and category
    loaded per page (a fixed number of queries)."""
    query = (
        select(Product)
        .where(Product.status == "in_review")
        .options(
            selectinload(Product.collection),
            selectinload(Product.category),
            selectinload(Product.makers).selectinload(ProductMaker.producer),
        )
        .order_by(Product.updated_at, Product.id)
    )
    return paginate(query, page, per_page=REVIEW_PER_PAGE)


def product_for_review(product_id: int) -> Product | None:
    """The product with a row lock (PostgreSQL): two admins reviewing it at once are served one
    after the other, and the second sees that it is no longer in review."""
    return locks.lock_row(Product, product_id)


def set_withdrawal_exclusion(product: Product, code: str | None, actor_id: int | None) -> Product:
    """An admin marks a product as excluded from withdrawal (made to the buyer's specifications
    or personalised) or clears it. Orders already placed keep their lines' snapshot."""
    from coopshop.models.catalog import WITHDRAWAL_EXCLUSIONS

    code = code or None
    if code is not None and code not in WITHDRAWAL_EXCLUSIONS:
        raise ValidationFailed(
            _l("Cayma hakkı için listeden bir seçenek seçin."), field="withdrawal_exclusion"
        )
    before = product.withdrawal_exclusion
    if before == code:
        return product
    product.withdrawal_exclusion = code
    db.session.flush()
    audit.record(
        actor_id,
        "product.withdrawal_exclusion",
        product,
        before=before,
        after=code,
    )
    return product


def set_packed(
    product: Product,
    weight_g: int | None,
    box: tuple[int, int, int] | None,
    actor_id: int | None,
) -> Product:
    """An admin sets (or clears) the product's packed weight and box, the label's defaults;
    the same limits as the member's form (product_input)."""
    from coopshop.services.catalog.product_input import MAX_SIDE_CM, MAX_WEIGHT_G

    if weight_g is not None and not 1 <= weight_g <= MAX_WEIGHT_G:
        raise ValidationFailed(
            _l("Ağırlık 1 ile %(n)d gram arasında olmalı.", n=MAX_WEIGHT_G), field="weight_g"
        )
    if box is not None and not all(1 <= n <= MAX_SIDE_CM for n in box):
        raise ValidationFailed(_l("Paket boyutları geçersiz."), field="box")
    before = [product.weight_g, product.length_cm, product.width_cm, product.height_cm]
    after = [weight_g, *(box or (None, None, None))]
    if before == after:
        return product
    product.weight_g, product.length_cm, product.width_cm, product.height_cm = after
    db.session.flush()
    audit.record(actor_id, "product.packed", product, before=before, after=after)
    return product


def _in_review(product: Product) -> None:
    if product.status != "in_review":
        raise InvalidTransition(
            _l("Bu ürün incelemede değil."), from_status=product.status, to_status=None
        )


def _mail_makers(product: Product, approved: bool, reason: str = "") -> None:
    makers = db.session.scalars(
        select(ProducerProfile)
        .join(ProductMaker, ProductMaker.producer_id == ProducerProfile.id)
        .where(ProductMaker.product_id == product.id)
        .options(selectinload(ProducerProfile.user))
    ).all()
    for maker in makers:
        with force_locale(maker.user.locale):
            subject = (
                _("Ürününüz satışa açıldı: %(title)s", title=product.title_tr)
                if approved
                else _("Ürününüz düzeltme için geri gönderildi: %(title)s", title=product.title_tr)
            )
            mail.queue(
                maker.user.email,
                subject,
                render_template(
                    "email/product_review.txt",
                    maker=maker,
                    product=product,
                    approved=approved,
                    reason=reason,
                ),
            )


def approve_product(product: Product, actor_id: int | None) -> Product:
    """A product in review goes on sale (if its makers are active members)."""
    _in_review(product)
    co_makers.require_ready_for_review(product)  # every co-maker agreed, shares at 100%
    products.change_status(product, "active")
    product.review_note = ""
    audit.record(actor_id, "product.approve", product, code=product.code, price=product.price_kurus)
    _mail_makers(product, approved=True)
    db.session.flush()
    return product


def send_back(product: Product, reason: str, actor_id: int | None) -> Product:
    """A product in review goes back to draft with the reason, which its makers see on the
    product and receive by e-mail."""
    _in_review(product)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Geri gönderme nedenini yazın."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            _l("Açıklama en fazla %(n)d karakter olabilir.", n=MAX_REASON_LENGTH), field="reason"
        )
    products.change_status(product, "draft")
    product.review_note = reason
    audit.record(actor_id, "product.send_back", product, code=product.code, reason=reason)
    _mail_makers(product, approved=False, reason=reason)
    db.session.flush()
    return product


# --- collections and categories --------------------------------------------------------------


@dataclass(frozen=True)
class CollectionData:
    slug: str
    name_tr: str
    name_en: str = ""
    description_tr: str = ""
    description_en: str = ""
    active: bool = True
    position: int = 0


@dataclass(frozen=True)
class CategoryData:
    slug: str
    name_tr: str
    name_en: str = ""


def _check_slug(model, slug: str, own_id: int | None) -> str:
    slug = (slug or "").strip()
    if not _SLUG.fullmatch(slug) or len(slug) > 80:
        raise ValidationFailed(
            _l("Kısa ad yalnızca küçük harf (a-z), rakam ve tire içerebilir."), field="slug"
        )
    taken = db.session.scalar(select(model.id).where(model.slug == slug, model.id != (own_id or 0)))
    if taken is not None:
        raise ValidationFailed(_l("Bu kısa ad kullanılıyor."), field="slug")
    return slug


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("Türkçe adı yazın."), field="name_tr")
    return name


def _refresh_search_text(where) -> None:
    """Products' search text holds their collection's and category's names: after a rename,
    rewrite it for the products concerned (keeping their updated_at: nobody edited them)."""
    rows = db.session.scalars(
        select(Product)
        .where(where)
        .options(selectinload(Product.collection), selectinload(Product.category))
    ).all()
    changes = []
    for product in rows:
        before = product.search_text
        product.refresh_search_text()
        if product.search_text != before:
            changes.append(
                {
                    "id": product.id,
                    "search_text": product.search_text,
                    "updated_at": product.updated_at,
                }
            )
        db.session.expire(product)
    if changes:
        db.session.execute(update(Product), changes)


def save_collection(
    data: CollectionData, actor_id: int | None, collection: Collection | None = None
) -> Collection:
    """Create a collection, or update ``collection``; audited with what changed."""
    cleaned = CollectionData(
        slug=_check_slug(Collection, data.slug, collection.id if collection else None),
        name_tr=_check_name(data.name_tr),
        name_en=(data.name_en or "").strip(),
        description_tr=(data.description_tr or "").strip(),
        description_en=(data.description_en or "").strip(),
        active=bool(data.active),
        position=data.position,
    )
    if type(cleaned.position) is not int or cleaned.position < 0:
        raise ValidationFailed(_l("Sıra 0 ya da daha büyük bir sayı olmalı."), field="position")
    return _save(Collection, cleaned, actor_id, collection, "collection")


def save_category(
    data: CategoryData, actor_id: int | None, category: Category | None = None
) -> Category:
    cleaned = CategoryData(
        slug=_check_slug(Category, data.slug, category.id if category else None),
        name_tr=_check_name(data.name_tr),
        name_en=(data.name_en or "").strip(),
    )
    return _save(Category, cleaned, actor_id, category, "category")


def _save(model, cleaned, actor_id: int | None, obj, name: str):
    values = asdict(cleaned)
    created = obj is None
    if created:
        obj = model(**values)
        db.session.add(obj)
        changed = values
    else:
        changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
        for key, value in changed.items():
            setattr(obj, key, value)
    db.session.flush()
    if not created and {"name_tr", "name_en"} & changed.keys():
        column = Product.collection_id if model is Collection else Product.category_id
        _refresh_search_text(column == obj.id)
    if created or changed:
        audit.record(actor_id, f"{name}.{'create' if created else 'update'}", obj, **changed)
    return obj


def collections() -> list[Collection]:
    return list(db.session.scalars(select(Collection).order_by(Collection.position, Collection.id)))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name_tr, Category.id)))
