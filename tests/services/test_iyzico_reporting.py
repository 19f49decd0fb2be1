"""The adapter's read-only services through the real SDK against the stand-in: the instalment
table for a price, one day's transactions (every page), one payment's details with refunds and
cancels; GETs signed as the SDK signs them; a hanging iyzico times out here too."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from coopshop.services.sales import iyzico, iyzico_reporting
from tests.services.test_iyzico_adapter import LINES, ORDER, SHIPPING, start


@pytest.fixture
def client(iyzico_standin):
    return iyzico_standin.client(timeout=5.0)


def _today():
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Istanbul")).date()


def test_instalments_for_a_price_per_card_family(iyzico_standin, client):
    families = iyzico_reporting.installment_info(client, 41250)

    [sent] = iyzico_standin.requests_to(iyzico_reporting.INSTALLMENT_PATH)
    assert sent.auth_ok and sent.body == {"locale": "tr", "price": "412.5"}
    assert [f.card_family for f in families] == ["Bonus", "Axess", "World"]
    bonus = families[0]
    assert bonus.bank_name == "Garanti Bankası"
    three = next(o for o in bonus.options if o.count == 3)
    assert (three.per_instalment_kurus, three.total_kurus) == (14472, 43416)
    assert [o.count for o in bonus.options] == sorted(o.count for o in bonus.options)


def test_instalments_for_a_card_send_its_bin(iyzico_standin, client):
    families = iyzico_reporting.installment_info(client, 10000, bin_number="552608001234")

    [sent] = iyzico_standin.requests_to(iyzico_reporting.INSTALLMENT_PATH)
    assert sent.body["binNumber"] == "55260800"
    assert [f.card_family for f in families] == ["Bonus"]


def test_a_fraction_below_the_kurus_is_rounded_once_for_display(monkeypatch, client):
    answer = {
        "status": "success",
        "installmentDetails": [
            {
                "cardFamilyName": "Paraf",
                "installmentPrices": [
                    {
                        "installmentNumber": 3,
                        "installmentPrice": Decimal("33.335"),
                        "totalPrice": Decimal("100.005"),
                    }
                ],
            }
        ],
    }
    monkeypatch.setattr(client, "_post", lambda *args, **kw: answer)

    [paraf] = iyzico_reporting.installment_info(client, 10000)

    assert paraf.options[0].per_instalment_kurus == 3334
    assert paraf.options[0].total_kurus == 10001


def test_a_days_transactions_come_signed_and_every_page_is_read(
    iyzico_standin, client, monkeypatch
):
    monkeypatch.setattr(iyzico_standin, "page_size", 2)
    started = start(client)
    payment_id = iyzico_standin.complete(started.token, installment=3)

    rows = iyzico_reporting.daily_transactions(client, _today())

    sent = iyzico_standin.requests_to(iyzico_reporting.DAILY_TRANSACTIONS_PATH)
    assert [r.method for r in sent] == ["GET", "GET"] and all(r.auth_ok for r in sent)
    assert "page=2" in sent[1].path and f"transactionDate={_today().isoformat()}" in sent[0].path
    # The SDK signs a GET over the path (no query) and the body "null".
    auth = base64.b64decode(sent[0].headers["Authorization"].split(" ", 1)[1]).decode()
    assert auth.startswith(f"apiKey:{iyzico_standin.api_key}&randomKey:")
    assert len(rows) == len(LINES) + 1  # every item and the shipping
    assert {r.transaction_type for r in rows} == {"PAYMENT"}
    assert {r.payment_id for r in rows} == {payment_id} and rows[0].basket_id == ORDER
    assert sum(r.price_kurus for r in rows) == sum(ln.total_kurus for ln in LINES) + SHIPPING
    assert all(r.paid_price_kurus > r.price_kurus for r in rows)  # taksit surcharge
    assert all(r.iyzico_commission > 0 for r in rows)


def test_a_day_with_nothing_is_empty(client):
    assert iyzico_reporting.daily_transactions(client, _today()) == []


def test_payment_details_list_refunds_and_cancels(iyzico_standin, client):
    started = start(client)
    payment_id = iyzico_standin.complete(started.token)
    result = client.retrieve_checkout_form(started.token)
    txn = result.items[0].payment_transaction_id
    client.refund(txn, 100, "refund-CS-1-1-" + txn, "127.0.0.1")

    by_id = iyzico_reporting.payment_details(client, payment_id=payment_id)
    by_conversation = iyzico_reporting.payment_details(client, conversation_id=ORDER)

    assert by_id == by_conversation
    assert by_id.basket_id == ORDER and by_id.payment_status == 1
    assert by_id.refund_status == "PARTIALLY_REFUNDED"
    [refund] = by_id.refunded_parts()[txn]
    assert (refund.conversation_id, refund.price_kurus) == ("refund-CS-1-1-" + txn, 100)
    assert iyzico_reporting.payment_details(client, payment_id="1") is None
    with pytest.raises(ValueError):
        iyzico_reporting.payment_details(client)


def test_a_cancel_is_listed_on_the_payment_and_in_the_day(iyzico_standin, client):
    started = start(client)
    payment_id = iyzico_standin.complete(started.token)
    client.cancel(payment_id, "refund-CS-1-1", "127.0.0.1")

    details = iyzico_reporting.payment_details(client, payment_id=payment_id)
    rows = iyzico_reporting.daily_transactions(client, _today())

    assert [c.conversation_id for c in details.cancels] == ["refund-CS-1-1"]
    assert details.refund_status == "TOTALLY_REFUNDED"
    cancels = [r for r in rows if r.transaction_type == "CANCEL"]
    assert {r.conversation_id for r in cancels} == {"refund-CS-1-1"}


def test_reporting_failure_and_hang_raise(iyzico_standin):
    client = iyzico_standin.client(timeout=1.0)
    iyzico_standin.error_next(iyzico_reporting.PAYMENT_DETAILS_PATH, "1000", "Sistem hatası")
    with pytest.raises(iyzico.ProviderError) as refused:
        iyzico_reporting.payment_details(client, payment_id="1")
    iyzico_standin.hang(30)
    with pytest.raises(iyzico.IyzicoTimeoutError):
        iyzico_reporting.daily_transactions(client, _today())

    assert refused.value.error_message == "Sistem hatası"
