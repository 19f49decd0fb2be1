"""services.refund_flow: what the admin picks becomes lines; offline refunds record how the money
went back; Stripe refunds are written down first, sent with a stable idempotency key, and booked
exactly once whether the admin's request, a retry or the webhook finishes them.

Stripe refunds run against localstripe (real charges and refunds through the SDK); the request
the SDK sends (idempotency key, metadata) is checked against the recording stub.
"""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerTransaction, Payment, Refund, RefundRequest
from coopshop.services.books.ledger_check import check
from coopshop.services.core.errors import Conflict, LedgerError, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import refund_flow, stripe_events
from coopshop.services.sales.payments import StripeProvider
from coopshop.services.sales.refund_flow import RefundChoice
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.ledger_support import entries_of
from tests.support.reconcile_support import stripe_paid_order
from tests.support.stripe_support import WEBHOOK_SECRET, event

SETTINGS = CoopSettings(free_shipping_threshold_kurus=10**9)  # ₺75,00 shipping on every order


@pytest.fixture
def goods(app):
    """A ₺1.200,00 scarf woven by Ayşe and Fatma (6,000 / 4,000) and Zeynep's ₺250,00 bowl."""
    ayse, fatma, zeynep = ProducerFactory(), ProducerFactory(), ProducerFactory()
    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    bowl = ProductFactory(price_kurus=25000, vat_bp=2000, makers=[(zeynep, 10000)])
    return scarf, bowl, (ayse, fatma, zeynep)


@pytest.fixture
def admin(app):
    return UserFactory(role="admin")


@pytest.fixture
def provider(app, localstripe):
    return StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=localstripe)


def _order(goods, **kwargs):
    scarf, bowl, _ = goods
    order = paid_order([(scarf, 1), (bowl, 1)], charge_shipping=True, settings=SETTINGS, **kwargs)
    db.session.commit()
    lines = {line.product_id: line.id for line in order.lines}
    return order, lines[scarf.id], lines[bowl.id]


def _refund_entries(refund: Refund):
    txn = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.refund_id == refund.id)
    )
    return entries_of(txn)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (("order", None, None, True), ("all", 7500)),
        (("order", None, None, False), ("all", 0)),
        (("line", "bowl", None, False), ([("bowl", 25000)], 0)),
        (("line", "scarf", None, True), ([("scarf", 120000)], 7500)),
        (("part", "scarf", 60000, False), ([("scarf", 60000)], 0)),
        (("part", "scarf", 120000, False), ([("scarf", 120000)], 0)),
    ],
)
def test_plan_turns_the_choice_into_lines(goods, choice, expected):
    order, scarf_id, bowl_id = _order(goods)
    ids = {"scarf": scarf_id, "bowl": bowl_id, None: None}
    scope, line, amount, shipping = choice
    lines, shipping_kurus = refund_flow.plan(
        order, RefundChoice(scope, ids[line], amount, include_shipping=shipping)
    )
    want_lines, want_shipping = expected
    if want_lines == "all":
        want_lines = [("scarf", 120000), ("bowl", 25000)]
    assert lines == [(ids[name], kurus) for name, kurus in want_lines]
    assert shipping_kurus == want_shipping


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (("part", "scarf", 120001), "İade tutarı bu satırda kalan tutarı aşıyor."),
        (("part", "scarf", None), "İade tutarını yazın."),
        (("part", "scarf", 0), "İade tutarını yazın."),
        (("line", "other", None), "Satır bu siparişe ait değil."),
        (("everything", None, None), "İade türünü seçin."),
    ],
)
def test_plan_refuses_what_cannot_be_refunded(goods, choice, message):
    order, scarf_id, _ = _order(goods)
    ids = {"scarf": scarf_id, "other": 10**6, None: None}
    scope, line, amount = choice
    with pytest.raises(ValidationFailed) as refused:
        refund_flow.plan(order, RefundChoice(scope, ids[line], amount))
    assert str(refused.value.message) == message


def test_plan_knows_what_was_refunded_already(goods, admin):
    order, scarf_id, _ = _order(goods)
    refund_flow.refund_offline(order, [(scarf_id, 100000)], 0, "Leke", "demo", "", admin.id)
    with pytest.raises(ValidationFailed):
        refund_flow.plan(order, RefundChoice("part", scarf_id, 20001))
    assert refund_flow.plan(order, RefundChoice("line", scarf_id)) == ([(scarf_id, 20000)], 0)


def test_bazaar_refund_records_how_the_money_went_back(goods, admin):
    order, scarf_id, _ = _order(goods, channel="bazaar", payment_method="cash")
    assert refund_flow.methods_for(order) == ("cash", "bank_transfer", "card_terminal")

    refund = refund_flow.refund_offline(
        order, [(scarf_id, 60000)], 0, " Leke var ", "cash", "Kasadan nakit verildi", admin.id
    )
    db.session.commit()

    assert (refund.amount_kurus, refund.method, refund.reason, refund.note) == (
        60000,
        "cash",
        "Leke var",
        "Kasadan nakit verildi",
    )
    ayse, fatma = goods[2][0], goods[2][1]
    assert _refund_entries(refund) == [
        ("clearing:cash", -60000, None),
        ("vat:payable", 10000, None),
        ("coop:commission", 7500, None),
        (f"producer:{ayse.id}", 25500, ayse.id),
        (f"producer:{fatma.id}", 17000, fatma.id),
    ]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refund.created"))
    (event_,) = audit.all()
    assert (event_.actor_id, event_.data["method"], event_.data["amount_kurus"]) == (
        admin.id,
        "cash",
        60000,
    )
    assert check() == []


def test_a_cash_sale_can_be_refunded_by_transfer_but_not_through_stripe(goods, admin):
    order, _, bowl_id = _order(goods, channel="bazaar", payment_method="cash")
    with pytest.raises(ValidationFailed):
        refund_flow.refund_offline(order, [(bowl_id, 100)], 0, "x", "original", "", admin.id)
    with pytest.raises(ValidationFailed) as no_reason:
        refund_flow.refund_offline(order, [(bowl_id, 100)], 0, "  ", "cash", "", admin.id)
    assert str(no_reason.value.message) == "İade nedenini yazın."
    refund = refund_flow.refund_offline(
        order, [(bowl_id, 25000)], 7500, "Kırık geldi", "bank_transfer", "TR.. IBAN'a", admin.id
    )
    assert _refund_entries(refund)[0] == ("clearing:bank", -32500, None)
    assert check() == []


def test_a_demo_order_refunds_without_stripe(goods, admin):
    order, scarf_id, bowl_id = _order(goods)
    assert refund_flow.methods_for(order) == ("demo",)
    lines, shipping = refund_flow.plan(order, RefundChoice("order", include_shipping=True))
    refund = refund_flow.refund_offline(order, lines, shipping, "Vazgeçti", "demo", "", admin.id)
    db.session.commit()
    assert refund.amount_kurus == 152500
    assert _refund_entries(refund)[0] == ("clearing:demo", -152500, None)
    assert check() == []


def _stripe_order(goods, provider):
    scarf, bowl, _ = goods
    order, charge = stripe_paid_order(
        provider, [(scarf, 1), (bowl, 1)], charge_shipping=True, settings=SETTINGS
    )
    lines = {line.product_id: line.id for line in order.lines}
    return order, charge, lines[scarf.id], lines[bowl.id]


def test_stripe_refund_of_part_of_a_line(goods, provider, admin):
    order, charge, scarf_id, _ = _stripe_order(goods, provider)
    lines, shipping = refund_flow.plan(order, RefundChoice("part", scarf_id, 60000))

    request = refund_flow.request_provider_refund(order, lines, shipping, "Leke var", admin.id)
    db.session.commit()
    assert (request.status, request.idempotency_key) == ("pending", f"refund-{order.number}-1")
    done = refund_flow.send(request.id, provider, admin.id)
    db.session.commit()

    assert done.status == "succeeded"
    refund = done.refund
    assert refund.provider_ref == done.provider_ref
    assert refund.provider_ref.startswith("re_")
    assert (refund.amount_kurus, refund.method, refund.reason) == (60000, "original", "Leke var")
    at_stripe = provider.refunds_for_charge(charge)
    assert [(r["id"], r["amount"], r["metadata"]) for r in at_stripe] == [
        (
            refund.provider_ref,
            60000,
            {
                "order_id": str(order.id),
                "order_number": order.number,
                "refund_request": str(request.id),
            },
        )
    ]
    ayse, fatma = goods[2][0], goods[2][1]
    assert _refund_entries(refund) == [
        ("clearing:stripe", -60000, None),
        ("vat:payable", 10000, None),
        ("coop:commission", 7500, None),
        (f"producer:{ayse.id}", 25500, ayse.id),
        (f"producer:{fatma.id}", 17000, fatma.id),
    ]
    # Sending a finished request again does nothing.
    assert refund_flow.send(request.id, provider, admin.id).status == "succeeded"
    assert len(provider.refunds_for_charge(charge)) == 1
    assert check() == []


def _crash_after_stripe(monkeypatch, request_id, provider):
    """Stripe refunds, then the process dies before our commit."""

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(refund_flow, "complete", crash)
    with pytest.raises(RuntimeError):
        refund_flow.send(request_id, provider)
    db.session.rollback()
    monkeypatch.undo()


def test_a_crash_after_stripe_is_finished_by_the_retry_without_a_second_refund(
    goods, provider, admin, monkeypatch
):
    order, charge, scarf_id, _ = _stripe_order(goods, provider)
    request = refund_flow.request_provider_refund(
        order, [(scarf_id, 30000)], 0, "Renk farklı", admin.id
    )
    db.session.commit()
    _crash_after_stripe(monkeypatch, request.id, provider)
    assert db.session.get(RefundRequest, request.id).status == "pending"
    assert _count(Refund) == 0
    assert len(provider.refunds_for_charge(charge)) == 1

    done = refund_flow.send(request.id, provider, admin.id)
    db.session.commit()

    assert done.status == "succeeded"
    (at_stripe,) = provider.refunds_for_charge(charge)
    assert done.refund.provider_ref == at_stripe["id"]
    assert [(rl.line_id, rl.amount_kurus) for rl in done.refund.lines] == [(scarf_id, 30000)]
    assert check() == []


def test_a_crash_after_stripe_is_finished_by_the_webhook_with_the_chosen_lines(
    goods, provider, admin, monkeypatch
):
    order, charge, scarf_id, _ = _stripe_order(goods, provider)
    request = refund_flow.request_provider_refund(
        order, [(scarf_id, 30000)], 0, "Renk farklı", admin.id
    )
    db.session.commit()
    _crash_after_stripe(monkeypatch, request.id, provider)

    refunded = event("charge.refunded", {"id": charge, "object": "charge"}, "evt_r1")
    outcome = stripe_events.handle(refunded, provider, SETTINGS)
    db.session.commit()
    again = stripe_events.handle(
        event("charge.refunded", {"id": charge, "object": "charge"}, "evt_r2"), provider, SETTINGS
    )
    db.session.commit()

    assert (outcome.action, again.action) == ("booked 1 refund(s)", "booked 0 refund(s)")
    (refund,) = db.session.scalars(select(Refund)).all()
    # The admin's choice (part of the scarf), not a proportional spread over bowl and shipping.
    assert [(rl.line_id, rl.amount_kurus) for rl in refund.lines] == [(scarf_id, 30000)]
    assert (refund.shipping_kurus, refund.reason) == (0, "Renk farklı")
    db.session.expire_all()
    assert db.session.get(RefundRequest, request.id).status == "succeeded"
    assert refund_flow.send(request.id, provider, admin.id).refund_id == refund.id
    assert len(provider.refunds_for_charge(charge)) == 1
    assert check() == []


def _stub_order(goods, charge_ref="ch_stub"):
    order, scarf_id, bowl_id = _order(goods, payment_method="stripe")
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    payment.charge_ref = charge_ref
    db.session.commit()
    return order, scarf_id, bowl_id


def _stub_refund(record):
    form = record["form"]
    return {
        "id": f"re_stub_{form['metadata[refund_request]']}",
        "object": "refund",
        "amount": int(form["amount"]),
        "charge": form["charge"],
        "currency": "try",
        "status": "succeeded",
        "metadata": {"refund_request": form["metadata[refund_request]"]},
    }


def test_the_request_sent_to_stripe(goods, stripe_stub, admin):
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    stripe_stub.routes[("GET", "/v1/refunds")] = {
        "object": "list",
        "url": "/v1/refunds",
        "has_more": False,
        "data": [],
    }
    stripe_stub.routes[("POST", "/v1/refunds")] = _stub_refund
    order, scarf_id, bowl_id = _stub_order(goods)

    first = refund_flow.request_provider_refund(order, [(bowl_id, 25000)], 0, "Kırık", admin.id)
    db.session.commit()
    refund_flow.send(first.id, provider, admin.id)
    db.session.commit()
    second = refund_flow.request_provider_refund(
        order, [(scarf_id, 1234)], 7500, "Gecikme", admin.id
    )
    db.session.commit()
    refund_flow.send(second.id, provider, admin.id)
    db.session.commit()

    posts = [r for r in stripe_stub.requests if r["method"] == "POST"]
    assert [p["headers"]["idempotency-key"] for p in posts] == [
        f"refund-{order.number}-1",
        f"refund-{order.number}-2",
    ]
    assert posts[0]["form"] == {
        "charge": "ch_stub",
        "amount": "25000",
        "metadata[order_id]": str(order.id),
        "metadata[order_number]": order.number,
        "metadata[refund_request]": str(first.id),
    }
    assert posts[1]["form"]["amount"] == "8734"
    lists = [r for r in stripe_stub.requests if r["method"] == "GET"]
    assert [r["query"]["charge"] for r in lists] == [["ch_stub"], ["ch_stub"]]
    assert [r.provider_ref for r in db.session.scalars(select(Refund).order_by(Refund.id))] == [
        f"re_stub_{first.id}",
        f"re_stub_{second.id}",
    ]
    assert check() == []


def test_a_refusal_from_stripe_fails_the_request_and_books_nothing(goods, stripe_stub, admin):
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    stripe_stub.routes[("GET", "/v1/refunds")] = {
        "object": "list",
        "url": "/v1/refunds",
        "has_more": False,
        "data": [],
    }  # no POST route: the stub answers 404 invalid_request_error
    order, _, bowl_id = _stub_order(goods)
    request = refund_flow.request_provider_refund(order, [(bowl_id, 25000)], 0, "Kırık", admin.id)
    db.session.commit()

    done = refund_flow.send(request.id, provider, admin.id)
    db.session.commit()

    assert done.status == "failed"
    assert "No such route" in done.error
    assert _count(Refund) == 0
    # The order can be refunded again, with the next key.
    retry = refund_flow.request_provider_refund(order, [(bowl_id, 25000)], 0, "Kırık", admin.id)
    assert retry.idempotency_key == f"refund-{order.number}-2"


def test_stripe_unreachable_leaves_the_request_pending(goods, stripe_stub, admin, monkeypatch):
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    stripe_stub.routes[("GET", "/v1/refunds")] = {
        "object": "list",
        "url": "/v1/refunds",
        "has_more": False,
        "data": [],
    }
    stripe_stub.routes[("POST", "/v1/refunds")] = _stub_refund
    order, _, bowl_id = _stub_order(goods)
    request = refund_flow.request_provider_refund(order, [(bowl_id, 25000)], 0, "Kırık", admin.id)
    db.session.commit()

    def unreachable(*args, **kwargs):
        raise stripe.APIConnectionError("Stripe'a bağlanılamadı")

    monkeypatch.setattr(provider, "refund", unreachable)
    waiting = refund_flow.send(request.id, provider, admin.id)
    db.session.commit()
    assert (waiting.status, waiting.error) == ("pending", "Stripe'a bağlanılamadı")
    with pytest.raises(Conflict):  # one pending refund per order
        refund_flow.request_provider_refund(order, [(bowl_id, 100)], 0, "Başka", admin.id)
    db.session.rollback()

    monkeypatch.undo()
    done = refund_flow.send(request.id, provider, admin.id)
    db.session.commit()
    assert (done.status, done.error, done.refund.amount_kurus) == ("succeeded", None, 25000)
    assert check() == []


def test_a_request_never_asks_for_more_than_remains(goods, admin):
    order, scarf_id, bowl_id = _stub_order(goods)
    with pytest.raises(LedgerError):
        refund_flow.request_provider_refund(order, [(bowl_id, 25001)], 0, "x", admin.id)
    with pytest.raises(LedgerError):
        refund_flow.request_provider_refund(order, [(bowl_id, 100)], 7501, "x", admin.id)
    with pytest.raises(ValidationFailed):
        refund_flow.request_provider_refund(order, [(bowl_id, 100)], 0, "", admin.id)
    demo, _, demo_bowl = _order(goods)
    with pytest.raises(ValidationFailed):
        refund_flow.request_provider_refund(demo, [(demo_bowl, 100)], 0, "x", admin.id)
    db.session.rollback()
    assert _count(RefundRequest) == 0


def test_the_database_allows_one_pending_request_per_order(goods, admin):
    from sqlalchemy.exc import IntegrityError

    order, _, bowl_id = _stub_order(goods)
    refund_flow.request_provider_refund(order, [(bowl_id, 100)], 0, "Bir", admin.id)
    db.session.commit()
    for seq, key in ((2, "refund-x-2"), (1, "refund-x-1")):  # second pending; same seq
        db.session.add(
            RefundRequest(
                order_id=order.id,
                seq=seq,
                idempotency_key=key,
                status="pending" if seq == 2 else "failed",
                amount_kurus=100,
                lines=[[bowl_id, 100]],
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert _count(RefundRequest) == 1
