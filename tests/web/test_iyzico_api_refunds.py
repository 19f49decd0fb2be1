"""Refunds of iyzico orders through the API (POST /api/v1/orders/{id}/refunds) and the words
the API and the admin pages use when iyzico is not configured: the order's own provider."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Payment, Refund, RefundRequest
from coopshop.services.books.ledger_check import check
from coopshop.services.sales import iyzico
from tests.support.factories import ProductFactory, UserFactory
from tests.support.iyzico_support import iyzico_paid_order
from tests.support.ledger_support import balances
from tests.web.api_helpers import assert_error, caller

pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)


def _paid(app, standin):
    kilim = ProductFactory(price_kurus=41250, stock=3, title_tr="Kilim yastık")
    soap = ProductFactory(price_kurus=3333, stock=10, title_tr="Zeytinyağı sabunu")
    db.session.commit()
    return iyzico_paid_order(app, standin, {kilim.id: 1, soap.id: 2})


def _api_refund(client, order, lines, headers):
    return client.post(
        f"/api/v1/orders/{order.id}/refunds",
        json={"lines": lines, "reason": "Renk farklı"},
        headers=headers,
    )


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(RefundRequest))


def test_the_api_refunds_part_of_an_iyzico_line_to_that_items_transaction(
    client, iyzico_app, iyzico_standin, monkeypatch
):
    # As without Redis in development: the refund job runs once the answer has gone.
    monkeypatch.setitem(iyzico_app.config, "OUTBOX_AFTER_RESPONSE", True)
    order = _paid(iyzico_app, iyzico_standin)
    line = next(ln for ln in order.lines if ln.quantity == 2)
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    _, headers = caller("admin")
    asked_before = len(iyzico_standin.requests)

    response = _api_refund(client, order, [{"line_id": line.id, "amount_kurus": 1250}], headers)

    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    request = db.session.scalars(select(RefundRequest)).one()
    url = f"/api/v1/orders/{order.id}/refund-requests/{request.id}"
    assert body == {
        "request_id": request.id,
        "order_id": order.id,
        "status": "pending",
        "amount_kurus": 1250,
        "error": None,
        "refund_id": None,
        "url": url,
    }
    assert len(iyzico_standin.requests) == asked_before  # iyzico not asked inside the call
    assert db.session.scalars(select(Refund)).all() == []
    response.close()  # the answer has been sent: the refund job asks iyzico now
    db.session.expire_all()  # the job ran in its own session (its own app context)

    read = client.get(url, headers=headers)
    assert read.status_code == 200
    refund = db.session.scalars(select(Refund)).one()
    assert read.get_json() | {"refund_id": None} == body | {"status": "succeeded"}
    assert read.get_json()["refund_id"] == refund.id
    [sent] = iyzico_standin.requests_to(iyzico.REFUND_PATH)
    assert sent.body["paymentTransactionId"] == payment.item_refs[str(line.id)]
    assert sent.body["price"] == "12.5"
    assert iyzico_standin.requests_to(iyzico.CANCEL_PATH) == []
    assert (refund.amount_kurus, refund.method) == (1250, "original")
    assert [(rl.line_id, rl.amount_kurus) for rl in refund.lines] == [(line.id, 1250)]
    assert db.session.scalars(select(RefundRequest)).one().status == "succeeded"
    assert balances()["clearing:iyzico"] == order.total_kurus - payment.fee_kurus - 1250
    assert check() == []
    other = caller("admin")[1]
    assert client.get(f"/api/v1/orders/{order.id + 1}/refund-requests/{request.id}",
                      headers=other).status_code == 404  # fmt: skip


def test_an_api_refund_iyzico_refuses_is_failed_with_iyzicos_message(
    client, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    line = order.lines[0]
    _, headers = caller("admin")
    before = balances()
    iyzico_standin.error_next(iyzico.REFUND_PATH, "5094", "İade tutarı iade edilebilir değil")

    response = _api_refund(client, order, [{"line_id": line.id, "amount_kurus": 100}], headers)

    assert response.status_code == 202  # written down and sent; iyzico answers the job
    read = client.get(response.get_json()["url"], headers=headers).get_json()
    assert read["status"] == "failed"
    assert read["error"] == "iyzico 5094: İade tutarı iade edilebilir değil"
    assert db.session.scalars(select(RefundRequest)).one().status == "failed"
    assert db.session.scalars(select(Refund)).all() == []
    assert balances() == before


def test_an_api_refund_of_an_iyzico_order_without_iyzico_keys_is_409_naming_iyzico(
    client, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    iyzico_app.config.update(IYZICO_API_KEY="", IYZICO_SECRET_KEY="")  # the fixture restores
    _, headers = caller("admin")

    response = _api_refund(
        client, order, [{"line_id": order.lines[0].id, "amount_kurus": 100}], headers
    )

    error = assert_error(response, 409, "provider_unavailable")
    assert error["message"] == "iyzico ayarlı değil; bu sipariş şu an iade edilemez."
    assert _requests() == 0
    assert iyzico_standin.requests_to(iyzico.REFUND_PATH) == []


def test_the_admin_refund_page_without_iyzico_keys_names_iyzico_not_stripe(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    iyzico_app.config.update(IYZICO_API_KEY="", IYZICO_SECRET_KEY="")
    login(UserFactory(role="admin"))

    page = client.get(f"/admin/orders/{order.id}/refund").get_data(as_text=True)
    assert "para iyzico üzerinden karta geri gönderilir" in page
    response = client.post(
        f"/admin/orders/{order.id}/refund",
        data={"reason": "Renk", "scope": "line", "line": order.lines[0].id},
    )

    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "iyzico ayarlı değil; bu sipariş şu an iade edilemez." in text
    assert "Stripe" not in text
    assert _requests() == 0


def test_a_pending_iyzico_request_is_named_and_its_retry_without_keys_names_iyzico(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    payment.created_at = payment.created_at.replace(year=payment.created_at.year - 1)
    db.session.commit()
    login(UserFactory(role="admin"))
    iyzico_standin.hang(30)
    client.post(
        f"/admin/orders/{order.id}/refund",
        data={"reason": "Renk", "scope": "line", "line": order.lines[0].id},
    )
    iyzico_standin.unhang()
    pending = db.session.scalars(select(RefundRequest)).one()
    assert pending.status == "pending"

    detail = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "iyzico iade isteği #1" in detail
    assert "Beklemedeki kart iadeleri" in client.get("/admin/refunds").get_data(as_text=True)
    iyzico_app.config.update(IYZICO_API_KEY="", IYZICO_SECRET_KEY="")
    retried = client.post(f"/admin/refund-requests/{pending.id}/retry", follow_redirects=True)

    text = retried.get_data(as_text=True)
    assert "iyzico ayarlı değil; bu sipariş şu an iade edilemez." in text
    db.session.expire_all()
    assert db.session.get(RefundRequest, pending.id).status == "pending"
