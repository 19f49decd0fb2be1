"""The offline point of sale's page, manifest, service worker and JSON calls (the browser side
is tests/e2e/test_7_offline_desk.py)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import OfflineTicket, Order, OutboxMessage, PosDevice
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.staff_support import open_desk, stock
from tests.web.test_roles import log_in_as


@pytest.fixture
def desk(app, client):
    clerk = log_in_as(client, "staff")
    return open_desk(clerk.id)


def config_of(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="pos-config">(.*?)</script>', html, re.S)
    assert found, "no config block"
    return json.loads(found.group(1))


def a_ticket(ref=None, code="ATK01", qty=1, price=12_000, **extra) -> dict:
    return {
        "client_ref": ref or str(uuid.uuid4()),
        "device_id": "device-0001",
        "payment_method": "cash",
        "rung_at": "2026-12-01T07:00:00.000Z",
        "lines": [{"code": code, "quantity": qty, "unit_price_kurus": price}],
        **extra,
    }


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_page_is_for_the_desk_with_its_manifest_and_no_inline_script(client, desk):
    response = client.get(f"/staff/offline/{desk.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert (
        '<link rel="manifest" href="/staff/offline/manifest.webmanifest" '
        'crossorigin="use-credentials">'
    ) in html
    assert "/static/js/pos-offline.js" in html
    # The only script without src is the data block, which a browser never runs (CSP).
    assert re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) == [
        ' type="application/json" id="pos-config"'
    ]
    assert " style=" not in html
    config = config_of(html)
    assert config["session"]["id"] == desk.id
    assert config["urls"]["tickets"] == f"/staff/offline/{desk.id}/tickets"
    assert config["strings"]["pending_one"] == "%(n)s satış gönderilmeyi bekliyor"
    assert config["money"] == {"prefix": "₺", "group": ".", "decimal": ",", "suffix": ""}


@pytest.mark.parametrize("role", ["guest", "customer", "producer"])
def test_only_the_desk_sees_the_page_and_its_data(app, client, role):
    from tests.support.staff_support import staff_user

    session = open_desk(staff_user().id)
    log_in_as(client, role)
    for path in (
        f"/staff/offline/{session.id}",
        f"/staff/offline/{session.id}/state",
        "/staff/offline/manifest.webmanifest",
        "/staff/offline/sw.js",
    ):
        response = client.get(path)
        if role == "guest":
            assert response.status_code == 302 and "/auth/login" in response.location
        else:
            assert response.status_code == 403
    response = post_json(client, f"/staff/offline/{session.id}/tickets", a_ticket())
    assert response.status_code in (302, 403)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_manifest_and_service_worker_have_their_content_types(client, desk):
    manifest = client.get("/staff/offline/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["scope"] == "/staff/offline/"
    assert data["start_url"] == "/staff/offline/"
    assert data["display"] == "standalone"
    assert [icon["sizes"] for icon in data["icons"]] == ["192x192", "512x512"]
    for icon in data["icons"]:
        with client.get(icon["src"]) as image:
            assert image.mimetype == "image/png"

    worker = client.get("/staff/offline/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert 'addEventListener("fetch"' in worker.get_data(as_text=True)


def test_state_carries_the_catalogue_and_a_csrf_token(client, desk):
    ProductFactory(code="ATK01", price_kurus=12_000, stock=3)
    state = client.get(f"/staff/offline/{desk.id}/state").get_json()
    assert state["session"]["status"] == "open"
    assert [(i["code"], i["price_kurus"], i["stock"]) for i in state["catalogue"]] == [
        ("ATK01", 12_000, 3)
    ]
    assert state["csrf_token"] and state["unsent"] == []
    assert client.get("/staff/offline/999999/state").status_code == 404


def test_a_ticket_sent_twice_is_one_sale_and_mails_its_receipt_once(client, desk):
    maker = ProducerFactory()
    product = ProductFactory(code="ATK01", price_kurus=12_000, stock=3, makers=[(maker, 10_000)])
    url = f"/staff/offline/{desk.id}/tickets"
    body = a_ticket(email="alici@example.org")
    first = post_json(client, url, body)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = post_json(client, url, body)
    assert again.status_code == 200
    assert again.get_json()["order"]["number"] == first.get_json()["order"]["number"]
    assert (first.get_json()["receipt_mailed"], again.get_json()["receipt_mailed"]) == (True, False)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert stock(product.id) == 2
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to for m in mails] == ["alici@example.org"]
    assert first.get_json()["order"]["number"] in mails[0].body


def test_conflicts_come_back_per_line(client, desk):
    ProductFactory(code="KSE01", price_kurus=9_000, stock=1)
    answer = post_json(
        client, f"/staff/offline/{desk.id}/tickets", a_ticket(code="KSE01", qty=2, price=8_000)
    ).get_json()
    assert answer["conflicts"] == 1
    assert answer["order"]["lines"] == [
        {
            "code": "KSE01",
            "title": answer["order"]["lines"][0]["title"],
            "quantity": 2,
            "unit_price_kurus": 8_000,
            "gross_kurus": 16_000,
            "stock_short": 1,
            "list_price_kurus": 9_000,
        }
    ]


def test_a_card_ticket_keeps_its_slip_number_and_a_bad_email_does_not_hold_the_sale(client, desk):
    ProductFactory(code="ATK01", price_kurus=12_000, stock=3)
    ref = str(uuid.uuid4())
    body = a_ticket(ref=ref, payment_method="card_terminal", slip_number="004217", email="ayse@")
    answer = post_json(client, f"/staff/offline/{desk.id}/tickets", body)
    assert answer.status_code == 201
    assert answer.get_json()["receipt_mailed"] is False
    ticket = db.session.scalar(select(OfflineTicket).where(OfflineTicket.client_ref == ref))
    assert ticket.slip_number == "004217"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_method": "cheque"}, "payment_method"),
        ({"rung_at": "2026-12-01T10:00:00"}, "rung_at"),
        ({"lines": []}, "lines"),
        ({"client_ref": "short"}, "client_ref"),
    ],
)
def test_a_malformed_ticket_is_refused_with_the_field_and_nothing_written(
    client, desk, change, field
):
    ProductFactory(code="ATK01", price_kurus=12_000, stock=3)
    response = post_json(client, f"/staff/offline/{desk.id}/tickets", {**a_ticket(), **change})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"].startswith(field) and "Fiş okunamadı" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_closed_desk_refuses_tickets_and_an_unsent_device_blocks_the_closing(client, desk):
    ProductFactory(code="ATK01", price_kurus=12_000, stock=3)
    device = {"device_id": "device-0002", "label": "Tablet B", "pending": 2}
    reported = post_json(client, f"/staff/offline/{desk.id}/device", device)
    assert reported.get_json()["unsent"] == [
        {"device_id": "device-0002", "label": "Tablet B", "pending": 2}
    ]
    page = client.get(f"/staff/sessions/{desk.id}").get_data(as_text=True)
    assert "Tablet B (2)" in page
    refused = client.post(
        f"/staff/sessions/{desk.id}/close", data={"counted": "500,00", "confirm": "1"}
    )
    assert refused.status_code == 409
    assert "Kasa kapatılamaz: Tablet B (2)" in refused.get_data(as_text=True)

    post_json(client, f"/staff/offline/{desk.id}/device", {**device, "pending": 0})
    assert db.session.scalar(select(PosDevice.pending)) == 0
    closed = client.post(
        f"/staff/sessions/{desk.id}/close", data={"counted": "500,00", "confirm": "1"}
    )
    assert closed.status_code == 302
    late = post_json(client, f"/staff/offline/{desk.id}/tickets", a_ticket())
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "invalid_transition"
    state = client.get(f"/staff/offline/{desk.id}/state").get_json()
    assert state["session"]["status"] == "closed"
