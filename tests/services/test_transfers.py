"""Bank-transfer orders: confirmed with the bank's reference (paid and booked once) or
cancelled (the stock goes back)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction, Order, OutboxMessage, Payment
from coopshop.services.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from coopshop.services.sales import transfers
from coopshop.services.sales.orders import Buyer
from tests.support.factories import ProductFactory, paid_order
from tests.support.ledger_support import balances
from tests.support.staff_support import (
    assert_ledger_holds,
    audit_actions,
    count,
    staff_user,
    stock,
    transfer_order,
)


@pytest.fixture
def waiting(app):
    """A ₺450 + ₺75 shipping order waiting for its transfer, and the clerk who handles it."""
    clerk = staff_user()
    product = ProductFactory(price_kurus=45_000, stock=3)
    order = transfer_order([(product, 1)])
    assert order.total_kurus == 52_500
    return clerk, order, product


def test_confirming_books_the_sale_once(waiting):
    clerk, order, product = waiting
    assert transfers.confirm_transfer(order.id, " EFT 2024 0001 ", clerk.id, 52_500) is True
    db.session.commit()

    db.session.refresh(order)
    assert order.status == "paid"
    assert order.paid_at is not None
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.provider, payment.provider_ref, payment.amount_kurus) == (
        "bank_transfer",
        "EFT 2024 0001",
        52_500,
    )
    assert balances()["clearing:bank"] == 52_500
    assert stock(product.id) == 2  # held when ordered, not taken twice
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert f"Siparişiniz alındı: {order.number}" in subjects
    assert audit_actions("transfer.") == ["transfer.confirm"]

    # A second click (or a second clerk) changes nothing.
    assert transfers.confirm_transfer(order.id, "EFT 2024 0001", clerk.id, 52_500) is False
    assert transfers.confirm_transfer(order.id, "BAŞKA", clerk.id, 52_500) is False
    db.session.commit()
    assert count(Payment) == 1
    assert count(LedgerTransaction, LedgerTransaction.kind == "sale") == 1
    assert balances()["clearing:bank"] == 52_500
    assert audit_actions("transfer.") == ["transfer.confirm"]
    assert_ledger_holds()


@pytest.mark.parametrize("received", [52_400, 52_600])
def test_an_amount_other_than_the_total_is_refused(waiting, received):
    clerk, order, _product = waiting
    with pytest.raises(ValidationFailed) as excinfo:
        transfers.confirm_transfer(order.id, "EFT-1", clerk.id, received)
    db.session.rollback()

    assert excinfo.value.details["field"] == "amount"
    amount = f"{received // 100},{received % 100:02d}"
    assert str(excinfo.value.message) == (
        f"Gelen tutar (₺{amount}) sipariş tutarına (₺525,00) eşit değil. Eksik ya da fazla "
        "gelen havale için yöneticiye danışın."
    )
    db.session.refresh(order)
    assert order.status == "pending_payment"
    assert count(Payment) == 0
    assert count(LedgerTransaction) == 0


def test_a_bank_reference_confirms_one_payment(waiting):
    clerk, order, product = waiting
    other = transfer_order([(product, 1)], buyer=Buyer(name="Zeynep", email="z@example.org"))
    transfers.confirm_transfer(order.id, "EFT-77", clerk.id, 52_500)
    db.session.commit()

    with pytest.raises(Conflict) as excinfo:
        transfers.confirm_transfer(other.id, "EFT-77", clerk.id, other.total_kurus)
    db.session.rollback()
    assert str(excinfo.value.message) == (
        "Bu banka referansı başka bir ödeme için zaten kullanılmış: EFT-77"
    )
    db.session.refresh(other)
    assert other.status == "pending_payment"
    assert_ledger_holds()


def test_cancelling_gives_the_stock_back(waiting):
    clerk, order, product = waiting
    assert stock(product.id) == 2
    transfers.cancel_transfer(order.id, clerk.id)
    db.session.commit()

    db.session.refresh(order)
    assert order.status == "cancelled"
    assert order.cancelled_at is not None
    assert stock(product.id) == 3
    assert audit_actions("transfer.") == ["transfer.cancel"]

    with pytest.raises(InvalidTransition):
        transfers.cancel_transfer(order.id, clerk.id)
    db.session.rollback()
    with pytest.raises(InvalidTransition) as excinfo:
        transfers.confirm_transfer(order.id, "EFT-9", clerk.id, 52_500)
    db.session.rollback()
    assert "iptal edilmiş ya da süresi dolmuş" in str(excinfo.value.message)
    assert stock(product.id) == 3
    assert count(LedgerTransaction) == 0
    assert_ledger_holds()


def test_a_paid_order_cannot_be_cancelled_here(waiting):
    clerk, order, product = waiting
    transfers.confirm_transfer(order.id, "EFT-5", clerk.id, 52_500)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        transfers.cancel_transfer(order.id, clerk.id)
    db.session.rollback()
    assert stock(product.id) == 2
    assert_ledger_holds()


def test_only_bank_transfer_orders_are_handled(app):
    clerk = staff_user()
    card = paid_order([(ProductFactory(), 1)])
    db.session.commit()
    with pytest.raises(NotFound):
        transfers.confirm_transfer(card.id, "EFT-1", clerk.id, card.total_kurus)
    with pytest.raises(NotFound):
        transfers.cancel_transfer(card.id, clerk.id)
    with pytest.raises(NotFound):
        transfers.cancel_transfer(999_999, clerk.id)


@pytest.mark.parametrize(
    ("reference", "amount", "field"),
    [("", 52_500, "reference"), ("   ", 52_500, "reference"), ("EFT-1", 0, "amount")],
)
def test_the_reference_and_amount_are_required(waiting, reference, amount, field):
    clerk, order, _product = waiting
    with pytest.raises(ValidationFailed) as excinfo:
        transfers.confirm_transfer(order.id, reference, clerk.id, amount)
    assert excinfo.value.details["field"] == field


def test_the_queue_lists_orders_waiting_oldest_first_and_searches(app):
    product = ProductFactory(stock=20)
    first = transfer_order([(product, 1)], buyer=Buyer(name="Hatice Demir", email="h@e.org"))
    second = transfer_order([(product, 1)], buyer=Buyer(name="Elif Kaya", email="e@e.org"))
    paid_order([(product, 1)])
    db.session.commit()

    rows, total = transfers.awaiting()
    assert [o.id for o in rows] == [first.id, second.id]
    assert total == 2
    rows, total = transfers.awaiting("kaya")
    assert [o.id for o in rows] == [second.id]
    rows, total = transfers.awaiting(first.number[-4:])
    assert first.id in [o.id for o in rows]
    assert count(Order) == 3  # the paid online order is not in the queue
