"""Bad input never 500s: ids beyond the database's range, webhooks of the wrong shape, from the
wrong time or for the wrong kind of order, concurrent duplicates."""

from __future__ import annotations

import json
import threading
import time

import pytest
import stripe
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerTransaction, Order, WebhookEvent
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.orders import Buyer
from tests.support.factories import ProductFactory
from tests.support.stripe_support import WEBHOOK_SECRET, event, signed
from tests.web.test_roles import log_in_as
from tests.web.test_stripe_webhook import (  # noqa: F401  (fixtures)
    _intent,
    _order,
    _post,
    _session,
    _status,
    provider,
    stripe_app,
)

HUGE = [2**31, 2**63, 10**30]


def int_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and any(
            type(c).__name__ == "DatabaseIntConverter" for c in rule._converters.values()
        ):
            yield rule


@pytest.mark.parametrize("role", ["guest", "admin", "producer", "staff"])
def test_every_int_route_answers_404_for_an_id_beyond_the_database(app, client, role):
    log_in_as(client, role)
    rules = list(int_routes(app))
    assert len(rules) > 10
    for rule in rules:
        for huge in HUGE:
            values = dict.fromkeys(rule.arguments, huge)
            path = rule.build(values, append_unknown=False)[1]
            response = client.get(path)
            assert response.status_code in (302, 404), (path, response.status_code)


def test_the_public_product_page_with_a_huge_id_is_404(client):
    assert client.get(f"/products/{2**31}").status_code == 404
    assert client.get(f"/products/{2**31 - 1}").status_code == 404  # in range, just absent


def _signed_raw(body: str, timestamp=None):
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET, timestamp)
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "{}",
        '{"id": "evt_1", "type": "checkout.session.completed"}',
        '{"id": "evt_1", "type": "checkout.session.completed", "data": []}',
        '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": "x"}}',
        '{"id": 5, "type": "x", "data": {"object": {}}}',
        '{"id": "evt_1", "type": ["x"], "data": {"object": {}}}',
        "null",
        "not json",
    ],
)
def test_a_signed_webhook_of_the_wrong_shape_is_400(stripe_app, client, body):  # noqa: F811
    response = client.post("/webhooks/stripe", data=body, headers=_signed_raw(body))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_a_signed_event_with_a_malformed_amount_is_400(client, provider):  # noqa: F811
    order, _ = _order()
    session = _session(order, _intent(provider, order)["id"])
    session["amount_total"] = "çok"
    response = _post(client, event("checkout.session.completed", session, "evt_bad_amount"))
    assert response.status_code == 400
    assert _status(order) == "pending_payment"


def test_a_huge_order_id_in_metadata_is_an_unknown_order(client, provider):  # noqa: F811
    obj = {"metadata": {"order_id": str(2**40)}, "payment_status": "paid"}
    response = _post(client, event("checkout.session.completed", obj, "evt_huge"))
    assert (response.status_code, response.get_json()["action"]) == (200, "unknown order")


@pytest.mark.parametrize("offset", [-301, 301, 365 * 24 * 3600])
def test_a_timestamp_outside_the_tolerance_either_way_is_refused(
    stripe_app,  # noqa: F811
    client,
    offset,
):
    body = json.dumps(event("checkout.session.expired", {"metadata": {}}, "evt_time"))
    headers = _signed_raw(body, int(time.time()) + offset)
    response = client.post("/webhooks/stripe", data=body, headers=headers)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_a_stripe_event_cannot_mark_a_bank_transfer_order_paid(client, provider):  # noqa: F811
    product = ProductFactory(price_kurus=45000, stock=3)
    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: 1},
            buyer=Buyer(name="Selin Aksoy", email="selin@example.org"),
            method="bank_transfer",
            card_payment_method="stripe",
            acceptance=Acceptance(pre_information=True, contract=True),
        ),
        settings_service.current(),
    )
    db.session.commit()
    assert order.payment_method == "bank_transfer"
    intent = _intent(provider, order)
    response = _post(
        client, event("checkout.session.completed", _session(order, intent["id"]), "evt_bt")
    )
    assert (response.status_code, response.get_json()["action"]) == (200, "not a stripe order")
    assert _status(order) == "pending_payment"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.order_id == order.id)
        )
        == 0
    )
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "payment.wrong_provider")
    )


@pytest.mark.postgres
def test_concurrent_duplicate_webhooks_all_answer_2xx_and_book_once(
    stripe_app,  # noqa: F811
    provider,  # noqa: F811
):
    order, _ = _order()
    intent = _intent(provider, order)
    body, headers = signed(
        event("checkout.session.completed", _session(order, intent["id"]), "evt_race")
    )
    codes: list[int] = []
    barrier = threading.Barrier(8)

    def deliver():
        with stripe_app.app_context():
            client = stripe_app.test_client()
            barrier.wait()
            codes.append(client.post("/webhooks/stripe", data=body, headers=headers).status_code)
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(codes) == [200] * 8
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.order_id == order.id)
        )
        == 1
    )


def test_a_stripe_lookup_that_fails_answers_503_and_books_nothing(client, provider):  # noqa: F811
    order, _ = _order()
    response = _post(
        client, event("checkout.session.completed", _session(order, "pi_missing"), "evt_503")
    )
    assert response.status_code == 503
    assert _status(order) == "pending_payment"
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
