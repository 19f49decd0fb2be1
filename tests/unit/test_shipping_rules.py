"""The shipping interface's pure rules (prices in kuruş, apply_event), the manual adapter and
the settings that choose an adapter."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopshop.services.shipping.base import (
    STATUSES,
    TERMINAL_STATUSES,
    Offer,
    Parcel,
    ShippingError,
    WebhookRejected,
    apply_event,
    parse_kurus,
)
from coopshop.services.shipping.carriers import (
    ManualAdapter,
    adapter_from_settings,
    sender_from_settings,
    tracking_url,
)
from coopshop.services.shipping.geliver import GeliverAdapter
from tests.support.shipping_cases import (
    PARCEL,
    RECIPIENT,
    SENDER,
    _at,
    _event,
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


# ---- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kurus"),
    [("12.99", 1299), ("84.5", 8450), ("75", 7500), ("0.01", 1), ("1.935", 194), ("79.995", 8000)],
)
def test_prices_parse_to_exact_kurus(text, kurus):
    assert parse_kurus(text) == kurus


@pytest.mark.parametrize("bad", ["-1", "1e3", "NaN", "", "12,5", "1.", 1.5, True, None])
def test_prices_that_are_not_plain_decimals_are_refused(bad):
    with pytest.raises(ShippingError) as caught:
        parse_kurus(bad)
    assert caught.value.code == "bad_amount"


@given(st.integers(min_value=0, max_value=10**12))
def test_any_two_decimal_amount_round_trips(kurus):
    assert parse_kurus(f"{kurus // 100}.{kurus % 100:02d}") == kurus


# ---- apply_event -----------------------------------------------------------------------------


def test_a_late_in_transit_does_not_undo_delivered():
    applied = apply_event("delivered", _at(60), _event("in_transit", 30))
    assert applied.status == "delivered" and applied.occurred_at == _at(60)
    assert not applied.changed
    # …and not even one stamped later (a stray scan): delivered is final.
    assert apply_event("delivered", _at(60), _event("in_transit", 90)).status == "delivered"


def test_delivered_applies_even_when_stamped_before_the_last_scan():
    applied = apply_event("out_for_delivery", _at(60), _event("delivered", 45))
    assert (applied.status, applied.occurred_at, applied.changed) == ("delivered", _at(45), True)


def test_the_first_delivery_time_stands():
    applied = apply_event("delivered", _at(45), _event("delivered", 50))
    assert (applied.occurred_at, applied.changed) == (_at(45), False)


def test_an_older_scan_is_ignored_and_a_newer_one_applies():
    assert not apply_event("out_for_delivery", _at(60), _event("in_transit", 30)).changed
    applied = apply_event("out_for_delivery", _at(60), _event("failed", 90))
    assert (applied.status, applied.changed) == ("failed", True)
    applied = apply_event("failed", _at(90), _event("out_for_delivery", 24 * 60))
    assert applied.status == "out_for_delivery"  # delivery tried again the next day


def test_the_first_event_applies():
    assert apply_event(None, None, _event("created", 0)) == apply_event(
        None, None, _event("created", 0)
    )
    assert apply_event(None, None, _event("in_transit", 5)).changed


_NON_FINAL = [s for s in STATUSES if s not in TERMINAL_STATUSES]
_events = st.builds(
    _event, st.sampled_from(_NON_FINAL), st.integers(min_value=0, max_value=20)
)  # few distinct minutes, so ties are common


def _fold(events):
    status, when = None, None
    for event in events:
        applied = apply_event(status, when, event)
        status, when = applied.status, applied.occurred_at
    return status, when


@given(st.lists(_events, min_size=1, max_size=6))
def test_non_final_events_give_the_same_outcome_in_any_order(events):
    outcomes = {_fold(order) for order in itertools.permutations(events)}
    assert len(outcomes) == 1


@given(
    st.lists(_events, max_size=5),
    st.sampled_from(sorted(TERMINAL_STATUSES)),
    st.integers(min_value=0, max_value=20),
    st.data(),
)
def test_one_final_event_wins_wherever_it_arrives(events, final, minute, data):
    position = data.draw(st.integers(min_value=0, max_value=len(events)))
    sequence = events[:position] + [_event(final, minute)] + events[position:]
    assert _fold(sequence) == (final, _at(minute))


@given(
    st.sampled_from(STATUSES),
    st.integers(0, 20),
    _events | st.builds(_event, st.sampled_from(sorted(TERMINAL_STATUSES)), st.integers(0, 20)),
)
def test_the_same_event_twice_changes_nothing_the_second_time(status, minute, event):
    first = apply_event(status, _at(minute), event)
    second = apply_event(first.status, first.occurred_at, event)
    assert not second.changed
    assert (second.status, second.occurred_at) == (first.status, first.occurred_at)


# ---- the manual adapter and settings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("carrier", "url"),
    [
        ("yurtici", "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=1234"),
        ("aras", "https://kargotakip.araskargo.com.tr/mainpage.aspx?code=1234"),
        ("mng", "https://kargotakip.mngkargo.com.tr/?takipNo=1234"),
        ("ptt", "https://gonderitakip.ptt.gov.tr/Track/Verify?q=1234"),
        ("surat", "https://suratkargo.com.tr/KargoTakip/?kargotakipno=1234"),
    ],
)
def test_manual_labels_link_to_the_carriers_tracking_page(carrier, url):
    adapter = ManualAdapter()
    offer = next(
        o
        for o in adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-7")
        if o.carrier == carrier
    )
    label = adapter.buy_label(offer, tracking_number="1234")
    assert label.tracking_number == "1234"
    assert label.tracking_url == url
    assert (label.order_ref, label.provider_ref, label.label_url) == ("CS-7", "manual:CS-7", None)


def test_manual_numbers_are_cleaned_and_quoted():
    adapter = ManualAdapter()
    offer = adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-7")[0]
    label = adapter.buy_label(offer, tracking_number="  AB 12/3 ")
    assert label.tracking_number == "AB 12/3"
    assert label.tracking_url.endswith("code=AB%2012%2F3")
    assert adapter.buy_label(offer, tracking_number="AB 12/3") == label  # a retry is harmless


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "tracking_number_required"),
        ("   ", "tracking_number_required"),
        ("9" * 81, "tracking_number_too_long"),
    ],
)
def test_manual_labels_need_a_usable_number(number, code):
    adapter = ManualAdapter()
    offer = adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-7")[0]
    with pytest.raises(ShippingError) as caught:
        adapter.buy_label(offer, tracking_number=number)
    assert caught.value.code == code


def test_manual_offers_are_the_carriers_at_the_flat_fee():
    offers = ManualAdapter(flat_fee_kurus=7500).offers(PARCEL, SENDER, RECIPIENT, order_ref="C")
    assert [o.carrier for o in offers] == ["yurtici", "aras", "mng", "ptt", "surat"]
    assert {o.price_kurus for o in offers} == {7500}


def test_manual_has_no_pdf_no_webhooks_and_nothing_to_track():
    adapter = ManualAdapter()
    offer = adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-7")[0]
    label = adapter.buy_label(offer, tracking_number="1")
    with pytest.raises(ShippingError):
        adapter.label_pdf(label)
    with pytest.raises(WebhookRejected):
        adapter.parse_webhook(b"{}", {})
    assert adapter.track(label) is None
    assert adapter.cancel(label) is None


def test_an_unknown_carrier_is_refused_and_has_no_url():
    offer = Offer("x", "CS-7", "hepsijet", "x", 7500)
    with pytest.raises(ShippingError):
        ManualAdapter().buy_label(offer, tracking_number="1")
    assert tracking_url("hepsijet", "1") is None


def test_templates_can_be_overridden_by_settings():
    adapter = adapter_from_settings(
        {"SHIPPING_TRACKING_URL_TEMPLATES": {"aras": "https://aras.example/t/{number}"}}
    )
    offer = next(
        o for o in adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="C") if o.carrier == "aras"
    )
    assert adapter.buy_label(offer, tracking_number="55").tracking_url == (
        "https://aras.example/t/55"
    )


def test_settings_choose_the_adapter(standin):
    assert isinstance(adapter_from_settings({}), ManualAdapter)
    assert isinstance(adapter_from_settings({"SHIPPING_PROVIDER": "manual"}), ManualAdapter)
    with pytest.raises(ShippingError) as caught:
        adapter_from_settings({"SHIPPING_PROVIDER": "geliver"})
    assert caught.value.code == "not_configured"
    with pytest.raises(ShippingError):
        adapter_from_settings({"SHIPPING_PROVIDER": "kargoist"})
    adapter = adapter_from_settings(
        {
            "SHIPPING_PROVIDER": "geliver",
            "GELIVER_API_TOKEN": standin.token,
            "GELIVER_BASE_URL": standin.base_url,
            "GELIVER_WEBHOOK_SECRET": standin.webhook_secret,
            "GELIVER_TIMEOUT_SECONDS": "0.5",
        }
    )
    assert isinstance(adapter, GeliverAdapter)
    assert len(adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref="CS-1")) == 5


def test_parcels_are_whole_positive_numbers():
    assert Parcel(weight_g=50, length_cm=1, width_cm=1, height_cm=1).weight_kg == "0.050"
    with pytest.raises(ValueError):
        Parcel(weight_g=0, length_cm=1, width_cm=1, height_cm=1)
    with pytest.raises(ValueError):
        Parcel(weight_g=1.5, length_cm=1, width_cm=1, height_cm=1)


def test_the_sender_address_comes_from_settings():
    settings = {
        "SHIPPING_SENDER_NAME": SENDER.name,
        "SHIPPING_SENDER_PHONE": SENDER.phone,
        "SHIPPING_SENDER_EMAIL": SENDER.email,
        "SHIPPING_SENDER_ADDRESS1": SENDER.address1,
        "SHIPPING_SENDER_CITY_NAME": SENDER.city_name,
        "SHIPPING_SENDER_CITY_CODE": SENDER.city_code,
        "SHIPPING_SENDER_DISTRICT": SENDER.district_name,
        "SHIPPING_SENDER_ZIP": SENDER.zip,
    }
    assert sender_from_settings(settings) == SENDER
    with pytest.raises(ShippingError) as caught:
        sender_from_settings({**settings, "SHIPPING_SENDER_ZIP": ""})
    assert "SHIPPING_SENDER_ZIP" in caught.value.message
