"""Reconciling iyzico: paid orders against what iyzico's retrieve says, each planted mismatch
named; the CLI exits 1 on a mismatch and 0 when the books agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Payment, utcnow
from coopshop.services.payouts import reconcile, reconcile_iyzico
from tests.support.factories import ProductFactory
from tests.support.iyzico_support import iyzico_paid_order

pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)


def _today():
    day = utcnow().astimezone(reconcile.ISTANBUL).date()
    return reconcile.day_period(day - timedelta(days=1), day + timedelta(days=1))


def _orders(app, standin, n):
    made = []
    for i in range(n):
        product = ProductFactory(price_kurus=20000 + i * 111, stock=2)
        db.session.commit()
        made.append(iyzico_paid_order(app, standin, {product.id: 1}))
    return made


def test_agreeing_books_reconcile_clean(iyzico_app, iyzico_standin):
    _orders(iyzico_app, iyzico_standin, 2)

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    assert report.counts == {"orders": 2}
    assert report.mismatches == [] and report.ok


def test_each_planted_mismatch_is_named(iyzico_app, iyzico_standin):
    wrong_fee, wrong_amount, wrong_payment = _orders(iyzico_app, iyzico_standin, 3)
    payments = {p.order_id: p for p in db.session.scalars(select(Payment))}
    payments[wrong_fee.id].fee_kurus += 1
    payments[wrong_amount.id].surcharge_kurus = 500
    payments[wrong_payment.id].provider_ref = "999"
    db.session.commit()

    report = reconcile_iyzico.run(iyzico_standin.client(), *_today())

    found = {(m.kind, m.refs["order"]) for m in report.mismatches}
    assert found == {
        ("fee", wrong_fee.number),
        ("amount", wrong_amount.number),
        ("order_without_payment", wrong_payment.number),
    }
    fee = next(m for m in report.mismatches if m.kind == "fee")
    assert fee.title == "Ödeme ücreti farkı"


def test_cli_reconcile_iyzico(iyzico_app, iyzico_standin):
    (order,) = _orders(iyzico_app, iyzico_standin, 1)
    day = utcnow().astimezone(reconcile.ISTANBUL).date().isoformat()
    runner = iyzico_app.test_cli_runner()

    clean = runner.invoke(args=["reconcile", "iyzico", "--from", day, "--to", day])
    db.session.scalar(select(Payment)).fee_kurus += 7
    db.session.commit()
    dirty = runner.invoke(args=["reconcile", "iyzico", "--from", day, "--to", day])

    assert clean.exit_code == 0, clean.output
    assert "reconciled: no mismatches; ledger ok" in clean.output
    assert dirty.exit_code == 1
    assert f"[fee] Sipariş {order.number}" in dirty.output
