"""The iyzico adapter against the local stand-in, through the real iyzipay SDK over TLS.

Each test says which promise of the adapter it holds: exact money, what is sent, signatures
refused when wrong, timeouts that fire, and headers that do not leak between threads."""

from __future__ import annotations

import importlib.metadata
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iyzipay.iyzipay_resource import IyzipayResource

from coopshop.services.sales import iyzico
from coopshop.services.sales.iyzico import (
    Address,
    BasketLine,
    Buyer,
    IyzicoTimeoutError,
    ProviderError,
    SignatureError,
    WebhookError,
    kurus_to_price,
    price_to_kurus,
    verify_webhook,
)


@pytest.fixture
def standin(iyzico_standin):
    return iyzico_standin


@pytest.fixture
def client(standin):
    """Here ``client`` is the iyzico client, not Flask's (this module needs no app)."""
    return standin.client(timeout=5.0)


BUYER = Buyer(
    id="U42",
    name="Ayşe",
    surname="Yılmaz",
    email="ayse@example.com",
    ip="85.34.78.112",
    registration_address="Kemeraltı Cad. No:5",
    city="İzmir",
    gsm_number="+905350000000",
)
SHIP_TO = Address(
    contact_name="Ayşe Yılmaz",
    city="İzmir",
    district="Konak",
    address="Kemeraltı Cad. No:5",
    zip_code="35250",
)
BILL_TO = Address(
    contact_name="Ayşe Yılmaz", city="Ankara", district="Çankaya", address="Atatürk Blv. No:1"
)
LINES = [
    BasketLine("P-1", "Kilim yastık ×1", 333),
    BasketLine("P-2", "Zeytinyağı sabunu ×1", 333),
    BasketLine("P-3", "Lavanta kesesi ×2", 334),
]
SHIPPING = 2990
ORDER = "CS-2024-000123"


def start(client, **overrides):
    kwargs = {
        "order_number": ORDER,
        "lines": LINES,
        "shipping_kurus": SHIPPING,
        "buyer": BUYER,
        "shipping_address": SHIP_TO,
        "billing_address": BILL_TO,
        "callback_url": "https://shop.example/checkout/iyzico/callback",
        "enabled_installments": (1, 2, 3, 6),
    }
    kwargs.update(overrides)
    return client.start_checkout_form(**kwargs)


def half_up_kurus(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- money


def test_the_pinned_sdk_is_the_one_installed():
    assert importlib.metadata.version("iyzipay") == iyzico.SDK_VERSION


@pytest.mark.parametrize(
    ("kurus", "text"),
    [
        (0, "0"),
        (5, "0.05"),
        (50, "0.5"),
        (100, "1"),
        (41250, "412.5"),
        (41201, "412.01"),
        (120, "1.2"),
        (10**14 + 7, "1000000000000.07"),
    ],
)
def test_kurus_to_price_writes_iyzico_strings(kurus, text):
    assert kurus_to_price(kurus) == text
    assert price_to_kurus(text) == kurus


def test_price_to_kurus_accepts_response_forms_and_refuses_floats_and_fractions():
    assert price_to_kurus("1.20") == 120
    assert price_to_kurus(Decimal("10.00")) == 1000
    assert price_to_kurus(6) == 600
    assert price_to_kurus("0.1000") == 10
    with pytest.raises(TypeError):
        price_to_kurus(1.2)
    with pytest.raises(TypeError):
        kurus_to_price(12.0)
    for bad in ("1.234", "-1", "1e3", "", "1,5", " 1.2.3"):
        with pytest.raises(ValueError):
            price_to_kurus(bad)


@given(st.integers(min_value=0, max_value=10**12))
def test_kurus_price_round_trip_is_exact(kurus):
    text = kurus_to_price(kurus)
    assert price_to_kurus(text) == kurus
    assert Decimal(text) * 100 == kurus  # the string *is* the amount, not an approximation


@given(
    st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=10**6),
)
def test_any_basket_adds_up_to_price_to_the_kurus(line_totals, shipping):
    lines = [BasketLine(f"L{i}", "x", k) for i, k in enumerate(line_totals)]
    request = iyzico.build_initialize_request(
        order_number="O1",
        lines=lines,
        shipping_kurus=shipping,
        buyer=BUYER,
        shipping_address=SHIP_TO,
        billing_address=BILL_TO,
        callback_url="https://x/cb",
    )
    items = [price_to_kurus(item["price"]) for item in request["basketItems"]]
    assert sum(items) == price_to_kurus(request["price"]) == sum(line_totals) + shipping
    assert request["paidPrice"] == request["price"]
    assert sum(Decimal(item["price"]) for item in request["basketItems"]) == Decimal(
        request["price"]
    )


# --------------------------------------------------------------------------- initialise


def test_initialise_sends_exact_prices_ids_and_addresses(standin, client):
    before = datetime.now(UTC)
    started = start(client)

    [sent] = standin.requests_to(iyzico.INITIALIZE_PATH)
    assert sent.auth_ok, "the stand-in could not verify the SDK's IYZWSv2 header"
    body = sent.body
    assert [i["price"] for i in body["basketItems"]] == ["3.33", "3.33", "3.34", "29.9"]
    assert body["price"] == body["paidPrice"] == "39.9"
    assert [i["id"] for i in body["basketItems"]] == ["P-1", "P-2", "P-3", "SHIPPING"]
    assert body["basketId"] == body["conversationId"] == ORDER
    assert body["currency"] == "TRY" and body["locale"] == "tr"
    assert body["paymentGroup"] == "PRODUCT"
    assert body["callbackUrl"] == "https://shop.example/checkout/iyzico/callback"
    assert body["enabledInstallments"] == [1, 2, 3, 6]
    assert body["buyer"]["name"] == "Ayşe" and body["buyer"]["identityNumber"]
    assert body["shippingAddress"] == {
        "contactName": "Ayşe Yılmaz",
        "city": "İzmir",
        "country": "Turkey",
        "zipCode": "35250",
        "address": "Kemeraltı Cad. No:5, Konak",
    }
    assert body["billingAddress"]["city"] == "Ankara"
    assert "Çankaya" in body["billingAddress"]["address"]

    assert started.token and started.conversation_id == ORDER
    assert started.payment_page_url.endswith(f"/_pay?token={started.token}")
    assert started.token_expire_seconds == 1800
    expected = before + timedelta(seconds=1800)
    assert expected <= started.token_expires_at <= expected + timedelta(seconds=30)


def test_initialise_without_shipping_and_in_english(standin, client):
    start(client, shipping_kurus=0, locale="en")
    [sent] = standin.requests_to(iyzico.INITIALIZE_PATH)
    assert sent.body["locale"] == "en"
    assert sent.body["price"] == "10"
    assert len(sent.body["basketItems"]) == 3


def test_initialise_refuses_bad_input_before_calling(standin, client):
    with pytest.raises(ValueError):
        start(client, lines=[BasketLine("P", "free", 0)])
    with pytest.raises(ValueError):
        start(client, locale="de")
    with pytest.raises(ValueError):
        start(client, enabled_installments=(5,))
    assert standin.requests == []


def test_initialise_failure_carries_iyzicos_code_and_message(standin, client):
    standin.error_next(iyzico.INITIALIZE_PATH, "5008", "Sepet tutarı hatalı", http_status=400)
    with pytest.raises(ProviderError) as caught:
        start(client)
    assert caught.value.error_code == "5008"
    assert caught.value.error_message == "Sepet tutarı hatalı"
    assert caught.value.http_status == 400


def test_wrong_keys_are_refused_by_the_standin(standin):
    client = standin.client(secret_key="not-the-secret")
    with pytest.raises(ProviderError) as caught:
        start(client)
    assert caught.value.error_code == "1001"
    assert standin.requests[-1].auth_ok is False


def test_initialise_answer_with_a_forged_signature_is_refused(standin, client):
    standin.tamper_next(iyzico.INITIALIZE_PATH, "token", "attacker-token")
    with pytest.raises(SignatureError):
        start(client)


# --------------------------------------------------------------------------- retrieve


def test_retrieve_instalment_payment_with_fees_in_kurus(standin, client):
    started = start(client)
    payment_id = standin.complete(started.token, installment=3)

    result = client.retrieve_checkout_form(started.token, conversation_id=ORDER)

    [sent] = standin.requests_to(iyzico.RETRIEVE_PATH)
    assert sent.auth_ok and sent.body["token"] == started.token
    assert result.is_paid
    assert result.payment_id == payment_id
    assert result.basket_id == result.conversation_id == ORDER
    assert result.installment == 3 and result.fraud_status == 1
    assert result.price_kurus == 3990
    # 39.90 × 1.0525 = 41.994750 → 41.99 (the stand-in's taksit rate for 3).
    assert result.paid_price_kurus == 4199
    assert result.merchant_commission_kurus == 4199 - 3990

    assert [i.item_id for i in result.items] == ["P-1", "P-2", "P-3", "SHIPPING"]
    assert [i.price_kurus for i in result.items] == [333, 333, 334, 2990]
    assert sum(i.paid_price_kurus for i in result.items) == result.paid_price_kurus
    assert sum(i.merchant_commission_kurus for i in result.items) == 209
    ids = [i.payment_transaction_id for i in result.items]
    assert all(ids) and len(set(ids)) == len(ids)

    # iyzico's cut: 2.99 % of each item's paid price at 4 decimals, plus 0.25 TL once.
    exact = sum(
        (Decimal(i.paid_price_kurus) / 100 * Decimal("0.0299")).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )
        for i in result.items
    ) + Decimal("0.25")
    assert Decimal(result.iyzi_commission_exact) == exact
    assert result.iyzi_commission_kurus == half_up_kurus(exact)
    assert result.items[0].iyzi_commission_kurus > result.items[1].iyzi_commission_kurus


def test_retrieve_single_payment_has_no_merchant_commission(standin, client):
    started = start(client)
    standin.complete(started.token)
    result = client.retrieve_checkout_form(started.token)
    assert result.is_paid and result.installment == 1
    assert result.paid_price_kurus == result.price_kurus == 3990
    assert result.merchant_commission_kurus == 0


@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("paidPrice", Decimal("399.00")),
        ("basketId", "CS-2024-999999"),
        ("paymentStatus", "SUCCESS"),  # on a failed payment
        ("signature", "0" * 64),
        ("signature", None),
    ],
)
def test_retrieve_refuses_a_tampered_answer(standin, client, field_name, value):
    started = start(client)
    if field_name == "paymentStatus":
        standin.fail(started.token)
    else:
        standin.complete(started.token)
    standin.tamper_next(iyzico.RETRIEVE_PATH, field_name, value)
    with pytest.raises(SignatureError):
        client.retrieve_checkout_form(started.token)


def test_our_response_signature_is_the_sdks_rule():
    """Same HMAC as IyzipayResource.calculate_hmac_sha256_signature, so a verified answer is
    one the SDK's own (printing) check would also accept."""
    fields = ["SUCCESS", "24478123", "TRY", ORDER, ORDER, "41.99", "39.9", "tok"]
    assert iyzico.response_signature(fields, "s3cret") == (
        IyzipayResource.calculate_hmac_sha256_signature(fields, "s3cret")
    )
    assert iyzico._signature_amount(Decimal("10.00")) == "10"
    assert iyzico._signature_amount(Decimal("1.20")) == "1.2"
    assert iyzico._signature_amount(Decimal("0.2094")) == "0.2094"


def test_failed_and_abandoned_payments_are_not_paid(standin, client):
    failed = start(client)
    standin.fail(failed.token, "10051", "Kart limiti yetersiz")
    result = client.retrieve_checkout_form(failed.token)
    assert not result.is_paid
    assert result.payment_status == "FAILURE" and result.error_code == "10051"

    abandoned = start(client)
    result = client.retrieve_checkout_form(abandoned.token)
    assert not result.is_paid and result.payment_status == "INIT"
    assert result.payment_id is None and result.items == ()


def test_payment_under_fraud_review_is_not_paid(standin, client):
    started = start(client)
    standin.complete(started.token, fraud_status=0)
    result = client.retrieve_checkout_form(started.token)
    assert result.payment_status == "SUCCESS" and not result.is_paid


def test_retrieve_of_an_unknown_token_raises_with_iyzicos_message(standin, client):
    with pytest.raises(ProviderError) as caught:
        client.retrieve_checkout_form("no-such-token")
    assert caught.value.error_code == "5117"


# --------------------------------------------------------------------------- refund, cancel


def test_partial_refunds_until_the_item_is_used_up(standin, client):
    started = start(client)
    standin.complete(started.token)
    item = client.retrieve_checkout_form(started.token).items[2]  # 3.34 TL

    first = client.refund(
        item.payment_transaction_id,
        150,
        "R-1",
        "85.34.78.112",
        reason="buyer_request",
        description="kırık geldi",
    )
    assert first.price_kurus == 150
    assert first.payment_transaction_id == item.payment_transaction_id
    [sent] = standin.requests_to(iyzico.REFUND_PATH)
    assert sent.auth_ok
    assert sent.body == {
        "locale": "tr",
        "conversationId": "R-1",
        "paymentTransactionId": item.payment_transaction_id,
        "price": "1.5",
        "currency": "TRY",
        "ip": "85.34.78.112",
        "reason": "buyer_request",
        "description": "kırık geldi",
    }

    rest = client.refund(item.payment_transaction_id, 184, "R-2", "85.34.78.112")
    assert rest.price_kurus == 184
    with pytest.raises(ProviderError) as caught:
        client.refund(item.payment_transaction_id, 1, "R-3", "85.34.78.112")
    assert caught.value.error_code == "5094"
    assert "iade" in caught.value.error_message


def test_refund_refuses_nonsense_before_calling(standin, client):
    with pytest.raises(ValueError):
        client.refund("1", 0, "R", "1.1.1.1")
    with pytest.raises(ValueError):
        client.refund("1", 100, "R", "1.1.1.1", reason="because")
    assert standin.requests == []


def test_cancel_voids_the_whole_payment_once(standin, client):
    started = start(client)
    payment_id = standin.complete(started.token, installment=2)
    paid = client.retrieve_checkout_form(started.token).paid_price_kurus

    cancelled = client.cancel(payment_id, "C-1", "85.34.78.112", reason="other")
    assert cancelled.payment_id == payment_id and cancelled.price_kurus == paid
    [sent] = standin.requests_to(iyzico.CANCEL_PATH)
    assert sent.auth_ok and sent.body["paymentId"] == payment_id
    assert sent.body["ip"] == "85.34.78.112" and sent.body["conversationId"] == "C-1"

    with pytest.raises(ProviderError):
        client.cancel(payment_id, "C-2", "85.34.78.112")


# --------------------------------------------------------------------------- webhook

# The documented example from iyzipay-php samples/webhook_Signature_Validation.php (HPP format).
DOC_SECRET = "sandbox-UuLnD7wZa0a3DmytfIrwHQqAMfqCNJrs"
DOC_HPP_BODY = (
    b'{"paymentConversationId":"conversationId","merchantId":3382172,"token":'
    b'"e828c62d-fd12-4b1a-ad5a-380f15fe6596","status":"SUCCESS","iyziReferenceCode":'
    b'"77e1635c-6b39-475a-8b7b-ca15ad0cd4ac","iyziEventType":"CHECKOUT_FORM_AUTH",'
    b'"iyziEventTime":1721825036103,"iyziPaymentId":22483975}'
)
DOC_HPP_SIGNATURE = "4031c575763486a2d2bf3f7ace0baebfcd6bed65393ab4df3fe80c00d5fd6878"
DOC_DIRECT_BODY = (
    b'{"paymentConversationId":"conversationId","merchantId":3382172,"paymentId":'
    b'22484059,"status":"SUCCESS","iyziReferenceCode":'
    b'"a9af8e6b-4401-4928-b6b8-40419aaa3d0f","iyziEventType":"API_AUTH",'
    b'"iyziEventTime":1721825828467,"iyziPaymentId":22484059}'
)
DOC_DIRECT_SIGNATURE = "92c7a72b7741bc83eb696066605c894778c87297b2c88d6037670666230e18ae"


def test_webhook_matches_the_documented_examples():
    event = verify_webhook(DOC_HPP_BODY, {"X-Iyz-Signature-V3": DOC_HPP_SIGNATURE}, DOC_SECRET)
    assert event.token == "e828c62d-fd12-4b1a-ad5a-380f15fe6596"
    assert event.payment_id == "22483975" and event.status == "SUCCESS"
    assert event.event_type == "CHECKOUT_FORM_AUTH"
    assert event.conversation_id == "conversationId"

    direct = verify_webhook(
        DOC_DIRECT_BODY, [("x-iyz-signature-v3", DOC_DIRECT_SIGNATURE)], DOC_SECRET
    )
    assert direct.token is None and direct.payment_id == "22484059"


def test_webhook_from_the_standin_verifies_and_names_the_form(standin, client):
    started = start(client)
    standin.complete(started.token)
    body, headers = standin.webhook_for(started.token)
    event = verify_webhook(body, headers, standin.secret_key)
    assert event.token == started.token and event.conversation_id == ORDER
    # The event only names the payment; the result comes from retrieve.
    assert client.retrieve_checkout_form(event.token).is_paid


@pytest.mark.parametrize("case", ["tampered", "wrong_secret", "missing", "not_json", "empty"])
def test_webhook_bad_signature_is_refused(case):
    body, headers, secret = DOC_HPP_BODY, {"X-IYZ-SIGNATURE-V3": DOC_HPP_SIGNATURE}, DOC_SECRET
    if case == "tampered":
        body = body.replace(b'"status":"SUCCESS"', b'"status":"FAILURE"')
    elif case == "wrong_secret":
        secret = "sandbox-another-merchant"
    elif case == "missing":
        headers = {"Content-Type": "application/json"}
    elif case == "not_json":
        body = b"token=abc"
    elif case == "empty":
        headers = {"X-IYZ-SIGNATURE-V3": ""}
    with pytest.raises(WebhookError):
        verify_webhook(body, headers, secret)


# --------------------------------------------------------------------------- transport


def test_a_hanging_iyzico_times_out_within_two_seconds(standin):
    client = standin.client(timeout=1.0)
    standin.hang(30)
    began = time.monotonic()
    with pytest.raises(IyzicoTimeoutError) as caught:
        start(client)
    elapsed = time.monotonic() - began
    assert elapsed < 2.0, f"took {elapsed:.2f}s"
    assert caught.value.error_code == "timeout"
    assert isinstance(caught.value, ProviderError)


def test_nothing_listening_is_a_network_error(standin):
    client = iyzico.IyzicoClient(
        "k", "s", "127.0.0.1:9", timeout=1.0, ssl_context=standin.client_context()
    )
    with pytest.raises(ProviderError) as caught:
        client.retrieve_checkout_form("t")
    assert caught.value.error_code == "network"


def test_the_default_trust_store_does_not_trust_the_standin(standin):
    """The test CA is passed per client, never installed process-wide."""
    client = iyzico.IyzicoClient(standin.api_key, standin.secret_key, standin.base_url, timeout=2.0)
    with pytest.raises(ProviderError) as caught:
        client.retrieve_checkout_form("t")
    assert caught.value.error_code == "network"


def test_concurrent_calls_do_not_share_headers(standin, client):
    class_header = dict(IyzipayResource.header)
    errors = []

    def work(n):
        try:
            for _ in range(4):
                start(client, order_number=f"T-{n}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    sent = standin.requests_to(iyzico.INITIALIZE_PATH)
    assert len(sent) == 32 and all(r.auth_ok for r in sent)
    randoms = [r.headers["x-iyzi-rnd"] for r in sent]
    assert len(set(randoms)) == 32
    # The SDK's class-level dict was never written to.
    assert IyzipayResource.header == class_header
    assert "Authorization" not in IyzipayResource.header


@pytest.mark.parametrize(
    ("given_url", "host"),
    [
        ("sandbox-api.iyzipay.com", "sandbox-api.iyzipay.com"),
        ("https://api.iyzipay.com/", "api.iyzipay.com"),
        ("127.0.0.1:8443", "127.0.0.1:8443"),
    ],
)
def test_base_url_is_a_host(given_url, host):
    assert iyzico.normalise_base_url(given_url) == host


@pytest.mark.parametrize("bad", ["http://api.iyzipay.com", "https://api.iyzipay.com/v2", ""])
def test_base_url_refuses_plain_http_and_paths(bad):
    with pytest.raises(ValueError):
        iyzico.normalise_base_url(bad)


def test_client_needs_both_keys():
    with pytest.raises(ValueError):
        iyzico.IyzicoClient("", "secret")


# --------------------------------------------------------------------------- payment page


def test_payment_page_pays_and_posts_the_token_to_the_callback(standin, client):
    started = start(client)
    context = standin.client_context()
    with urllib.request.urlopen(started.payment_page_url, context=context, timeout=5) as page:
        assert "39.9 TL" in page.read().decode()
    form = urllib.parse.urlencode(
        {"token": started.token, "outcome": "pay", "installment": "2"}
    ).encode()
    url = f"https://{standin.base_url}/_pay"
    with urllib.request.urlopen(url, data=form, context=context, timeout=5) as answer:
        text = answer.read().decode()
    assert 'action="https://shop.example/checkout/iyzico/callback"' in text
    assert started.token in text
    result = client.retrieve_checkout_form(started.token)
    assert result.is_paid and result.installment == 2
