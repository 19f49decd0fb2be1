"""The Stripe provider through the real SDK.

- Checkout Sessions (localstripe lacks them): tested at the HTTP boundary against a recording
  stub; the test asserts the request the SDK sent.
- PaymentIntents, charges, balance transactions and refunds: against localstripe.
- A fee: localstripe always reports 0, so a recorded balance transaction with a real fee.
"""

from __future__ import annotations

import pytest
import stripe

from coopshop.db import db
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.orders import Buyer
from coopshop.services.sales.payments import StripeProvider
from tests.support.factories import ProductFactory
from tests.support.stripe_support import WEBHOOK_SECRET


def _order(stock=5, price=120000, quantity=2):
    product = ProductFactory(price_kurus=price, stock=stock, title_tr="İpek Yolu Atkı")
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
    return order


RECORDED_SESSION = {
    "id": "cs_test_a1b2c3",
    "object": "checkout.session",
    "url": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3",
    "payment_status": "unpaid",
    "status": "open",
    "mode": "payment",
    "currency": "try",
    "amount_total": 247500,
}


def test_checkout_session_request(app, stripe_stub):
    stripe_stub.routes[("POST", "/v1/checkout/sessions")] = RECORDED_SESSION
    order = _order(price=45000, quantity=2)  # ₺900 + shipping ₺75 (free from ₺1.500)
    assert order.shipping_kurus == 7500
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)

    start = provider.start(
        order, success_url="http://localhost/ok", cancel_url="http://localhost/no"
    )

    assert start.redirect_url == RECORDED_SESSION["url"]
    assert start.provider_ref == "cs_test_a1b2c3"
    (sent,) = stripe_stub.requests
    assert sent["method"] == "POST"
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["headers"]["idempotency-key"] == f"checkout-session-{order.number}"
    assert sent["headers"]["authorization"] == "Bearer sk_test_x"
    form = sent["form"]
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][currency]"] == "try"
    assert form["line_items[0][price_data][unit_amount]"] == "45000"
    assert form["line_items[0][quantity]"] == "2"
    assert form["line_items[0][price_data][product_data][name]"] == "İpek Yolu Atkı"
    assert form["line_items[1][price_data][unit_amount]"] == str(order.shipping_kurus)
    assert form["metadata[order_id]"] == str(order.id)
    assert form["metadata[order_number]"] == order.number
    assert form["payment_intent_data[metadata][order_id]"] == str(order.id)
    assert form["client_reference_id"] == order.number
    assert form["customer_email"] == "selin@example.org"
    assert form["expires_at"] == str(int(order.expires_at.timestamp()))
    assert form["success_url"] == "http://localhost/ok"
    total = sum(
        int(form[f"line_items[{i}][price_data][unit_amount]"])
        * int(form[f"line_items[{i}][quantity]"])
        for i in range(2)
    )
    assert total == order.total_kurus


def test_checkout_session_error_surfaces(app, stripe_stub):
    order = _order()
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    with pytest.raises(stripe.InvalidRequestError):
        provider.start(order, success_url="http://localhost/ok", cancel_url="http://localhost/no")


def _paid_intent(provider: StripeProvider, amount: int, order_id: int) -> dict:
    return provider.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "try",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"order_id": str(order_id)},
        },
        options={"idempotency_key": f"test-pi-{order_id}-{amount}"},
    ).to_dict()


def test_charge_details_from_localstripe(app, localstripe):
    provider = StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=localstripe)
    intent = _paid_intent(provider, 24750, 991)
    assert intent["status"] == "succeeded"

    details = provider.charge_details(intent["id"])

    assert details.charge_ref.startswith("ch_")
    assert details.amount_kurus == 24750
    assert details.currency == "try"
    assert details.fee_kurus == 0  # localstripe's balance transactions carry no fee


def test_refund_and_listing_through_localstripe(app, localstripe):
    provider = StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=localstripe)
    intent = _paid_intent(provider, 50000, 992)
    details = provider.charge_details(intent["id"])

    refund = provider.refund(details.charge_ref, 12000, idempotency_key="refund-992-1")

    assert refund.amount == 12000
    assert refund.status == "succeeded"
    listed = provider.refunds_for_charge(details.charge_ref)
    assert [r["id"] for r in listed] == [refund.id]


def test_fee_from_a_recorded_balance_transaction(app, stripe_stub):
    stripe_stub.routes[("GET", "/v1/payment_intents/pi_fee")] = {
        "id": "pi_fee",
        "object": "payment_intent",
        "amount": 247500,
        "currency": "try",
        "status": "succeeded",
        "latest_charge": {
            "id": "ch_fee",
            "object": "charge",
            "amount": 247500,
            "currency": "try",
            "balance_transaction": {
                "id": "txn_fee",
                "object": "balance_transaction",
                "amount": 247500,
                "currency": "try",
                "fee": 8909,
                "net": 238591,
                "fee_details": [{"amount": 8909, "currency": "try", "type": "stripe_fee"}],
            },
        },
    }
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)

    details = provider.charge_details("pi_fee")

    assert (details.charge_ref, details.amount_kurus, details.fee_kurus) == ("ch_fee", 247500, 8909)
    (sent,) = stripe_stub.requests
    assert sent["query"]["expand[0]"] == ["latest_charge.balance_transaction"]


def test_fee_in_another_currency_is_not_booked_as_kurus(app, stripe_stub):
    stripe_stub.routes[("GET", "/v1/payment_intents/pi_eur")] = {
        "id": "pi_eur",
        "object": "payment_intent",
        "amount": 10000,
        "currency": "try",
        "latest_charge": {
            "id": "ch_eur",
            "object": "charge",
            "amount": 10000,
            "currency": "try",
            "balance_transaction": {
                "id": "txn_eur",
                "object": "balance_transaction",
                "currency": "eur",
                "fee": 55,
            },
        },
    }
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    assert provider.charge_details("pi_eur").fee_kurus == 0


def test_refund_sends_its_idempotency_key(app, stripe_stub):
    # localstripe ignores idempotency keys; what matters is that the SDK sends ours.
    stripe_stub.routes[("POST", "/v1/refunds")] = {
        "id": "re_1",
        "object": "refund",
        "amount": 5000,
        "charge": "ch_1",
        "currency": "try",
        "status": "succeeded",
    }
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    provider.refund("ch_1", 5000, idempotency_key="refund-7-1", metadata={"order": "2611-ABC"})
    (sent,) = stripe_stub.requests
    assert sent["headers"]["idempotency-key"] == "refund-7-1"
    assert sent["form"] == {"charge": "ch_1", "amount": "5000", "metadata[order]": "2611-ABC"}
