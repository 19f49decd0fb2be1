"""What one sale of a product would pay, shown to a member before she saves it: the commission
rate a sale would use today (services.orders.effective_commission_bp) and the allocation of
the price (docs/design.md) into VAT, the cooperative's commission and each maker's part."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Collection, ProducerProfile, Product, ProductMaker
from coopshop.money import BP, allocate
from coopshop.services.catalog.product_input import MakerShare
from coopshop.services.sales.orders import effective_commission_bp


@dataclass(frozen=True)
class SalePreview:
    """One sale at the product's price: VAT, the cooperative's commission and each maker's part
    (docs/design.md's allocation, as the ledger will book it)."""

    price_kurus: int
    vat_bp: int
    commission_bp: int
    vat_kurus: int
    commission_kurus: int
    parts: dict[int, int] = field(default_factory=dict)  # producer id -> kuruş
    shares: dict[int, int] = field(default_factory=dict)  # producer id -> basis points

    def part_of(self, producer_id: int) -> int:
        return self.parts.get(producer_id, 0)

    def share_of(self, producer_id: int) -> int:
        return self.shares.get(producer_id, 0)


def sale_preview(
    price_kurus: int,
    vat_bp: int,
    makers: Sequence[MakerShare],
    default_bp: int,
    collection_id: int | None = None,
    product_id: int | None = None,
) -> SalePreview:
    """What one sale would pay, with the commission rate that applies today
    (services.orders.effective_commission_bp on an unsaved copy of the product; ``product_id``,
    the product being edited, brings its own dated rate)."""
    if sum(m.share_bp for m in makers) != BP:
        raise ValueError("check_makers() first: the shares do not add up to 10,000")
    ids = [m.producer_id for m in makers]
    profiles = {
        p.id: p
        for p in db.session.scalars(select(ProducerProfile).where(ProducerProfile.id.in_(ids)))
    }
    collection = db.session.get(Collection, collection_id) if collection_id else None
    # Never added to the session: only read by effective_commission_bp.
    draft = Product(id=product_id, collection_id=collection_id)
    draft.collection = collection
    draft.makers = [
        ProductMaker(
            producer_id=m.producer_id, producer=profiles[m.producer_id], share_bp=m.share_bp
        )
        for m in makers
        if m.producer_id in profiles
    ]
    rate = effective_commission_bp(draft, default_bp)
    ordered = sorted(makers, key=lambda m: m.producer_id)
    alloc = allocate(price_kurus, vat_bp, rate, [m.share_bp for m in ordered])
    return SalePreview(
        price_kurus=price_kurus,
        vat_bp=vat_bp,
        commission_bp=rate,
        vat_kurus=alloc.vat,
        commission_kurus=alloc.commission,
        parts={m.producer_id: part for m, part in zip(ordered, alloc.makers, strict=True)},
        shares={m.producer_id: m.share_bp for m in ordered},
    )


def preview_of(product: Product, default_bp: int) -> SalePreview:
    return sale_preview(
        product.price_kurus,
        product.vat_bp,
        [MakerShare(m.producer_id, m.share_bp) for m in product.makers],
        default_bp,
        collection_id=product.collection_id,
        product_id=product.id,
    )
