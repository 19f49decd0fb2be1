"""An order's parcel from its products: the weights summed (each line's weight times its
quantity) and the largest box, falling back to the shipping settings for what the products do
not say. The label form starts from it; staff may change it before buying the label."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OrderLine, Product
from coopshop.services.shipping.base import Parcel
from coopshop.services.shipping.carriers import parcel_from_settings

MAX_WEIGHT_G = 100_000  # the label form's own limit (staff.label_forms)


def parcel_from_lines(
    lines: Iterable[tuple[int, int | None, tuple[int, int, int] | None]],
    fallback: Parcel,
    item_weight_g: int,
) -> Parcel:
    """``lines`` are (quantity, the product's weight in grams or None, its box or None).

    Weight: every line's weight × quantity; a line whose product has no weight counts
    ``item_weight_g`` per piece; when no product has a weight, the fallback's weight. Box: the
    largest product box by volume (ties: the first), else the fallback's."""
    lines = list(lines)
    known = [(q, w) for q, w, _box in lines if w]
    if known:
        weight = sum(q * w for q, w in known)
        weight += sum(q * item_weight_g for q, w, _box in lines if not w)
    else:
        weight = fallback.weight_g
    boxes = [box for _q, _w, box in lines if box]
    if boxes:
        length, width, height = max(boxes, key=lambda b: b[0] * b[1] * b[2])
    else:
        length, width, height = fallback.length_cm, fallback.width_cm, fallback.height_cm
    return Parcel(
        weight_g=min(max(weight, 1), MAX_WEIGHT_G),
        length_cm=length,
        width_cm=width,
        height_cm=height,
    )


def for_orders(
    order_ids: Iterable[int], settings: Mapping, fallback: Parcel | None = None
) -> dict[int, Parcel]:
    """Order id -> its parcel from its products (one query for all the orders)."""
    ids = sorted(set(order_ids))
    fallback = fallback or parcel_from_settings(settings)
    item_weight = int(settings.get("SHIPPING_ITEM_WEIGHT_G") or 500)
    per_order: dict[int, list] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(
            select(
                OrderLine.order_id,
                OrderLine.quantity,
                Product.weight_g,
                Product.length_cm,
                Product.width_cm,
                Product.height_cm,
            )
            .outerjoin(Product, Product.id == OrderLine.product_id)
            .where(OrderLine.order_id.in_(ids))
            .order_by(OrderLine.order_id, OrderLine.id)
        )
        for order_id, qty, weight, length, width, height in rows:
            box = (length, width, height) if length and width and height else None
            per_order[order_id].append((qty, weight, box))
    return {i: parcel_from_lines(per_order[i], fallback, item_weight) for i in ids}


def for_order(order_id: int, settings: Mapping, fallback: Parcel | None = None) -> Parcel:
    return for_orders([order_id], settings, fallback)[order_id]
