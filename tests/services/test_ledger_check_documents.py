"""`ledger check` against the tax documents: every paid order since invoicing began has a
pending or issued invoice of what was paid; every withholding matches its payout."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from coopshop.db import db
from coopshop.models import Invoice, Payment, PayoutLine
from coopshop.services.books import ledger
from coopshop.services.books.ledger_check import check
from coopshop.services.core import uow
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from tests.services.test_payouts import OCT_END, SETTINGS, producer, sell
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.invoicing_support import TCKN, buyer, pay


def _rules(rule):
    return [str(v) for v in check() if v.rule == rule]


@pytest.fixture
def basket(app):
    maker = ProducerFactory()
    scarf = ProductFactory(price_kurus=1999, vat_bp=2000, stock=50, makers=[(maker, 10000)])
    db.session.commit()
    return [(scarf, 2)]


def test_invoiced_orders_hold_and_a_missing_invoice_is_named(app, basket, monkeypatch):
    early = pay(basket)  # invoicing still off
    uow.commit()
    monkeypatch.setitem(app.config, "INVOICING_ENABLED", True)
    assert _rules("invoice") == []  # from the first invoiced order: none yet
    invoiced = pay(basket)
    uow.commit()
    assert _rules("invoice") == []  # the early order predates invoicing
    monkeypatch.setitem(app.config, "INVOICING_SINCE", "2000-01-01")
    assert _rules("invoice") == [f"[invoice] paid order {early.number} has no invoice"]
    monkeypatch.setitem(app.config, "INVOICING_SINCE", "")
    # a surcharge the invoice does not carry: what was paid and the invoice disagree
    db.session.add(
        Payment(
            order_id=invoiced.id,
            provider="demo",
            amount_kurus=0,
            surcharge_kurus=150,
            status="succeeded",
        )  # fmt: skip
    )
    db.session.commit()
    (problem,) = _rules("invoice")
    assert f"paid order {invoiced.number}'s invoice is 3998 kuruş but 4148" in problem


def test_a_failed_invoice_is_named_and_a_desk_sale_without_request_is_not(app, basket, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICING_ENABLED", True)
    monkeypatch.setitem(app.config, "INVOICING_SINCE", "2000-01-01")
    order = pay(basket)
    db.session.commit()  # not sent
    pay(basket, who=buyer(name="", address_line="", il="", ilce=""), channel="bazaar",
        method="cash")  # fmt: skip
    db.session.commit()
    assert _rules("invoice") == []  # pending is fine; the desk sale asked for none
    db.session.execute(update(Invoice).where(Invoice.order_id == order.id).values(status="failed"))
    db.session.commit()
    assert _rules("invoice") == [
        f"[invoice] paid order {order.number}'s invoice is failed, neither issued nor pending"
    ]


@pytest.fixture
def paid_out(app, monkeypatch):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    ayse = producer("Ayşe Yılmaz")
    tax_status.set_tax_status(
        ayse.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-1", date(2027, 6, 30)), None
    )
    db.session.commit()
    sell(ayse)
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    return batch.lines[0]


def test_withholdings_that_match_their_payouts_pass(paid_out):
    payout_lines.mark_line_failed(paid_out.id, "IBAN kapalı", actor_id=None)
    db.session.commit()
    assert check() == []


def test_a_line_whose_withholding_is_not_its_rate_is_named(paid_out):
    db.session.execute(
        update(PayoutLine).where(PayoutLine.id == paid_out.id).values(withholding_kurus=1600)
    )
    db.session.commit()
    problems = _rules("withholding")
    assert problems == [
        f"[withholding] payout line #{paid_out.id} keeps 1600 kuruş, its rate makes 1700"
    ]


def test_a_posting_that_disagrees_with_its_line_is_named(paid_out):
    db.session.execute(
        update(PayoutLine)
        .where(PayoutLine.id == paid_out.id)
        .values(withholding_bp=300, withholding_kurus=2550)
    )
    db.session.commit()
    (problem,) = _rules("withholding")
    assert "keeps 1700 and pays 83300 kuruş" in problem and "says 2550 and 82450" in problem


def test_withholding_outside_a_payout_is_named(paid_out):
    txn = ledger.post(
        "adjustment",
        [ledger.Leg(ledger.WITHHOLDING, -100), ledger.Leg(ledger.PAYOUTS, 100)],
        memo="yanlış kayıt",
        now=datetime(2026, 11, 1, tzinfo=UTC),
    )
    db.session.commit()
    assert _rules("withholding") == [
        f"[withholding] transaction #{txn.id} moves tax:withholding outside a payout"
    ]
