"""The aggregator's price for a cart's parcel, for checkout (SHIPPING_PRICE_SOURCE=aggregator).

Asked once per checkout request, before the order's transaction; a failure or no price falls
back to the rate table (services.sales.shipping_price), so checkout never waits on a carrier
longer than the adapter's timeout and never fails because of one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from coopshop.services.sales import shipping_price
from coopshop.services.shipping.base import Parcel, ShippingAdapter, ShippingError

log = logging.getLogger(__name__)


def quote(adapter: ShippingAdapter | None, item_count: int, config: Mapping) -> int | None:
    """The provider's price in kuruş for `item_count` items' parcel, or None (use the table)."""
    if str(config.get("SHIPPING_PRICE_SOURCE") or "table") != "aggregator" or item_count <= 0:
        return None
    if adapter is None or adapter.name == "manual":
        return None
    box = shipping_price.cart_box(item_count, config)
    parcel = Parcel(box.weight_g, box.length_cm, box.width_cm, box.height_cm)
    carrier = str(config.get("SHIPPING_DEFAULT_CARRIER") or "") or None
    try:
        return adapter.price(parcel, carrier=carrier)
    except ShippingError as exc:
        log.warning("shipping price from %s failed, the rate table applies: %s", adapter.name, exc)
        return None
