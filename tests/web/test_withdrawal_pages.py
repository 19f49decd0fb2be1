"""The buyer's withdrawal from her order page (account or signed link), refused to anyone else;
the order page tells the truth (delivered, refunded, the request's step); staff's queue with its
deadlines, the goods' arrival, and the admin's refund."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerTransaction, WithdrawalRequest, utcnow
from coopshop.services.sales import withdrawals
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from coopshop.shop.checkout import order_token
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, delivered
from tests.support.staff_support import BUYER, assert_ledger_holds


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def buyer(app):
    return UserFactory(role="customer", email=BUYER.email, name=BUYER.name)


@pytest.fixture
def order(buyer):
    maker = ProducerFactory()
    scarf = ProductFactory(
        title_tr="İpek atkı", price_kurus=20000, stock=5, makers=[(maker, 10000)]
    )
    ring = ProductFactory(
        title_tr="İsimli yüzük",
        price_kurus=30000,
        stock=5,
        makers=[(maker, 10000)],
        withdrawal_exclusion="custom_made",
    )
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            lines=[
                LineRequest(quantity=2, product_id=scarf.id),
                LineRequest(quantity=1, product_id=ring.id),
            ],
            buyer=BUYER,
            customer_id=buyer.id,
            charge_shipping=True,
        )
    )
    mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus))
    delivered(order, utcnow() - timedelta(days=2))
    db.session.commit()
    return order


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(WithdrawalRequest))


def _ledger() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerTransaction))


def test_the_delivered_order_page_says_delivered_and_offers_the_withdrawal(
    client, login, order, buyer
):
    login(buyer)
    html = _html(client.get(f"/orders/{order.number}"))
    assert "Teslim edildi" in html
    assert "hazırlanıyor" not in html
    assert "Cayma talebini gönder" in html
    assert "alıcının istekleri doğrultusunda üretildiği için cayma hakkı yoktur" in html
    assert f'name="qty-{order.lines[1].id}"' not in html  # the excluded line has no field


def test_the_buyer_withdraws_from_her_account(client, login, order, buyer):
    login(buyer)
    scarf = order.lines[0]
    response = client.post(
        f"/orders/{order.number}/withdrawal", data={f"qty-{scarf.id}": "1", "reason": ""}
    )
    assert response.status_code == 302
    html = _html(client.get(response.headers["Location"]))
    assert "Cayma talebiniz alındı." in html
    assert "Cayma talebi alındı" in html
    assert "1 × İpek atkı" in html
    assert _requests() == 1
    assert_ledger_holds()


def test_the_holder_of_the_signed_link_may_withdraw(client, order):
    scarf = order.lines[0]
    token = order_token(order)
    response = client.post(
        f"/orders/{order.number}/withdrawal", data={f"qty-{scarf.id}": "2", "t": token}
    )
    assert response.status_code == 302
    assert f"t={token}" in response.headers["Location"]
    assert _requests() == 1


def test_someone_else_is_refused_and_nothing_is_written(client, login, order):
    scarf = order.lines[0]
    before = (_requests(), _ledger())
    # a guest without the link, another customer, a forged link: all the same 404
    assert (
        client.post(f"/orders/{order.number}/withdrawal", data={f"qty-{scarf.id}": "1"}).status_code
        == 404
    )
    login(UserFactory(role="customer"))
    assert (
        client.post(f"/orders/{order.number}/withdrawal", data={f"qty-{scarf.id}": "1"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/orders/{order.number}/withdrawal", data={f"qty-{scarf.id}": "1", "t": "forged"}
        ).status_code
        == 404
    )
    assert (_requests(), _ledger()) == before


def test_staff_see_the_order_but_do_not_withdraw_in_her_name(client, login, order):
    login(UserFactory(role="staff"))
    scarf = order.lines[0]
    assert client.get(f"/orders/{order.number}").status_code == 200
    assert (
        client.post(f"/orders/{order.number}/withdrawal", data={f"qty-{scarf.id}": "1"}).status_code
        == 404
    )
    assert _requests() == 0


def test_bad_input_gets_a_message_and_nothing_written(client, login, order, buyer):
    login(buyer)
    scarf, ring = order.lines
    for data, message in [
        ({f"qty-{scarf.id}": "bir"}, "tam sayı"),
        ({f"qty-{scarf.id}": "3"}, "en fazla 2 adet"),
        ({f"qty-{ring.id}": "1"}, "cayma hakkı yoktur"),
        ({"qty-999999": "1"}, "Satır bu siparişe ait değil"),
        ({}, "ürünü ve adedi seçin"),
    ]:
        response = client.post(
            f"/orders/{order.number}/withdrawal", data=data, follow_redirects=True
        )
        assert response.status_code == 200
        assert message in _html(response), data
    assert _requests() == 0


def test_outside_the_window_the_page_says_so_and_a_post_is_refused(client, login, buyer):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=20000, stock=2, makers=[(maker, 10000)])
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            buyer=BUYER,
            customer_id=buyer.id,
            lines=[LineRequest(quantity=1, product_id=product.id)],
        )
    )
    mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus))
    delivered(order, utcnow() - timedelta(days=15))
    db.session.commit()
    login(buyer)
    assert "Cayma süresi" in _html(client.get(f"/orders/{order.number}"))
    response = client.post(
        f"/orders/{order.number}/withdrawal",
        data={f"qty-{order.lines[0].id}": "1"},
        follow_redirects=True,
    )
    assert "Cayma süresi doldu" in _html(response)
    assert _requests() == 0


def test_staff_record_the_goods_and_an_admin_refunds(client, login, order, buyer):
    scarf = order.lines[0]
    request = withdrawals.request_withdrawal(order, {scarf.id: 1}, requested_by_id=buyer.id)
    db.session.commit()

    login(UserFactory(role="staff"))
    html = _html(client.get("/staff/withdrawals"))
    assert f"Sipariş {order.number}" in html
    assert "İade için son gün" in html
    assert "Parayı iade et" not in html  # staff never move money out
    assert client.post(f"/staff/withdrawals/{request.id}/received").status_code == 302
    assert client.post(f"/admin/withdrawals/{request.id}/refund").status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(WithdrawalRequest, request.id).status == "received"

    client.post("/auth/logout")
    login(UserFactory(role="admin"))
    assert "Parayı iade et" in _html(client.get("/staff/withdrawals"))
    response = client.post(
        f"/admin/withdrawals/{request.id}/refund", data={"method": "demo"}, follow_redirects=True
    )
    assert "₺200,00 iade edildi" in _html(response)
    db.session.expire_all()
    assert db.session.get(WithdrawalRequest, request.id).status == "refunded"

    client.post("/auth/logout")
    login(buyer)
    html = _html(client.get(f"/orders/{order.number}"))
    assert "İade edildi ₺200,00" in html
    assert "Teslim edildi" in html
    assert_ledger_holds()
