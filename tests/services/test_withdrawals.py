"""Withdrawal (cayma hakkı): the buyer's request inside and outside the window, excluded lines,
quantities, the refund through the existing refund rules, and the makers' shares held while a
request is open.

The numbers: a ₺1.200,00 piece at 20% VAT and 15% commission leaves its maker ₺850,00 (net
100000, VAT 20000, commission 15000, maker 85000 kuruş); two of them, 170000.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    OutboxMessage,
    Refund,
    RefundRequest,
    WithdrawalLine,
    WithdrawalRequest,
)
from coopshop.services.books import balances, ledger, ledger_check, postings
from coopshop.services.core import uow
from coopshop.services.core.errors import Conflict, Forbidden, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches
from coopshop.services.sales import withdrawal_steps, withdrawals
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, delivered
from tests.support.staff_support import BUYER, assert_ledger_holds

PAID_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DELIVERED_AT = PAID_AT + timedelta(days=3)
DAY = timedelta(days=1)


def _order(items, customer=None, channel="online", method="demo", when=PAID_AT):
    order = create_order(
        NewOrder(
            channel=channel,
            payment_method=method,
            lines=[LineRequest(quantity=q, product_id=p.id) for p, q in items],
            buyer=BUYER,
            customer_id=customer.id if customer else None,
            charge_shipping=True,
        ),
        now=when,
    )
    mark_paid(order, PaymentInfo(provider=method, amount_kurus=order.total_kurus), now=when)
    db.session.commit()
    return order


@pytest.fixture
def maker(app):
    return ProducerFactory(display_name="Ayşe Dokumacı")


@pytest.fixture
def shop(maker):
    """A delivered online order of two scarves and one personalised pendant."""
    scarf = ProductFactory(
        title_tr="İpek atkı", price_kurus=120000, vat_bp=2000, stock=5, makers=[(maker, 10000)]
    )
    pendant = ProductFactory(
        title_tr="İsimli kolye",
        price_kurus=50000,
        vat_bp=2000,
        stock=5,
        makers=[(maker, 10000)],
        withdrawal_exclusion="personalised",
    )
    buyer = UserFactory(role="customer", email=BUYER.email)
    order = _order([(scarf, 2), (pendant, 1)], customer=buyer)
    delivered(order, DELIVERED_AT)
    db.session.commit()
    scarf_line, pendant_line = order.lines
    return order, scarf_line, pendant_line, buyer


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(WithdrawalRequest)),
        db.session.scalar(select(func.count()).select_from(WithdrawalLine)),
        db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def _refused(exc_type, order, wanted, now, match):
    before = _counts()
    with pytest.raises(exc_type, match=match):
        withdrawals.request_withdrawal(order, wanted, requested_by_id=None, now=now)
    db.session.rollback()
    assert _counts() == before  # nothing written


def test_the_line_keeps_the_exclusion_it_was_sold_with(shop, maker):
    order, scarf_line, pendant_line, _ = shop
    assert (scarf_line.withdrawal_exclusion, pendant_line.withdrawal_exclusion) == (
        None,
        "personalised",
    )
    # A later edit of the products changes neither line.
    pendant_line.product.withdrawal_exclusion = None
    scarf_line.product.withdrawal_exclusion = "custom_made"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(pendant_line), pendant_line.id).withdrawal_exclusion == (
        "personalised"
    )
    assert withdrawals.withdrawal_excluded_reason(pendant_line).startswith(
        "Bu ürün kişiye özel hazırlandığı için cayma hakkı yoktur"
    )
    assert withdrawals.withdrawal_excluded_reason(scarf_line) is None
    request = withdrawals.request_withdrawal(
        order, {scarf_line.id: 1}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    assert request.status == "requested"  # the scarf was withdrawable when sold, still is


def test_a_request_inside_the_window_holds_her_share_and_mails_the_buyer(shop, maker):
    order, scarf_line, _, buyer = shop
    when = DELIVERED_AT + 5 * DAY
    request = withdrawals.request_withdrawal(
        order, {scarf_line.id: 1}, requested_by_id=buyer.id, reason="Rengi", now=when
    )
    db.session.commit()
    assert [(wl.line_id, wl.quantity) for wl in request.lines] == [(scarf_line.id, 1)]
    assert request.refund_due_at == when + 14 * DAY
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like("Cayma talebiniz alındı%"))
    ).one()
    assert mail.to == BUYER.email
    assert "1 × İpek atkı" in mail.body
    # Her scarf share (170000) waits for the request; the pendant's (35417) for the window.
    assert balances.pending_reasons(maker.id, as_of=when) == [
        balances.PendingPart("withdrawal", 170000, None),
        balances.PendingPart("after_delivery", 35417, DELIVERED_AT + 14 * DAY),
    ]
    after_window = DELIVERED_AT + 20 * DAY
    assert batches.payable(after_window, [maker.id]) == {maker.id: 35417}
    assert balances.balance(maker.id, as_of=after_window).pending == 170000
    assert_ledger_holds()


def test_a_request_after_the_window_is_refused(shop):
    order, scarf_line, _, _ = shop
    _refused(
        Conflict,
        order,
        {scarf_line.id: 1},
        DELIVERED_AT + 14 * DAY + timedelta(minutes=1),
        "Cayma süresi doldu: teslimden sonraki 14 gün",
    )
    # The last minute of the window is inside it.
    withdrawals.request_withdrawal(
        order, {scarf_line.id: 1}, requested_by_id=None, now=DELIVERED_AT + 14 * DAY
    )


def test_an_excluded_line_is_refused_with_its_reason(shop):
    order, scarf_line, pendant_line, _ = shop
    _refused(
        ValidationFailed,
        order,
        {scarf_line.id: 1, pendant_line.id: 1},
        DELIVERED_AT + DAY,
        "İsimli kolye: Bu ürün kişiye özel hazırlandığı için cayma hakkı yoktur",
    )


def test_the_same_units_cannot_be_withdrawn_twice(shop):
    order, scarf_line, _, _ = shop
    withdrawals.request_withdrawal(
        order, {scarf_line.id: 2}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    db.session.commit()
    _refused(
        ValidationFailed,
        order,
        {scarf_line.id: 1},
        DELIVERED_AT + 2 * DAY,
        "en fazla 0 adet",
    )


def test_more_than_was_bought_is_refused(shop):
    order, scarf_line, _, _ = shop
    _refused(ValidationFailed, order, {scarf_line.id: 3}, DELIVERED_AT + DAY, "en fazla 2 adet")
    _refused(ValidationFailed, order, {}, DELIVERED_AT + DAY, "ürünü ve adedi seçin")
    _refused(ValidationFailed, order, {scarf_line.id: -1}, DELIVERED_AT + DAY, "tam sayı")


def test_units_already_refunded_otherwise_cannot_be_withdrawn(shop):
    from coopshop.services.sales import refunds

    order, scarf_line, _, _ = shop
    refunds.create_refund(order, [(scarf_line.id, 120000)], now=DELIVERED_AT + DAY)
    db.session.commit()
    assert withdrawals.withdrawable_units(order)[scarf_line.id] == 1
    _refused(ValidationFailed, order, {scarf_line.id: 2}, DELIVERED_AT + DAY, "en fazla 1 adet")


def test_a_bazaar_sale_is_not_a_distance_sale(maker):
    product = ProductFactory(price_kurus=10000, stock=3, makers=[(maker, 10000)])
    order = _order([(product, 1)], channel="bazaar", method="cash")
    _refused(Forbidden, order, {order.lines[0].id: 1}, PAID_AT + DAY, "cayma hakkı kullanılamaz")


def test_refund_goes_through_the_refund_rules_and_releases_the_rest(shop, maker):
    order, scarf_line, _, buyer = shop
    staff = UserFactory(role="staff")
    admin = UserFactory(role="admin")
    asked = DELIVERED_AT + 2 * DAY
    request = withdrawals.request_withdrawal(
        order, {scarf_line.id: 1}, requested_by_id=buyer.id, now=asked
    )
    db.session.commit()
    withdrawal_steps.mark_received(request.id, staff.id, now=asked + 3 * DAY)
    db.session.commit()
    refunded_at = asked + 4 * DAY
    outcome = withdrawal_steps.refund(request.id, admin.id, method="demo", now=refunded_at)
    db.session.commit()
    request = outcome.request
    assert outcome.refunded and request.status == "refunded"
    refund = db.session.get(Refund, request.refund_id)
    assert (refund.amount_kurus, refund.shipping_kurus) == (120000, 0)  # one unit, exactly
    assert [(rl.line_id, rl.amount_kurus) for rl in refund.lines] == [(scarf_line.id, 120000)]
    # Her refunded share (85000) came off her pending money; the other scarf's share waits for
    # the end of the window again, not for the request.
    b = balances.balance(maker.id, as_of=refunded_at)
    assert (b.refunded, b.available, b.pending) == (85000, 0, 85000 + 35417)
    assert batches.payable(DELIVERED_AT + 14 * DAY, [maker.id]) == {maker.id: 85000 + 35417}
    assert batches.payable(DELIVERED_AT + 13 * DAY, [maker.id]) == {}
    subjects = [
        m.subject
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to == BUYER.email).order_by(OutboxMessage.id)
        )
        if "Cayma" in m.subject or "iade" in m.subject.lower() or "ulaştı" in m.subject
    ]
    assert subjects == [
        f"Cayma talebiniz alındı: {order.number}",
        f"İade ettiğiniz ürünler bize ulaştı: {order.number}",
        f"Paranız iade edildi: {order.number}",
    ]
    last = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to == BUYER.email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert "₺1.200,00 iade edildi" in last.body
    assert_ledger_holds()


def test_withdrawing_from_everything_refunds_the_delivery_cost(maker):
    scarf = ProductFactory(price_kurus=10000, stock=3, makers=[(maker, 10000)])
    order = _order([(scarf, 1)])
    delivered(order, DELIVERED_AT)
    request = withdrawals.request_withdrawal(
        order, {order.lines[0].id: 1}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    outcome = withdrawal_steps.refund(request.id, None, method="demo", now=DELIVERED_AT + 2 * DAY)
    assert outcome.request.refund.amount_kurus == order.total_kurus
    assert outcome.request.refund.shipping_kurus == order.shipping_kurus > 0
    assert_ledger_holds()


def test_a_rejected_request_gives_her_share_back_to_the_window(shop, maker):
    order, scarf_line, _, _ = shop
    request = withdrawals.request_withdrawal(
        order, {scarf_line.id: 2}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    db.session.commit()
    with pytest.raises(ValidationFailed):
        withdrawal_steps.reject(request.id, "  ", None)
    db.session.rollback()
    late = DELIVERED_AT + 30 * DAY  # the goods never came back
    withdrawal_steps.reject(request.id, "Ürünler gönderilmedi.", None, now=late)
    db.session.commit()
    assert batches.payable(late, [maker.id]) == {maker.id: 170000 + 35417}
    assert batches.payable(late - DAY, [maker.id]) == {maker.id: 35417}
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.subject == f"Cayma talebiniz kapatıldı: {order.number}"
    assert "Ürünler gönderilmedi." in mail.body
    # The units are free again.
    assert withdrawals.withdrawable_units(order)[scarf_line.id] == 2
    assert_ledger_holds()


def test_a_withdrawal_after_payout_is_netted_by_the_next_batch(maker):
    """No delivery recorded: the sale became payable after the longest wait and was paid out;
    the delivery comes later and she withdraws within 14 days of it: the refund leaves a
    negative balance that the next payout nets."""
    product = ProductFactory(price_kurus=120000, vat_bp=2000, stock=3, makers=[(maker, 10000)])
    order = _order([(product, 1)])
    paid_day = PAID_AT + 45 * DAY
    assert batches.payable(paid_day - DAY, [maker.id]) == {}
    assert batches.payable(paid_day, [maker.id]) == {maker.id: 85000}
    admin_id = UserFactory(role="admin").id
    plain = CoopSettings(payout_two_admins=False)
    batch, _ = batches.close_period(paid_day, admin_id, plain, now=paid_day)
    batches.approve(batch.id, admin_id, plain, now=paid_day)
    assert [line.amount_kurus for line in batch.lines] == [85000]
    delivered(order, paid_day + DAY)  # nothing to move: it was no longer pending
    request = withdrawals.request_withdrawal(
        order, {order.lines[0].id: 1}, requested_by_id=None, now=paid_day + 2 * DAY
    )
    withdrawal_steps.refund(request.id, None, method="demo", now=paid_day + 3 * DAY)
    db.session.commit()
    assert batches.payable(paid_day + 3 * DAY, [maker.id]) == {maker.id: -85000}
    other = ProductFactory(price_kurus=240000, vat_bp=2000, stock=1, makers=[(maker, 10000)])
    _order([(other, 1)], channel="bazaar", method="cash", when=paid_day + 4 * DAY)
    assert batches.payable(paid_day + 4 * DAY, [maker.id]) == {maker.id: 170000 - 85000}
    assert_ledger_holds()


def test_ledger_check_catches_an_early_availability(maker):
    product = ProductFactory(price_kurus=120000, vat_bp=2000, stock=3, makers=[(maker, 10000)])
    order = _order([(product, 1)])
    assert_ledger_holds()
    # A forged move: payable a day after payment, no delivery recorded.
    postings.move_availability(order, PAID_AT + DAY, memo="forged", now=PAID_AT)
    db.session.commit()
    found = [str(v) for v in ledger_check.check()]
    assert len(found) == 1 and found[0].startswith("[availability] order ")
    assert "credited 85000 kuruş available before" in found[0]


def test_ledger_check_catches_an_availability_that_moves_money(maker):
    ledger.post(
        "availability",
        [
            ledger.Leg(f"producer:{maker.id}", -100, available_at=PAID_AT),
            ledger.Leg(ledger.ADJUSTMENTS, 100),
        ],
        now=PAID_AT,
    )
    rules = [v.rule for v in ledger_check.check()]
    assert "availability" in rules


def test_entries_are_never_updated(shop, maker):
    """Holds and releases are new transactions: the sale's entries are as they were booked."""
    order, scarf_line, _, _ = shop
    sale_entries = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.amount_kurus, LedgerEntry.available_at)
        .join(LedgerTransaction)
        .where(LedgerTransaction.kind == "sale", LedgerEntry.producer_id == maker.id)
        .order_by(LedgerEntry.id)
    ).all()
    request = withdrawals.request_withdrawal(
        order, {scarf_line.id: 1}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    withdrawal_steps.reject(request.id, "Vazgeçti", None, now=DELIVERED_AT + 2 * DAY)
    db.session.commit()
    again = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.amount_kurus, LedgerEntry.available_at)
        .join(LedgerTransaction)
        .where(LedgerTransaction.kind == "sale", LedgerEntry.producer_id == maker.id)
        .order_by(LedgerEntry.id)
    ).all()
    assert again == sale_entries
    assert all(at == PAID_AT + 45 * DAY for _, _, at in sale_entries)
    kinds = db.session.scalars(
        select(LedgerTransaction.kind)
        .where(LedgerTransaction.order_id == order.id)
        .order_by(LedgerTransaction.id)
    ).all()
    assert kinds == ["sale", "availability", "availability", "availability"]


def test_refund_of_a_pending_sale_reduces_pending_not_the_payout(maker):
    """The ₺141,67 story: a refund of a sale still pending used to cut the month's payout while
    "Beklemede" stayed the same. Now dashboard, statement and payout tell one story."""
    from coopshop.services.core.settings import CoopSettings

    maker.iban = "TR330006100519786457841326"
    settings = CoopSettings(payout_minimum_kurus=100, payout_two_admins=False)
    old = ProductFactory(price_kurus=120000, vat_bp=2000, stock=1, makers=[(maker, 10000)])
    _order([(old, 1)], channel="bazaar", method="cash")  # 85000, payable at once
    new = ProductFactory(price_kurus=20000, vat_bp=2000, stock=1, makers=[(maker, 10000)])
    pending_order = _order([(new, 1)])  # 14167, waits for delivery
    when = PAID_AT + 2 * DAY
    from coopshop.services.sales import refunds

    refunds.create_refund(pending_order, [(pending_order.lines[0].id, 20000)], now=when)
    db.session.commit()
    b = balances.balance(maker.id, as_of=when)
    assert (b.available, b.pending, b.refunded) == (85000, 0, 14167)
    admin = UserFactory(role="admin")
    batch, left_out = batches.close_period(when, admin.id, settings, now=when)
    assert left_out == []
    assert [(line.producer_id, line.amount_kurus) for line in batch.lines] == [(maker.id, 85000)]
    assert_ledger_holds()


def _stripe_stub_routes(stripe_stub, refund_answer):
    stripe_stub.routes[("GET", "/v1/refunds")] = {
        "object": "list",
        "url": "/v1/refunds",
        "has_more": False,
        "data": [],
    }
    if refund_answer is not None:
        stripe_stub.routes[("POST", "/v1/refunds")] = refund_answer


def _card_order(maker):
    from coopshop.models import Payment

    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, stock=3, makers=[(maker, 10000)])
    order = _order([(scarf, 2)], method="stripe")
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    payment.charge_ref = "ch_stub"
    delivered(order, DELIVERED_AT)
    db.session.commit()
    return order


def _stripe_at(app, monkeypatch, stripe_stub):
    """The app's Stripe (what the refund job uses) is the stub; the provider the page passes."""
    from coopshop.services.sales.payments import StripeProvider
    from tests.support.stripe_support import WEBHOOK_SECRET

    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_stub.base)
    return StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)


def test_a_card_order_is_refunded_through_the_provider(app, monkeypatch, maker, stripe_stub):
    def answer(record):
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

    _stripe_stub_routes(stripe_stub, answer)
    provider = _stripe_at(app, monkeypatch, stripe_stub)
    order = _card_order(maker)
    request = withdrawals.request_withdrawal(
        order, {order.lines[0].id: 1}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    db.session.commit()
    outcome = withdrawal_steps.refund(request.id, None, provider=provider)
    # Written down with its job; Stripe is asked by the job, after the commit.
    assert not outcome.refunded and outcome.request.status == "refunding"
    assert stripe_stub.requests == []
    uow.commit()  # testing: the refund job runs right after the commit
    request = db.session.get(WithdrawalRequest, request.id)
    assert request.status == "refunded"
    posts = [r for r in stripe_stub.requests if r["method"] == "POST"]
    assert [p["form"]["amount"] for p in posts] == ["120000"]
    assert request.refund.provider_ref == f"re_stub_{posts[0]['form']['metadata[refund_request]']}"
    assert request.refund.amount_kurus == 120000
    assert_ledger_holds()


def test_a_refusal_by_the_provider_leaves_the_request_to_refund_again(
    app, monkeypatch, maker, stripe_stub
):
    _stripe_stub_routes(stripe_stub, None)  # no POST route: the stub answers an error
    provider = _stripe_at(app, monkeypatch, stripe_stub)
    order = _card_order(maker)
    request = withdrawals.request_withdrawal(
        order, {order.lines[0].id: 1}, requested_by_id=None, now=DELIVERED_AT + DAY
    )
    db.session.commit()
    outcome = withdrawal_steps.refund(request.id, None, provider=provider)
    assert not outcome.refunded and outcome.request.status == "refunding"
    uow.commit()  # the refund job runs: Stripe refuses, she is back where she was
    db.session.expire_all()
    assert db.session.get(WithdrawalRequest, request.id).status == "requested"
    refund_request = db.session.scalars(select(RefundRequest)).one()
    assert refund_request.status == "failed" and refund_request.error
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    assert_ledger_holds()
