"""services.reconcile and `flask reconcile stripe`: each kind of mismatch planted and found.

Charges, refunds and balance transactions are real objects in localstripe (behind a proxy that
lets the period filters through, see tests/support/reconcile_support.py); fees and payouts, which
localstripe cannot produce (its fees are 0, it has no TRY payouts), are recorded Stripe list
objects served by the recording stub.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Payment
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import reconcile
from coopshop.services.sales import refund_flow, refunds
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from coopshop.services.sales.payments import StripeProvider
from tests.support.factories import ProductFactory
from tests.support.reconcile_support import listing, paid_intent, proxied_stripe, stripe_paid_order
from tests.support.stripe_support import WEBHOOK_SECRET

SETTINGS = CoopSettings()


@pytest.fixture
def proxied_provider(app, localstripe):
    with proxied_stripe(localstripe) as pair:
        yield pair


def _period():
    now = datetime.now(UTC)
    return now - timedelta(minutes=5), now + timedelta(minutes=5)


def _order_paid_with(charge_ref, price=100000, fee=0, intent=None, paid_at=None):
    """An online order marked paid with the given Stripe charge (real or not), as fulfilment
    would book it."""
    product = ProductFactory(price_kurus=price)
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="stripe",
            lines=[LineRequest(quantity=1, product_id=product.id)],
        ),
        settings=SETTINGS,
    )
    mark_paid(
        order,
        PaymentInfo(
            provider="stripe",
            amount_kurus=order.total_kurus,
            provider_ref=intent,
            charge_ref=charge_ref,
            fee_kurus=fee,
        ),
        settings=SETTINGS,
        now=paid_at,
    )
    db.session.commit()
    return order


def _kinds(found):
    return [(m.kind, m.refs) for m in found]


def test_books_that_match_stripe_have_no_mismatch(app, proxied_provider):
    provider, proxy = proxied_provider
    scarf = ProductFactory(price_kurus=120000)
    order, charge = stripe_paid_order(provider, [(scarf, 2)])
    other, _ = stripe_paid_order(provider, [(ProductFactory(price_kurus=45000), 1)])
    line_id = order.lines[0].id
    request = refund_flow.request_provider_refund(order, [(line_id, 30000)], 0, "Leke", None)
    db.session.commit()
    assert refund_flow.send(request.id, provider).status == "succeeded"
    db.session.commit()
    start, end = _period()

    assert reconcile.reconcile_stripe(provider, start, end) == []

    report = reconcile.run(provider, start, end)
    assert report.ok
    assert report.counts == {"charges": 2, "orders": 2, "refunds": 1, "payouts": 0}
    lists = {r["path"]: r["query"] for r in proxy.requests if r["method"] == "GET"}
    for path in ("/v1/charges", "/v1/refunds", "/v1/balance_transactions", "/v1/payouts"):
        assert lists[path]["created[gte]"] == str(int(start.timestamp()))
        assert lists[path]["created[lt]"] == str(int(end.timestamp()))
        assert lists[path]["limit"] == "100"


def test_each_planted_mismatch_is_found(app, proxied_provider):
    provider, _ = proxied_provider
    # Matched and clean: must not show.
    good, good_charge = stripe_paid_order(provider, [(ProductFactory(price_kurus=50000), 1)])
    # 1. A charge at Stripe that no order in the books has.
    stray = paid_intent(provider, 4200, "pi-stray")
    stray_charge = provider.charge_details(stray["id"]).charge_ref
    # 2. A paid online order whose charge Stripe does not have.
    ghost = _order_paid_with("ch_missing000000000000")
    # 3. An order of ₺1.000,00 whose charge took ₺999,00.
    short = paid_intent(provider, 99900, "pi-short")
    short_charge = provider.charge_details(short["id"]).charge_ref
    underpaid = _order_paid_with(short_charge, price=100000, intent=short["id"])
    # 4. A refund made at Stripe (its dashboard) that was never booked.
    dashboard = provider.refund(good_charge, 5000, idempotency_key="dash-refund")
    # 5. A refund booked as going back through Stripe that Stripe never made.
    booked_only = refunds.create_refund(good, [(good.lines[0].id, 7000)], reason="Elden")
    db.session.commit()
    start, end = _period()

    found = reconcile.reconcile_stripe(provider, start, end)

    assert _kinds(found) == [
        ("charge_without_order", {"charge": stray_charge, "order": None}),
        ("order_without_charge", {"order": ghost.number, "charge": "ch_missing000000000000"}),
        (
            "amount",
            {
                "charge": short_charge,
                "order": underpaid.number,
                "payment": db.session.scalar(
                    select(Payment.id).where(Payment.order_id == underpaid.id)
                ),
            },
        ),
        ("refund_not_booked", {"refund": dashboard.id, "charge": good_charge}),
        (
            "refund_not_at_stripe",
            {"order": good.number, "refund_id": booked_only.id, "refund": None},
        ),
    ]
    descriptions = [m.description for m in found]
    assert descriptions[0] == (
        f"Stripe ödemesi {stray_charge} (₺42,00) hiçbir ödenmiş siparişe bağlı değil."
    )
    assert descriptions[2] == (
        f"Sipariş {underpaid.number}: Stripe ₺999,00 TRY aldı, ödeme kaydı ₺1.000,00, "
        "sipariş toplamı ₺1.000,00."
    )
    assert descriptions[3] == (
        f"Stripe iadesi {dashboard.id} (₺50,00, ödeme {good_charge}) deftere işlenmemiş."
    )
    assert [m.title for m in found][:2] == [
        "Siparişi olmayan Stripe ödemesi",
        "Stripe ödemesi bulunmayan sipariş",
    ]


def test_an_order_paid_just_after_its_charge_is_not_a_mismatch(app, proxied_provider):
    provider, _ = proxied_provider
    intent = paid_intent(provider, 100000, "pi-edge")
    charge = provider.charge_details(intent["id"]).charge_ref
    # The charge is from before the period; the webhook marked the order paid inside it.
    start = datetime.now(UTC) + timedelta(minutes=1)
    _order_paid_with(charge, intent=intent["id"], paid_at=start + timedelta(seconds=2))

    assert reconcile.reconcile_stripe(provider, start, start + timedelta(minutes=10)) == []


def _charge(charge_id, amount=100000, txn=None):
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "currency": "try",
        "status": "succeeded",
        "paid": True,
        "created": int(datetime.now(UTC).timestamp()),
        "payment_intent": None,
        "balance_transaction": txn,
    }


def _txn(txn_id, amount, fee, source, kind="charge"):
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "fee": fee,
        "net": amount - fee,
        "currency": "try",
        "source": source,
        "type": kind,
        "created": int(datetime.now(UTC).timestamp()),
    }


@pytest.fixture
def stub_provider(app, stripe_stub):
    for path in ("/v1/charges", "/v1/refunds", "/v1/balance_transactions", "/v1/payouts"):
        stripe_stub.routes[("GET", path)] = listing(path, [])
    return StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base), stripe_stub


def test_fee_differences_from_recorded_balance_transactions(stub_provider):
    provider, stub = stub_provider
    booked_right = _order_paid_with("ch_fee1", fee=3700)
    stripe_more = _order_paid_with("ch_fee2", fee=0)
    not_booked = _order_paid_with("ch_fee3", fee=0)
    payment = db.session.scalars(select(Payment).where(Payment.order_id == not_booked.id)).one()
    payment.fee_kurus = 2950  # recorded on the payment, but never posted to the ledger
    db.session.commit()
    charges = [_charge("ch_fee1", txn="txn_1"), _charge("ch_fee2", txn="txn_2")]
    charges.append(_charge("ch_fee3", txn="txn_3"))
    stub.routes[("GET", "/v1/charges")] = listing("/v1/charges", charges)
    stub.routes[("GET", "/v1/balance_transactions")] = listing(
        "/v1/balance_transactions",
        [
            _txn("txn_1", 100000, 3700, "ch_fee1"),
            _txn("txn_2", 100000, 3700, "ch_fee2"),
            _txn("txn_3", 100000, 2950, "ch_fee3"),
        ],
    )
    start, end = _period()

    found = reconcile.reconcile_stripe(provider, start, end)

    assert [(m.kind, m.refs["order"]) for m in found] == [
        ("fee", stripe_more.number),
        ("fee", not_booked.number),
    ]
    assert found[0].description == (
        f"Sipariş {stripe_more.number}: Stripe'ın ücreti ₺37,00, ödeme kaydındaki ücret ₺0,00."
    )
    assert found[1].description == (
        f"Sipariş {not_booked.number}: ödeme ücreti ₺29,50, deftere işlenen ₺0,00."
    )
    assert booked_right.number not in {m.refs["order"] for m in found}
    charges_request = next(r for r in stub.requests if r["path"] == "/v1/charges")
    assert charges_request["query"]["created[gte]"] == [str(int(start.timestamp()))]
    assert charges_request["query"]["created[lt]"] == [str(int(end.timestamp()))]


def test_stripe_payouts_must_equal_their_balance_transactions(stub_provider):
    provider, stub = stub_provider
    now = int(datetime.now(UTC).timestamp())
    payouts = [
        {"id": "po_ok", "object": "payout", "amount": 189091, "currency": "try",
         "status": "paid", "created": now},
        {"id": "po_short", "object": "payout", "amount": 100000, "currency": "try",
         "status": "paid", "created": now},
        {"id": "po_failed", "object": "payout", "amount": 5000, "currency": "try",
         "status": "failed", "created": now},
    ]  # fmt: skip
    carried = {
        "po_ok": [
            _txn("txn_a", 247500, 8909, "ch_a"),
            _txn("txn_b", -49500, 0, "re_b", kind="refund"),
            _txn("txn_po_ok", -189091, 0, "po_ok", kind="payout"),
        ],
        "po_short": [
            _txn("txn_c", 100000, 3000, "ch_c"),
            _txn("txn_po_short", -100000, 0, "po_short", kind="payout"),
        ],
    }
    stub.routes[("GET", "/v1/payouts")] = listing("/v1/payouts", payouts)

    def balance_transactions(record):
        payout = record["query"].get("payout", [None])[0]
        return listing("/v1/balance_transactions", carried.get(payout, []))

    stub.routes[("GET", "/v1/balance_transactions")] = balance_transactions
    start, end = _period()

    found = reconcile.reconcile_stripe(provider, start, end)

    assert _kinds(found) == [("payout_sum", {"payout": "po_short"})]
    assert found[0].description == (
        "Stripe aktarımı po_short ₺1.000,00, bakiye hareketlerinin toplamı ₺970,00 (1 hareket)."
    )
    asked = [r["query"]["payout"] for r in stub.requests if "payout" in r["query"]]
    assert asked == [["po_ok"], ["po_short"]]


def _today_in_istanbul() -> str:
    return datetime.now(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m-%d")


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["reconcile", "stripe", *args])


def test_cli_exits_zero_when_everything_matches(app, proxied_provider, monkeypatch):
    provider, proxy = proxied_provider
    stripe_paid_order(provider, [(ProductFactory(price_kurus=30000), 1)])
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", proxy.base)
    today = _today_in_istanbul()

    result = _cli(app, "--from", today, "--to", today)

    assert result.exit_code == 0, result.output
    assert "charges 1, orders 1, refunds 0, payouts 0" in result.output
    assert result.output.strip().endswith("reconciled: no mismatches; ledger ok")


def test_cli_lists_mismatches_and_ledger_violations_and_exits_one(
    app, proxied_provider, monkeypatch
):
    provider, proxy = proxied_provider
    paid_intent(provider, 4200, "pi-cli-stray")
    order, _ = stripe_paid_order(provider, [(ProductFactory(price_kurus=30000), 1)])
    order.status = "cancelled"  # a sale booked for an order that is not paid: the ledger check
    db.session.commit()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", proxy.base)
    today = _today_in_istanbul()

    result = _cli(app, "--from", today, "--to", today)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert sum(line.startswith("[charge_without_order]") for line in lines) == 2
    assert any(line.startswith("[ledger] [sale]") and order.number in line for line in lines)
    # the sale, and her balance that no longer matches her (unpaid) orders
    assert "2 mismatch(es), 2 ledger violation(s)" in result.output


def test_cli_needs_stripe_and_a_sane_period(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    result = _cli(app, "--from", "2026-11-01", "--to", "2026-11-30")
    assert result.exit_code == 2
    assert "Stripe is not configured" in result.output
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    assert _cli(app, "--from", "2026-11-30", "--to", "2026-11-01").exit_code == 2
    assert _cli(app, "--from", "30.11.2026", "--to", "2026-11-01").exit_code == 2


def test_cli_period_is_whole_days_in_istanbul():
    from datetime import date

    start, end = reconcile.day_period(date(2026, 11, 1), date(2026, 11, 30))
    assert start == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)


def test_a_refund_left_pending_by_a_crash_is_named(app, proxied_provider, monkeypatch):
    provider, _ = proxied_provider
    order, _ = stripe_paid_order(provider, [(ProductFactory(price_kurus=50000), 1)])
    request = refund_flow.request_provider_refund(
        order, [(order.lines[0].id, 20000)], 0, "Leke", None
    )
    db.session.commit()

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(refund_flow, "complete", crash)
    with pytest.raises(RuntimeError):
        refund_flow.send(request.id, provider)
    db.session.rollback()
    monkeypatch.undo()

    (found,) = reconcile.reconcile_stripe(provider, *_period())
    assert found.kind == "refund_not_booked"
    assert found.description.endswith(f"İade isteği #{request.id} tamamlanmamış.")

    refund_flow.send(request.id, provider)  # the retry books it; nothing is left to show
    db.session.commit()
    assert reconcile.reconcile_stripe(provider, *_period()) == []
