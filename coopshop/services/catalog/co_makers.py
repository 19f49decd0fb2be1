"""Co-makers: a product's owner (the member who listed it) names the women who made it with her
and their shares; each co-maker accepts or declines her share before the product can go to
review, and only the owner edits the product. Each step is audited.

A declined invitation removes her share, so the shares no longer add up to 100%: the owner
fixes them (and any co-maker whose share changes is asked again)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import ProducerProfile, Product, ProductMaker, utcnow
from coopshop.money import BP, percent_text
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, Forbidden, NotFound


def is_owner(producer: ProducerProfile, product: Product) -> bool:
    return product.owner_id is not None and product.owner_id == producer.id


def require_owner(producer: ProducerProfile, product: Product) -> None:
    """Only the member who listed the product changes it; a co-maker sees it and answers her
    invitation."""
    if not is_owner(producer, product):
        raise Forbidden(_l("Bu ürünü yalnız ürünü ekleyen üye düzenleyebilir."))


def require_accepted_maker(producer: ProducerProfile, product: Product) -> None:
    """The owner, or a co-maker who has accepted (she counts the pieces she makes)."""
    if is_owner(producer, product):
        return
    if not any(m.producer_id == producer.id and m.accepted for m in product.makers):
        raise Forbidden(_l("Bu ürünün ortak üreticisi olmayı henüz kabul etmediniz."))


def waiting_for(product: Product) -> list[ProductMaker]:
    """The co-makers who have not accepted their share yet."""
    return [m for m in product.makers if not m.accepted]


def require_ready_for_review(product: Product) -> None:
    """Every co-maker has accepted, the shares add up to 100% (a declined share is gone) and it
    has at least one photo (the shop's card and the reviewer need one)."""
    waiting = waiting_for(product)
    if waiting:
        raise Conflict(
            _l(
                "Ortak üreticilerin onayı bekleniyor (%(names)s); onaylayınca incelemeye "
                "gönderilebilir.",
                names=", ".join(f"#{m.producer_id}" for m in waiting),
            ),
            product_id=product.id,
        )
    total = sum(m.share_bp for m in product.makers)
    if total != BP:
        raise Conflict(
            _l(
                "Paylar toplamı %%100 olmalı; şu an %(total)s. Payları düzeltip kaydedin.",
                total=percent_text(total),
            ),
            product_id=product.id,
        )
    if not product.images:
        raise Conflict(
            _l(
                "İncelemeye göndermeden önce en az bir fotoğraf ekleyin: alıcılar ürünü "
                "fotoğrafından tanır."
            ),
            product_id=product.id,
        )


def invitations(producer_id: int) -> list[ProductMaker]:
    """Her invitations waiting for an answer, oldest product first, with the product and its
    makers loaded (one query each)."""
    return list(
        db.session.scalars(
            select(ProductMaker)
            .where(ProductMaker.producer_id == producer_id, ProductMaker.consent == "invited")
            .options(
                selectinload(ProductMaker.product)
                .selectinload(Product.makers)
                .selectinload(ProductMaker.producer)
            )
            .order_by(ProductMaker.product_id)
        )
    )


def invitation_count(producer_id: int) -> int:
    return len(
        db.session.scalars(
            select(ProductMaker.product_id).where(
                ProductMaker.producer_id == producer_id, ProductMaker.consent == "invited"
            )
        ).all()
    )


def _invitation(producer: ProducerProfile, product_id: int) -> ProductMaker:
    row = db.session.scalar(
        select(ProductMaker)
        .where(
            ProductMaker.product_id == product_id,
            ProductMaker.producer_id == producer.id,
            ProductMaker.consent == "invited",
        )
        .with_for_update()
    )
    if row is None:
        raise NotFound(_l("Bu ürün için bekleyen bir davetiniz yok."))
    return row


def accept(producer: ProducerProfile, product_id: int, actor_id: int | None) -> ProductMaker:
    """She agrees to be named a maker of the product with this share."""
    if producer.membership_status != "active":
        raise Forbidden(_l("Davetleri yanıtlamak için üyeliğinizin onaylanması gerekir."))
    row = _invitation(producer, product_id)
    row.consent = "accepted"
    row.consent_at = utcnow()
    audit.record(
        actor_id,
        "product.maker_accepted",
        row.product,
        producer_id=producer.id,
        share_bp=row.share_bp,
    )
    db.session.flush()
    return row


def decline(producer: ProducerProfile, product_id: int, actor_id: int | None) -> Product:
    """She is not a maker of this product: her share is removed and the owner must give the
    shares out again (the product stays a draft until they add up to 100%)."""
    row = _invitation(producer, product_id)
    product = row.product
    share = row.share_bp
    product.makers.remove(row)
    audit.record(
        actor_id,
        "product.maker_declined",
        product,
        producer_id=producer.id,
        share_bp=share,
        shares_total_bp=sum(m.share_bp for m in product.makers),
    )
    db.session.flush()
    return product
