"""What a member types into her product form, checked: the price and shares in Turkish
writing, the limits (makers, price, lead time, stock), and her co-makers (each an active member,
shares adding up to exactly 100 %).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import (
    Category,
    Collection,
    ProducerProfile,
)
from coopshop.models.catalog import VAT_RATES_BP, WITHDRAWAL_EXCLUSIONS
from coopshop.money import BP, MoneyError, parse_kurus, parse_rate_bp, percent_text
from coopshop.services.core.errors import ValidationFailed

MAX_MAKERS = 4


MAX_PRICE_KURUS = 100_000_000  # one million lira: beyond that it is a typo, not a price


MAX_LEAD_TIME_DAYS = 180


MAX_STOCK = 9999


MAX_WEIGHT_G = 100_000  # 100 kg, the label form's limit
MAX_SIDE_CM = 300
_BOX = re.compile(r"^\s*(\d{1,4})\s*[x×X*]\s*(\d{1,4})\s*[x×X*]\s*(\d{1,4})\s*$")


def parse_box(text: str | None) -> tuple[int, int, int] | None:
    """A packed box as typed ("30x20x10", "30 × 20 × 10", in cm), or None when empty."""
    if not (text or "").strip():
        return None
    found = _BOX.match(text)
    sides = tuple(int(n) for n in found.groups()) if found else ()
    if not sides or not all(1 <= n <= MAX_SIDE_CM for n in sides):
        raise ValidationFailed(
            _l(
                "Paket boyutlarını 30x20x10 gibi üç tam sayıyla yazın (1 ile %(n)d cm).",
                n=MAX_SIDE_CM,
            ),
            field="box",
        )
    return sides


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
    # Packed, optional: the label's parcel starts from these (services.shipping.parcels).
    weight_g: int | None = None
    box: tuple[int, int, int] | None = None


def _clean_parcel(weight, box) -> tuple[int | None, tuple[int, int, int] | None]:
    """The optional packed weight (grams) and box (cm), checked."""
    if weight is not None and (type(weight) is not int or not 1 <= weight <= MAX_WEIGHT_G):
        raise ValidationFailed(
            _l("Ağırlık 1 ile %(n)d gram arasında olmalı.", n=MAX_WEIGHT_G), field="weight_g"
        )
    if box is not None and (
        len(box) != 3 or not all(type(n) is int and 1 <= n <= MAX_SIDE_CM for n in box)
    ):
        raise ValidationFailed(_l("Paket boyutları geçersiz."), field="box")
    return weight, tuple(box) if box is not None else None


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
    weight, box = _clean_parcel(data.weight_g, data.box)
    return ProductInput(
        weight_g=weight,
        box=box,
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
