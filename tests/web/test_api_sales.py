"""POST /api/v1/sales, GET /api/v1/orders/{id} and POST /api/v1/orders/{id}/refunds: offline
sales through the bazaar and order services, refunds through the refund flow."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerTransaction, Order, Payment, Product, Refund
from coopshop.services.bazaar import cash
from coopshop.services.books import ledger_check
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.ledger_support import balances, count
from tests.web.api_helpers import assert_error, caller


@pytest.fixture
def desk(app):
    session = cash.open_session("Kızılay Pazarı", "Masa 1", 50000, None)
    db.session.commit()
    return session


def _sale(client, headers, **body):
    payload = {"channel": "bazaar", "payment_method": "cash", **body}
    return client.post("/api/v1/sales", json=payload, headers=headers)


def test_a_bazaar_sale_is_paid_booked_and_answered_with_its_lines(client, desk):
    staff, headers = caller("staff")
    ayse = ProducerFactory()
    shawl = ProductFactory(code="ES01", price_kurus=40000, stock=5, makers=[(ayse, 10_000)])
    mug = ProductFactory(code="KP02", price_kurus=15000, stock=2)
    response = _sale(
        client,
        headers,
        cash_session_id=desk.id,
        lines=[{"code": "es01", "quantity": 2}, {"product_id": mug.id, "quantity": 1}],
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["total_kurus"] == 95000
    assert body["status"] == "paid"
    assert body["channel"] == "bazaar"
    assert body["cash_session_id"] == desk.id
    assert body["created_at"].endswith("+00:00")
    assert [(ln["code"], ln["quantity"], ln["gross_kurus"]) for ln in body["lines"]] == [
        ("ES01", 2, 80000),
        ("KP02", 1, 15000),
    ]
    assert all(isinstance(ln["id"], int) for ln in body["lines"])
    assert body["lines"][0]["makers"] == [{"producer_id": ayse.id, "share_bp": 10_000}]

    order = db.session.get(Order, body["id"])
    assert order.number == body["number"]
    assert order.created_by_id == staff.id
    assert db.session.get(Product, shawl.id).stock == 3
    assert balances()["clearing:cash"] == 95000
    assert ledger_check.check() == []
    assert "bazaar.sale" in set(db.session.scalars(select(AuditEvent.action)))


def test_short_stock_is_409_and_nothing_is_written(client, desk):
    _, headers = caller("staff")
    plenty = ProductFactory(code="BOL1", stock=10)
    last = ProductFactory(code="SON1", stock=1)
    response = _sale(
        client,
        headers,
        cash_session_id=desk.id,
        lines=[{"code": "BOL1", "quantity": 3}, {"code": "SON1", "quantity": 2}],
    )
    error = assert_error(response, 409, "insufficient_stock")
    assert "yeterli stok yok" in error["message"]
    db.session.expire_all()
    assert db.session.get(Product, plenty.id).stock == 10
    assert db.session.get(Product, last.id).stock == 1
    assert count(Order) == 0
    assert count(LedgerTransaction) == 0


def test_a_repeated_ticket_is_recorded_once(client, desk):
    _, headers = caller("staff")
    product = ProductFactory(code="TK01", stock=5)
    ticket = {
        "cash_session_id": desk.id,
        "client_ref": "tablet-1-0001",
        "lines": [{"code": "TK01", "quantity": 1}],
    }
    first = _sale(client, headers, **ticket)
    again = _sale(client, headers, **ticket)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.get(Product, product.id).stock == 4
    assert count(Order) == 1


def test_a_bank_transfer_sale(client):
    _, headers = caller("admin")
    product = ProductFactory(code="HV01", price_kurus=30000, stock=2)
    response = client.post(
        "/api/v1/sales",
        json={
            "channel": "bank_transfer",
            "payment_method": "bank_transfer",
            "client_ref": "transfer-0001",
            "lines": [{"product_id": product.id, "quantity": 1}],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["payment_method"] == "bank_transfer"
    assert balances()["clearing:bank"] == 30000
    assert db.session.scalar(select(Payment.provider_ref)) == "api-transfer-0001"
    assert ledger_check.check() == []


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"lines": [{"code": "X1", "quantity": 1}]}, 422, "rule_violation", "cash_session_id"),
        (
            {
                "payment_method": "bank_transfer",
                "lines": [{"code": "X1", "quantity": 1}],
                "cash_session_id": "DESK",
            },
            400,
            "validation_error",
            "cash_session_id",
        ),
        (
            {"channel": "bank_transfer", "lines": [{"code": "X1", "quantity": 1}]},
            422,
            "rule_violation",
            "payment_method",
        ),
        (
            {"channel": "online", "lines": [{"code": "X1", "quantity": 1}]},
            400,
            "validation_error",
            "channel",
        ),
        ({"lines": []}, 400, "validation_error", "lines"),
        ({"lines": [{"code": "X1", "quantity": 0}]}, 400, "validation_error", "lines[0]"),
        ({"lines": [{"code": "X1", "quantity": "2"}]}, 400, "validation_error", "lines[0]"),
        (
            {"lines": [{"code": "X1", "product_id": 1, "quantity": 1}]},
            400,
            "validation_error",
            "lines[0]",
        ),
        (
            {"lines": [{"code": "YOK", "quantity": 1}], "cash_session_id": 424242},
            404,
            "not_found",
            None,
        ),
    ],
)
def test_bad_sales_are_refused_naming_the_field(client, desk, body, status, code, field):
    _, headers = caller("staff")
    ProductFactory(code="X1")
    response = _sale(client, headers, **body)
    assert_error(response, status, code, field)
    assert count(Order) == 0


def test_a_product_code_that_does_not_exist_is_422(client, desk):
    _, headers = caller("staff")
    response = _sale(
        client, headers, cash_session_id=desk.id, lines=[{"code": "YOK1", "quantity": 1}]
    )
    assert_error(response, 422, "rule_violation", "product")


def test_a_closed_cash_session_cannot_sell(client, desk):
    _, headers = caller("staff")
    ProductFactory(code="KP1")
    cash.close_session(desk.id, 50000, None)
    db.session.commit()
    response = _sale(
        client, headers, cash_session_id=desk.id, lines=[{"code": "KP1", "quantity": 1}]
    )
    assert_error(response, 409, "invalid_transition")


def test_staff_reads_an_order_with_its_line_ids(client):
    _, headers = caller("staff")
    order = paid_order([(ProductFactory(), 2)])
    db.session.commit()
    body = client.get(f"/api/v1/orders/{order.id}", headers=headers).get_json()
    assert body["number"] == order.number
    assert [line["id"] for line in body["lines"]] == [line.id for line in order.lines]


# --- refunds -------------------------------------------------------------------------------


def _bazaar_order(client, desk, price=20000, quantity=2):
    _, staff = caller("staff")
    product = ProductFactory(price_kurus=price, stock=10)
    body = _sale(
        client,
        staff,
        cash_session_id=desk.id,
        lines=[{"product_id": product.id, "quantity": quantity}],
    ).get_json()
    return body


def test_an_admin_refunds_part_of_a_line(client, desk):
    order = _bazaar_order(client, desk)
    _, headers = caller("admin")
    line_id = order["lines"][0]["id"]
    response = client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"lines": [{"line_id": line_id, "amount_kurus": 15000}], "reason": "Lekeli"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["amount_kurus"] == 15000
    assert body["method"] == "cash"  # by default, the way it was paid
    assert body["lines"][0]["line_id"] == line_id
    assert balances()["clearing:cash"] == 40000 - 15000
    assert ledger_check.check() == []


def test_a_refund_beyond_what_remains_is_409_and_writes_nothing(client, desk):
    order = _bazaar_order(client, desk)
    _, headers = caller("admin")
    line_id = order["lines"][0]["id"]
    response = client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"lines": [{"line_id": line_id, "amount_kurus": 40001}], "reason": "Fazla"},
        headers=headers,
    )
    assert_error(response, 409, "ledger_rule")
    assert count(Refund) == 0


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"lines": [{"line_id": 1, "amount_kurus": 0}], "reason": "x"},
            400,
            "validation_error",
            "lines[0].amount_kurus",
        ),
        (
            {"lines": [{"line_id": 1, "amount_kurus": 1.5}], "reason": "x"},
            400,
            "validation_error",
            "lines[0].amount_kurus",
        ),
        ({"lines": [{"line_id": 1, "amount_kurus": 100}]}, 422, "rule_violation", "reason"),
        (
            {"lines": [{"line_id": 1, "amount_kurus": 100}], "reason": "x", "method": "stripe"},
            400,
            "validation_error",
            "method",
        ),
        (
            {"lines": [{"line_id": 999999, "amount_kurus": 100}], "reason": "x"},
            422,
            "rule_violation",
            "lines",
        ),
    ],
)
def test_bad_refunds_are_refused(client, desk, body, status, code, field):
    order = _bazaar_order(client, desk)
    _, headers = caller("admin")
    for line in body["lines"]:
        if line["line_id"] == 1:
            line["line_id"] = order["lines"][0]["id"]
    response = client.post(f"/api/v1/orders/{order['id']}/refunds", json=body, headers=headers)
    assert_error(response, status, code, field)
    assert count(Refund) == 0


def test_refunding_an_order_that_does_not_exist_is_404(client):
    _, headers = caller("admin")
    response = client.post(
        "/api/v1/orders/4242/refunds",
        json={"lines": [{"line_id": 1, "amount_kurus": 100}], "reason": "x"},
        headers=headers,
    )
    assert_error(response, 404, "not_found")


def test_staff_cannot_refund(client, desk):
    order = _bazaar_order(client, desk)
    _, headers = caller("staff")
    response = client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"lines": [{"line_id": order["lines"][0]["id"], "amount_kurus": 100}], "reason": "x"},
        headers=headers,
    )
    assert_error(response, 403, "forbidden")


def _stripe_order():
    order = paid_order([(ProductFactory(price_kurus=50000), 1)], payment_method="stripe")
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    payment.charge_ref = "ch_test_1"
    db.session.commit()
    return order


def test_an_online_order_is_refunded_through_stripe(app, client, stripe_stub):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE=stripe_stub.base)
    order = _stripe_order()
    line = order.lines[0]
    stripe_stub.routes[("GET", "/v1/refunds")] = {
        "object": "list",
        "data": [],
        "has_more": False,
        "url": "/v1/refunds",
    }
    stripe_stub.routes[("POST", "/v1/refunds")] = lambda req: {
        "id": "re_test_1",
        "object": "refund",
        "amount": int(req["form"]["amount"]),
        "status": "succeeded",
        "charge": "ch_test_1",
        "currency": "try",
        "metadata": {"refund_request": req["form"].get("metadata[refund_request]")},
    }
    _, headers = caller("admin")
    app.config["OUTBOX_AFTER_RESPONSE"] = True  # as without Redis: jobs once the answer is out
    try:
        response = client.post(
            f"/api/v1/orders/{order.id}/refunds",
            json={"lines": [{"line_id": line.id, "amount_kurus": 20000}], "reason": "İade"},
            headers=headers,
        )
        # Written down and answered at once; Stripe is asked by the refund.send job.
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["status"] == "pending"
        assert response.get_json()["amount_kurus"] == 20000
        assert [r for r in stripe_stub.requests if r["method"] == "POST"] == []
        response.close()  # what the WSGI server does once the answer has been sent
    finally:
        app.config.update(STRIPE_SECRET_KEY="", STRIPE_API_BASE="", OUTBOX_AFTER_RESPONSE=False)
    sent = [r for r in stripe_stub.requests if r["method"] == "POST"]
    assert sent[0]["form"]["amount"] == "20000"
    assert sent[0]["headers"]["idempotency-key"] == f"refund-{order.number}-1"
    assert db.session.scalar(select(Refund.provider_ref)) == "re_test_1"
    assert ledger_check.check() == []


def test_an_online_refund_without_stripe_configured_is_409(client):
    order = _stripe_order()
    _, headers = caller("admin")
    response = client.post(
        f"/api/v1/orders/{order.id}/refunds",
        json={"lines": [{"line_id": order.lines[0].id, "amount_kurus": 100}], "reason": "x"},
        headers=headers,
    )
    assert_error(response, 409, "provider_unavailable")
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0


def test_the_loser_of_a_race_for_the_same_ticket_gets_409(client, desk, monkeypatch):
    """Two tablets sending the same ticket at the same moment: neither sees the other's order
    before inserting; the unique payment reference stops the second, which is told to retry."""
    from coopshop.services.bazaar import offline_sales
    from coopshop.services.bazaar import tickets as bazaar

    _, headers = caller("staff")
    product = ProductFactory(code="YR01", stock=5)
    ticket = {
        "cash_session_id": desk.id,
        "client_ref": "tablet-2-0042",
        "lines": [{"code": "YR01", "quantity": 1}],
    }
    assert _sale(client, headers, **ticket).status_code == 201
    monkeypatch.setattr(offline_sales, "previous", lambda sale: None)
    monkeypatch.setattr(bazaar, "order_for_ticket", lambda ref: None)
    assert_error(_sale(client, headers, **ticket), 409, "conflict")
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 4
    assert count(Order) == 1
