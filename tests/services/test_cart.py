"""services.cart: the pure add/set/remove rules, stock and for-sale checks, and the summary
(lines, subtotal, shipping flat or free, total) loaded in a fixed number of queries."""

from __future__ import annotations

import dataclasses

import pytest

from coopshop.db import db
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import cart
from coopshop.services.sales.orders import MAX_QUANTITY
from tests.support.factories import ProducerFactory, ProductFactory, ProductImageFactory
from tests.support.sql_counter import count_queries

SETTINGS = CoopSettings(shipping_flat_kurus=7500, free_shipping_threshold_kurus=150000)


# --- pure functions -------------------------------------------------------------------------


def test_add_returns_a_new_dict_and_adds_up():
    items = {1: 2}
    new = cart.add(items, 1, 3)
    assert new == {1: 5}
    assert items == {1: 2}  # the input is untouched
    assert cart.add(new, 7, 1) == {1: 5, 7: 1}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Adet en az 1 olmalı."),
        (-3, "Adet en az 1 olmalı."),
        ("2", "Adet bir tam sayı olmalı."),
        (1.5, "Adet bir tam sayı olmalı."),
        (None, "Adet bir tam sayı olmalı."),
        (True, "Adet bir tam sayı olmalı."),
        (MAX_QUANTITY + 1, f"Bir üründen en fazla {MAX_QUANTITY} adet alınabilir."),
    ],
)
def test_bad_quantities_are_refused(app, quantity, message):
    for change in (cart.add, cart.set_quantity):
        with pytest.raises(ValidationFailed) as caught:
            change({1: 1}, 1, quantity)
        assert str(caught.value.message) == message


def test_add_refuses_going_over_the_maximum_in_total(app):
    with pytest.raises(ValidationFailed, match="en fazla"):
        cart.add({1: MAX_QUANTITY - 1}, 1, 2)
    assert cart.add({1: MAX_QUANTITY - 1}, 1, 1) == {1: MAX_QUANTITY}


def test_add_limits_the_number_of_distinct_products(app):
    full = dict.fromkeys(range(1, cart.MAX_LINES + 1), 1)
    with pytest.raises(ValidationFailed, match="farklı ürün"):
        cart.add(full, 999, 1)
    assert cart.add(full, 1, 1)[1] == 2  # more of one already there is fine


def test_set_quantity_replaces_and_needs_the_product_in_the_cart(app):
    assert cart.set_quantity({1: 5, 2: 1}, 1, 2) == {1: 2, 2: 1}
    with pytest.raises(ValidationFailed, match="sepetinizde yok"):
        cart.set_quantity({1: 5}, 2, 1)


def test_remove():
    items = {1: 5, 2: 1}
    assert cart.remove(items, 1) == {2: 1}
    assert cart.remove(items, 3) == items
    assert items == {1: 5, 2: 1}


# --- checks against the catalog --------------------------------------------------------------


def test_checked_add_refuses_more_than_the_stock(app):
    product = ProductFactory(stock=3)
    assert cart.checked_add({}, product.id, 3) == {product.id: 3}
    with pytest.raises(ValidationFailed) as caught:
        cart.checked_add({product.id: 2}, product.id, 2)
    assert str(caught.value.message) == "Stokta yalnızca 3 adet var."


def test_checked_add_refuses_a_sold_out_product(app):
    product = ProductFactory(stock=0)
    with pytest.raises(ValidationFailed) as caught:
        cart.checked_add({}, product.id, 1)
    assert str(caught.value.message) == "Bu ürün tükendi."


def test_made_to_order_has_no_stock_limit_but_the_maximum(app):
    product = ProductFactory(stock=0, made_to_order=True, lead_time_days=10)
    assert cart.checked_add({}, product.id, 40) == {product.id: 40}
    with pytest.raises(ValidationFailed, match="en fazla"):
        cart.checked_add({product.id: MAX_QUANTITY}, product.id, 1)


@pytest.mark.parametrize("status", ["draft", "in_review", "archived"])
def test_checked_add_refuses_products_not_active(app, status):
    product = ProductFactory(status=status)
    with pytest.raises(ValidationFailed) as caught:
        cart.checked_add({}, product.id, 1)
    assert str(caught.value.message) == "Bu ürün şu an satışta değil."


@pytest.mark.parametrize("membership", ["suspended", "applied", "refused"])
def test_checked_add_refuses_products_of_a_maker_not_active(app, membership):
    active, other = ProducerFactory(), ProducerFactory(membership_status=membership)
    product = ProductFactory(makers=[(active, 6000), (other, 4000)])
    with pytest.raises(ValidationFailed, match="satışta değil"):
        cart.checked_add({}, product.id, 1)


def test_checked_add_refuses_an_unknown_product(app):
    with pytest.raises(ValidationFailed, match="Ürün bulunamadı"):
        cart.checked_add({}, 424242, 1)


def test_checked_set_quantity_checks_stock(app):
    product = ProductFactory(stock=4)
    assert cart.checked_set_quantity({product.id: 1}, product.id, 4) == {product.id: 4}
    with pytest.raises(ValidationFailed, match="Stokta yalnızca 4 adet var."):
        cart.checked_set_quantity({product.id: 1}, product.id, 5)


# --- the summary ----------------------------------------------------------------------------


def test_summary_below_the_threshold_pays_flat_shipping(app):
    a = ProductFactory(price_kurus=25000)
    b = ProductFactory(price_kurus=12050)
    summary = cart.summarize({a.id: 2, b.id: 1}, SETTINGS)
    assert [(line.product.id, line.quantity, line.line_total_kurus) for line in summary.lines] == [
        (a.id, 2, 50000),
        (b.id, 1, 12050),
    ]
    assert summary.subtotal_kurus == 62050
    assert summary.shipping_kurus == 7500
    assert summary.total_kurus == 69550
    assert summary.free_shipping_remaining_kurus == 150000 - 62050
    assert summary.ok is True
    assert summary.item_count == 3


@pytest.mark.parametrize(("quantity", "shipping"), [(5, 7500), (6, 0), (7, 0)])
def test_shipping_is_free_at_and_above_the_threshold(app, quantity, shipping):
    product = ProductFactory(price_kurus=25000)  # 6 x 250 TL = 1.500 TL, the threshold
    summary = cart.summarize({product.id: quantity}, SETTINGS)
    assert summary.subtotal_kurus == 25000 * quantity
    assert summary.shipping_kurus == shipping
    assert summary.total_kurus == 25000 * quantity + shipping
    assert (summary.free_shipping_remaining_kurus == 0) is (shipping == 0)


def test_empty_cart_costs_nothing_and_is_not_ok(app):
    summary = cart.summarize({}, SETTINGS)
    assert summary.lines == ()
    assert (summary.subtotal_kurus, summary.shipping_kurus, summary.total_kurus) == (0, 0, 0)
    assert summary.ok is False


def test_summary_flags_what_changed_since_it_was_added(app):
    fine = ProductFactory(stock=5)
    short = ProductFactory(stock=5)
    archived = ProductFactory(stock=5)
    suspended_maker = ProducerFactory()
    maker_gone = ProductFactory(makers=[(suspended_maker, 10_000)])
    items = {fine.id: 1, short.id: 4, archived.id: 1, maker_gone.id: 1}

    short.stock = 2
    archived.status = "archived"
    suspended_maker.membership_status = "suspended"
    db.session.commit()

    summary = cart.summarize(items, SETTINGS)
    problems = {line.product.id: line.problem for line in summary.lines}
    assert problems == {
        fine.id: None,
        short.id: "Stokta yalnızca 2 adet var.",
        archived.id: "Bu ürün şu an satışta değil.",
        maker_gone.id: "Bu ürün şu an satışta değil.",
    }
    totals = {line.product.id: line.line_total_kurus for line in summary.lines}
    assert totals[archived.id] == totals[maker_gone.id] == 0  # nothing to pay for those
    assert summary.subtotal_kurus == 25000 * (1 + 4)
    assert summary.ok is False


def test_summary_reports_products_that_no_longer_exist(app):
    product = ProductFactory()
    summary = cart.summarize({product.id: 1, 987654: 2}, SETTINGS)
    assert [line.product.id for line in summary.lines] == [product.id]
    assert summary.unknown_ids == (987654,)
    assert summary.ok is False


def _cart_of(n: int) -> dict[int, int]:
    items = {}
    for _ in range(n):
        makers = [(ProducerFactory(), 5000), (ProducerFactory(), 5000)]
        product = ProductFactory(makers=makers)
        ProductImageFactory(product=product)
        ProductImageFactory(product=product)
        items[product.id] = 1
    return items


def test_summarize_loads_in_a_constant_number_of_queries(app):
    small, large = _cart_of(1), _cart_of(12)
    # Neither cart ships free, so both read the shipping rate table (one query).
    settings = dataclasses.replace(SETTINGS, free_shipping_threshold_kurus=10**9)
    counts = []
    for items in (small, large):
        db.session.expunge_all()
        with count_queries() as statements:
            summary = cart.summarize(items, settings)
            # What a cart page reads: makers' names and the first image of every line.
            for line in summary.lines:
                _ = [m.producer.display_name for m in line.product.makers]
                _ = line.product.images[0].thumb_path
        assert len(summary.lines) == len(items)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 5  # products, images, makers, producers, shipping rates
