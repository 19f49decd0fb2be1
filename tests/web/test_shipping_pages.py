"""Shipping through the pages, the webhook and the poll command: staff label a packed order and
print it, only staff see labels, the shopper's order page links the parcel's tracking, and the
carrier's events (signed, repeated, out of order, forged) move the order as staff would."""

from __future__ import annotations

import email
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, OutboxJob, utcnow
from coopshop.models.shipping import Shipment, ShipmentEvent
from coopshop.services.core import outbox
from tests.support.factories import UserFactory
from tests.support.geliver_support import LABEL_PDF, WEBHOOK_URL, packed_order
from tests.support.staff_support import audit_actions, staff_user


@pytest.fixture
def clerk(client, login):
    user = staff_user()
    login(user)
    return user


def _html(response) -> str:
    return response.get_data(as_text=True)


def _label_from_page(client, order):
    return client.post(
        f"/staff/fulfilment/{order.id}/label",
        data={f"p{order.id}-weight_g": "1250", f"p{order.id}-dimensions": "30x20x10"},
        follow_redirects=True,
    )


def _order_page_link(app) -> str:
    """The shopper's order link, from the shipping e-mail she got."""
    bodies = [
        email.message_from_string(p.read_text()).get_payload(decode=True).decode()
        for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    ]
    bodies = [body for body in bodies if "kargoya verildi" in body]
    (link,) = {m for body in bodies for m in re.findall(r"http://localhost(/orders/\S+)", body)}
    return link


def test_staff_label_a_packed_order_and_print_it(app, client, clerk, geliver_app):
    order = packed_order()
    page = _html(client.get("/staff/fulfilment"))
    assert 'value="1000"' in page and 'value="30x20x10"' in page  # defaults from settings
    assert "Teklifleri göster" in page and "Bugün paketlenen" in page

    offers = _html(
        client.post(
            f"/staff/fulfilment/{order.id}/offers",
            data={f"p{order.id}-weight_g": "1250", f"p{order.id}-dimensions": "30x20x10"},
        )
    )
    assert "PTT Kargo" in offers and "Sürat Kargo" in offers and "75,00" in offers

    # As without Redis in development: the label job runs once the answer has gone.
    app.config["OUTBOX_AFTER_RESPONSE"] = True
    try:
        asked_before = len(geliver_app.requests)
        response = client.post(
            f"/staff/fulfilment/{order.id}/label",
            data={f"p{order.id}-weight_g": "1250", f"p{order.id}-dimensions": "30x20x10"},
        )
        assert response.status_code == 302
        assert len(geliver_app.requests) == asked_before  # Geliver not asked inside the page
        assert db.session.scalar(select(func.count()).select_from(Shipment)) == 0
        response.close()  # the answer has been sent: the label job buys the label now
    finally:
        app.config["OUTBOX_AFTER_RESPONSE"] = False
    db.session.expire_all()
    html = _html(client.get("/staff/fulfilment?adim=shipped"))
    assert f"Sipariş {order.number}: etiket kargo aracısından isteniyor" in html
    shipment = db.session.scalars(select(Shipment)).one()
    assert (shipment.weight_g, shipment.carrier) == (1250, "aras")
    assert shipment.tracking_number in html and "Etiketi yazdır (PDF)" in html
    assert shipment.label_pdf == LABEL_PDF  # stored with the label
    pdf = client.get(f"/staff/fulfilment/{order.id}/label.pdf")
    assert (pdf.status_code, pdf.mimetype, pdf.data) == (200, "application/pdf", LABEL_PDF)

    again = _html(_label_from_page(client, order))  # a second click buys nothing
    assert "kargoya hazır değil" in again or "zaten alınmış" in again
    assert len(geliver_app.requests_to("POST", "/transactions")) == 1

    order_page = _html(client.get(_order_page_link(app)))
    assert "Aras Kargo" in order_page and shipment.tracking_number in order_page
    assert f'href="{shipment.tracking_url}"' in order_page and "Kargoyu izle" in order_page
    assert "label.pdf" not in order_page


def test_the_batch_labels_the_days_packed_orders(client, clerk, geliver_app):
    first, second = packed_order(), packed_order()
    html = _html(client.post("/staff/fulfilment/labels/batch", follow_redirects=True))
    assert "Etiketi kargo aracısından istenen sipariş: 2" in html
    jobs = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "label.buy")).all()
    assert sorted(j.payload["order_id"] for j in jobs) == sorted([first.id, second.id])
    assert all(j.done_at is not None for j in jobs)  # testing: run right after the commit
    db.session.expire_all()
    assert {o.fulfilment_status for o in (first, second)} == {"shipped"}
    assert len(geliver_app.requests_to("POST", "/transactions")) == 2
    # Again: nothing is packed and unlabelled any more, nothing is bought twice.
    html = _html(client.post("/staff/fulfilment/labels/batch", follow_redirects=True))
    assert "Etiketi kargo aracısından istenen sipariş: 0" in html
    assert len(geliver_app.requests_to("POST", "/transactions")) == 2


def test_a_silent_geliver_is_told_to_try_again(client, clerk, geliver_app):
    order = packed_order()
    geliver_app.fail_next("POST", "/transactions", status=503)
    html = _html(_label_from_page(client, order))  # testing: the job ran, Geliver was down
    assert "Son deneme olmadı, yeniden denenecek" in html
    assert "Kargo firması şu an yanıt vermiyor; biraz sonra yeniden deneyin." in html
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 0
    (job,) = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "label.buy"))
    assert (job.attempts, job.done_at, job.failed_at) == (1, None, None)
    # A second click while the job waits for its retry writes nothing new.
    assert "etiket zaten isteniyor" in _html(_label_from_page(client, order))
    # Geliver is back: the outbox's retry (after its backoff) buys the label, once.
    assert outbox.drain(now=utcnow() + timedelta(minutes=5), kinds=("label.buy",)) == {"done": 1}
    shipment = db.session.scalars(select(Shipment)).one()
    assert shipment.label_pdf == LABEL_PDF and shipment.tracking_number
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "shipped"


def test_a_refused_label_shows_the_carriers_message_and_is_tried_again(client, clerk, geliver_app):
    order = packed_order()
    geliver_app.fail_next(
        "POST",
        "/transactions",
        status=400,
        body={"result": False, "code": "VALIDATION", "message": "recipient address invalid"},
    )
    html = _html(_label_from_page(client, order))
    assert "Etiket alınamadı: Kargo aracısı adresi kabul etmedi" in html
    assert "recipient address invalid" in html  # the carrier's own words after ours
    assert "Yeniden dene (varsayılan kargo)" in html
    (job,) = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "label.buy"))
    assert job.failed_at is not None  # a refusal is not retried by itself
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 0

    html = _html(_label_from_page(client, order))  # the retry: the same job, a fresh start
    assert db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "label.buy")).all() == [job]
    db.session.expire_all()
    assert db.session.get(OutboxJob, job.id).done_at is not None
    shipment = db.session.scalars(select(Shipment)).one()
    assert shipment.tracking_number in _html(client.get("/staff/fulfilment?adim=shipped"))
    assert len(geliver_app.requests_to("POST", "/transactions")) == 2


def test_manual_staff_type_the_carrier_and_number(app, client, clerk):
    order = packed_order()
    page = _html(client.get("/staff/fulfilment"))
    assert f'name="s{order.id}-carrier"' in page and f'name="s{order.id}-tracking_number"' in page
    assert "Bugün paketlenen" not in page  # no batch without an aggregator
    blank = client.post(
        f"/staff/fulfilment/{order.id}/label",
        data={f"s{order.id}-carrier": "ptt", f"s{order.id}-tracking_number": ""},
    )
    assert blank.status_code == 422 and "Kargo takip numarasını yazın." in _html(blank)
    html = _html(
        client.post(
            f"/staff/fulfilment/{order.id}/label",
            data={f"s{order.id}-carrier": "ptt", f"s{order.id}-tracking_number": "PTT 55"},
            follow_redirects=True,
        )
    )
    assert f"Sipariş {order.number}: PTT Kargo etiketi hazır." in html
    assert "Etiketi yazdır" not in html  # nothing to print by hand
    order_page = _html(client.get(_order_page_link(app)))
    assert "https://gonderitakip.ptt.gov.tr/Track/Verify?q=PTT%2055" in order_page


@pytest.mark.parametrize("role", ["customer", "producer", None])
def test_only_staff_see_labels(app, client, login, geliver_app, role):
    order = packed_order()
    staff = staff_user(email="masa2@example.org")
    from coopshop.services.shipping import labels
    from coopshop.services.shipping.base import Parcel
    from coopshop.web import shipping as shipping_web

    request = labels.LabelRequest(order.id, Parcel(1000, 30, 20, 10))
    labels.buy(request, shipping_web.adapter(), app.config, staff.id)
    db.session.commit()
    if role:
        login(UserFactory(role=role))
    for response in (
        client.get(f"/staff/fulfilment/{order.id}/label.pdf"),
        client.post(f"/staff/fulfilment/{order.id}/label"),
        client.post("/staff/fulfilment/labels/batch"),
    ):
        assert response.status_code == (403 if role else 302)
        assert response.data != LABEL_PDF


# ---- the webhook and the poll ---------------------------------------------------------------


@pytest.fixture
def shipped(app, geliver_app):
    from coopshop.services.shipping import labels
    from coopshop.services.shipping.base import Parcel
    from coopshop.web import shipping as shipping_web

    order = packed_order()
    request = labels.LabelRequest(order.id, Parcel(1000, 30, 20, 10))
    shipment = labels.buy(request, shipping_web.adapter(), app.config, None)
    db.session.commit()
    return order, shipment


def _deliver(client, body, headers):
    return client.post(WEBHOOK_URL, data=body, headers=headers)


def test_a_signed_webhook_moves_the_parcel(client, geliver_app, shipped):
    order, shipment = shipped
    body, headers = geliver_app.signed_event(
        shipment.provider_ref, "TRANSIT", "package_accepted", "2026-05-05T09:00:00Z"
    )
    response = _deliver(client, body, headers)
    assert response.status_code == 200
    assert response.json == {"received": True, "action": "changed", "status": "in_transit"}
    again = _deliver(client, body, headers)
    assert again.json["action"] == "duplicate"
    assert db.session.scalar(select(func.count()).select_from(ShipmentEvent)) == 1


@pytest.mark.parametrize("forgery", ["wrong_secret", "tampered", "stale", "unsigned"])
def test_a_forged_webhook_changes_nothing(client, geliver_app, shipped, forgery):
    order, shipment = shipped
    body, headers = geliver_app.signed_event(
        shipment.provider_ref,
        "DELIVERED",
        "delivered",
        "2026-05-06T14:00:00Z",
        secret="not-the-secret" if forgery == "wrong_secret" else None,
        timestamp=int(time.time()) - 3600 if forgery == "stale" else None,
    )
    if forgery == "tampered":
        body = body.replace(b"DELIVERED", b"RETURNED")
    if forgery == "unsigned":
        headers = {"Content-Type": "application/json"}
    assert _deliver(client, body, headers).status_code == 401
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "shipped"
    assert db.session.scalar(select(func.count()).select_from(ShipmentEvent)) == 0


def test_delivered_out_of_order_marks_the_order_delivered_once(app, client, geliver_app, shipped):
    order, shipment = shipped
    ref = shipment.provider_ref
    deliveries = [
        geliver_app.signed_event(ref, "DELIVERED", "delivered", "2026-05-06T14:00:00Z"),
        geliver_app.signed_event(ref, "TRANSIT", "out_for_delivery", "2026-05-06T08:00:00Z"),
        geliver_app.signed_event(ref, "DELIVERED", "delivered", "2026-05-06T15:00:00Z"),
    ]
    actions = [_deliver(client, *d).json["action"] for d in deliveries]
    assert actions == ["changed", "unchanged", "unchanged"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "delivered"
    assert audit_actions("fulfilment.delivered") == ["fulfilment.delivered"]
    order_page = _html(client.get(_order_page_link(app)))
    assert "Teslim edildi" in order_page


def test_the_webhook_is_not_there_without_geliver(client):
    assert client.post("/webhooks/geliver", data=b"{}").status_code == 404


def test_the_poll_command_catches_up(app, geliver_app, shipped):
    order, shipment = shipped
    geliver_app.set_tracking(
        shipment.provider_ref, "DELIVERED", "delivered", "2026-05-06T14:00:00Z", event_id="d1"
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shipping", "poll"])
    assert result.exit_code == 0, result.output
    assert "checked 1, changed 1, failed 0" in result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "delivered"
    again = runner.invoke(args=["shipping", "poll"])
    assert "checked 0, changed 0, failed 0" in again.output  # delivered is final
    assert audit_actions("fulfilment.delivered") == ["fulfilment.delivered"]


def test_the_poll_command_with_the_manual_adapter_does_nothing(app):
    result = app.test_cli_runner().invoke(args=["shipping", "poll"])
    assert result.exit_code == 0 and "nothing to poll" in result.output


@pytest.mark.parametrize("token", ["wrong", "", None])
def test_a_webhook_without_the_addresss_token_changes_nothing(client, geliver_app, shipped, token):
    order, shipment = shipped
    body, headers = geliver_app.signed_event(
        shipment.provider_ref, "RETURNED", "returned", "2026-05-06T14:00:00Z"
    )
    gets = len(geliver_app.requests_to("GET", "/shipments/"))
    url = "/webhooks/geliver" if token is None else f"/webhooks/geliver?token={token}"
    answer = _deliver_to(client, url, body, headers)
    assert answer.status_code == 403 and answer.json["error"]["message"] == "bad_token"
    assert len(geliver_app.requests_to("GET", "/shipments/")) == gets  # nothing asked of Geliver
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "shipped"
    assert db.session.scalar(select(func.count()).select_from(ShipmentEvent)) == 0
    # The right token: applied once, then a repeat changes nothing.
    assert _deliver(client, body, headers).json["status"] == "returned"
    assert _deliver(client, body, headers).json["action"] == "duplicate"
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "returned"


def test_without_the_secret_the_body_is_not_believed_but_read_back(
    app, client, monkeypatch, geliver_app, shipped
):
    # Geliver signs nothing: with the token and no secret, a forged status in the body is
    # replaced by what Geliver's API says of the shipment.
    monkeypatch.setitem(app.config, "GELIVER_WEBHOOK_SECRET", "")
    order, shipment = shipped
    body, _headers = geliver_app.signed_event(
        shipment.provider_ref, "TRANSIT", "package_accepted", "2026-05-06T09:00:00Z"
    )
    forged = body.replace(b'"TRANSIT"', b'"RETURNED"')
    answer = _deliver(client, forged, {"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json["status"] == "in_transit"
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "shipped"


def _deliver_to(client, url, body, headers):
    return client.post(url, data=body, headers=headers)
