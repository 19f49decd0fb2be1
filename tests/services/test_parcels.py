"""The label's parcel from the order's products: weights summed, the largest box, the shipping
settings for what the products do not say."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coopshop.db import db
from coopshop.services.shipping import parcels
from coopshop.services.shipping.base import Parcel
from tests.support.factories import ProductFactory, paid_order

SETTINGS = {
    "SHIPPING_DEFAULT_WEIGHT_G": 1000,
    "SHIPPING_DEFAULT_DIMENSIONS_CM": "30x20x10",
    "SHIPPING_ITEM_WEIGHT_G": 500,
}
DEFAULT = Parcel(1000, 30, 20, 10)


def test_weights_are_summed_and_the_largest_box_is_taken(app):
    kase = ProductFactory(weight_g=700, length_cm=20, width_cm=20, height_cm=15)  # 6000 cm³
    atki = ProductFactory(weight_g=250, length_cm=40, width_cm=30, height_cm=3)  # 3600 cm³
    order = paid_order([(kase, 2), (atki, 1)])
    db.session.commit()
    assert parcels.for_order(order.id, SETTINGS) == Parcel(2 * 700 + 250, 20, 20, 15)


def test_products_without_weight_or_box_fall_back_to_the_settings(app):
    plain = paid_order([(ProductFactory(), 3)])
    mixed = paid_order([(ProductFactory(weight_g=300), 1), (ProductFactory(), 2)])
    db.session.commit()
    boxes = parcels.for_orders([plain.id, mixed.id], SETTINGS)
    assert boxes[plain.id] == DEFAULT  # nothing known: the settings' parcel
    assert boxes[mixed.id] == Parcel(300 + 2 * 500, 30, 20, 10)  # unknown pieces: item weight


sides = st.integers(min_value=1, max_value=300)
line = st.tuples(
    st.integers(min_value=1, max_value=20),
    st.none() | st.integers(min_value=1, max_value=5000),
    st.none() | st.tuples(sides, sides, sides),
)


@given(st.lists(line, min_size=1, max_size=8))
def test_the_parcel_holds_every_box_and_weighs_what_is_known(lines):
    parcel = parcels.parcel_from_lines(lines, DEFAULT, 500)
    boxes = [b for _q, _w, b in lines if b]
    volume = parcel.length_cm * parcel.width_cm * parcel.height_cm
    assert all(volume >= b[0] * b[1] * b[2] for b in boxes)
    if not boxes:
        assert (parcel.length_cm, parcel.width_cm, parcel.height_cm) == (30, 20, 10)
    known = sum(q * w for q, w, _b in lines if w)
    if known:
        unknown = sum(q * 500 for q, w, _b in lines if not w)
        assert parcel.weight_g == min(known + unknown, parcels.MAX_WEIGHT_G)
    else:
        assert parcel.weight_g == DEFAULT.weight_g
