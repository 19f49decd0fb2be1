"""Refunds of iyzico orders from the admin refund page: written down first, then sent per basket
item (or cancelled the same day), booked from iyzico's answer; a refusal stays visible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Payment, Refund, RefundRequest
from coopshop.services.books.ledger_check import check
from coopshop.services.sales import iyzico, iyzico_reporting
from tests.support.factories import ProductFactory, UserFactory
from tests.support.iyzico_support import iyzico_paid_order
from tests.support.ledger_support import balances

pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)


def _paid(app, standin):
    kilim = ProductFactory(price_kurus=41250, stock=3, title_tr="Kilim yastık")
    soap = ProductFactory(price_kurus=3333, stock=10, title_tr="Zeytinyağı sabunu")
    db.session.commit()
    return iyzico_paid_order(app, standin, {kilim.id: 1, soap.id: 2})


def _refund(client, order, **data):
    return client.post(
        f"/admin/orders/{order.id}/refund", data={"reason": "Renk", **data}, follow_redirects=True
    )


def _yesterday(order):
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    payment.created_at -= timedelta(days=1)
    db.session.commit()
    return payment


def test_part_of_a_line_goes_back_to_that_items_transaction(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    line = next(ln for ln in order.lines if ln.quantity == 2)
    login(UserFactory(role="admin"))
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))

    response = _refund(client, order, scope="part", line=line.id, amount="12,50")

    assert "İade iyzico üzerinden yapıldı ve kaydedildi." in response.get_data(as_text=True)
    [sent] = iyzico_standin.requests_to(iyzico.REFUND_PATH)
    assert sent.body["paymentTransactionId"] == payment.item_refs[str(line.id)]
    assert sent.body["price"] == "12.5"
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.amount_kurus, refund.method) == (1250, "original")
    request = db.session.scalars(select(RefundRequest)).one()
    assert request.status == "succeeded"
    assert iyzico_standin.requests_to(iyzico.CANCEL_PATH) == []
    assert balances()["clearing:iyzico"] == order.total_kurus - payment.fee_kurus - 1250
    assert check() == []


def test_the_whole_order_the_same_day_is_one_cancel(client, login, iyzico_app, iyzico_standin):
    order = _paid(iyzico_app, iyzico_standin)
    login(UserFactory(role="admin"))

    _refund(client, order, scope="order", include_shipping="y")

    [sent] = iyzico_standin.requests_to(iyzico.CANCEL_PATH)
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    assert sent.body["paymentId"] == payment.provider_ref
    assert iyzico_standin.requests_to(iyzico.REFUND_PATH) == []
    refund = db.session.scalars(select(Refund)).one()
    assert refund.amount_kurus == order.total_kurus
    assert refund.provider_ref == f"iyzico-cancel-{payment.provider_ref}"
    assert check() == []


def test_the_whole_order_on_a_later_day_is_refunded_item_by_item(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    payment = _yesterday(order)
    login(UserFactory(role="admin"))

    _refund(client, order, scope="order", include_shipping="y")

    assert iyzico_standin.requests_to(iyzico.CANCEL_PATH) == []
    sent = {
        r.body["paymentTransactionId"]: r.body["price"]
        for r in iyzico_standin.requests_to(iyzico.REFUND_PATH)
    }
    lines = {str(ln.id): ln.gross_kurus for ln in order.lines}
    assert sent == {
        payment.item_refs[item]: iyzico.kurus_to_price(amount) for item, amount in lines.items()
    } | {payment.item_refs["SHIPPING"]: iyzico.kurus_to_price(order.shipping_kurus)}
    assert db.session.scalars(select(Refund)).one().amount_kurus == order.total_kurus
    assert check() == []


def test_a_refund_iyzico_refuses_stays_failed_with_its_message(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    line = order.lines[0]
    login(UserFactory(role="admin"))
    before = balances()
    iyzico_standin.error_next(iyzico.REFUND_PATH, "5094", "İade tutarı iade edilebilir değil")

    response = _refund(client, order, scope="line", line=line.id)

    assert "iyzico iadeyi yapmadı: iyzico 5094: İade tutarı iade edilebilir değil" in (
        response.get_data(as_text=True)
    )
    request = db.session.scalars(select(RefundRequest)).one()
    assert request.status == "failed"
    assert request.error == "iyzico 5094: İade tutarı iade edilebilir değil"
    assert db.session.scalars(select(Refund)).all() == []
    assert balances() == before


def test_a_refund_with_no_answer_stays_pending_and_books_nothing(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    _yesterday(order)
    login(UserFactory(role="admin"))
    before = balances()
    iyzico_standin.hang(30)

    response = _refund(client, order, scope="order")

    assert "iyzico&#39;dan yanıt alınamadı; iade beklemede" in response.get_data(as_text=True)
    request = db.session.scalars(select(RefundRequest)).one()
    assert request.status == "pending"
    assert "no answer from iyzico" in request.error
    assert db.session.scalars(select(Refund)).all() == []
    assert balances() == before


def _retry(client, request):
    return client.post(f"/admin/refund-requests/{request.id}/retry", follow_redirects=True)


def _refunded_at_iyzico(standin) -> dict[str, list]:
    """paymentTransactionId → the refunds iyzico's reporting lists on it."""
    [payment_id] = list(standin._payments)
    details = iyzico_reporting.payment_details(standin.client(), payment_id=payment_id)
    return {item.payment_transaction_id: list(item.refunds) for item in details.items}


def test_a_refund_whose_answer_was_lost_is_not_made_again_on_retry(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    line = order.lines[0]
    login(UserFactory(role="admin"))
    # iyzico makes the refund, but its answer never arrives: the shop times out.
    iyzico_standin.drop_answer_next(iyzico.REFUND_PATH)

    first = _refund(client, order, scope="line", line=line.id)
    request = db.session.scalars(select(RefundRequest)).one()
    pending_status = request.status
    retried = _retry(client, request)

    assert "iade beklemede" in first.get_data(as_text=True) and pending_status == "pending"
    assert "İade iyzico üzerinden yapıldı ve kaydedildi." in retried.get_data(as_text=True)
    assert len(iyzico_standin.requests_to(iyzico.REFUND_PATH)) == 1  # never sent twice
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    txn = payment.item_refs[str(line.id)]
    assert [r.price_kurus for r in _refunded_at_iyzico(iyzico_standin)[txn]] == [line.gross_kurus]
    db.session.expire_all()
    assert db.session.get(RefundRequest, request.id).status == "succeeded"
    assert [r.amount_kurus for r in db.session.scalars(select(Refund))] == [line.gross_kurus]
    assert check() == []


def test_a_retry_after_some_parts_sends_only_the_rest(client, login, iyzico_app, iyzico_standin):
    order = _paid(iyzico_app, iyzico_standin)
    _yesterday(order)
    login(UserFactory(role="admin"))
    iyzico_standin.drop_answer_next(iyzico.REFUND_PATH)  # the first item's answer is lost

    _refund(client, order, scope="order", include_shipping="y")
    request = db.session.scalars(select(RefundRequest)).one()
    _retry(client, request)

    sent = [r.body["paymentTransactionId"] for r in iyzico_standin.requests_to(iyzico.REFUND_PATH)]
    assert len(sent) == len(set(sent)) == len(order.lines) + 1  # each item once, shipping too
    refunds = _refunded_at_iyzico(iyzico_standin)
    assert all(len(made) == 1 for made in refunds.values())
    assert db.session.scalars(select(Refund)).one().amount_kurus == order.total_kurus
    assert check() == []


def test_a_cancel_whose_answer_was_lost_is_booked_on_retry_without_a_refund(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    login(UserFactory(role="admin"))
    iyzico_standin.drop_answer_next(iyzico.CANCEL_PATH)

    _refund(client, order, scope="order", include_shipping="y")
    request = db.session.scalars(select(RefundRequest)).one()
    _retry(client, request)

    assert len(iyzico_standin.requests_to(iyzico.CANCEL_PATH)) == 1
    assert iyzico_standin.requests_to(iyzico.REFUND_PATH) == []
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    refund = db.session.scalars(select(Refund)).one()
    assert refund.provider_ref == f"iyzico-cancel-{payment.provider_ref}"
    assert refund.amount_kurus == order.total_kurus
    assert check() == []


def test_when_iyzicos_refunds_cannot_be_read_nothing_is_sent(
    client, login, iyzico_app, iyzico_standin
):
    order = _paid(iyzico_app, iyzico_standin)
    _yesterday(order)
    login(UserFactory(role="admin"))
    iyzico_standin.error_next(iyzico_reporting.PAYMENT_DETAILS_PATH, "1000", "Sistem hatası")

    _refund(client, order, scope="line", line=order.lines[0].id)

    assert iyzico_standin.requests_to(iyzico.REFUND_PATH) == []
    request = db.session.scalars(select(RefundRequest)).one()
    assert request.status == "pending" and "Sistem hatası" in request.error
    assert db.session.scalars(select(Refund)).all() == []
