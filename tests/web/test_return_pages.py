"""Return labels, cancelling a label and the shipping price table through the pages: staff make
a withdrawal's return (aggregator or typed), the buyer sees it and downloads her label and no
one else can; a label is cancelled before pickup; an unsigned Geliver webhook is only a notice;
the admin's rate table is what checkout charges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, WithdrawalRequest
from coopshop.models.shipping import ReturnShipment, ShippingRate
from coopshop.services.sales import withdrawals
from coopshop.services.shipping import labels
from coopshop.services.shipping.base import Parcel
from coopshop.shop.checkout import order_token
from coopshop.web import shipping as shipping_web
from tests.support.factories import ProductFactory, UserFactory
from tests.support.geliver_support import LABEL_PDF, WEBHOOK_URL, packed_order
from tests.support.staff_support import staff_user

JSON = {"Content-Type": "application/json"}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _labelled():
    order = packed_order()
    labels.buy(
        labels.LabelRequest(order.id, Parcel(1000, 30, 20, 10)),
        shipping_web.adapter(),
        current_app.config,
        None,
    )
    db.session.commit()
    return order


def _withdrawn(order) -> WithdrawalRequest:
    request = withdrawals.request_withdrawal(order, {order.lines[0].id: 1}, requested_by_id=None)
    db.session.commit()
    return request


def test_staff_get_a_return_label_and_the_buyer_downloads_it(client, login, geliver_app):
    order = _labelled()
    request = _withdrawn(order)
    login(staff_user())
    page = _html(client.get("/staff/withdrawals"))
    assert "İade etiketi al (kargo aracısı)" in page and "İade kodunu kaydet" in page
    done = _html(
        client.post(f"/staff/withdrawals/{request.id}/return", data={}, follow_redirects=True)
    )
    row = db.session.scalars(select(ReturnShipment)).one()
    assert f"Cayma talebi #{request.id}: iade kodu hazır (Aras Kargo)" in done
    assert row.return_code in done and "İade etiketini yazdır (PDF)" in done
    assert client.get(f"/staff/withdrawals/{request.id}/return.pdf").data == LABEL_PDF
    client.get("/logout")

    token = order_token(order)
    mine = _html(client.get(f"/orders/{order.number}?t={token}"))
    assert row.return_code in mine and "İade etiketini indir (PDF)" in mine
    url = f"/orders/{order.number}/withdrawals/{request.id}/return-label.pdf"
    pdf = client.get(f"{url}?t={token}")
    assert pdf.status_code == 200 and pdf.data == LABEL_PDF
    assert client.get(url).status_code == 404  # no link, no account: not hers to see
    other = packed_order()
    assert (
        client.get(
            f"/orders/{other.number}/withdrawals/{request.id}/return-label.pdf?t={order_token(other)}"
        ).status_code
        == 404
    )  # her link for another order does not open this request
    login(UserFactory(role="customer"))
    assert client.get(url).status_code == 404


def test_staff_type_a_return_code_by_hand(client, login, app):
    order = packed_order()
    request = _withdrawn(order)
    login(staff_user())
    refused = _html(
        client.post(
            f"/staff/withdrawals/{request.id}/return",
            data={f"r{request.id}-carrier": "yurtici", f"r{request.id}-return_code": ""},
            follow_redirects=True,
        )
    )
    assert "İade kodunu yazın." in refused
    assert db.session.scalar(select(func.count()).select_from(ReturnShipment)) == 0
    client.post(
        f"/staff/withdrawals/{request.id}/return",
        data={f"r{request.id}-carrier": "yurtici", f"r{request.id}-return_code": "YK-IADE-9"},
    )
    row = db.session.scalars(select(ReturnShipment)).one()
    assert (row.provider, row.carrier, row.return_code) == ("manual", "yurtici", "YK-IADE-9")
    client.get("/logout")
    page = _html(client.get(f"/orders/{order.number}?t={order_token(order)}"))
    assert "YK-IADE-9" in page and "Yurtiçi Kargo" in page
    assert "İade etiketini indir" not in page  # a typed code has no PDF


def test_only_staff_make_returns(client, login, app):
    order = packed_order()
    request = _withdrawn(order)
    login(UserFactory(role="customer"))
    response = client.post(f"/staff/withdrawals/{request.id}/return", data={})
    assert response.status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(ReturnShipment)) == 0


def test_staff_cancel_a_label_before_pickup(client, login, geliver_app):
    order = _labelled()
    login(staff_user())
    handover = _html(client.get("/staff/fulfilment/handover"))
    assert "Aras Kargo" in handover and order.number in handover
    assert order.shipment.tracking_number in handover
    page = _html(client.get("/staff/fulfilment"))
    assert "Etiketi iptal et (kargo almadan önce)" in page
    done = _html(client.post(f"/staff/fulfilment/{order.id}/label/cancel", follow_redirects=True))
    assert f"Sipariş {order.number}: etiket iptal edildi" in done
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "received"
    assert order.number not in _html(client.get("/staff/fulfilment/handover"))
    again = _html(client.post(f"/staff/fulfilment/{order.id}/label/cancel", follow_redirects=True))
    assert "iptal edilecek etiketi yok" in again


def test_an_unsigned_webhook_is_a_notice_asked_of_geliver(client, geliver_app, monkeypatch):
    monkeypatch.setitem(current_app.config, "GELIVER_WEBHOOK_SECRET", "")
    order = _labelled()
    ref = order.shipment.provider_ref
    when = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body, _headers = geliver_app.signed_event(ref, "TRANSIT", "package_accepted", when)
    forged = body.replace(b'"TRANSIT"', b'"DELIVERED"')
    answer = client.post(WEBHOOK_URL, data=forged, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json["status"] == "in_transit"
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "shipped"  # not delivered
    unknown = forged.replace(ref.encode(), b"00000000-0000-0000-0000-000000000000")
    gets = len(geliver_app.requests_to("GET", "/shipments/"))
    answer = client.post(WEBHOOK_URL, data=unknown, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json["action"] == "ignored"
    assert len(geliver_app.requests_to("GET", "/shipments/")) == gets
    geliver_app.fail_next("GET", f"/shipments/{ref}", 503)
    assert client.post(WEBHOOK_URL, data=forged).status_code == 503


def test_the_admin_sets_rates_and_checkout_charges_them(client, login, app):
    login(UserFactory(role="admin"))
    page = _html(client.get("/admin/shipping-rates"))
    assert "Henüz fiyat yok" in page
    bad = client.post("/admin/shipping-rates", data={"province": "", "max_desi": "0", "price": "x"})
    assert bad.status_code == 422
    client.post("/admin/shipping-rates", data={"province": "", "max_desi": "10", "price": "89,90"})
    client.post(
        "/admin/shipping-rates", data={"province": "Ankara", "max_desi": "10", "price": "49,90"}
    )
    rows = db.session.scalars(select(ShippingRate).order_by(ShippingRate.id)).all()
    assert [(r.province, r.max_desi, r.price_kurus) for r in rows] == [
        ("", 10, 8990),
        ("Ankara", 10, 4990),
    ]
    page = _html(client.get("/admin/shipping-rates"))
    assert "₺89,90" in page and "₺49,90" in page
    client.get("/logout")
    product = ProductFactory(price_kurus=20000, stock=3)
    client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    checkout_page = _html(client.get("/checkout"))
    assert "₺49,90" in checkout_page  # the default il is Ankara
    login(UserFactory(role="admin"))
    client.post(f"/admin/shipping-rates/{rows[1].id}/remove")
    assert db.session.scalar(select(func.count()).select_from(ShippingRate)) == 1


@pytest.mark.parametrize("role", ["customer", "staff", "producer"])
def test_only_admins_see_the_rate_table(client, login, app, role):
    login(UserFactory(role=role))
    assert client.get("/admin/shipping-rates").status_code in (403, 404)
