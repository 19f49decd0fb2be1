"""`flask ledger check` and services.ledger_check: a sound ledger passes; each kind of damage,
made with raw SQL INSERTs (the triggers allow inserts), is found and named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from coopshop.db import db
from coopshop.models import Account, Order, utcnow
from coopshop.services.books import deductions, ledger, ledger_check
from coopshop.services.books.ledger import Leg
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches as payouts
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.ledger_support import zero_sum_check_off

PAID_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
SETTINGS = CoopSettings(fees_spread_to_makers=True)
PAYOUT_SETTINGS = CoopSettings(payout_minimum_kurus=100, payout_two_admins=False)


@pytest.fixture
def books(app):
    """A busy but sound ledger: sales on three channels, fees, refunds, a payout batch, a
    deduction and a reversal."""
    ayse, fatma = ProducerFactory(display_name="Ayşe Yılmaz"), ProducerFactory()
    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    soap = ProductFactory(price_kurus=999, vat_bp=1000, makers=[(fatma, 10000)], stock=50)
    online = paid_order([(scarf, 1), (soap, 3)], payment_method="stripe", fee_kurus=4321,
                        charge_shipping=True, paid_at=PAID_AT, settings=SETTINGS)  # fmt: skip
    paid_order([(soap, 2)], channel="bazaar", payment_method="cash", paid_at=PAID_AT,
               settings=SETTINGS)  # fmt: skip
    refunds.create_refund(online, [(online.lines[1].id, 1000)], shipping_kurus=100)
    refunds.create_refund(online, [(online.lines[0].id, 3333)])
    admin = UserFactory(role="admin")
    batch, _ = payouts.close_period(utcnow(), admin.id, PAYOUT_SETTINGS)
    payouts.approve(batch.id, admin.id, PAYOUT_SETTINGS)
    deduction = deductions.record_deduction(ayse.id, 700, "dues", "Aidat", admin.id)
    deductions.reverse_deduction(ayse.id, deduction.id, admin.id)
    deductions.record_deduction(ayse.id, 250, "materials", "Malzeme", admin.id)
    db.session.commit()
    return online, ayse, fatma


def _day(order) -> str:
    """The Istanbul day of an order's payment, as the rollups key it."""
    return order.paid_at.astimezone(ZoneInfo("Europe/Istanbul")).date().isoformat()


def _run_cli(app):
    return app.test_cli_runner().invoke(args=["ledger", "check"])


def _insert_entry(transaction_id: int, account_code: str, amount: int, producer_id=None):
    account_id = ledger.get_account(account_code).id
    db.session.execute(
        text(
            "INSERT INTO ledger_entries (transaction_id, account_id, amount_kurus, producer_id, "
            "created_at) VALUES (:t, :a, :amount, :p, :now)"
        ),
        {"t": transaction_id, "a": account_id, "amount": amount, "p": producer_id, "now": utcnow()},
    )


def _insert_transaction(kind: str, order_id=None) -> int:
    db.session.execute(
        text(
            "INSERT INTO ledger_transactions (kind, memo, order_id, created_at) "
            "VALUES (:kind, 'elle', :order_id, :now)"
        ),
        {"kind": kind, "order_id": order_id, "now": utcnow()},
    )
    return db.session.scalar(text("SELECT max(id) FROM ledger_transactions"))


def test_a_sound_ledger_passes(books, app):
    assert ledger_check.check() == []
    result = _run_cli(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ledger ok"


def test_an_empty_ledger_passes(app):
    result = _run_cli(app)
    assert (result.exit_code, result.output.strip()) == (0, "ledger ok")


def test_unbalanced_entry_inserted_by_hand_is_found_and_named(books, app):
    online, _, _ = books
    sale_id = db.session.scalar(
        text("SELECT id FROM ledger_transactions WHERE kind = 'sale' AND order_id = :o"),
        {"o": online.id},
    )
    with zero_sum_check_off():
        _insert_entry(sale_id, "coop:commission", -1)
    db.session.commit()

    result = _run_cli(app)
    assert result.exit_code != 0
    assert f"transaction #{sale_id} (sale, order id {online.id}) does not sum to zero" in (
        result.output
    )
    assert "-1 kuruş" in result.output
    assert "1 violation(s) found" in result.output
    [violation] = ledger_check.check()
    assert (violation.rule, violation.transaction_id) == ("balanced", sale_id)


def test_producer_credit_without_documents_breaks_her_balance(books, app):
    _, ayse, _ = books
    txn = _insert_transaction("sale")  # a "sale" of no order, crediting ayse 5000
    _insert_entry(txn, f"producer:{ayse.id}", -5000, producer_id=ayse.id)
    _insert_entry(txn, "clearing:cash", 5000)
    db.session.commit()
    violations = ledger_check.check()
    rules = {v.rule for v in violations}
    assert rules == {"producer_balance"}
    [v] = violations
    assert v.producer_id == ayse.id
    assert f"producer {ayse.id} (Ayşe Yılmaz)" in v.description
    result = _run_cli(app)
    assert result.exit_code == 1
    assert "Ayşe Yılmaz" in result.output


def test_sale_that_is_not_the_order_total_and_paid_order_without_a_sale(app):
    product = ProductFactory(price_kurus=5000)
    order = paid_order([(product, 1)])
    db.session.commit()
    sale_id = db.session.scalar(
        text("SELECT id FROM ledger_transactions WHERE kind = 'sale' AND order_id = :o"),
        {"o": order.id},
    )
    # balanced, so only the order and sale-leg checks see it: the sale now says 5100 came in
    _insert_entry(sale_id, "clearing:demo", 100)
    _insert_entry(sale_id, "coop:shipping", -100)
    # and an order marked paid by hand, never booked
    db.session.execute(
        text(
            "INSERT INTO orders (number, channel, payment_method, status, fulfilment_status, "
            "buyer_name, buyer_email, buyer_phone, address_line, il, ilce, postal_code, "
            "subtotal_kurus, shipping_kurus, total_kurus, created_at, paid_at) VALUES "
            "('2503-NOSALE', 'online', 'demo', 'paid', 'unfulfilled', '', '', '', '', '', '', "
            "'', 700, 0, 700, :now, :now)"
        ),
        {"now": utcnow()},
    )
    db.session.commit()
    nosale_id = db.session.scalar(select(Order.id).where(Order.number == "2503-NOSALE"))
    found = ledger_check.check()
    # The shipping written around ledger.post is missing from the reports' rollups as well.
    assert [v.description for v in found if v.rule == "rollup"] == [
        f"report rollup {_day(order)} online producer (all): sale_shipping 0 ≠ 100 (stored ≠ "
        "recomputed from the entries; `flask ledger rebuild-rollups`)"
    ]
    assert [(v.rule, v.order_id, v.description) for v in found if v.rule != "rollup"] == [
        (
            "sale",
            order.id,
            f"order {order.number} (id {order.id}): the sale debits 5100 kuruş to clearing, "
            "the order total is 5000 kuruş",
        ),
        (
            "sale",
            nosale_id,
            f"order 2503-NOSALE (id {nosale_id}) is paid but has 0 sale transactions",
        ),
        (
            "sale_leg",
            order.id,
            f"sale transaction #{sale_id} (order {order.number}): shipping booked 100 kuruş net "
            "and 0 kuruş VAT, the order's shipping makes 0 kuruş and 0 kuruş",
        ),
    ]


def test_refund_beyond_its_line_is_found(books):
    online, _, _ = books
    refund_id = db.session.scalar(text("SELECT min(id) FROM refunds"))
    db.session.execute(
        text("INSERT INTO refund_lines (refund_id, line_id, amount_kurus) VALUES (:r, :l, :a)"),
        {"r": refund_id, "l": online.lines[0].id, "a": 120000},
    )
    db.session.commit()
    descriptions = [v.description for v in ledger_check.check() if v.rule == "refund"]
    assert (
        f"order {online.number}, line {online.lines[0].id}: refunded 123333 kuruş of a line of "
        "120000 kuruş" in descriptions
    )


def test_refund_without_its_ledger_transaction_is_found(books):
    online, _, _ = books
    db.session.execute(
        text(
            "INSERT INTO refunds (order_id, amount_kurus, shipping_kurus, reason, method, "
            "created_at) VALUES (:o, 500, 500, '', 'original', :now)"
        ),
        {"o": online.id, "now": utcnow()},
    )
    db.session.commit()
    descriptions = [v.description for v in ledger_check.check() if v.rule == "refund"]
    assert any("is booked in 0 transaction(s)" in d for d in descriptions)


def test_payout_beyond_what_was_available_is_found(app):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(maker, 10000)])
    paid_order([(product, 1)], paid_at=utcnow() - timedelta(days=1))  # pending: 14-day window
    payout = ledger.post(
        "payout",
        [Leg(f"producer:{maker.id}", 8500, available_at=utcnow()), Leg(ledger.PAYOUTS, -8500)],
    )
    db.session.commit()
    [violation] = [v for v in ledger_check.check() if v.rule == "payout"]
    assert violation.transaction_id == payout.id
    assert f"payout transaction #{payout.id} pays producer {maker.id}" in violation.description
    assert "but only 0 kuruş was available" in violation.description


def test_entry_on_a_producer_account_without_her_id_is_found(books):
    _, ayse, _ = books
    txn = _insert_transaction("adjustment")
    _insert_entry(txn, f"producer:{ayse.id}", 100, producer_id=None)
    _insert_entry(txn, "coop:adjustments", -100)
    db.session.commit()
    rules = sorted(v.rule for v in ledger_check.check())
    assert rules == ["attribution", "deduction"]  # and an adjustment no deduction records
    assert db.session.scalar(select(Account.producer_id).where(Account.producer_id == ayse.id))
