"""Reconciling iyzico: its reporting service's transactions for the days (the real SDK against
the stand-in) against our orders, payments, fees and refunds; each planted mismatch is named,
agreeing books reconcile clean, and the CLI exits 1 on a mismatch and 0 when the books agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import Payment, RefundRequest, utcnow
from coopshop.services.payouts import reconcile, reconcile_iyzico
from coopshop.services.sales import iyzico
from tests.support.factories import ProductFactory, UserFactory
from tests.support.iyzico_support import iyzico_paid_order

pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)


def _today():
    day = utcnow().astimezone(turkey.ISTANBUL).date()
    return reconcile.day_period(day, day)


def _orders(app, standin, n, installment=1):
    made = []
    for i in range(n):
        product = ProductFactory(price_kurus=20000 + i * 111, stock=2)
        db.session.commit()
        made.append(iyzico_paid_order(app, standin, {product.id: 1}, installment=installment))
    return made


def _payment(order) -> Payment:
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id))


def _found(report) -> set[tuple[str, str | None]]:
    return {(m.kind, m.refs.get("order") or m.refs.get("payment")) for m in report.mismatches}


def _refund(client, order, **data):
    return client.post(
        f"/admin/orders/{order.id}/refund", data={"reason": "Renk", **data}, follow_redirects=True
    )


def test_agreeing_books_reconcile_clean(client, login, iyzico_app, iyzico_standin):
    plain, taksit, refunded = (
        *_orders(iyzico_app, iyzico_standin, 1),
        *_orders(iyzico_app, iyzico_standin, 2, installment=6),
    )
    login(UserFactory(role="admin"))
    _refund(client, refunded, scope="part", line=refunded.lines[0].id, amount="10,00")

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    assert report.mismatches == [] and report.ok, report.mismatches
    assert report.counts["payments"] == report.counts["orders"] == 3
    assert report.counts["refunds"] == 1
    assert _payment(taksit).surcharge_kurus > 0 and plain.status == "paid"


def test_every_page_of_a_day_is_read(iyzico_app, iyzico_standin, monkeypatch):
    monkeypatch.setattr(iyzico_standin, "page_size", 2)
    _orders(iyzico_app, iyzico_standin, 3)  # one item and shipping each: six rows, three pages

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    assert report.counts["transactions"] == 6 and report.counts["payments"] == 3
    assert report.mismatches == []


def test_each_planted_mismatch_is_named(client, login, iyzico_app, iyzico_standin):
    wrong_fee, wrong_amount, wrong_payment, panel, ours_only = _orders(
        iyzico_app, iyzico_standin, 5
    )
    _payment(wrong_fee).fee_kurus += 1
    _payment(wrong_amount).surcharge_kurus = 500
    real_id = _payment(wrong_payment).provider_ref
    _payment(wrong_payment).provider_ref = "999"
    db.session.commit()
    # A refund made in iyzico's panel, never booked here.
    txn = next(iter(_payment(panel).item_refs.values()))
    iyzico_standin.client().refund(txn, 500, "panel-1", "127.0.0.1")
    # A refund booked here that iyzico has no record of.
    login(UserFactory(role="admin"))
    _refund(client, ours_only, scope="part", line=ours_only.lines[0].id, amount="10,00")
    iyzico_standin.forget_refunds(_payment(ours_only).provider_ref)
    # A payment iyzico took for a basket that is no order here.
    stray = _stray_payment(iyzico_standin)

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    assert _found(report) == {
        ("fee", wrong_fee.number),
        ("amount", wrong_amount.number),
        ("order_without_payment", wrong_payment.number),
        ("payment_without_order", real_id),
        ("payment_without_order", stray),
        ("refund_not_booked", _payment(panel).provider_ref),
        ("refund_not_at_iyzico", ours_only.number),
    }
    titles = {m.kind: m.title for m in report.mismatches}
    assert titles["fee"] == "Ödeme ücreti farkı"
    assert titles["refund_not_booked"] == "Deftere işlenmemiş iyzico iadesi"
    assert not report.ok


def _stray_payment(standin) -> str:
    client = standin.client()
    address = iyzico.Address(contact_name="Ayşe Yılmaz", city="Ankara", address="Kızılay")
    started = client.start_checkout_form(
        order_number="W-NOT-HERE",
        lines=[iyzico.BasketLine("1", "Kilim", 41250)],
        shipping_kurus=0,
        buyer=iyzico.Buyer(
            id="G-1",
            name="Ayşe",
            surname="Yılmaz",
            email="ayse@example.org",
            ip="127.0.0.1",
            registration_address="Kızılay",
            city="Ankara",
        ),
        shipping_address=address,
        billing_address=address,
        callback_url="https://shop.example/checkout/iyzico/callback",
    )
    return standin.complete(started.token)


def test_a_payment_iyzico_lists_on_the_day_before_is_not_missing(iyzico_app, iyzico_standin):
    (order,) = _orders(iyzico_app, iyzico_standin, 1)
    yesterday = utcnow().astimezone(turkey.ISTANBUL).date() - timedelta(days=1)
    iyzico_standin.shift_log_day(_payment(order).provider_ref, yesterday)

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    assert report.mismatches == [] and report.counts["orders"] == 1


def test_a_refund_still_pending_here_is_named_with_its_request(
    client, login, iyzico_app, iyzico_standin
):
    (order,) = _orders(iyzico_app, iyzico_standin, 1)
    login(UserFactory(role="admin"))
    iyzico_standin.drop_answer_next(iyzico.REFUND_PATH)  # made at iyzico, answer lost
    _refund(client, order, scope="part", line=order.lines[0].id, amount="10,00")
    request = db.session.scalars(select(RefundRequest)).one()

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    [mismatch] = report.mismatches
    assert mismatch.kind == "refund_not_booked"
    assert f"İade isteği #{request.id} tamamlanmamış." in mismatch.description


def test_cli_reconcile_iyzico(iyzico_app, iyzico_standin):
    (order,) = _orders(iyzico_app, iyzico_standin, 1)
    day = utcnow().astimezone(turkey.ISTANBUL).date().isoformat()
    runner = iyzico_app.test_cli_runner()

    clean = runner.invoke(args=["reconcile", "iyzico", "--from", day, "--to", day])
    db.session.scalar(select(Payment)).fee_kurus += 7
    db.session.commit()
    dirty = runner.invoke(args=["reconcile", "iyzico", "--from", day, "--to", day])

    assert clean.exit_code == 0, clean.output
    assert "reconciled: no mismatches; ledger ok" in clean.output
    assert "transactions 2" in clean.output
    assert dirty.exit_code == 1
    assert f"[fee] Sipariş {order.number}" in dirty.output


def test_cli_says_when_iyzico_cannot_be_read(iyzico_app, iyzico_standin):
    from coopshop.services.sales import iyzico_reporting

    day = utcnow().astimezone(turkey.ISTANBUL).date().isoformat()
    iyzico_standin.error_next(iyzico_reporting.DAILY_TRANSACTIONS_PATH, "1000", "Sistem hatası")

    result = iyzico_app.test_cli_runner().invoke(
        args=["reconcile", "iyzico", "--from", day, "--to", day]
    )

    assert result.exit_code == 2
    assert "okunamadı: iyzico error 1000: Sistem hatası" in result.output


def test_a_same_day_cancel_reconciles_with_its_request(client, login, iyzico_app, iyzico_standin):
    (order,) = _orders(iyzico_app, iyzico_standin, 1, installment=3)
    login(UserFactory(role="admin"))
    _refund(client, order, scope="order", include_shipping="y")
    assert iyzico_standin.requests_to(iyzico.CANCEL_PATH)

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    assert report.mismatches == [] and report.counts["refunds"] == 1
