"""Every debit of a member's balance waits for the others (services.core.locks).

The race of issue #16: a refund committed while a payout batch was being approved was paid out
anyway (she was paid ₺850,00 against what was left after the refund). Now approval takes her
lock before it reads her balance and the refund takes it before it writes, so whichever comes
second sees the first: an approval after the refund refuses the line, a refund after the
approval is netted against the payout. The race test runs on PostgreSQL with real threads.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction, ProducerProfile
from coopshop.services.books import balances
from coopshop.services.books.ledger_check import check
from coopshop.services.core import locks
from coopshop.services.core.errors import Conflict
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches as payouts
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order

SETTINGS = CoopSettings(payout_minimum_kurus=10000, payout_two_admins=False)
OCT_10 = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
OCT_END = datetime(2026, 10, 31, 20, 59, 59, tzinfo=UTC)
ROUNDS = 50
MAKER_PART = 85000  # a ₺1.200,00 piece at 20% VAT and 15% commission


def test_lock_members_locks_existing_profiles_in_id_order(app):
    first, second = ProducerFactory(), ProducerFactory()
    db.session.commit()
    assert locks.lock_members([second.id, None, first.id, second.id, 999_999]) == [
        first.id,
        second.id,
    ]
    assert locks.lock_members([]) == []


def test_the_lock_is_no_key_update_so_sales_pointing_at_her_do_not_wait(app):
    statement = (
        select(ProducerProfile.id)
        .where(ProducerProfile.id.in_([1, 2]))
        .order_by(ProducerProfile.id)
        .with_for_update(key_share=True)
    )
    sql = str(statement.compile(dialect=postgresql.dialect()))
    assert sql.endswith("ORDER BY producer_profiles.id FOR NO KEY UPDATE")


def _sell(producer) -> int:
    product = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(producer, 10000)])
    order = paid_order(
        [(product, 1)], channel="bazaar", payment_method="cash", paid_at=OCT_10, settings=SETTINGS
    )
    db.session.commit()
    return order.id


def _payouts_of(producer_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.producer_id == producer_id, LedgerTransaction.kind == "payout")
        )
    )


def _race(app, batch_id: int, order_id: int, producer_id: int, admin_id: int) -> tuple[str, bool]:
    """Approve the batch and refund half her piece at once, each in its own thread and
    connection: ("approved" or "refused", whether the refund saw the payout)."""
    start = threading.Barrier(2)

    def approve() -> str:
        with app.app_context():
            start.wait(timeout=30)
            threading.Event().wait(random.uniform(0, 0.02))  # noqa: S311 (test jitter)
            try:
                payouts.approve(batch_id, admin_id, SETTINGS)
                db.session.commit()
                return "approved"
            except Conflict:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    def refund() -> bool:
        """Refund half the piece; True when the payout was already there to see."""
        with app.app_context():
            start.wait(timeout=30)
            threading.Event().wait(random.uniform(0, 0.03))  # noqa: S311 (test jitter)
            try:
                order = db.session.get(refunds.Order, order_id)
                refunds.create_refund(order, [(order.lines[0].id, 60000)], reason="kusur")
                saw_payout = _payouts_of(producer_id) != 0
                db.session.commit()
                return saw_payout
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        approved = pool.submit(approve)
        refunded = pool.submit(refund)
        return approved.result(60), refunded.result(60)


@pytest.mark.postgres
def test_a_refund_during_approval_is_never_paid_out(app, monkeypatch):
    admin_id = UserFactory(role="admin").id
    db.session.commit()
    real_payable = payouts.payable

    def slow_payable(*args, **kwargs):
        # Widen the window between reading her balance and posting the payout, where the
        # unserialized code let a refund slip in.
        found = real_payable(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread():
            threading.Event().wait(random.uniform(0, 0.03))  # noqa: S311 (test jitter)
        return found

    monkeypatch.setattr(payouts, "payable", slow_payable)
    outcomes = {"approved": 0, "refused": 0}
    for _round in range(ROUNDS):
        producer = ProducerFactory(iban="TR330006100519786457841326")
        db.session.commit()
        producer_id = producer.id
        order_id = _sell(producer)
        batch, _ = payouts.close_period(OCT_END, admin_id, SETTINGS)
        db.session.commit()
        batch_id = batch.id
        assert [line.producer_id for line in batch.lines] == [producer_id]
        outcome, refund_saw_payout = _race(app, batch_id, order_id, producer_id, admin_id)
        outcomes[outcome] += 1

        db.session.expire_all()
        paid = _payouts_of(producer_id)
        left = balances.balance(producer_id, as_of=datetime.now(UTC))
        if outcome == "approved":
            # The payout went first: the refund saw it and left her negative, to be netted.
            assert refund_saw_payout, f"round {_round}: a refund the approval did not see"
            assert paid == MAKER_PART
            assert left.available == -42500
        else:
            # The refund went first: the approval read it and refused the line.
            assert paid == 0
            assert left.available == MAKER_PART - 42500
            payouts.cancel(batch_id, admin_id)
        # She is out of the next rounds' batches either way.
        db.session.get(ProducerProfile, producer_id).membership_status = "suspended"
        db.session.commit()

    assert outcomes["approved"] + outcomes["refused"] == ROUNDS
    assert check() == []
