"""Balances, sale lines, the ledger check and payouts through the API: the same numbers the
services compute, and each producer sees only her own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction, PayoutBatch, utcnow
from coopshop.services.books import balances, ledger_check
from coopshop.services.sales.refunds import create_refund
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.web.api_helpers import assert_error, bearer, caller, token_for

# A 250,00 TL product at 20% VAT and 15% commission: net 20833, commission 3125, maker 17708.
MAKER_PART = 17708
TWO_PART = 35417  # two of them on one line: net 41667, commission 6250


def _sold(producer, channel="bazaar", method="cash", quantity=1, paid_at=None):
    product = ProductFactory(price_kurus=25000, stock=10, makers=[(producer, 10_000)])
    order = paid_order(
        [(product, quantity)], channel=channel, payment_method=method, paid_at=paid_at
    )
    db.session.commit()
    return order


def test_a_producer_reads_her_balance(client):
    producer = ProducerFactory()
    _sold(producer)  # bazaar: available at once
    _sold(producer, channel="online", method="demo")  # online: pending for 14 days
    response = client.get("/api/v1/me/balance", headers=bearer(token_for(producer.user)))
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["producer_id"] == producer.id
    assert body["available_kurus"] == MAKER_PART
    assert body["pending_kurus"] == MAKER_PART
    assert body["earned_kurus"] == 2 * MAKER_PART
    assert body["paid_kurus"] == 0
    assert body["balance_kurus"] == 2 * MAKER_PART
    assert body["as_of"].endswith("+00:00")
    expected = balances.balance(producer.id)
    assert (body["pending_kurus"], body["available_kurus"]) == (
        expected.pending,
        expected.available,
    )


def test_a_producer_reads_her_sale_lines_only(client):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    shared = ProductFactory(price_kurus=25000, makers=[(ayse, 6000), (fatma, 4000)])
    order = paid_order([(shared, 1)], channel="bazaar", payment_method="cash")
    _sold(fatma)
    db.session.commit()
    create_refund(order, [(order.lines[0].id, 12500)], reason="yarısı")
    db.session.commit()

    body = client.get("/api/v1/me/sales", headers=bearer(token_for(ayse.user))).get_json()
    assert body["has_more"] is False and body["next_cursor"] is None
    assert len(body["items"]) == 1
    line = body["items"][0]
    assert line["order_number"] == order.number
    assert line["share_bp"] == 6000
    assert line["earned_kurus"] == 10625  # 60% of 17708, largest remainder
    assert line["refunded_kurus"] == 5312  # 60% of the 8854 the refund took from the makers
    assert line["net_kurus"] == line["earned_kurus"] - line["refunded_kurus"]
    fatma_lines = client.get("/api/v1/me/sales", headers=bearer(token_for(fatma.user)))
    assert len(fatma_lines.get_json()["items"]) == 2


def test_my_sales_pages_by_cursor(client):
    producer = ProducerFactory()
    product = ProductFactory(price_kurus=1000, stock=200, makers=[(producer, 10000)])
    for _ in range(51):
        paid_order([(product, 1)], channel="bazaar", payment_method="cash")
    db.session.commit()
    headers = bearer(token_for(producer.user))
    first = client.get("/api/v1/me/sales", headers=headers).get_json()
    assert len(first["items"]) == 50 and first["has_more"] is True
    rest = client.get(f"/api/v1/me/sales?cursor={first['next_cursor']}", headers=headers)
    rest = rest.get_json()
    assert len(rest["items"]) == 1 and rest["has_more"] is False and rest["next_cursor"] is None
    seen = {i["order_line_id"] for i in first["items"]} | {rest["items"][0]["order_line_id"]}
    assert len(seen) == 51
    assert_error(
        client.get("/api/v1/me/sales?cursor=x", headers=headers), 400, "validation_error", "cursor"
    )


def test_a_producer_account_without_a_profile_is_refused(client):
    _, headers = caller("customer")
    assert_error(client.get("/api/v1/me/balance", headers=headers), 403, "forbidden")
    from tests.support.factories import UserFactory

    bare = UserFactory(role="producer")
    response = client.get("/api/v1/me/balance", headers=bearer(token_for(bare)))
    assert_error(response, 403, "forbidden")


def test_only_an_admin_reads_a_producers_balance(client):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    _sold(fatma)
    ayse_headers = bearer(token_for(ayse.user))
    assert_error(
        client.get(f"/api/v1/producers/{fatma.id}/balance", headers=ayse_headers), 403, "forbidden"
    )
    assert_error(
        client.get(f"/api/v1/producers/{ayse.id}/balance", headers=ayse_headers), 403, "forbidden"
    )
    _, admin = caller("admin")
    body = client.get(f"/api/v1/producers/{fatma.id}/balance", headers=admin).get_json()
    assert body["available_kurus"] == MAKER_PART
    assert_error(client.get("/api/v1/producers/999999/balance", headers=admin), 404, "not_found")


def test_a_producers_token_cannot_record_sales(client):
    producer = ProducerFactory()
    product = ProductFactory(code="PR1")
    response = client.post(
        "/api/v1/sales",
        json={
            "channel": "bank_transfer",
            "payment_method": "bank_transfer",
            "lines": [{"product_id": product.id, "quantity": 1}],
        },
        headers=bearer(token_for(producer.user)),
    )
    assert_error(response, 403, "forbidden")


def test_the_ledger_check_reports_ok_and_violations(client):
    _, admin = caller("admin")
    _sold(ProducerFactory())
    assert client.get("/api/v1/ledger/check", headers=admin).get_json() == {
        "ok": True,
        "violations": [],
    }
    # A sale whose order was never paid: the check must name it.
    order = _sold(ProducerFactory())
    order.status = "cancelled"
    db.session.commit()
    body = client.get("/api/v1/ledger/check", headers=admin).get_json()
    assert body["ok"] is False
    assert {v["rule"] for v in body["violations"]} >= {"sale"}
    assert any(v["order_id"] == order.id for v in body["violations"])
    assert len(body["violations"]) == len(ledger_check.check())


# --- payouts -------------------------------------------------------------------------------


@pytest.fixture
def two_sellers(app):
    ayse = ProducerFactory(display_name="Ayşe")
    fatma = ProducerFactory(display_name="Fatma", iban=None)
    _sold(ayse, quantity=2)
    _sold(fatma)
    return ayse, fatma


def _close(client, headers, cutoff=None):
    cutoff = cutoff or utcnow()
    return client.post("/api/v1/payouts", json={"cutoff": cutoff.isoformat()}, headers=headers)


def test_closing_a_period_makes_a_draft_batch_with_who_was_left_out(client, two_sellers):
    ayse, fatma = two_sellers
    _, admin = caller("admin")
    response = _close(client, admin)
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert batch["status"] == "draft"
    assert [(ln["producer_id"], ln["amount_kurus"]) for ln in batch["lines"]] == [
        (ayse.id, TWO_PART)
    ]
    assert batch["lines"][0]["iban"] == "TR330006100519786457841326"
    assert batch["total_kurus"] == TWO_PART
    assert [(x["producer_id"], x["reason"]) for x in batch["left_out"]] == [(fatma.id, "no_iban")]
    # the same money is never put in a second batch
    assert_error(_close(client, admin), 409, "conflict")
    assert db.session.scalar(select(PayoutBatch.id).where(PayoutBatch.id != batch["id"])) is None


def test_nothing_to_pay_is_200_without_a_batch(client):
    _, admin = caller("admin")
    response = _close(client, admin)
    assert response.status_code == 200
    assert response.get_json() == {"batch": None, "left_out": []}


def test_a_cutoff_in_the_future_is_422(client):
    _, admin = caller("admin")
    response = _close(client, admin, cutoff=utcnow() + timedelta(days=2))
    assert_error(response, 422, "rule_violation", "cutoff")


def test_approve_then_settle_lines_once(app, client, two_sellers):
    ayse, _ = two_sellers
    closer, closer_headers = caller("admin")
    _, second = caller("admin")
    batch = _close(client, closer_headers).get_json()
    app.config["PAYOUT_TWO_ADMINS"] = True
    try:
        refused = client.post(f"/api/v1/payouts/{batch['id']}/approve", headers=closer_headers)
        assert_error(refused, 403, "forbidden")
        approved = client.post(f"/api/v1/payouts/{batch['id']}/approve", headers=second)
    finally:
        app.config["PAYOUT_TWO_ADMINS"] = False
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert balances.balance(ayse.id).available == 0
    again = client.post(f"/api/v1/payouts/{batch['id']}/approve", headers=second)
    assert_error(again, 409, "invalid_transition")

    line_id = batch["lines"][0]["id"]
    paid_url = f"/api/v1/payouts/{batch['id']}/lines/{line_id}/paid"
    paid = client.post(paid_url, json={"reference": "EFT-2025-0001"}, headers=second)
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid"
    assert paid.get_json()["bank_reference"] == "EFT-2025-0001"
    assert_error(
        client.post(paid_url, json={"reference": "EFT-2"}, headers=second), 409, "conflict"
    )
    assert (
        client.get(f"/api/v1/payouts/{batch['id']}", headers=second).get_json()["status"] == "paid"
    )
    body = client.get(f"/api/v1/producers/{ayse.id}/balance", headers=second).get_json()
    assert body["paid_kurus"] == TWO_PART
    assert ledger_check.check() == []


def test_a_failed_line_gives_the_money_back(client, two_sellers):
    ayse, _ = two_sellers
    _, admin = caller("admin")
    batch = _close(client, admin).get_json()
    client.post(f"/api/v1/payouts/{batch['id']}/approve", headers=admin)
    line_id = batch["lines"][0]["id"]
    url = f"/api/v1/payouts/{batch['id']}/lines/{line_id}/failed"
    assert_error(
        client.post(url, json={"reason": ""}, headers=admin), 400, "validation_error", "reason"
    )
    failed = client.post(url, json={"reason": "IBAN kapalı"}, headers=admin)
    assert failed.status_code == 200, failed.get_json()
    assert failed.get_json()["failure_reason"] == "IBAN kapalı"
    assert balances.balance(ayse.id).available == TWO_PART
    assert_error(client.post(url, json={"reason": "yine"}, headers=admin), 409, "conflict")
    assert ledger_check.check() == []


def test_a_line_of_another_batch_is_404(client, two_sellers):
    _, admin = caller("admin")
    batch = _close(client, admin).get_json()
    client.post(f"/api/v1/payouts/{batch['id']}/approve", headers=admin)
    line_id = batch["lines"][0]["id"]
    response = client.post(
        f"/api/v1/payouts/{batch['id'] + 1}/lines/{line_id}/paid",
        json={"reference": "X"},
        headers=admin,
    )
    assert_error(response, 404, "not_found")
    assert_error(client.get("/api/v1/payouts/4242", headers=admin), 404, "not_found")


def test_a_draft_line_cannot_be_marked_paid(client, two_sellers):
    _, admin = caller("admin")
    batch = _close(client, admin).get_json()
    line_id = batch["lines"][0]["id"]
    response = client.post(
        f"/api/v1/payouts/{batch['id']}/lines/{line_id}/paid",
        json={"reference": "EFT-1"},
        headers=admin,
    )
    assert_error(response, 409, "conflict")
    kinds = db.session.scalars(select(LedgerTransaction.kind))
    assert "payout" not in set(kinds)
