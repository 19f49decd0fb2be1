"""Refunds of iyzico orders from the admin refund page: written down first, then sent per basket
item (or cancelled the same day), booked from iyzico's answer; a refusal stays visible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Invoice, OutboxJob, Payment, Refund, RefundRequest, utcnow
from coopshop.services.books.ledger_check import check
from coopshop.services.core import outbox
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
    client, login, iyzico_app, iyzico_standin, monkeypatch
):
    # As without Redis in development: the refund job runs once the answer has gone.
    monkeypatch.setitem(iyzico_app.config, "OUTBOX_AFTER_RESPONSE", True)
    order = _paid(iyzico_app, iyzico_standin)
    line = next(ln for ln in order.lines if ln.quantity == 2)
    login(UserFactory(role="admin"))
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    asked_before = len(iyzico_standin.requests)

    response = client.post(
        f"/admin/orders/{order.id}/refund",
        data={"reason": "Renk", "scope": "part", "line": line.id, "amount": "12,50"},
    )

    assert response.status_code == 302
    assert len(iyzico_standin.requests) == asked_before  # iyzico not asked inside the page
    assert db.session.scalars(select(RefundRequest.status)).all() == ["pending"]
    response.close()  # the answer has been sent: the refund job asks iyzico now
    page = client.get(response.location).get_data(as_text=True)
    assert "İade isteği iyzico&#39;a gönderildi" in page
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

    response = _refund(client, order, scope="line", line=line.id)  # testing: the job ran

    html = response.get_data(as_text=True)
    assert "iyzico iade isteği #1" in html and "Başarısız" in html  # on the order page
    assert "iyzico 5094: İade tutarı iade edilebilir değil" in html
    request = db.session.scalars(select(RefundRequest)).one()
    assert request.status == "failed"
    (job,) = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "refund.send"))
    assert job.done_at is not None  # a refusal is an answer: not retried
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

    response = _refund(client, order, scope="order")  # testing: the job ran, and timed out

    html = response.get_data(as_text=True)
    assert "İade isteği iyzico&#39;a gönderildi" in html
    assert "no answer from iyzico" in html and "Yeniden dene" in html
    request = db.session.scalars(select(RefundRequest)).one()
    assert request.status == "pending"
    assert "no answer from iyzico" in request.error
    assert db.session.scalars(select(Refund)).all() == []
    assert balances() == before
    (job,) = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "refund.send"))
    assert (job.attempts, job.done_at, job.failed_at) == (1, None, None)  # retried later

    # iyzico is back: the outbox's retry (after its backoff) books the refund, once.
    iyzico_standin.unhang()
    assert outbox.drain(now=utcnow() + timedelta(minutes=5), kinds=("refund.send",)) == {"done": 1}
    db.session.expire_all()
    assert db.session.get(RefundRequest, request.id).status == "succeeded"
    amount = order.total_kurus - order.shipping_kurus  # the whole order, not its shipping
    assert [r.amount_kurus for r in db.session.scalars(select(Refund))] == [amount]
    assert outbox.drain(now=utcnow() + timedelta(hours=1), kinds=("refund.send",)) == {}
    assert len(db.session.scalars(select(Refund)).all()) == 1
    assert check() == []


def test_a_same_day_cancel_of_a_taksit_payment_gives_back_everything_and_waives_the_fee(
    client, login, iyzico_app, iyzico_standin, monkeypatch
):
    """iyzico's cancel voids the payment: the buyer gets all she paid, the surcharge included,
    and iyzico keeps no commission. So clearing:iyzico, fees:payment, coop:instalments and
    vat:payable all end where they started, the refund says what went back, and the e-Arşiv is
    cancelled as a whole."""
    monkeypatch.setitem(iyzico_app.config, "INVOICING_ENABLED", True)
    monkeypatch.setitem(iyzico_app.config, "INVOICING_PROVIDER", "local")
    kilim = ProductFactory(price_kurus=41250, stock=3, title_tr="Kilim yastık")
    db.session.commit()
    before = balances()
    order = iyzico_paid_order(iyzico_app, iyzico_standin, {kilim.id: 1}, installment=3)
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    assert payment.surcharge_kurus > 0 and payment.fee_kurus > 0
    login(UserFactory(role="admin"))

    _refund(client, order, scope="order", include_shipping="y")

    assert len(iyzico_standin.requests_to(iyzico.CANCEL_PATH)) == 1
    refund = db.session.scalars(select(Refund)).one()
    assert refund.amount_kurus == order.total_kurus + payment.surcharge_kurus
    assert refund.surcharge_kurus == payment.surcharge_kurus
    after = balances()
    for code in ("clearing:iyzico", "fees:payment", "coop:instalments", "vat:payable"):
        assert after.get(code, 0) == before.get(code, 0), code
    [cancellation] = db.session.scalars(
        select(Invoice).where(Invoice.order_id == order.id, Invoice.purpose == "cancellation")
    )
    assert cancellation.gross_kurus == refund.amount_kurus
    assert check() == []


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

    assert "no answer from iyzico" in first.get_data(as_text=True)
    assert pending_status == "pending"
    assert "İade isteği iyzico&#39;a gönderildi" in retried.get_data(as_text=True)
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
