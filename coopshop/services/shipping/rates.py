"""The admin's shipping price table: bands by desi (up to max_desi) and province ("" for
everywhere without bands of its own). services.sales.shipping_price reads it at checkout."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models.shipping import ShippingRate
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed
from coopshop.turkey import PROVINCES

MAX_DESI = 1000
MAX_PRICE_KURUS = 10_000_000  # ₺100.000: a typing slip beyond any parcel's price


def table() -> list[ShippingRate]:
    """Every band: the general ones first, then by province; each by size."""
    return list(
        db.session.scalars(
            select(ShippingRate).order_by(
                ShippingRate.province != "", ShippingRate.province, ShippingRate.max_desi
            )
        )
    )


def add(province: str, max_desi: int, price_kurus: int, actor_id: int | None) -> ShippingRate:
    province = (province or "").strip()
    if province and province not in PROVINCES:
        raise ValidationFailed(_l("Listeden bir il seçin."), field="province")
    if type(max_desi) is not int or not 1 <= max_desi <= MAX_DESI:
        raise ValidationFailed(
            _l("Desi 1 ile %(n)d arasında bir tam sayı olmalı.", n=MAX_DESI), field="max_desi"
        )
    if type(price_kurus) is not int or not 0 <= price_kurus <= MAX_PRICE_KURUS:
        raise ValidationFailed(_l("Fiyat 0 ile ₺100.000 arasında olmalı."), field="price")
    clash = db.session.scalar(
        select(ShippingRate.id).where(
            ShippingRate.province == province, ShippingRate.max_desi == max_desi
        )
    )
    if clash is not None:
        raise Conflict(_l("Bu il ve desi için bir fiyat zaten var; önce onu silin."))
    rate = ShippingRate(
        province=province, max_desi=max_desi, price_kurus=price_kurus, created_by_id=actor_id
    )
    db.session.add(rate)
    db.session.flush()
    audit.record(
        actor_id,
        "shipping.rate_added",
        rate,
        province=province,
        max_desi=max_desi,
        price_kurus=price_kurus,
    )
    return rate


def remove(rate_id: int, actor_id: int | None) -> None:
    rate = db.session.get(ShippingRate, rate_id)
    if rate is None:
        raise NotFound(_l("Bu kargo fiyatı bulunamadı."))
    audit.record(
        actor_id,
        "shipping.rate_removed",
        rate,
        province=rate.province,
        max_desi=rate.max_desi,
        price_kurus=rate.price_kurus,
    )
    db.session.delete(rate)
    db.session.flush()
