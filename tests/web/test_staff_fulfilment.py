"""Fulfilment through the browser: lines with their makers, received boxes, ship with a
tracking number (the shopper is e-mailed), delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopshop.db import db
from coopshop.models import Order
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.sql_counter import count_queries
from tests.support.staff_support import BUYER, assert_ledger_holds, audit_actions, staff_user


@pytest.fixture
def clerk(client, login):
    user = staff_user()
    login(user)
    return user


def _paid_online(*products) -> Order:
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            lines=[LineRequest(quantity=1, product_id=p.id) for p in products],
            buyer=BUYER,
            charge_shipping=True,
        )
    )
    mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus))
    db.session.commit()
    return order


@pytest.fixture
def order(app):
    fatma = ProducerFactory(display_name="Fatma Yılmaz", centre="Mamak BELMEK")
    ayse = ProducerFactory(display_name="Ayşe Kara")
    return _paid_online(
        ProductFactory(title_tr="Çini Kase", makers=[(fatma, 10_000)]),
        ProductFactory(title_tr="Kilim", makers=[(fatma, 6_000), (ayse, 4_000)]),
    )


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_the_page_shows_each_line_with_its_makers(client, clerk, order):
    html = _html(client.get("/staff/fulfilment"))
    assert order.number in html
    assert "Çini Kase" in html and "Kilim" in html
    assert "Fatma Yılmaz" in html and "Mamak BELMEK" in html and "Ayşe Kara" in html
    for line in order.lines:
        assert f'name="line_ids" value="{line.id}"' in html
    assert "Ürün bekleniyor" in html


def test_receive_ship_deliver(app, client, clerk, order):
    first, second = (ln.id for ln in order.lines)
    response = client.post(
        "/staff/fulfilment/received", data={"line_ids": [str(first)]}, follow_redirects=True
    )
    assert "Teslim alındı olarak işaretlenen ürün: 1" in _html(response)
    assert f'name="s{order.id}-tracking_number"' not in _html(response)  # one still missing

    response = client.post(
        "/staff/fulfilment/received", data={"line_ids": [str(second)]}, follow_redirects=True
    )
    html = _html(response)
    assert "Kargoya hazır" in html
    assert f'name="s{order.id}-tracking_number"' in html

    response = client.post(
        f"/staff/fulfilment/{order.id}/ship",
        data={f"s{order.id}-tracking_number": "YK 9988 7766"},
        follow_redirects=True,
    )
    assert f"Sipariş {order.number} kargoya verildi." in _html(response)
    db.session.expire_all()
    shipped = db.session.get(Order, order.id)
    assert (shipped.fulfilment_status, shipped.tracking_number) == ("shipped", "YK 9988 7766")
    mails = [p.read_text() for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")]
    sent = [m for m in mails if "YK 9988 7766" in m]
    assert len(sent) == 1
    assert "selin@example.org" in sent[0]
    assert f"/orders/{order.number}?t=" in sent[0]

    response = client.post(f"/staff/fulfilment/{order.id}/delivered", follow_redirects=True)
    assert f"Sipariş {order.number} teslim edildi." in _html(response)
    assert "Hazırlanacak sipariş yok." in _html(response)
    assert audit_actions("fulfilment.")[-2:] == ["fulfilment.shipped", "fulfilment.delivered"]
    assert_ledger_holds()


def test_shipping_without_a_tracking_number_is_told(client, clerk, order):
    client.post("/staff/fulfilment/received", data={"line_ids": [ln.id for ln in order.lines]})
    response = client.post(
        f"/staff/fulfilment/{order.id}/ship", data={f"s{order.id}-tracking_number": ""}
    )
    assert response.status_code == 422
    assert "Kargo takip numarasını yazın." in _html(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "received"


def test_shipping_before_everything_arrived_is_refused(client, clerk, order):
    response = client.post(
        f"/staff/fulfilment/{order.id}/ship",
        data={f"s{order.id}-tracking_number": "YK-1"},
        follow_redirects=True,
    )
    assert f"Sipariş {order.number} için önce bütün ürünleri teslim alın." in _html(response)
    db.session.expire_all()
    refused = db.session.get(Order, order.id)
    assert (refused.fulfilment_status, refused.tracking_number) == ("unfulfilled", None)


def test_receiving_nothing_is_told(client, clerk, order):
    response = client.post("/staff/fulfilment/received", data={}, follow_redirects=True)
    assert "Teslim alınan ürünleri seçin." in _html(response)


def test_the_page_does_not_query_per_order(client, clerk):
    maker = ProducerFactory()
    _paid_online(ProductFactory(makers=[(maker, 10_000)]))
    with count_queries() as few:
        client.get("/staff/fulfilment")
    for _ in range(8):
        _paid_online(ProductFactory(makers=[(maker, 10_000)]), ProductFactory())
    with count_queries() as many:
        html = _html(client.get("/staff/fulfilment"))
    assert len(many) == len(few)
    assert html.count('name="line_ids"') == 17


def test_the_queue_puts_what_needs_action_first_and_filters_by_step(client, clerk):
    """Ready to ship first, then waiting for goods, then in transit; a step tab keeps one."""
    from coopshop.services.sales import fulfilment

    product = ProductFactory(stock=20)
    waiting = _paid_online(product)
    ready = _paid_online(product)
    in_transit = _paid_online(product)
    fulfilment.transition(ready, "received")
    fulfilment.transition(in_transit, "received")
    fulfilment.transition(in_transit, "shipped")
    db.session.commit()

    html = client.get("/staff/fulfilment").get_data(as_text=True)
    positions = [html.index(f'id="order-{o.id}"') for o in (ready, waiting, in_transit)]
    assert positions == sorted(positions)
    assert "Kargoya hazır (1)" in html and "Kargoda (1)" in html and "Hepsi (3)" in html

    only_ready = client.get("/staff/fulfilment?adim=received").get_data(as_text=True)
    assert f'id="order-{ready.id}"' in only_ready
    assert f'id="order-{waiting.id}"' not in only_ready
    assert f'id="order-{in_transit.id}"' not in only_ready
    # An unknown step is the whole queue, not an error.
    assert client.get("/staff/fulfilment?adim=<x>").status_code == 200
