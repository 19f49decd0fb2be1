"""Bank-transfer orders have a payment deadline (TRANSFER_PAYMENT_DAYS): shown to the buyer,
and past it the order expires like an unpaid card order and its stock goes back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction, Order, OutboxMessage, Payment, utcnow
from coopshop.services.core.errors import InvalidTransition
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import checkout, transfers
from coopshop.services.sales.agreements import Acceptance
from tests.support.factories import ProductFactory
from tests.support.staff_support import (
    BUYER,
    assert_ledger_holds,
    audit_actions,
    count,
    staff_user,
    stock,
)

SETTINGS = CoopSettings(transfer_payment_days=3)

APPROVED = Acceptance(pre_information=True, contract=True, ip="192.0.2.7")


def _place(product, quantity=1, now=None, settings=SETTINGS):
    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: quantity},
            buyer=BUYER,
            method="bank_transfer",
            card_payment_method="demo",
            acceptance=APPROVED,
        ),
        settings,
        now=now,
    )
    db.session.commit()
    return order


@pytest.fixture
def placed(app):
    product = ProductFactory(price_kurus=45_000, stock=3)
    placed_at = utcnow() - timedelta(days=1)
    order = _place(product, 2, now=placed_at)
    return order, product, placed_at


def test_the_deadline_is_set_and_told_in_the_email_and_on_the_page(placed, client):
    order, product, placed_at = placed
    assert order.expires_at == placed_at + timedelta(days=3)
    assert stock(product.id) == 1  # held while she pays

    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.to == BUYER.email)
    ).one()
    assert "Son ödeme:" in body
    assert "kendiliğinden iptal olur" in body

    from coopshop.shop.checkout import order_token

    page = client.get(f"/orders/{order.number}?t={order_token(order)}").get_data(as_text=True)
    assert "Havale/EFT bekleniyor" in page
    assert "Son ödeme" in page


def test_not_expired_before_the_deadline(placed):
    order, product, placed_at = placed
    just_before = order.expires_at - timedelta(minutes=1)
    assert checkout.expire_due(now=just_before) == 0
    db.session.commit()
    db.session.refresh(order)
    assert order.status == "pending_payment"
    assert checkout.status_as_of(order, just_before) == "pending_payment"
    assert stock(product.id) == 1

    # The clerk can still confirm it before the deadline.
    clerk = staff_user()
    assert transfers.confirm_transfer(
        order.id, "EFT-1", clerk.id, order.total_kurus, SETTINGS, now=just_before
    )
    db.session.commit()
    db.session.refresh(order)
    assert order.status == "paid"
    assert stock(product.id) == 1  # sold, not given back
    assert_ledger_holds()


def test_expiry_returns_the_stock_once(placed, app):
    order, product, placed_at = placed
    after = order.expires_at + timedelta(minutes=1)
    assert checkout.expire_due(now=after) == 1
    db.session.commit()
    db.session.refresh(order)
    assert order.status == "expired"
    assert order.cancelled_at is not None
    assert stock(product.id) == 3
    assert audit_actions("transfer.") == ["transfer.expired"]

    # Idempotent: a second run (or a second cron) changes nothing.
    assert checkout.expire_due(now=after + timedelta(hours=1)) == 0
    db.session.commit()
    assert stock(product.id) == 3
    assert audit_actions("transfer.") == ["transfer.expired"]

    # The command cron runs does the same, and again nothing more.
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "expired 0 order(s)" in result.output
    assert stock(product.id) == 3


def test_marking_paid_after_the_deadline_is_refused(placed):
    order, product, placed_at = placed
    clerk = staff_user()
    after = order.expires_at + timedelta(minutes=5)
    # Past the deadline but before the expiry job ran: refused all the same.
    with pytest.raises(InvalidTransition) as excinfo:
        transfers.confirm_transfer(
            order.id, "EFT-LATE", clerk.id, order.total_kurus, SETTINGS, now=after
        )
    db.session.rollback()
    message = str(excinfo.value.message)
    assert f"Sipariş {order.number} için ödeme süresi" in message
    assert "parayı alıcıya iade edin" in message
    assert count(Payment) == 0

    checkout.expire_due(now=after)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        transfers.confirm_transfer(order.id, "EFT-LATE", clerk.id, order.total_kurus, SETTINGS)
    db.session.rollback()
    assert count(Payment) == 0
    assert count(LedgerTransaction) == 0
    assert stock(product.id) == 3
    assert_ledger_holds()


def test_the_deadline_follows_the_setting(app):
    product = ProductFactory(stock=2)
    order = _place(product, settings=CoopSettings(transfer_payment_days=7))
    assert order.expires_at - order.created_at == timedelta(days=7)
    assert db.session.get(Order, order.id).channel == "bank_transfer"


def test_an_online_order_still_expires_after_its_minutes(app):
    product = ProductFactory(stock=2)
    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: 1},
            buyer=BUYER,
            method="card",
            card_payment_method="demo",
            acceptance=APPROVED,
        ),
        SETTINGS,
    )
    db.session.commit()
    assert order.expires_at - order.created_at == timedelta(minutes=30)
    assert checkout.expire_due(now=order.expires_at + timedelta(seconds=1)) == 1
    db.session.commit()
    assert stock(product.id) == 2
    assert audit_actions("transfer.") == []
