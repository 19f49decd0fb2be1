"""POST /webhooks/stripe with payloads signed by the SDK's own scheme.

The PaymentIntent and charge behind each event are real objects in localstripe, so fulfilment
reads the charge and its balance transaction through the SDK as it would from Stripe.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    AuditEvent,
    LedgerTransaction,
    Order,
    Payment,
    Product,
    WebhookEvent,
)
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.orders import Buyer
from coopshop.services.sales.payments import StripeProvider
from tests.support.factories import ProductFactory
from tests.support.stripe_support import WEBHOOK_SECRET, event, signed


@pytest.fixture
def stripe_app(app, localstripe, monkeypatch):
    # monkeypatch restores the shared app's config after the test.
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    return app


@pytest.fixture
def provider(stripe_app, localstripe):
    return StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=localstripe)


def _order(stock=5, quantity=1):
    product = ProductFactory(price_kurus=45000, stock=stock)
    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: quantity},
            buyer=Buyer(name="Selin Aksoy", email="selin@example.org"),
            method="card",
            card_payment_method="stripe",
            acceptance=Acceptance(pre_information=True, contract=True),
        ),
        settings_service.current(),
    )
    db.session.commit()
    return order, product


def _intent(provider, order) -> dict:
    return provider.client.v1.payment_intents.create(
        params={
            "amount": order.total_kurus,
            "currency": "try",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"order_id": str(order.id), "order_number": order.number},
        },
        options={"idempotency_key": f"pi-{order.number}"},
    ).to_dict()


def _session(order, intent_id=None, payment_status="paid", amount=None) -> dict:
    return {
        "id": f"cs_test_{order.number}",
        "object": "checkout.session",
        "payment_intent": intent_id,
        "payment_status": payment_status,
        "amount_total": order.total_kurus if amount is None else amount,
        "currency": "try",
        "client_reference_id": order.number,
        "metadata": {"order_id": str(order.id), "order_number": order.number},
    }


def _post(client, payload, secret=WEBHOOK_SECRET):
    body, headers = signed(payload, secret)
    return client.post("/webhooks/stripe", data=body, headers=headers)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _status(order):
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_completed_event_fulfils_once(client, provider):
    order, _ = _order()
    intent = _intent(provider, order)
    completed = event("checkout.session.completed", _session(order, intent["id"]), "evt_paid_1")

    first = _post(client, completed)
    second = _post(client, completed)

    assert first.status_code == 200
    assert first.get_json()["action"] == "paid"
    assert second.status_code == 200
    assert second.get_json()["action"] == "duplicate"
    assert _status(order) == "paid"
    assert _count(LedgerTransaction, LedgerTransaction.order_id == order.id) == 1
    payment = db.session.scalars(select(Payment)).one()
    assert payment.provider == "stripe"
    assert payment.provider_ref == intent["id"]
    assert payment.charge_ref.startswith("ch_")
    assert payment.amount_kurus == order.total_kurus
    assert _count(WebhookEvent) == 1


def test_bad_signature_is_refused_and_writes_nothing(client, provider):
    order, _ = _order()
    payload = event("checkout.session.completed", _session(order, "pi_x"), "evt_forged")
    response = _post(client, payload, secret="whsec_wrong")
    assert response.status_code == 400
    assert _status(order) == "pending_payment"
    assert _count(WebhookEvent) == 0

    body, headers = signed(payload)
    tampered = body.replace(b'"payment_status": "paid"', b'"payment_status": "paid" ')
    assert client.post("/webhooks/stripe", data=tampered, headers=headers).status_code == 400
    no_header = client.post(
        "/webhooks/stripe", data=body, headers={"Content-Type": "application/json"}
    )
    assert no_header.status_code == 400
    assert _count(WebhookEvent) == 0


def test_expired_after_completed_does_not_undo_the_payment(client, provider):
    order, product = _order(stock=3)
    intent = _intent(provider, order)
    _post(client, event("checkout.session.completed", _session(order, intent["id"])))
    late = _post(client, event("checkout.session.expired", _session(order, None, "unpaid")))

    assert late.status_code == 200
    assert late.get_json()["action"] == "left paid"
    assert _status(order) == "paid"
    assert db.session.get(Product, product.id).stock == 2


def test_expired_session_gives_the_stock_back(client, provider):
    order, product = _order(stock=3, quantity=2)
    response = _post(client, event("checkout.session.expired", _session(order, None, "unpaid")))
    assert response.get_json()["action"] == "expired"
    assert _status(order) == "expired"
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 3
    # A payment that still arrives afterwards is recorded for an admin, not booked.
    intent = _intent(provider, order)
    _post(client, event("checkout.session.completed", _session(order, intent["id"])))
    assert _status(order) == "expired"
    assert _count(LedgerTransaction) == 0
    assert _count(AuditEvent, AuditEvent.action == "payment.after_expiry") == 1


def test_async_payment_waits_then_succeeds(client, provider):
    order, _ = _order()
    pending = _post(client, event("checkout.session.completed", _session(order, None, "unpaid")))
    assert pending.get_json()["action"] == "awaiting async payment"
    assert _status(order) == "pending_payment"

    intent = _intent(provider, order)
    done = _post(
        client, event("checkout.session.async_payment_succeeded", _session(order, intent["id"]))
    )
    assert done.get_json()["action"] == "paid"
    assert _status(order) == "paid"


def test_async_payment_failed_cancels_and_releases(client, provider):
    order, product = _order(stock=1)
    response = _post(
        client, event("checkout.session.async_payment_failed", _session(order, None, "unpaid"))
    )
    assert response.get_json()["action"] == "cancelled"
    assert _status(order) == "cancelled"
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 1


def test_amount_mismatch_is_not_booked(client, provider):
    order, _ = _order()
    intent = _intent(provider, order)
    response = _post(
        client,
        event("checkout.session.completed", _session(order, intent["id"], amount=100)),
    )
    assert response.get_json()["action"] == "amount mismatch"
    assert _status(order) == "pending_payment"
    assert _count(AuditEvent, AuditEvent.action == "payment.amount_mismatch") == 1


def test_unknown_event_types_are_recorded_and_ignored(client, provider):
    response = _post(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.get_json()["action"] == "ignored"
    assert _count(WebhookEvent) == 1


def test_webhook_is_404_without_stripe_configured(client):
    body, headers = signed(event("checkout.session.completed", {"id": "cs"}))
    assert client.post("/webhooks/stripe", data=body, headers=headers).status_code == 404


def _paid_order(client, provider, stock=5, quantity=1):
    order, product = _order(stock=stock, quantity=quantity)
    intent = _intent(provider, order)
    _post(client, event("checkout.session.completed", _session(order, intent["id"])))
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    return order, payment


def test_dashboard_refund_is_booked_once(client, provider):
    from coopshop.models import Refund
    from coopshop.services.books.ledger_check import check

    order, payment = _paid_order(client, provider, quantity=2)  # ₺900 + ₺75 shipping
    provider.refund(payment.charge_ref, 19500, idempotency_key="dash-1")
    charge = {"id": payment.charge_ref, "object": "charge", "amount_refunded": 19500}

    first = _post(client, event("charge.refunded", charge, "evt_ref_1"))
    second = _post(client, event("charge.refunded", charge, "evt_ref_2"))

    assert first.get_json()["action"] == "booked 1 refund(s)"
    assert second.get_json()["action"] == "booked 0 refund(s)"
    refund = db.session.scalars(select(Refund)).one()
    assert refund.amount_kurus == 19500
    # ₺195 spread over the line (₺900) and shipping (₺75) in proportion: 18000 + 1500.
    assert refund.shipping_kurus == 1500
    assert [rl.amount_kurus for rl in refund.lines] == [18000]
    assert check() == []


def test_refund_for_an_unknown_charge_changes_nothing(client, provider):
    response = _post(client, event("charge.refunded", {"id": "ch_nobody", "object": "charge"}))
    assert response.get_json()["action"] == "unknown charge"
