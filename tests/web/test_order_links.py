"""Signed order links expire after ORDER_LINK_DAYS and show a shortened name and no street
address; the buyer's account lists her orders as links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from coopshop.db import db
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.orders import Buyer
from coopshop.shop.checkout import order_token
from tests.support.factories import PASSWORD, ProductFactory, UserFactory


def _order(customer_id=None):
    product = ProductFactory(price_kurus=45000, stock=3)
    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: 1},
            buyer=Buyer(
                name="Selin Aksoy",
                email="selin@example.org",
                phone="0532 111 22 33",
                address_line="Atatürk Bulvarı No: 12 Daire 3",
                il="Ankara",
                ilce="Çankaya",
            ),
            method="bank_transfer",
            card_payment_method="demo",
            acceptance=Acceptance(pre_information=True, contract=True),
            customer_id=customer_id,
        ),
        settings_service.current(),
    )
    db.session.commit()
    return order


def _token_made(app, order, days_ago: float) -> str:
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="order-link")
    signer = serializer.make_signer(serializer.salt)
    original = signer.get_timestamp
    signer.get_timestamp = lambda: original() - int(timedelta(days=days_ago).total_seconds())
    payload = serializer.dump_payload(order.number)
    return signer.sign(payload).decode()


def test_a_link_shows_a_shortened_name_and_no_street(app, client):
    order = _order()
    html = client.get(f"/orders/{order.number}?t={order_token(order)}").get_data(as_text=True)
    assert order.number in html
    assert "Selin A." in html
    assert "Selin Aksoy" not in html
    assert "Atatürk Bulvarı" not in html
    assert "Çankaya / Ankara" in html


@pytest.mark.parametrize(("days_ago", "status"), [(89, 200), (91, 404), (400, 404)])
def test_a_link_opens_the_order_for_order_link_days(app, client, days_ago, status):
    order = _order()
    token = _token_made(app, order, days_ago)
    assert client.get(f"/orders/{order.number}?t={token}").status_code == status


def test_a_forged_or_other_orders_link_is_404(app, client):
    order, other = _order(), _order()
    assert client.get(f"/orders/{order.number}?t=forged").status_code == 404
    assert client.get(f"/orders/{order.number}?t={order_token(other)}").status_code == 404


def test_her_account_lists_her_orders_as_links_with_the_full_address(app, client):
    user = UserFactory()
    order = _order(customer_id=user.id)
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    html = client.get("/account").get_data(as_text=True)
    assert f'href="/orders/{order.number}"' in html
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Selin Aksoy" in page
    assert "Atatürk Bulvarı No: 12 Daire 3" in page
