"""A member's own products: create, edit, send to review, archive (her lists and one of hers by
id are in own_products, checking what she typed in product_input, photos in product_photos, the
sale preview in sales.sale_preview).

Only active members change products, and only the product's owner (the member who listed it)
edits it: co-makers are invited with their share, and accept or decline it (services.co_makers);
a product goes to review only once every co-maker has accepted. New products start as drafts and
reach the shop after an admin's review (services.products.change_status holds the
transitions). Editing what a buyer reads or what decides the money split sends an active product
back to review (REVIEW_FIELDS); stock and lead time do not.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from coopshop.db import db
from coopshop.models import (
    ProducerProfile,
    Product,
    ProductMaker,
    StockMovement,
    utcnow,
)
from coopshop.services.catalog.co_makers import (
    require_owner,
    require_ready_for_review,
    waiting_for,
)
from coopshop.services.catalog.product_input import MakerShare, ProductInput, _clean, check_makers
from coopshop.services.catalog.products import change_status
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, Forbidden

# Letters and digits that cannot be mistaken for each other on a label or read aloud.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

# What a buyer reads (title, description, price) and what decides who gets how much (VAT rate,
# collection: its commission rate; the makers and their shares). Changing any of these on an
# active product sends it back to review. Category, made-to-order and lead time are not checked.
REVIEW_FIELDS = (
    "title_tr",
    "title_en",
    "description_tr",
    "description_en",
    "price_kurus",
    "vat_bp",
    "collection_id",
    "makers",
)


def require_member(producer: ProducerProfile) -> None:
    if producer.membership_status != "active":
        raise Forbidden(_l("Ürün eklemek ve düzenlemek için üyeliğinizin onaylanması gerekir."))


# --- changing ------------------------------------------------------------------------------------


def new_code() -> str:
    """A short code for the bazaar desk and labels: "U" and five unmistakable characters."""
    for _ in range(20):
        code = "U" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))
        if not db.session.scalar(select(exists().where(Product.code == code))):
            return code
    raise Conflict(_l("Ürün kodu üretilemedi; yeniden deneyin."))  # pragma: no cover


def create_product(
    producer: ProducerProfile, data: ProductInput, actor_id: int | None, *, submit: bool = False
) -> Product:
    """A new product of hers, as a draft. With ``submit`` it would go to review at once, but a
    product goes to review only with a photo (require_ready_for_review), and photos are added to a
    saved product: so ``submit`` without co-makers to wait for is refused with that message."""
    require_member(producer)
    data = _clean(data)
    check_makers(producer.id, data.makers)
    now = utcnow()
    product = Product(
        code=new_code(),
        owner_id=producer.id,
        title_tr=data.title_tr,
        title_en=data.title_en,
        description_tr=data.description_tr,
        description_en=data.description_en,
        price_kurus=data.price_kurus,
        vat_bp=data.vat_bp,
        category_id=data.category_id,
        collection_id=data.collection_id,
        made_to_order=data.made_to_order,
        lead_time_days=data.lead_time_days,
        withdrawal_exclusion=data.withdrawal_exclusion,
        stock=data.stock,
        status="draft",
        **_packed(data),
        makers=[_maker_row(producer.id, m, now) for m in data.makers],
    )
    db.session.add(product)
    db.session.flush()
    if data.stock:
        db.session.add(
            StockMovement(
                product_id=product.id,
                delta=data.stock,
                reason="initial",
                resulting_stock=data.stock,
                actor_id=actor_id,
            )
        )
    if submit and not waiting_for(product):
        require_ready_for_review(product)
        change_status(product, "in_review")
    audit.record(
        actor_id,
        "product.created",
        product,
        price_kurus=product.price_kurus,
        vat_bp=product.vat_bp,
        stock=product.stock,
        makers={str(m.producer_id): m.share_bp for m in data.makers},
        status=product.status,
    )
    _audit_invitations(product, actor_id, [m.producer_id for m in waiting_for(product)])
    db.session.flush()
    return product


def _maker_row(owner_id: int, share: MakerShare, now) -> ProductMaker:
    """The owner's own share is hers to give; a co-maker's waits for her answer."""
    own = share.producer_id == owner_id
    return ProductMaker(
        producer_id=share.producer_id,
        share_bp=share.share_bp,
        consent="accepted" if own else "invited",
        consent_at=now if own else None,
    )


def _audit_invitations(product: Product, actor_id: int | None, producer_ids: list[int]) -> None:
    shares = {m.producer_id: m.share_bp for m in product.makers}
    for producer_id in producer_ids:
        audit.record(
            actor_id,
            "product.maker_invited",
            product,
            producer_id=producer_id,
            share_bp=shares[producer_id],
        )


def _current_values(product: Product) -> dict:
    return {
        "title_tr": product.title_tr,
        "title_en": product.title_en,
        "description_tr": product.description_tr,
        "description_en": product.description_en,
        "price_kurus": product.price_kurus,
        "vat_bp": product.vat_bp,
        "category_id": product.category_id,
        "collection_id": product.collection_id,
        "made_to_order": product.made_to_order,
        "lead_time_days": product.lead_time_days,
        "withdrawal_exclusion": product.withdrawal_exclusion,
        "weight_g": product.weight_g,
        "box": (product.length_cm, product.width_cm, product.height_cm),
        "makers": {m.producer_id: m.share_bp for m in product.makers},
    }


def _packed(data: ProductInput) -> dict:
    """The product's packed weight and box columns from the form's (checked) values."""
    length, width, height = data.box or (None, None, None)
    return {"weight_g": data.weight_g, "length_cm": length, "width_cm": width, "height_cm": height}


def _set_makers(product: Product, makers: Sequence[MakerShare]) -> list[int]:
    """Apply the owner's shares; returns the co-makers who are (again) asked to accept: a new
    co-maker, or one whose share changed (she agreed to another share)."""
    now = utcnow()
    wanted = {m.producer_id: m.share_bp for m in makers}
    invited = []
    for maker in list(product.makers):
        if maker.producer_id in wanted:
            share = wanted.pop(maker.producer_id)
            if share != maker.share_bp and maker.producer_id != product.owner_id:
                maker.consent, maker.consent_at = "invited", None
                invited.append(maker.producer_id)
            maker.share_bp = share
        else:
            product.makers.remove(maker)
    for producer_id, share_bp in sorted(wanted.items()):
        product.makers.append(_maker_row(product.owner_id, MakerShare(producer_id, share_bp), now))
        if producer_id != product.owner_id:
            invited.append(producer_id)
    return invited


def update_product(
    producer: ProducerProfile, product: Product, data: ProductInput, actor_id: int | None
) -> bool:
    """Save her changes to ``product`` (loaded with get_own_product). Returns True when the
    change sent an active product back to review. Stock is not changed here."""
    require_member(producer)
    require_owner(producer, product)
    if product.status == "archived":
        raise Conflict(_l("Arşivdeki bir ürünü düzenlemek için önce arşivden çıkarın."))
    data = _clean(data)
    check_makers(producer.id, data.makers)
    before = _current_values(product)
    if data.made_to_order and not product.made_to_order and product.stock:
        # A piece made to order has no stock to count: what was counted is written off with a
        # movement (before the product changes, the UPDATE's guard reads the stored row).
        from coopshop.services.catalog import stock as stock_service

        stock_service.clear_for_made_to_order(product, actor_id)
    for name in (
        "title_tr",
        "title_en",
        "description_tr",
        "description_en",
        "price_kurus",
        "vat_bp",
        "category_id",
        "collection_id",
        "made_to_order",
        "lead_time_days",
        "withdrawal_exclusion",
    ):
        setattr(product, name, getattr(data, name))
    for name, value in _packed(data).items():
        setattr(product, name, value)
    invited = _set_makers(product, data.makers)
    after = _current_values(product)
    changed = sorted(name for name in before if before[name] != after[name])
    to_review = product.status == "active" and any(name in REVIEW_FIELDS for name in changed)
    if waiting_for(product) and product.status in ("active", "in_review"):
        # Out of the shop and the review queue until every co-maker has accepted her share.
        change_status(product, "draft")
        to_review = False
    elif to_review:
        change_status(product, "in_review")
    if changed:
        audit.record(
            actor_id,
            "product.updated",
            product,
            changed=changed,
            before={k: _jsonable(before[k]) for k in changed},
            after={k: _jsonable(after[k]) for k in changed},
            sent_to_review=to_review,
        )
    _audit_invitations(product, actor_id, invited)
    db.session.flush()
    return to_review


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return value


def submit_for_review(producer: ProducerProfile, product: Product, actor_id: int | None) -> None:
    require_member(producer)
    require_owner(producer, product)
    require_ready_for_review(product)
    change_status(product, "in_review")
    audit.record(actor_id, "product.submitted", product)
    db.session.flush()


def archive(producer: ProducerProfile, product: Product, actor_id: int | None) -> None:
    """Take a product out of the shop and out of her working list. Any member may do this,
    whatever her membership status: taking things down is always allowed (for its owner)."""
    require_owner(producer, product)
    change_status(product, "archived")
    audit.record(actor_id, "product.archived", product)
    db.session.flush()


def restore(producer: ProducerProfile, product: Product, actor_id: int | None) -> None:
    """Bring an archived product back as a draft (it goes through review again)."""
    require_member(producer)
    require_owner(producer, product)
    change_status(product, "draft")
    audit.record(actor_id, "product.restored", product)
    db.session.flush()
