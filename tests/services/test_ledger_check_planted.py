"""Issue 16's "Done means": a small but realistic history made with the real services passes
`flask ledger check`; each money fault the outside audit found is planted in the data around
the services (the append-only and zero-sum guards switched off for the planting transaction
only), and `flask ledger check`, through the CLI runner, names it with its own message and
exits non-zero. Runs on SQLite and, with DATABASE_URL set, on PostgreSQL (as CI does)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from coopshop.db import db
from coopshop.models import LedgerTransaction, Payment
from coopshop.models.base import append_only_ddl
from coopshop.models.ledger import APPEND_ONLY_TABLES
from coopshop.services.books import deductions, ledger, ledger_check
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.sales import refunds
from tests.support.factories import (
    ProducerFactory,
    ProductFactory,
    UserFactory,
    delivered,
    paid_order,
)
from tests.support.sql_counter import count_queries

SETTINGS = CoopSettings(payout_minimum_kurus=1000, payout_two_admins=False)
NOW = datetime.now(UTC)
MONTH_AGO = NOW - timedelta(days=60)
IBAN = "TR330006100519786457841326"


@dataclass(frozen=True)
class History:
    online_order_id: int
    online_order_number: str
    online_line_id: int
    sale_id: int
    fee_payment_id: int
    paid_line_id: int
    paid_line_amount: int
    batch_id: int
    payout_txn_id: int
    delivered_order_id: int
    delivered_order_number: str
    delivered_line_id: int
    delivered_maker_id: int
    delivered_at: datetime
    maker_ids: tuple[int, ...]
    deduction_txn_id: int


@pytest.fixture
def history(app) -> History:
    """Sales online (card fee, shipping, delivered and withdrawn from) and at a bazaar, a 50/50
    piece, refunds, a deduction, a payout batch approved with one line paid and one failed, and
    a delivered online sale still inside its withdrawal window: all through the services."""
    admin = UserFactory(role="admin")
    ayse = ProducerFactory(display_name="Ayşe Yılmaz", iban=IBAN)
    fatma = ProducerFactory(display_name="Fatma Kaya", iban=IBAN)
    zehra = ProducerFactory(display_name="Zehra Demir", iban=IBAN)
    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(ayse, 5000), (fatma, 5000)])
    soap = ProductFactory(price_kurus=999, vat_bp=1000, makers=[(fatma, 10000)], stock=50)
    bag = ProductFactory(price_kurus=45050, vat_bp=2000, makers=[(zehra, 10000)], stock=10)
    online = paid_order([(scarf, 1), (soap, 3)], payment_method="stripe", fee_kurus=4321,
                        charge_shipping=True, paid_at=MONTH_AGO, settings=SETTINGS)  # fmt: skip
    delivered(online, MONTH_AGO + timedelta(days=2), settings=SETTINGS)
    refunds.create_refund(online, [(online.lines[1].id, 999)], reason="kırık")
    for _ in range(3):
        paid_order([(soap, 2)], channel="bazaar", payment_method="cash", paid_at=MONTH_AGO,
                   settings=SETTINGS)  # fmt: skip
    bazaar = paid_order([(bag, 1)], channel="bazaar", payment_method="cash", paid_at=MONTH_AGO,
                        settings=SETTINGS)  # fmt: skip
    refunds.create_refund(bazaar, [(bazaar.lines[0].id, 5050)], method="cash")
    dues = deductions.record_deduction(fatma.id, 2500, "dues", "2026 aidatı", admin.id)
    batch, _ = payouts.close_period(NOW - timedelta(minutes=5), admin.id, SETTINGS)
    payouts.approve(batch.id, admin.id, SETTINGS)
    lines = {line.producer_id: line for line in batch.lines}
    payout_lines.mark_line_paid(lines[ayse.id].id, "EFT-0001", admin.id)
    payout_lines.mark_line_failed(lines[zehra.id].id, "IBAN kapalı", admin.id)
    # a sale delivered yesterday: its makers wait for the withdrawal window
    recent = paid_order([(scarf, 1)], payment_method="stripe", fee_kurus=3100,
                        paid_at=NOW - timedelta(days=3), settings=SETTINGS)  # fmt: skip
    delivered(recent, NOW - timedelta(days=1), settings=SETTINGS)
    db.session.commit()
    paid_line = lines[ayse.id]
    return History(
        online_order_id=online.id,
        online_order_number=online.number,
        online_line_id=online.lines[0].id,
        sale_id=_transaction("sale", order_id=online.id),
        fee_payment_id=db.session.scalar(
            db.select(Payment.id).where(Payment.order_id == online.id)
        ),
        paid_line_id=paid_line.id,
        paid_line_amount=paid_line.amount_kurus,
        batch_id=batch.id,
        payout_txn_id=_transaction("payout", payout_line_id=paid_line.id),
        delivered_order_id=recent.id,
        delivered_order_number=recent.number,
        delivered_line_id=recent.lines[0].id,
        delivered_maker_id=ayse.id,
        delivered_at=recent.delivered_at,
        maker_ids=(ayse.id, fatma.id, zehra.id),
        deduction_txn_id=dues.id,
    )


def _transaction(kind: str, **where) -> int:
    query = db.select(LedgerTransaction.id).where(LedgerTransaction.kind == kind)
    for column, value in where.items():
        query = query.where(getattr(LedgerTransaction, column) == value)
    return db.session.scalar(query)


@contextmanager
def guards_off():
    """The planting transaction, with the ledger's guards off for it alone: on PostgreSQL
    ``SET LOCAL session_replication_role = replica`` (no trigger fires, the zero-sum check
    included; it ends with the transaction); on SQLite the append-only triggers are dropped and
    made again before the commit."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        for table in APPEND_ONLY_TABLES:
            for op in ("update", "delete"):
                db.session.execute(text(f"DROP TRIGGER {table}_no_{op}"))
    yield lambda sql, **params: db.session.execute(text(sql), params)
    if not postgres:
        for table in APPEND_ONLY_TABLES:
            for statement in append_only_ddl(
                "sqlite", table, "ledger_append_only", "ledger rows are append-only"
            ):
                db.session.execute(text(statement))
    db.session.commit()


def _account_id(code: str) -> int:
    return ledger.get_account(code).id


def delete_payout_transaction(h: History, sql) -> str:
    sql("DELETE FROM ledger_entries WHERE transaction_id = :t", t=h.payout_txn_id)
    sql("DELETE FROM ledger_transactions WHERE id = :t", t=h.payout_txn_id)
    return (
        f"payout line #{h.paid_line_id} (batch #{h.batch_id}, producer {h.maker_ids[0]} "
        f"(Ayşe Yılmaz)) of {h.paid_line_amount} kuruş is paid in an approved batch but has 0 "
        "payout transaction(s)"
    )


def raise_payout_line(h: History, sql) -> str:
    sql("UPDATE payout_lines SET amount_kurus = amount_kurus + 50000 WHERE id = :l",
        l=h.paid_line_id)  # fmt: skip
    return (
        f"payout line #{h.paid_line_id} (batch #{h.batch_id}, producer {h.maker_ids[0]} "
        f"(Ayşe Yılmaz)): the line pays {h.paid_line_amount + 50000} kuruş, its payout "
        f"transaction took {h.paid_line_amount} kuruş from her balance"
    )


def vat_to_commission(h: History, sql) -> str:
    for code, by in (("vat:payable", 1), ("coop:commission", -1)):
        sql("UPDATE ledger_entries SET amount_kurus = amount_kurus + :by WHERE transaction_id "
            "= :t AND order_line_id = :l AND account_id = :a",
            by=by, t=h.sale_id, l=h.online_line_id, a=_account_id(code))  # fmt: skip
    vat = 120000 - round(120000 * 10000 / 12000)
    return (
        f"sale transaction #{h.sale_id} (order {h.online_order_number}), line "
        f"{h.online_line_id}: vat:payable credited {vat - 1} kuruş, the line's snapshot makes "
        f"{vat} kuruş"
    )


def refund_vat_to_commission(h: History, sql) -> str:
    refund = _transaction("refund", order_id=h.online_order_id)
    line = db.session.scalar(
        text("SELECT order_line_id FROM ledger_entries WHERE transaction_id = :t AND "
             "order_line_id IS NOT NULL"), {"t": refund})  # fmt: skip
    for code, by in (("vat:payable", -1), ("coop:commission", 1)):
        sql("UPDATE ledger_entries SET amount_kurus = amount_kurus + :by WHERE transaction_id "
            "= :t AND order_line_id = :l AND account_id = :a",
            by=by, t=refund, l=line, a=_account_id(code))  # fmt: skip
    return f"refund 1 (order {h.online_order_number}), line {line}: vat:payable debited "


def delete_fee_transaction(h: History, sql) -> str:
    fee = _transaction("fee", payment_id=h.fee_payment_id)
    sql("DELETE FROM ledger_entries WHERE transaction_id = :t", t=fee)
    sql("DELETE FROM ledger_transactions WHERE id = :t", t=fee)
    return (
        f"payment #{h.fee_payment_id} of order {h.online_order_number}: the payment's fee is "
        "4321 kuruş, its fee transactions carry 0 kuruş"
    )


def available_inside_return_window(h: History, sql) -> str:
    # Her credit of the delivered sale made payable the day after delivery, not 14 days after.
    early = h.delivered_at + timedelta(days=1)
    move = _transaction("availability", order_id=h.delivered_order_id)
    sql("UPDATE ledger_entries SET available_at = :early WHERE transaction_id = :t "
        "AND producer_id = :p AND amount_kurus < 0",
        early=early, t=move, p=h.delivered_maker_id)  # fmt: skip
    return (
        f"order {h.delivered_order_number} (id {h.delivered_order_id}), line "
        f"{h.delivered_line_id}: producer {h.delivered_maker_id} (Ayşe Yılmaz) is credited "
    )


def delete_deduction_transaction(h: History, sql) -> str:
    sql("DELETE FROM ledger_entries WHERE transaction_id = :t", t=h.deduction_txn_id)
    sql("DELETE FROM ledger_transactions WHERE id = :t", t=h.deduction_txn_id)
    # "a deduction of 2500 kuruş for producer <id> (Fatma Kaya) (audit event #<id>) names ..."
    return f"names adjustment transaction #{h.deduction_txn_id}, which is not in the ledger"


def unbalanced_entry(h: History, sql) -> str:
    sql("INSERT INTO ledger_entries (transaction_id, account_id, amount_kurus, created_at) "
        "VALUES (:t, :a, -1, :now)", t=h.sale_id, a=_account_id("coop:commission"),
        now=NOW)  # fmt: skip
    return (
        f"transaction #{h.sale_id} (sale, order id {h.online_order_id}) does not sum to zero: "
        "its entries add up to -1 kuruş"
    )


FAULTS = [
    delete_payout_transaction,
    raise_payout_line,
    vat_to_commission,
    refund_vat_to_commission,
    delete_fee_transaction,
    available_inside_return_window,
    delete_deduction_transaction,
    unbalanced_entry,
]


def _ledger_check(app):
    return app.test_cli_runner().invoke(args=["ledger", "check"])


def test_the_clean_history_passes(history, app):
    result = _ledger_check(app)
    assert (result.exit_code, result.output.strip()) == (0, "ledger ok"), result.output


@pytest.mark.parametrize("plant", FAULTS, ids=[fault.__name__ for fault in FAULTS])
def test_each_planted_fault_is_named(history, app, plant):
    with guards_off() as sql:
        expected = plant(history, sql)
    result = _ledger_check(app)
    assert result.exit_code == 1, result.output
    assert expected in result.output, result.output
    assert "violation(s) found" in result.output
    if plant is delete_deduction_transaction:
        assert f"a deduction of 2500 kuruş for producer {history.maker_ids[1]} (Fatma" in (
            result.output
        )


def test_the_check_is_grouped_passes_not_a_query_per_row(history, app):
    """Ten times the sales, fees, refunds, deductions and payout lines: the same statements."""
    with count_queries() as small:
        assert ledger_check.check() == []
    admin = UserFactory(role="admin")
    makers = [ProducerFactory(iban=IBAN) for _ in range(10)]
    for maker in makers:
        piece = ProductFactory(price_kurus=33333, vat_bp=2000, makers=[(maker, 10000)], stock=3)
        order = paid_order([(piece, 2)], payment_method="stripe", fee_kurus=911,
                           paid_at=MONTH_AGO, settings=SETTINGS)  # fmt: skip
        delivered(order, MONTH_AGO + timedelta(days=1), settings=SETTINGS)
        refunds.create_refund(order, [(order.lines[0].id, 1234)])
        deductions.record_deduction(maker.id, 300, "materials", "iplik", admin.id)
    batch, _ = payouts.close_period(NOW - timedelta(minutes=1), admin.id, SETTINGS)
    payouts.approve(batch.id, admin.id, SETTINGS)
    db.session.commit()
    assert len(batch.lines) >= 10
    with count_queries() as large:
        assert ledger_check.check() == []
    assert len(large) == len(small)
