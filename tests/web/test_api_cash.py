"""API: cash sessions and the tickets point-of-sale devices sync."""

from __future__ import annotations

import uuid

import pytest

from tests.support.factories import ProductFactory
from tests.web.api_helpers import assert_error, caller


@pytest.fixture
def staff(app):
    return caller("staff")


def open_desk(client, headers, desk="Masa 1", float_kurus=20_000) -> dict:
    response = client.post(
        "/api/v1/cash-sessions",
        json={"event_name": "Kızılay Pazarı", "desk": desk, "opening_float_kurus": float_kurus},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def a_ticket(ref=None, device="device-0001", qty=1, price=12_000, code="ATK01") -> dict:
    return {
        "client_ref": ref or uuid.uuid4().hex,
        "device_id": device,
        "payment_method": "cash",
        "rung_at": "2026-12-01T10:00:00+03:00",
        "lines": [{"code": code, "quantity": qty, "unit_price_kurus": price}],
    }


def test_a_desk_opens_sells_offline_tickets_once_and_closes(client, staff):
    _, headers = staff
    ProductFactory(code="ATK01", price_kurus=12_000, stock=2)
    desk = open_desk(client, headers)
    assert desk["status"] == "open" and desk["expected_kurus"] == 20_000
    url = f"/api/v1/cash-sessions/{desk['id']}"

    listed = client.get("/api/v1/cash-sessions", headers=headers).get_json()
    assert [s["id"] for s in listed["items"]] == [desk["id"]]
    catalogue = client.get(f"{url}/catalogue", headers=headers).get_json()["items"]
    assert [(i["code"], i["price_kurus"], i["stock"]) for i in catalogue] == [("ATK01", 12_000, 2)]

    body = a_ticket()
    first = client.post(f"{url}/tickets", json=body, headers=headers)
    assert first.status_code == 201
    again = client.post(f"{url}/tickets", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["order"]["id"] == first.get_json()["order"]["id"]
    assert not again.get_json()["first_time"]

    # Two more than there is: recorded, flagged.
    short = client.post(f"{url}/tickets", json=a_ticket(qty=3), headers=headers).get_json()
    assert short["conflicts"] == 1 and short["order"]["total_kurus"] == 36_000

    device = {"device_id": "device-0002", "label": "Tablet", "pending": 2}
    client.post(f"{url}/devices", json=device, headers=headers)
    refused = client.post(f"{url}/close", json={"counted_kurus": 68_000}, headers=headers)
    error = assert_error(refused, 409, "conflict")
    assert "Tablet (2)" in error["message"]
    assert client.get(url, headers=headers).get_json()["unsent"] == {"device-0002": 2}

    device = {"device_id": "device-0002", "label": "Tablet", "pending": 0}
    client.post(f"{url}/devices", json=device, headers=headers)
    closed = client.post(f"{url}/close", json={"counted_kurus": 68_000}, headers=headers)
    assert closed.status_code == 200, closed.get_data(as_text=True)
    assert (closed.get_json()["status"], closed.get_json()["difference_kurus"]) == ("closed", 0)

    late = client.post(f"{url}/tickets", json=a_ticket(), headers=headers)
    assert_error(late, 409, "invalid_transition")


def test_customers_and_producers_cannot_touch_desks(client, app):
    for role in ("customer", "producer"):
        _, headers = caller(role)
        assert_error(client.get("/api/v1/cash-sessions", headers=headers), 403, "forbidden")
    assert_error(client.get("/api/v1/cash-sessions"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_ref": "short"}, "client_ref"),
        ({"rung_at": "2026-12-01T10:00:00"}, "rung_at"),
        ({"payment_method": "bank_transfer"}, "payment_method"),
        ({"lines": []}, "lines"),
    ],
)
def test_bad_tickets_answer_400_naming_the_field(client, staff, change, field):
    _, headers = staff
    desk = open_desk(client, headers)
    response = client.post(
        f"/api/v1/cash-sessions/{desk['id']}/tickets", json={**a_ticket(), **change},
        headers=headers,
    )  # fmt: skip
    assert_error(response, 400, "validation_error", field)


def test_unknown_desks_and_devices_are_404(client, staff):
    _, headers = staff
    assert_error(client.get("/api/v1/cash-sessions/999", headers=headers), 404, "not_found")
    desk = open_desk(client, headers)
    bad = client.post(
        f"/api/v1/cash-sessions/{desk['id']}/devices",
        json={"device_id": "x", "pending": 0},
        headers=headers,
    )
    assert_error(bad, 400, "validation_error", "device_id")
    gone = client.post(
        "/api/v1/cash-sessions/999/devices", json={"device_id": "device-0001", "pending": 0},
        headers=headers,
    )  # fmt: skip
    assert_error(gone, 404, "not_found")
