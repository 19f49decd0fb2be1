"""Checkout rules: stock held on placing, one fulfilment per order, expiry gives stock back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    AuditEvent,
    LedgerTransaction,
    Order,
    OutboxMessage,
    Payment,
    Product,
    utcnow,
)
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import InsufficientStock, ValidationFailed
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import Buyer
from tests.support.factories import ProducerFactory, ProductFactory

BUYER = Buyer(
    name="Selin Aksoy",
    email="selin@example.org",
    phone="0555 123 45 67",
    address_line="Atatürk Bulvarı No: 12 Daire 4",
    il="Ankara",
    ilce="Çankaya",
)


def _request(items, method="card", card="demo", **kw):
    kw.setdefault("acceptance", Acceptance(pre_information=True, contract=True, ip="192.0.2.7"))
    return checkout.CheckoutRequest(
        items=items, buyer=BUYER, method=method, card_payment_method=card, **kw
    )


def _stock(product_id: int) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def _sales(order_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.order_id == order_id, LedgerTransaction.kind == "sale")
    )


def test_place_order_holds_stock_and_adds_shipping(app):
    settings = settings_service.current()
    product = ProductFactory(price_kurus=45000, stock=3)
    order = checkout.place_order(_request({product.id: 2}), settings)
    db.session.commit()

    assert order.status == "pending_payment"
    assert order.channel == "online"
    assert order.payment_method == "demo"
    assert _stock(product.id) == 1
    assert order.subtotal_kurus == 90000
    assert order.shipping_kurus == settings.shipping_flat_kurus
    assert order.total_kurus == 90000 + settings.shipping_flat_kurus
    assert order.expires_at == order.created_at + timedelta(minutes=30)
    assert order.buyer_email == "selin@example.org"


def test_free_shipping_above_threshold(app):
    settings = settings_service.current()
    product = ProductFactory(price_kurus=settings.free_shipping_threshold_kurus, stock=1)
    order = checkout.place_order(_request({product.id: 1}), settings)
    assert order.shipping_kurus == 0
    assert order.total_kurus == settings.free_shipping_threshold_kurus


def test_sold_out_holds_nothing(app):
    settings = settings_service.current()
    plenty = ProductFactory(stock=10)
    scarce = ProductFactory(stock=1)
    with pytest.raises(InsufficientStock) as exc:
        checkout.place_order(_request({plenty.id: 2, scarce.id: 2}), settings)
    db.session.rollback()
    assert "yeterli stok yok" in str(exc.value.message)
    assert _stock(plenty.id) == 10
    assert _stock(scarce.id) == 1
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


@pytest.mark.parametrize(
    ("items", "method", "message"),
    [
        ({}, "card", "Sepetiniz boş."),
        (None, "cash", "Ödeme yöntemi seçin."),
    ],
)
def test_place_order_refuses_bad_requests(app, items, method, message):
    product = ProductFactory()
    with pytest.raises(ValidationFailed) as exc:
        checkout.place_order(
            _request(items if items is not None else {product.id: 1}, method=method),
            settings_service.current(),
        )
    assert str(exc.value.message) == message


def test_bank_transfer_order_waits_and_mails_instructions(app):
    product = ProductFactory(stock=2)
    order = checkout.place_order(_request({product.id: 1}, method="bank_transfer"), app_settings())
    db.session.commit()
    assert order.channel == "bank_transfer"
    assert order.payment_method == "bank_transfer"
    # TRANSFER_PAYMENT_DAYS (3) to pay, then it expires like a card order (issue 15).
    assert order.expires_at == order.created_at + timedelta(days=3)
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to == "selin@example.org"
    assert order.number in mail.subject
    assert app.config["COOP_IBAN"] in mail.body
    assert order.number in mail.body


def app_settings():
    return settings_service.current()


def test_fulfil_books_once_and_mails_buyer_and_makers(app):
    maker = ProducerFactory()
    product = ProductFactory(makers=[(maker, 10_000)], stock=5)
    order = checkout.place_order(_request({product.id: 1}), app_settings())
    db.session.commit()
    payment = PaymentInfo(provider="demo", amount_kurus=order.total_kurus, provider_ref="demo-1")

    assert checkout.fulfil(order.id, payment, app_settings()) is True
    db.session.commit()
    assert checkout.fulfil(order.id, payment, app_settings()) is False
    db.session.commit()

    assert db.session.get(Order, order.id).status == "paid"
    assert _sales(order.id) == 1
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    recipients = sorted(m.to for m in db.session.scalars(select(OutboxMessage)))
    assert recipients == sorted(["selin@example.org", maker.user.email])


def test_fulfil_refuses_a_wrong_amount(app):
    product = ProductFactory(stock=5)
    order = checkout.place_order(_request({product.id: 1}), app_settings())
    db.session.commit()
    with pytest.raises(ValidationFailed):
        checkout.fulfil(
            order.id,
            PaymentInfo(provider="demo", amount_kurus=order.total_kurus - 1),
            app_settings(),
        )
    db.session.rollback()
    assert db.session.get(Order, order.id).status == "pending_payment"
    assert _sales(order.id) == 0


def test_expire_due_returns_stock_and_leaves_others(app):
    product = ProductFactory(stock=5)
    now = utcnow()
    # Placing an order expires the overdue ones first, so the fresh one is placed first here.
    fresh = checkout.place_order(_request({product.id: 1}), app_settings(), now=now)
    old = checkout.place_order(
        _request({product.id: 2}), app_settings(), now=now - timedelta(hours=1)
    )
    transfer = checkout.place_order(
        _request({product.id: 1}, method="bank_transfer"),
        app_settings(),
        now=now - timedelta(days=2),
    )
    db.session.commit()
    assert _stock(product.id) == 1

    assert checkout.expire_due(now=now) == 1
    db.session.commit()

    assert db.session.get(Order, old.id).status == "expired"
    assert db.session.get(Order, fresh.id).status == "pending_payment"
    assert db.session.get(Order, transfer.id).status == "pending_payment"
    assert _stock(product.id) == 3


def test_payment_after_expiry_is_recorded_not_booked(app):
    product = ProductFactory(stock=5)
    order = checkout.place_order(
        _request({product.id: 1}), app_settings(), now=utcnow() - timedelta(hours=2)
    )
    checkout.expire_due()
    db.session.commit()

    paid = checkout.fulfil(
        order.id, PaymentInfo(provider="stripe", amount_kurus=order.total_kurus), app_settings()
    )
    db.session.commit()
    assert paid is False
    assert _sales(order.id) == 0
    # (The shop's first order also published the draft legal texts: "legal.published".)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action != "legal.published")
    ).one()
    assert event.action == "payment.after_expiry"
    assert event.data["amount_kurus"] == order.total_kurus


def test_cli_orders_expire(app):
    product = ProductFactory(stock=2)
    checkout.place_order(
        _request({product.id: 2}), app_settings(), now=utcnow() - timedelta(hours=1)
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "expired 1 order(s)" in result.output
    assert _stock(product.id) == 2
