"""services.sales.buyer_mail: the shopper hears of each change of her order once, in her
language, from one template family: paid, prepared, shipped, delivered, refunded (with the
amounts); a withdrawal's refund is told by the withdrawal's own e-mail, not twice."""

from __future__ import annotations

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OutboxMessage
from coopshop.services.core import settings as settings_service
from coopshop.services.core import uow
from coopshop.services.sales import checkout, fulfilment, refunds
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import Buyer, LineRequest, NewOrder, create_order
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory
from tests.support.staff_support import staff_user


def _order(email: str, locale: str = "tr"):
    customer = UserFactory(locale=locale, email=email)
    maker = ProducerFactory()
    scarf = ProductFactory(title_tr="Atkı", price_kurus=25000, makers=[(maker, 10000)], stock=5)
    bag = ProductFactory(title_tr="Çanta", price_kurus=40000, makers=[(maker, 10000)], stock=5)
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            lines=[LineRequest(1, scarf.id), LineRequest(1, bag.id)],
            buyer=Buyer(name="Selin", email=email),
            customer_id=customer.id,
        )
    )
    uow.commit()
    return order


def _to(email: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to == email).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _through_every_state(order):
    settings = settings_service.current()
    payment = PaymentInfo(provider="demo", amount_kurus=order.total_kurus, provider_ref="d-1")
    assert checkout.fulfil(order.id, payment, settings) is True
    uow.commit()
    clerk = staff_user()
    fulfilment.mark_received([order.lines[0].id], clerk.id)  # one piece in: not prepared yet
    uow.commit()
    fulfilment.mark_received([order.lines[1].id], clerk.id)
    uow.commit()
    fulfilment.mark_shipped(order.id, "ARAS 123", clerk.id)
    uow.commit()
    fulfilment.mark_delivered(order.id, clerk.id)
    uow.commit()
    bag = order.lines[1]
    refunds.create_refund(order, [(bag.id, 10000)], reason="leke", method="original")
    uow.commit()


def test_each_change_of_her_order_is_told_once_in_order(app):
    order = _order("selin@example.org")
    _through_every_state(order)
    mails = _to("selin@example.org")
    assert [m.subject for m in mails] == [
        f"Siparişiniz alındı: {order.number}",
        f"Siparişiniz hazırlandı: {order.number}",
        f"Siparişiniz kargoya verildi: {order.number}",
        f"Siparişiniz teslim edildi: {order.number}",
        f"Paranız iade edildi: {order.number}",
    ]
    paid, prepared, shipped, delivered, refunded = (m.body for m in mails)
    assert "Toplam (KDV dahil): ₺650,00" in paid
    assert "1 × Atkı" in prepared and "1 × Çanta" in prepared
    assert "ARAS 123" in shipped
    assert "cayma hakkınızı kullanabilirsiniz" in delivered
    assert "Siparişiniz " + order.number + " için ₺100,00 iade edildi." in refunded
    assert "1 × Çanta: ₺100,00" in refunded and "Atkı" not in refunded
    # Every one of the family links to her order page and is signed by the cooperative.
    for body in (paid, prepared, shipped, delivered, refunded):
        assert f"/orders/{order.number}" in body and app.config["COOP_NAME"] in body


def test_a_second_refund_says_the_total_so_far(app):
    order = _order("ada@example.org")
    _through_every_state(order)
    refunds.create_refund(order, [(order.lines[0].id, 5000)], method="original")
    uow.commit()
    last = _to("ada@example.org")[-1]
    assert "₺50,00 iade edildi" in last.body
    assert "Bu siparişte bugüne kadar iade edilen toplam: ₺150,00" in last.body


def test_she_reads_them_in_english_when_she_chose_it(app):
    order = _order("jane@example.org", locale="en")
    _through_every_state(order)
    subjects = [m.subject for m in _to("jane@example.org")]
    assert subjects == [
        f"We have received your order: {order.number}",
        f"Your order is ready: {order.number}",
        f"Your order has been shipped: {order.number}",
        f"Your order has been delivered: {order.number}",
        f"Your money was refunded: {order.number}",
    ]


def test_a_rolled_back_change_tells_nothing(app):
    order = _order("selin@example.org")
    settings = settings_service.current()
    payment = PaymentInfo(provider="demo", amount_kurus=order.total_kurus, provider_ref="d-2")
    checkout.fulfil(order.id, payment, settings)
    uow.commit()
    clerk = staff_user()
    fulfilment.mark_received([ln.id for ln in order.lines], clerk.id)
    uow.rollback()
    assert [m.subject.split(":")[0] for m in _to("selin@example.org")] == ["Siparişiniz alındı"]
