"""A member's own products: create, edit, send to review, archive (photos are in
services.product_photos, the sale preview in services.sale_preview).

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
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    Category,
    Collection,
    ProducerProfile,
    Product,
    ProductMaker,
    StockMovement,
    utcnow,
)
from coopshop.models.catalog import VAT_RATES_BP, WITHDRAWAL_EXCLUSIONS
from coopshop.money import BP, MoneyError, parse_kurus, parse_rate_bp, percent_text
from coopshop.services.catalog.co_makers import (
    require_owner,
    require_ready_for_review,
    waiting_for,
)
from coopshop.services.catalog.products import change_status
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coopshop.services.core.paging import Page, paginate

MAX_MAKERS = 4
MAX_PRICE_KURUS = 100_000_000  # one million lira: beyond that it is a typo, not a price
MAX_LEAD_TIME_DAYS = 180
MAX_STOCK = 9999
PER_PAGE = 20
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

_PRICE_ERRORS = {
    "empty": _l("Fiyatı yazın."),
    "negative": _l("Fiyat eksi olamaz."),
    "zero": _l("Fiyat sıfırdan büyük olmalı."),
    "too_many_decimals": _l("Kuruş en fazla iki basamak olabilir: 1.250,50 gibi yazın."),
    "ambiguous": _l("Bu fiyat iki türlü okunabilir: 1.250 ya da 1250,00 gibi yazın."),
    "invalid": _l("Fiyatı 1.250 ya da 1250,00 gibi yazın."),
    "too_large": _l("Fiyat çok büyük."),
}


def parse_price(text: str | None) -> int:
    """A price as a member types it ("1.250", "1250,00", "₺85", "85 TL") in kuruş, or
    ValidationFailed with a message saying how to write it."""
    try:
        kurus = parse_kurus(text or "")
    except MoneyError as exc:
        raise ValidationFailed(_PRICE_ERRORS[exc.code], field="price") from None
    if kurus > MAX_PRICE_KURUS:
        raise ValidationFailed(_PRICE_ERRORS["too_large"], field="price")
    return kurus


def parse_share(text: str | None, field_name: str = "makers") -> int:
    """A maker's share as typed ("60", "%60", "33,33") in basis points."""
    try:
        share = parse_rate_bp(text or "")
    except MoneyError:
        raise ValidationFailed(
            _l("Payı 60 ya da 33,33 gibi yüzde olarak yazın."), field=field_name
        ) from None
    if share == 0:
        raise ValidationFailed(_l("Pay sıfırdan büyük olmalı."), field=field_name)
    return share


@dataclass(frozen=True)
class MakerShare:
    producer_id: int
    share_bp: int


@dataclass(frozen=True)
class ProductInput:
    """What the product form gives. ``stock`` is used when creating only: afterwards stock
    changes through services.stock.adjust, with a reason."""

    title_tr: str
    price_kurus: int
    vat_bp: int
    category_id: int
    makers: tuple[MakerShare, ...]
    title_en: str = ""
    description_tr: str = ""
    description_en: str = ""
    collection_id: int | None = None
    made_to_order: bool = False
    lead_time_days: int | None = None
    stock: int = 0
    withdrawal_exclusion: str | None = None  # models.catalog.WITHDRAWAL_EXCLUSIONS or None


def require_member(producer: ProducerProfile) -> None:
    if producer.membership_status != "active":
        raise Forbidden(_l("Ürün eklemek ve düzenlemek için üyeliğinizin onaylanması gerekir."))


# --- reading -------------------------------------------------------------------------------------


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


# --- checking input ------------------------------------------------------------------------------


def _clean(data: ProductInput) -> ProductInput:
    title_tr = (data.title_tr or "").strip()
    if not title_tr:
        raise ValidationFailed(_l("Ürünün adını yazın."), field="title_tr")
    if len(title_tr) > 200 or len((data.title_en or "").strip()) > 200:
        raise ValidationFailed(_l("Ürün adı en fazla 200 karakter olabilir."), field="title_tr")
    if type(data.price_kurus) is not int or not 0 < data.price_kurus <= MAX_PRICE_KURUS:
        raise ValidationFailed(_PRICE_ERRORS["invalid"], field="price")
    if data.vat_bp not in VAT_RATES_BP:
        raise ValidationFailed(_l("KDV oranını listeden seçin."), field="vat_bp")
    if db.session.get(Category, data.category_id) is None:
        raise ValidationFailed(_l("Kategoriyi listeden seçin."), field="category_id")
    if data.collection_id is not None:
        collection = db.session.get(Collection, data.collection_id)
        if collection is None or not collection.active:
            raise ValidationFailed(_l("Koleksiyonu listeden seçin."), field="collection_id")
    lead_time = data.lead_time_days
    if data.made_to_order:
        if type(lead_time) is not int or not 1 <= lead_time <= MAX_LEAD_TIME_DAYS:
            raise ValidationFailed(
                _l(
                    "Siparişe üretilen ürün için hazırlama süresini 1 ile %(n)d gün arasında "
                    "yazın.",
                    n=MAX_LEAD_TIME_DAYS,
                ),
                field="lead_time_days",
            )
    else:
        lead_time = None
    stock = data.stock or 0
    if type(stock) is not int or not 0 <= stock <= MAX_STOCK:
        raise ValidationFailed(_l("Stok 0 ile %(n)d arasında olmalı.", n=MAX_STOCK), field="stock")
    exclusion = data.withdrawal_exclusion or None
    if exclusion is not None and exclusion not in WITHDRAWAL_EXCLUSIONS:
        raise ValidationFailed(
            _l("Cayma hakkı için listeden bir seçenek seçin."), field="withdrawal_exclusion"
        )
    return ProductInput(
        withdrawal_exclusion=exclusion,
        title_tr=title_tr,
        title_en=(data.title_en or "").strip(),
        description_tr=(data.description_tr or "").strip(),
        description_en=(data.description_en or "").strip(),
        price_kurus=data.price_kurus,
        vat_bp=data.vat_bp,
        category_id=data.category_id,
        collection_id=data.collection_id,
        made_to_order=bool(data.made_to_order),
        lead_time_days=lead_time,
        stock=0 if data.made_to_order else stock,
        makers=data.makers,
    )


def check_makers(producer_id: int, makers: Sequence[MakerShare]) -> dict[int, ProducerProfile]:
    """The makers' profiles, once the shares are sound: she is one of them, nobody twice, every
    co-maker an active member, at most MAX_MAKERS, shares adding up to exactly 100%."""
    ids = [m.producer_id for m in makers]
    if producer_id not in ids:
        raise ValidationFailed(_l("Kendi payınızı da yazın."), field="makers")
    if len(set(ids)) != len(ids):
        raise ValidationFailed(_l("Aynı üye iki kez yazılmış."), field="makers")
    if len(ids) > MAX_MAKERS:
        raise ValidationFailed(
            _l("Bir ürünün en fazla %(n)d üreticisi olabilir.", n=MAX_MAKERS), field="makers"
        )
    if any(type(m.share_bp) is not int or not 0 < m.share_bp <= BP for m in makers):
        raise ValidationFailed(_l("Pay sıfırdan büyük olmalı."), field="makers")
    total = sum(m.share_bp for m in makers)
    if total != BP:
        raise ValidationFailed(
            _l("Paylar toplamı %%100 olmalı; şu an %(total)s.", total=percent_text(total)),
            field="makers",
        )
    profiles = {
        p.id: p
        for p in db.session.scalars(select(ProducerProfile).where(ProducerProfile.id.in_(ids)))
    }
    for pid in ids:
        profile = profiles.get(pid)
        if profile is None or profile.membership_status != "active":
            raise ValidationFailed(
                _l("%(no)d üye numarasıyla onaylı bir üye bulunamadı.", no=pid), field="makers"
            )
    return profiles


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
    """A new product of hers, as a draft (or sent to review at once with ``submit``)."""
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
        "makers": {m.producer_id: m.share_bp for m in product.makers},
    }


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
