"""Parcels returned to sender: the carrier's RETURNED webhook moves the order, staff see it on
/staff/returned and send it again; the shopper's page says so; others are refused."""

from __future__ import annotations

import re

import pytest

from coopshop.db import db
from coopshop.models import Order
from coopshop.services.shipping import labels
from coopshop.services.shipping.base import Parcel
from coopshop.web import shipping as shipping_web
from tests.support.factories import ProducerFactory, UserFactory
from tests.support.geliver_support import packed_order
from tests.support.staff_support import staff_user


@pytest.fixture
def returned(app, client, geliver_app):
    order = packed_order()
    request = labels.LabelRequest(order.id, Parcel(1000, 30, 20, 10))
    shipment = labels.buy(request, shipping_web.adapter(), app.config, None)
    db.session.commit()
    body, headers = geliver_app.signed_event(
        shipment.provider_ref, "RETURNED", "returned", "2026-05-07T10:00:00Z", event_id="r1"
    )
    url = "/webhooks/geliver?token=" + app.config["GELIVER_WEBHOOK_TOKEN"]
    first = client.post(url, data=body, headers=headers)
    assert first.json == {"received": True, "action": "changed", "status": "returned"}
    assert client.post(url, data=body, headers=headers).json["action"] == "duplicate"
    db.session.expire_all()
    return db.session.get(Order, order.id)


def test_staff_see_a_returned_parcel_and_send_it_again(client, login, returned):
    assert returned.fulfilment_status == "returned"
    login(staff_user())
    page = client.get("/staff/returned").get_data(as_text=True)
    assert returned.number in page and "Yeniden gönder" in page
    assert "İade et" not in page  # refunds are the admin's
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post(
        f"/staff/returned/{returned.id}/ship-again",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "yeniden kargoya hazır" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, returned.id).fulfilment_status == "received"
    again = client.post(
        f"/staff/returned/{returned.id}/ship-again",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "geri dönmedi" in again.get_data(as_text=True)  # a second press changes nothing


def test_an_admin_gets_the_refund_link(client, login, returned):
    login(UserFactory(role="admin"))
    page = client.get("/staff/returned").get_data(as_text=True)
    assert f"/admin/orders/{returned.id}/refund" in page


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_members_and_customers_are_refused(client, login, returned, role):
    user = ProducerFactory().user if role == "producer" else UserFactory(role="customer")
    login(user)
    assert client.get("/staff/returned").status_code == 403
    assert client.post(f"/staff/returned/{returned.id}/ship-again").status_code == 403
    db.session.expire_all()
    assert db.session.get(Order, returned.id).fulfilment_status == "returned"
