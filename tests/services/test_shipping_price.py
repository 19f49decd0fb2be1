"""The buyer's shipping price: free from the threshold, the aggregator's quote when the shop
takes it, the admin's rate table by desi band and province, the flat fee without a table; and
the same number charged by the order, shown on the invoice and booked by the ledger."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerEntry
from coopshop.models.ledger import Account
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import Conflict, ValidationFailed
from coopshop.services.invoicing import records
from coopshop.services.invoicing import settings as invoicing_settings
from coopshop.services.sales import cart, checkout, shipping_price
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.shipping import pricing, rates
from coopshop.services.shipping.carriers import ManualAdapter
from coopshop.services.shipping.geliver import GeliverAdapter
from tests.services.test_checkout import BUYER, _request
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.staff_support import audit_actions

FLAT, THRESHOLD = 7500, 150000
BOX = shipping_price.Box(1000, 30, 20, 10)  # 6000 cm³ = 2 desi, 1 kg


def _price(subtotal=10000, **kwargs):
    kwargs.setdefault("box", BOX)
    return shipping_price.shipping_price(subtotal, FLAT, THRESHOLD, **kwargs)


def _table(*bands):
    for province, max_desi, price in bands:
        rates.add(province, max_desi, price, None)
    db.session.commit()


def test_desi_is_the_greater_of_volume_and_weight_rounded_up():
    assert BOX.desi == 2
    assert shipping_price.Box(1000, 30, 20, 5).desi == 1  # exactly 3000 cm³
    assert shipping_price.Box(1000, 30, 20, 6).desi == 2  # 3600 cm³: rounded up
    assert shipping_price.Box(4001, 10, 10, 10).desi == 5  # 4,001 kg beats 0,33 desi
    assert shipping_price.Box(1, 1, 1, 1).desi == 1  # never less than one


def test_the_cart_box_grows_with_items(app):
    config = {"SHIPPING_DEFAULT_DIMENSIONS_CM": "30x20x10", "SHIPPING_DEFAULT_WEIGHT_G": 1000,
              "SHIPPING_ITEM_WEIGHT_G": 500}  # fmt: skip
    assert shipping_price.cart_box(1, config).weight_g == 1000  # the box's own minimum
    assert shipping_price.cart_box(7, config).weight_g == 3500
    assert shipping_price.cart_box(7, config).desi == 4
    assert shipping_price.cart_box(1, {"SHIPPING_DEFAULT_DIMENSIONS_CM": "bad"}).length_cm == 30


def test_free_from_the_threshold_paid_one_kurus_below(app):
    _table(("", 5, 9000))
    assert _price(THRESHOLD) == 0
    assert _price(THRESHOLD - 1) == 9000
    assert _price(THRESHOLD, quote_kurus=12000) == 0  # free beats the aggregator too


def test_without_a_table_the_flat_fee(app):
    assert _price() == FLAT
    assert _price(box=None) == FLAT


def test_bands_by_desi_at_and_over_each_edge(app):
    _table(("", 1, 5000), ("", 3, 7000), ("", 10, 12000))
    assert _price(box=shipping_price.Box(1000, 30, 20, 5)) == 5000  # 1 desi: the first band
    assert _price() == 7000  # 2 desi
    assert _price(box=shipping_price.Box(3000, 10, 10, 10)) == 7000  # exactly 3
    assert _price(box=shipping_price.Box(3001, 10, 10, 10)) == 12000  # just over 3
    assert _price(box=shipping_price.Box(50000, 10, 10, 10)) == 12000  # over every band


def test_a_province_with_its_own_bands_uses_them_others_the_general_ones(app):
    _table(("", 3, 9000), ("", 10, 15000), ("Ankara", 3, 4500))
    assert _price(province="Ankara") == 4500
    assert _price(province="İzmir") == 9000
    assert _price(province="") == 9000
    big = shipping_price.Box(8000, 10, 10, 10)
    assert _price(province="Ankara", box=big) == 4500  # its own biggest band, not the general
    assert _price(province="İzmir", box=big) == 15000


def test_the_aggregators_quote_wins_over_the_table(app):
    _table(("", 10, 9000))
    assert _price(quote_kurus=6400) == 6400
    assert _price(quote_kurus=0) == 0
    with pytest.raises(ValueError):
        _price(quote_kurus=-1)


def test_the_admins_table_refuses_nonsense_and_is_audited(app):
    with pytest.raises(ValidationFailed):
        rates.add("Atlantis", 3, 100, None)
    with pytest.raises(ValidationFailed):
        rates.add("", 0, 100, None)
    with pytest.raises(ValidationFailed):
        rates.add("", 3, -1, None)
    rate = rates.add("", 3, 100, None)
    with pytest.raises(Conflict):
        rates.add("", 3, 200, None)
    rates.remove(rate.id, None)
    db.session.commit()
    assert rates.table() == []
    assert audit_actions("shipping.rate") == ["shipping.rate_added", "shipping.rate_removed"]


def test_the_order_charges_the_invoice_shows_and_the_ledger_books_one_price(app):
    _table(("", 3, 6900), ("", 10, 11900), ("Ankara", 3, 4900))
    settings = settings_service.current()
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=20000, stock=10, makers=[(maker, 10_000)])
    summary = cart.summarize({product.id: 1}, settings, province=BUYER.il)
    assert summary.shipping_kurus == 4900  # what the checkout page shows her
    order = checkout.place_order(_request({product.id: 1}), settings)
    db.session.commit()
    assert (order.shipping_kurus, order.total_kurus) == (4900, 24900)
    checkout.fulfil(
        order.id, PaymentInfo(provider="demo", amount_kurus=order.total_kurus), settings
    )
    db.session.commit()
    booked = db.session.scalar(
        select(LedgerEntry.amount_kurus)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(Account.code == "coop:shipping")
    )
    # Shipping is booked net to coop:shipping, its VAT to vat:payable (the vat split): the two
    # together are the price the order charged and the invoice shows.
    from coopshop.money import vat_split

    net, _vat = vat_split(4900, order.shipping_vat_bp)
    assert booked == -net
    lines = records.order_lines(order, invoicing_settings.from_config(current_app.config))
    assert [line.unit_price_kurus for line in lines if line.name == records.SHIPPING_LINE] == [4900]


def test_seven_items_cost_the_bigger_band(app):
    _table(("", 3, 6900), ("", 10, 11900))
    settings = settings_service.current()
    product = ProductFactory(price_kurus=1000, stock=10)
    order = checkout.place_order(_request({product.id: 7}), settings)
    assert order.shipping_kurus == 11900  # 7 × 500 g = 3,5 kg: 4 desi


def test_a_quote_given_to_checkout_is_what_the_order_charges(app):
    _table(("", 10, 9900))
    product = ProductFactory(price_kurus=1000, stock=10)
    order = checkout.place_order(
        _request({product.id: 1}, shipping_quote_kurus=6150), settings_service.current()
    )
    assert order.shipping_kurus == 6150


def test_the_aggregator_is_asked_only_when_the_shop_says_so(app, geliver_standin):
    adapter = GeliverAdapter(geliver_standin.token, base_url=geliver_standin.base_url)
    config = {**current_app.config, "SHIPPING_DEFAULT_CARRIER": "aras"}
    assert pricing.quote(adapter, 1, config) is None  # SHIPPING_PRICE_SOURCE=table
    config["SHIPPING_PRICE_SOURCE"] = "aggregator"
    assert pricing.quote(adapter, 1, config) == 8450  # Aras's price for the box
    assert pricing.quote(ManualAdapter(), 1, config) is None
    assert pricing.quote(adapter, 0, config) is None
    geliver_standin.fail_next("GET", "/priceList", 503)
    assert pricing.quote(adapter, 1, config) is None  # the table applies
