"""What shipping costs the buyer: one number, fixed when the order is made, which the order
charges, the invoice shows and the ledger books (ledger.post_sale's coop:shipping leg).

In this order:
1. Free when the goods' subtotal reaches FREE_SHIPPING_THRESHOLD_KURUS (the threshold counts
   the goods only, VAT included, as the shop shows them).
2. The aggregator's price for the cart's parcel when SHIPPING_PRICE_SOURCE=aggregator and it
   gave one (the checkout asks, services.shipping.pricing; nothing is asked inside the order's
   transaction).
3. The admin's rate table (models.shipping.ShippingRate): the smallest band whose max_desi
   covers the parcel, for the buyer's province if it has its own bands, else the general ones
   (province ""). A parcel bigger than every band costs the biggest band's price.
4. No table: SHIPPING_FLAT_KURUS, as before.

The parcel is the default box (SHIPPING_DEFAULT_DIMENSIONS_CM), at least
SHIPPING_DEFAULT_WEIGHT_G, SHIPPING_ITEM_WEIGHT_G per item (products carry no weight). Its desi
is the greater of the volumetric desi (L×W×H / 3000) and the kilograms, each rounded up to a
whole number, as Turkish carriers bill.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from coopshop.db import db
from coopshop.models.shipping import ShippingRate
from coopshop.services.core import settings as settings_service
from coopshop.services.core.settings import CoopSettings

VOLUMETRIC_DIVISOR = 3000  # cm³ per desi


@dataclass(frozen=True)
class Box:
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int

    @property
    def desi(self) -> int:
        volume = self.length_cm * self.width_cm * self.height_cm
        by_volume = -(-volume // VOLUMETRIC_DIVISOR)
        by_weight = -(-self.weight_g // 1000)
        return max(1, by_volume, by_weight)


def _dimensions(text: str) -> tuple[int, int, int]:
    parts = str(text or "30x20x10").lower().replace("×", "x").replace("*", "x").split("x")
    try:
        values = tuple(int(p.strip()) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or any(v <= 0 for v in values):
        return (30, 20, 10)
    return values  # type: ignore[return-value]


def cart_box(item_count: int, config: Mapping) -> Box:
    """The parcel a cart of `item_count` items is priced as."""
    length, width, height = _dimensions(str(config.get("SHIPPING_DEFAULT_DIMENSIONS_CM") or ""))
    base = int(config.get("SHIPPING_DEFAULT_WEIGHT_G") or 1000)
    per_item = int(config.get("SHIPPING_ITEM_WEIGHT_G") or 0)
    return Box(max(base, per_item * max(item_count, 0)), length, width, height)


def rate_for(province: str, desi: int) -> int | None:
    """The table's price for a parcel of `desi` to `province`, or None without a table (one
    query)."""
    rows = db.session.execute(
        select(ShippingRate.province, ShippingRate.max_desi, ShippingRate.price_kurus).where(
            ShippingRate.province.in_({province or "", ""})
        )
    ).all()
    own = sorted((r.max_desi, r.price_kurus) for r in rows if province and r.province == province)
    bands = own or sorted((r.max_desi, r.price_kurus) for r in rows if r.province == "")
    if not bands:
        return None
    covering = [price for max_desi, price in bands if max_desi >= desi]
    return covering[0] if covering else bands[-1][1]


def shipping_price(
    subtotal_kurus: int,
    flat_kurus: int,
    threshold_kurus: int,
    *,
    province: str = "",
    box: Box | None = None,
    quote_kurus: int | None = None,
) -> int:
    """The shipping the buyer pays for goods of `subtotal_kurus` (the rules above)."""
    if subtotal_kurus >= threshold_kurus:
        return 0
    if quote_kurus is not None:
        if quote_kurus < 0:
            raise ValueError("a shipping quote cannot be negative")
        return quote_kurus
    if box is None:
        return flat_kurus
    rate = rate_for(province, box.desi)
    return flat_kurus if rate is None else rate


def shipping_for(
    subtotal_kurus: int,
    settings: CoopSettings,
    *,
    province: str = "",
    item_count: int | None = None,
    quote_kurus: int | None = None,
) -> int:
    """The buyer's shipping (services.sales.shipping_price says how). Without `item_count` the
    flat fee or free, as before; with it the rate table too."""
    box = None
    if item_count is not None:
        box = cart_box(item_count, settings_service.shipping_config())
    return shipping_price(
        subtotal_kurus,
        settings.shipping_flat_kurus,
        settings.free_shipping_threshold_kurus,
        province=province,
        box=box,
        quote_kurus=quote_kurus,
    )
