"""The Geliver adapter through the real `geliver` SDK against a local stand-in of Geliver's API
(tests/support/geliver_support.py): offers, labels, PDFs, errors, webhooks, polling. Nothing
here leaves 127.0.0.1."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from coopshop.services.shipping.base import (
    Label,
    ShippingAdapter,
    ShippingError,
    TrackingEvent,
    WebhookRejected,
    apply_event,
)
from coopshop.services.shipping.carriers import (
    ManualAdapter,
)
from coopshop.services.shipping.geliver import GeliverAdapter
from coopshop.services.shipping.geliver_events import GELIVER_TRACKING_PAGE
from tests.support import geliver_support
from tests.support.shipping_cases import (
    PARCEL,
    RECIPIENT,
    SENDER,
    _label,
    _offer_for,
)


@pytest.fixture
def standin(geliver_standin):
    """The stand-in on a free 127.0.0.1 port (tests/support/geliver_support.py), stopped after."""
    return geliver_standin


@pytest.fixture
def geliver(standin):
    return GeliverAdapter(
        standin.token,
        base_url=standin.base_url,
        webhook_secret=standin.webhook_secret,
        timeout=0.5,
        offers_wait=2.0,
        offers_poll_interval=0.01,
    )


# ---- the Geliver adapter against the stand-in ------------------------------------------------


def test_both_adapters_satisfy_the_interface(geliver):
    assert isinstance(geliver, ShippingAdapter)
    assert isinstance(ManualAdapter(), ShippingAdapter)


def test_offers_are_parsed_to_kurus_and_sorted(geliver, standin):
    offers = geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")

    assert [(o.carrier, o.price_kurus) for o in offers] == [
        ("ptt", 7500),
        ("mng", 8000),
        ("surat", 8135),
        ("aras", 8450),
        ("yurtici", 8990),
    ]
    assert {o.currency for o in offers} == {"TRY"}
    assert {o.order_ref for o in offers} == {"CS-1001"}
    assert offers[0].eta == "2-4 iş günü"
    assert len({o.shipment_ref for o in offers}) == 1

    (created,) = standin.requests_to("POST", "/shipments")
    assert created.headers["Authorization"] == f"Bearer {standin.token}"
    assert created.headers["User-Agent"].startswith("geliver-python/0.4.0")
    body = created.body
    assert (body["weight"], body["massUnit"]) == ("1.250", "kg")
    assert (body["length"], body["width"], body["height"]) == ("30", "20", "10")
    assert body["order"]["orderNumber"] == "CS-1001"
    assert body["recipientAddress"]["phone"] == RECIPIENT.phone
    assert body["recipientAddress"]["cityCode"] == "34"
    assert "test" not in body


def test_the_sender_address_is_created_once(geliver, standin):
    geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1002")
    (address,) = standin.requests_to("POST", "/addresses")
    assert address.body["isRecipientAddress"] is False
    assert address.body["zip"] == SENDER.zip


def test_a_configured_sender_address_id_is_used_as_is(standin):
    standin.addresses["addr-from-settings"] = {"id": "addr-from-settings"}
    adapter = GeliverAdapter(
        standin.token, base_url=standin.base_url, sender_address_id="addr-from-settings"
    )
    adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert standin.requests_to("POST", "/addresses") == []
    assert standin.requests_to("POST", "/shipments")[0].body["senderAddressID"] == (
        "addr-from-settings"
    )


def test_offers_are_awaited_until_complete(standin, geliver):
    standin.offer_polls_until_complete = 2
    offers = geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert len(offers) == 5
    assert len(standin.requests_to("GET", "/shipments/")) == 2


def test_test_mode_creates_test_shipments(standin):
    adapter = GeliverAdapter(standin.token, base_url=standin.base_url, test_mode=True)
    adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert standin.requests_to("POST", "/shipments")[0].body["test"] is True


def test_buying_a_label(geliver, standin):
    offer = _offer_for(geliver)
    label = geliver.buy_label(offer)

    (accepted,) = standin.requests_to("POST", "/transactions")
    assert accepted.body == {"offerID": offer.offer_id}
    shipment = standin.shipments[offer.shipment_ref]
    assert label == Label(
        order_ref="CS-1001",
        carrier="aras",
        tracking_number=shipment["trackingNumber"],
        tracking_url=shipment["trackingUrl"],
        label_url=shipment["labelURL"],
        provider_ref=offer.shipment_ref,
        barcode=shipment["barcode"],
        price_kurus=8450,
    )


def test_buying_twice_for_the_same_order_returns_the_same_label(geliver, standin):
    first_offer = _offer_for(geliver)
    first = geliver.buy_label(first_offer)
    again = geliver.buy_label(first_offer)
    # Staff asked for offers again and clicked another carrier: still the one label.
    other_offer = _offer_for(geliver, carrier="ptt")
    other = geliver.buy_label(other_offer)

    assert first == again == other
    assert len(standin.requests_to("POST", "/transactions")) == 1
    assert standin.shipments[other_offer.shipment_ref]["acceptedOfferID"] is None


def test_orders_whose_numbers_contain_each_other_get_their_own_labels(geliver, standin):
    # The stand-in's orderNumber filter matches substrings, as a search box might.
    first = _label(geliver, "CS-10")
    second = _label(geliver, "CS-101")
    assert first.provider_ref != second.provider_ref
    assert len(standin.requests_to("POST", "/transactions")) == 2


def test_a_lost_answer_to_the_purchase_does_not_buy_twice(geliver, standin):
    offer = _offer_for(geliver)
    standin.hang_next("POST", "/transactions", seconds=3, after=True)

    label = geliver.buy_label(offer)  # timed out, then found the label it had bought
    retried = geliver.buy_label(offer)

    assert label == retried
    assert label.provider_ref == offer.shipment_ref
    assert len(standin.requests_to("POST", "/transactions")) == 1


def test_a_carrier_error_is_not_retryable(geliver, standin):
    offer = _offer_for(geliver)
    standin.fail_next(
        "POST",
        "/transactions",
        status=400,
        body={"result": False, "code": "PROVIDER_ERROR", "message": "Kargo firması hata verdi"},
    )
    with pytest.raises(ShippingError) as caught:
        geliver.buy_label(offer)
    assert (caught.value.code, caught.value.retryable) == ("PROVIDER_ERROR", False)
    assert "Kargo firması hata verdi" in caught.value.message
    assert geliver.buy_label(offer).provider_ref == offer.shipment_ref  # staff try again


def test_a_label_without_a_tracking_number_yet_links_to_geliver(standin, geliver):
    standin.tracking_number_on_accept = False
    label = _label(geliver)
    assert label.tracking_number is None
    assert label.tracking_url == GELIVER_TRACKING_PAGE.format(shipment_id=label.provider_ref)


def test_label_pdf_bytes(geliver, standin):
    label = _label(geliver)
    pdf = geliver.label_pdf(label)
    assert pdf == geliver_support.LABEL_PDF
    assert pdf.startswith(b"%PDF-")
    assert [r.path for r in standin.requests if r.path.startswith("/tags/")] == [
        label.label_url.removeprefix(standin.root)
    ]


def test_label_pdf_of_a_stored_label_without_url_asks_the_shipment(geliver):
    label = _label(geliver)
    stored = Label(**{**label.__dict__, "label_url": None})
    assert geliver.label_pdf(stored).startswith(b"%PDF-")


def test_cancel_reads_the_documented_empty_answer_as_success(geliver, standin):
    label = _label(geliver)
    geliver.cancel(label)

    (deleted,) = standin.requests_to("DELETE", "/shipments/")
    assert deleted.path.endswith(label.provider_ref)
    assert standin.shipments[label.provider_ref]["cancelDate"]
    # The order has no live label any more: a new purchase goes ahead.
    assert geliver.existing_label("CS-1001") is None
    assert _label(geliver).provider_ref != label.provider_ref


def test_cancel_of_an_unknown_shipment_fails(geliver):
    label = Label("CS-1", "aras", None, None, None, provider_ref="no-such-shipment")
    with pytest.raises(ShippingError) as caught:
        geliver.cancel(label)
    assert (caught.value.code, caught.value.retryable) == ("NOT_FOUND", False)


def test_a_hanging_geliver_times_out_fast_and_retryable(geliver, standin):
    standin.addresses["addr"] = {"id": "addr"}
    standin.hang_next("POST", "/shipments", seconds=5)
    started = time.monotonic()
    with pytest.raises(ShippingError) as caught:
        geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert time.monotonic() - started < 2.0  # 0.5 s timeout, no SDK retries
    assert (caught.value.code, caught.value.retryable) == ("timeout", True)
    assert len(standin.requests_to("POST", "/shipments")) == 1


def test_a_5xx_is_retryable_and_not_retried_by_the_sdk(geliver, standin):
    standin.fail_next("POST", "/addresses", status=503)
    with pytest.raises(ShippingError) as caught:
        geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert (caught.value.code, caught.value.retryable) == ("http_503", True)
    assert len(standin.requests_to("POST", "/addresses")) == 1
    assert len(geliver.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")) == 5


def test_a_wrong_token_is_refused(standin):
    adapter = GeliverAdapter("wrong-token", base_url=standin.base_url)
    with pytest.raises(ShippingError) as caught:
        adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert (caught.value.code, caught.value.retryable) == ("UNAUTHORIZED", False)
    assert standin.requests[0].headers["Authorization"] == "Bearer wrong-token"


def test_nothing_listening_is_retryable():
    adapter = GeliverAdapter("t", base_url="http://127.0.0.1:9/api/v1", timeout=0.5)
    with pytest.raises(ShippingError) as caught:
        adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1001")
    assert caught.value.retryable


# ---- webhooks --------------------------------------------------------------------------------


def test_a_signed_webhook_is_read(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref,
        "DELIVERED",
        "delivered",
        "2026-05-06T14:29:45.06+03:00",
        event_id="trk-9",
    )
    event = geliver.parse_webhook(body, headers)
    assert event == TrackingEvent(
        provider_event_id="trk-9",
        provider_ref=label.provider_ref,
        tracking_number=label.tracking_number,
        status="delivered",
        occurred_at=datetime(2026, 5, 6, 11, 29, 45, 60000, tzinfo=UTC),
        tracking_url=label.tracking_url,
        detail="DELIVERED/delivered Sarnıç Mikro",
    )


def test_the_documented_bare_shipment_body_is_read_too(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref, "TRANSIT", "out_for_delivery", "2026-05-06T08:00:00Z", envelope=False
    )
    assert geliver.parse_webhook(body, headers).status == "out_for_delivery"


def test_a_webhook_brings_the_late_tracking_number(standin, geliver):
    standin.tracking_number_on_accept = False
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref,
        "TRANSIT",
        "package_accepted",
        "2026-05-05T10:00:00Z",
        tracking_number="YK123456",
    )
    event = geliver.parse_webhook(body, headers)
    assert (event.status, event.tracking_number) == ("in_transit", "YK123456")


def test_a_forged_webhook_is_rejected(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref, "DELIVERED", "delivered", "2026-05-06T11:00:00Z", secret="not-ours"
    )
    with pytest.raises(WebhookRejected) as caught:
        geliver.parse_webhook(body, headers)
    assert caught.value.code == "bad_signature"


def test_a_tampered_body_is_rejected(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref, "TRANSIT", "package_departed", "2026-05-06T11:00:00Z"
    )
    forged = body.replace(b'"TRANSIT"', b'"DELIVERED"')
    with pytest.raises(WebhookRejected) as caught:
        geliver.parse_webhook(forged, headers)
    assert caught.value.code == "bad_signature"


def test_a_stale_webhook_is_rejected_even_when_signed(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref,
        "DELIVERED",
        "delivered",
        "2026-05-06T11:00:00Z",
        timestamp=int(time.time()) - 3600,
    )
    with pytest.raises(WebhookRejected) as caught:
        geliver.parse_webhook(body, headers)
    assert caught.value.code == "stale_timestamp"


@pytest.mark.parametrize("drop", ["X-Signature", "X-Timestamp"])
def test_an_unsigned_webhook_is_rejected(geliver, standin, drop):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref, "DELIVERED", "delivered", "2026-05-06T11:00:00Z"
    )
    del headers[drop]
    with pytest.raises(WebhookRejected) as caught:
        geliver.parse_webhook(body, headers)
    assert caught.value.code == "missing_signature"


def test_without_a_secret_the_body_only_names_the_shipment(standin, geliver):
    """No Geliver SDK signs webhooks yet: without a secret the body is a notice. What the body
    claims is not believed; the shipment is asked of Geliver with our token."""
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref, "TRANSIT", "package_accepted", "2026-05-06T09:00:00Z"
    )
    forged = body.replace(b'"TRANSIT"', b'"DELIVERED"')
    unsigned = GeliverAdapter(standin.token, base_url=standin.base_url)
    before = len(standin.requests_to("GET", f"/shipments/{label.provider_ref}"))
    event = unsigned.parse_webhook(forged, {}, is_known=lambda ref: ref == label.provider_ref)
    assert event.status == "in_transit"  # Geliver's answer, not the body's "DELIVERED"
    assert len(standin.requests_to("GET", f"/shipments/{label.provider_ref}")) == before + 1


def test_without_a_secret_an_unknown_shipment_is_not_asked_about(standin, geliver):
    label = _label(geliver)
    body, _headers = standin.signed_event(
        label.provider_ref, "DELIVERED", "delivered", "2026-05-06T11:00:00Z"
    )
    unsigned = GeliverAdapter(standin.token, base_url=standin.base_url)
    gets = len(standin.requests_to("GET", "/shipments/"))
    with pytest.raises(ShippingError) as caught:
        unsigned.parse_webhook(body, {}, is_known=lambda ref: False)
    assert caught.value.code == "unknown_shipment"
    assert len(standin.requests_to("GET", "/shipments/")) == gets


def test_a_return_label_is_bought_for_the_parcel_once(standin, geliver):
    label = _label(geliver)
    returned = geliver.return_label(label)
    assert returned.provider_ref != label.provider_ref
    assert returned.barcode and returned.tracking_number and returned.label_url
    assert returned.order_ref == label.order_ref
    sent = standin.requests_to("POST", f"/shipments/{label.provider_ref}")[0].body
    assert (sent["isReturn"], sent["willAccept"], sent["count"]) == (True, True, 1)
    # Asked again before we stored it (a lost answer): the same return, nothing bought.
    again = geliver.return_label(label)
    assert again.provider_ref == returned.provider_ref
    assert len(standin.requests_to("POST", f"/shipments/{label.provider_ref}")) == 1
    # Once stored (known), a second withdrawal of the same order gets its own return.
    second = geliver.return_label(label, known_refs=frozenset({returned.provider_ref}))
    assert second.provider_ref != returned.provider_ref


def test_a_refused_return_is_a_shipping_error(standin, geliver):
    label = _label(geliver)
    standin.fail_next(
        "POST",
        f"/shipments/{label.provider_ref}",
        400,
        {"result": False, "code": "RETURN_NOT_ALLOWED", "message": "Return not allowed"},
    )
    with pytest.raises(ShippingError) as caught:
        geliver.return_label(label)
    assert caught.value.code == "RETURN_NOT_ALLOWED" and not caught.value.retryable


def test_the_price_list_gives_the_carriers_or_the_cheapest_price(standin, geliver):
    assert geliver.price(PARCEL) == 7500  # PTT's "75", the cheapest
    assert geliver.price(PARCEL, carrier="aras") == 8450
    assert geliver.price(PARCEL, carrier="nowhere") == 7500
    asked = standin.requests_to("GET", "/priceList")[0].query
    assert asked["paramType"] == "parcel" and asked["weight"] == PARCEL.weight_kg
    assert ManualAdapter().price(PARCEL) is None


def test_header_names_are_case_insensitive(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(
        label.provider_ref, "RETURNED", "returned_to_sender", "2026-05-09T11:00:00Z"
    )
    lowered = {k.lower(): v for k, v in headers.items()}
    assert geliver.parse_webhook(body, lowered).status == "returned"


def test_an_unknown_status_is_not_guessed(geliver, standin):
    label = _label(geliver)
    body, headers = standin.signed_event(label.provider_ref, "UNKNOWN", "", "2026-05-06T11:00:00Z")
    with pytest.raises(ShippingError) as caught:
        geliver.parse_webhook(body, headers)
    assert caught.value.code == "unknown_status"


@pytest.mark.parametrize(
    ("code", "sub", "status"),
    [
        ("PRE_TRANSIT", "information_received", "created"),
        ("TRANSIT", "package_accepted", "in_transit"),
        ("TRANSIT", "delivery_scheduled", "in_transit"),
        ("TRANSIT", "out_for_delivery", "out_for_delivery"),
        ("DELIVERED", "delivered", "delivered"),
        ("RETURNED", "returned", "returned"),
        ("FAILURE", "delivery_failed", "failed"),
    ],
)
def test_geliver_statuses_are_normalised(geliver, standin, code, sub, status):
    label = _label(geliver)
    body, headers = standin.signed_event(label.provider_ref, code, sub, "2026-05-06T11:00:00Z")
    assert geliver.parse_webhook(body, headers).status == status


def test_repeated_and_out_of_order_webhooks_end_delivered(geliver, standin):
    """Webhooks arrive: in transit, delivered, the delivered one again, then a late
    out-for-delivery scan and a late in-transit scan. The order stays delivered at 14:00."""
    label = _label(geliver)
    ref = label.provider_ref
    deliveries = [
        standin.signed_event(ref, "TRANSIT", "package_accepted", "2026-05-05T09:00:00Z"),
        standin.signed_event(ref, "DELIVERED", "delivered", "2026-05-06T14:00:00Z", event_id="d1"),
    ]
    deliveries.append(deliveries[-1])  # Geliver delivers the same webhook twice
    deliveries += [
        standin.signed_event(ref, "TRANSIT", "out_for_delivery", "2026-05-06T08:00:00Z"),
        standin.signed_event(ref, "TRANSIT", "package_departed", "2026-05-05T20:00:00Z"),
    ]
    seen: set[str] = set()
    status, when, changes = None, None, []
    for body, headers in deliveries:
        event = geliver.parse_webhook(body, headers)
        if event.provider_event_id in seen:  # the caller's de-duplication by event id
            continue
        seen.add(event.provider_event_id)
        applied = apply_event(status, when, event)
        if applied.status != status:
            changes.append(applied.status)
        status, when = applied.status, applied.occurred_at

    assert (status, when) == ("delivered", datetime(2026, 5, 6, 14, tzinfo=UTC))
    assert changes == ["in_transit", "delivered"]
    assert len(seen) == 4


def test_track_polls_the_current_status(geliver, standin):
    label = _label(geliver)
    assert geliver.track(label).status == "created"  # a number, no status yet
    standin.set_tracking(label.provider_ref, "DELIVERED", "delivered", "2026-05-06T11:00:00Z")
    event = geliver.track(label)
    assert (event.status, event.occurred_at) == ("delivered", datetime(2026, 5, 6, 11, tzinfo=UTC))


def test_track_before_anything_is_known_is_none(standin, geliver):
    standin.tracking_number_on_accept = False
    assert geliver.track(_label(geliver)) is None
