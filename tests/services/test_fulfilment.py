"""Fulfilment: items received from makers, shipped with a tracking number (the shopper is
e-mailed), delivered; only paid orders, one allowed step at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OutboxMessage
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.core.errors import InvalidTransition, NotFound, ValidationFailed
from coopshop.services.sales import fulfilment
from coopshop.services.sales.orders import Buyer, LineRequest
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.sql_counter import count_queries
from tests.support.staff_support import (
    BUYER,
    assert_ledger_holds,
    audit_actions,
    open_desk,
    staff_user,
    transfer_order,
)


def _online_order(*products):
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import NewOrder, create_order

    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            lines=[LineRequest(quantity=1, product_id=p.id) for p in products],
            buyer=BUYER,
            charge_shipping=True,
        )
    )
    mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus))
    db.session.commit()
    return order


@pytest.fixture
def order(app):
    return _online_order(ProductFactory(title_tr="Çini Kase"), ProductFactory(title_tr="Atkı"))


def test_received_shipped_delivered(order):
    clerk = staff_user()
    first, second = order.lines

    assert fulfilment.mark_received([first.id], clerk.id) == 1
    db.session.commit()
    assert order.fulfilment_status == "unfulfilled"  # one item still with its maker
    assert first.received_at is not None and second.received_at is None

    assert fulfilment.mark_received([first.id, second.id], clerk.id) == 1
    db.session.commit()
    assert order.fulfilment_status == "received"

    fulfilment.mark_shipped(order.id, "  YK 1234 5678 ", clerk.id)
    db.session.commit()
    assert order.fulfilment_status == "shipped"
    assert order.tracking_number == "YK 1234 5678"
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like("%kargoya%"))
    ).one()
    assert mail.to == BUYER.email
    assert mail.subject == f"Siparişiniz kargoya verildi: {order.number}"
    assert "Kargo takip numarası: YK 1234 5678" in mail.body
    assert f"/orders/{order.number}?t=" in mail.body
    assert "Çini Kase" in mail.body

    fulfilment.mark_delivered(order.id, clerk.id)
    db.session.commit()
    assert order.fulfilment_status == "delivered"
    assert audit_actions("fulfilment.") == [
        "fulfilment.received",
        "fulfilment.received",
        "fulfilment.shipped",
        "fulfilment.delivered",
    ]
    assert_ledger_holds()


def test_the_shipped_mail_follows_the_customers_language(app):
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import NewOrder, create_order
    from tests.support.factories import UserFactory

    customer = UserFactory(locale="en", email="jane@example.org")
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            lines=[LineRequest(quantity=1, product_id=ProductFactory().id)],
            buyer=Buyer(name="Jane", email="jane@example.org"),
            customer_id=customer.id,
        )
    )
    mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus))
    clerk = staff_user()
    fulfilment.mark_received([ln.id for ln in order.lines], clerk.id)
    fulfilment.mark_shipped(order.id, "ARAS-9", clerk.id)
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == "jane@example.org"))
    subjects = [m.subject for m in mail]
    assert f"Your order has been shipped: {order.number}" in subjects


def test_an_order_is_not_shipped_before_everything_is_received(order):
    clerk = staff_user()
    fulfilment.mark_received([order.lines[0].id], clerk.id)
    with pytest.raises(InvalidTransition) as excinfo:
        fulfilment.mark_shipped(order.id, "YK-1", clerk.id)
    db.session.rollback()
    assert str(excinfo.value.message) == (
        f"Sipariş {order.number} için önce bütün ürünleri teslim alın."
    )
    assert order.fulfilment_status == "unfulfilled"
    assert order.tracking_number is None


def test_steps_cannot_be_skipped(order):
    with pytest.raises(InvalidTransition) as excinfo:
        fulfilment.mark_delivered(order.id, None)
    db.session.rollback()
    assert str(excinfo.value.message) == (
        f"Sipariş {order.number} bu adıma geçemez (unfulfilled → delivered)."
    )
    assert order.fulfilment_status == "unfulfilled"


def test_a_shipped_order_cannot_be_received_or_shipped_again(order):
    clerk = staff_user()
    fulfilment.mark_received([ln.id for ln in order.lines], clerk.id)
    fulfilment.mark_shipped(order.id, "YK-1", clerk.id)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        fulfilment.mark_shipped(order.id, "YK-2", clerk.id)
    db.session.rollback()
    with pytest.raises(InvalidTransition):
        fulfilment.mark_received([order.lines[0].id], clerk.id)
    db.session.rollback()
    assert order.tracking_number == "YK-1"


def test_only_paid_orders_are_fulfilled(app):
    clerk = staff_user()
    waiting = transfer_order([(ProductFactory(), 1)])
    with pytest.raises(InvalidTransition) as excinfo:
        fulfilment.mark_received([waiting.lines[0].id], clerk.id)
    db.session.rollback()
    assert "için ürün teslim alınamaz" in str(excinfo.value.message)
    with pytest.raises(InvalidTransition) as excinfo:
        fulfilment.mark_shipped(waiting.id, "YK-1", clerk.id)
    db.session.rollback()
    assert "ödenmemiş" in str(excinfo.value.message)
    assert waiting.lines[0].received_at is None


@pytest.mark.parametrize(
    ("tracking", "message"),
    [("", "Kargo takip numarasını yazın."), ("x" * 81, "en fazla 80 karakter")],
)
def test_a_tracking_number_is_required(order, tracking, message):
    clerk = staff_user()
    fulfilment.mark_received([ln.id for ln in order.lines], clerk.id)
    with pytest.raises(ValidationFailed) as excinfo:
        fulfilment.mark_shipped(order.id, tracking, clerk.id)
    assert message in str(excinfo.value.message)


def test_receiving_nothing_or_unknown_lines_is_refused(order):
    with pytest.raises(ValidationFailed):
        fulfilment.mark_received([], None)
    with pytest.raises(NotFound):
        fulfilment.mark_received([order.lines[0].id, 999_999], None)
    db.session.rollback()
    assert order.lines[0].received_at is None


def test_the_queue_has_paid_orders_to_ship_and_deliver_in_four_queries(app):
    clerk = staff_user()
    maker = ProducerFactory(display_name="Fatma Usta")
    orders = [
        _online_order(ProductFactory(makers=[(maker, 10_000)]), ProductFactory()) for _ in range(6)
    ]
    delivered = orders[0]
    fulfilment.mark_received([ln.id for ln in delivered.lines], clerk.id)
    fulfilment.mark_shipped(delivered.id, "YK-1", clerk.id)
    fulfilment.mark_delivered(delivered.id, clerk.id)
    shipped = orders[1]
    fulfilment.mark_received([ln.id for ln in shipped.lines], clerk.id)
    fulfilment.mark_shipped(shipped.id, "YK-2", clerk.id)
    transfer_order([(ProductFactory(), 1)])  # not paid yet
    desk = open_desk(clerk.id)
    ProductFactory(code="BZR01")
    bazaar.sell(desk.id, [LineRequest(code="BZR01", quantity=1)], "cash", clerk.id)
    db.session.commit()
    db.session.expire_all()

    with count_queries() as statements:
        queue = fulfilment.queue()
        makers = {m.producer.display_name for o in queue for ln in o.lines for m in ln.makers}
    assert len(statements) == 4
    # Those waiting for the desk first (goods to receive), the one with the carrier last.
    assert [o.id for o in queue] == [o.id for o in orders[2:]] + [shipped.id]
    assert "Fatma Usta" in makers
    assert fulfilment.queue_counts() == {"unfulfilled": 4, "received": 0, "shipped": 1}
    assert_ledger_holds()


def test_paid_order_helper_orders_are_in_the_queue(app):
    order = paid_order([(ProductFactory(), 1)])
    db.session.commit()
    assert [o.id for o in fulfilment.queue()] == [order.id]
