"""Refunds answered through the queue: an e-Arşiv return invoice (IADE) naming the original,
sent to the Nilvera stand-in once, through timeouts, error answers and late duplicate answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Invoice
from coopshop.services.core import uow
from coopshop.services.invoicing import queue, records
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.invoicing_support import COMPANY_VKN, TCKN, buyer, pay

SEND = "/earchive/Send/Model"


def _invoices() -> list[Invoice]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invoice).order_by(Invoice.id)))


@pytest.fixture
def basket(app):
    maker = ProducerFactory()
    scarf = ProductFactory(price_kurus=1999, vat_bp=2000, stock=50, makers=[(maker, 10000)])
    bowl = ProductFactory(price_kurus=1250, vat_bp=100, makers=[(maker, 10000)])
    db.session.commit()
    return [(scarf, 3), (bowl, 2)]


def _issued_yesterday(items, **kw):
    """A paid order whose invoice was issued the day before (past the cancellation window)."""
    order = pay(items, **kw)
    uow.commit_deferring()  # its after-commit send is dropped: the invoice waits
    sale = records.sale_invoice(order.id)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    assert queue.issue(sale.id, now=yesterday) == "issued"
    db.session.expire_all()
    return order, records.sale_invoice(order.id)


def _sent_returns(standin):
    return [r for r in standin.sent(SEND) if r.body["ArchiveInvoice"]["InvoiceInfo"]["InvoiceType"]
            == "IADE"]  # fmt: skip


def test_a_partial_refund_sends_an_iade_naming_the_original(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order = pay(basket, who=buyer(tax_id=TCKN))
    uow.commit()
    scarf = order.lines[0]
    refunds.create_refund(order, [(scarf.id, 1999)], reason="Defolu", method="cash")
    uow.commit()
    sale, ret = _invoices()
    assert (ret.purpose, ret.status, ret.original_id, ret.kind) == (
        "return",
        "issued",
        sale.id,
        "earsiv",
    )
    assert ret.number == standin.invoices[ret.uuid].number != sale.number
    (sent,) = _sent_returns(standin)
    info = sent.body["ArchiveInvoice"]["InvoiceInfo"]
    assert info["UUID"] == ret.uuid
    assert [r["InvoiceNumber"] for r in info["ReturnInvoiceInfo"]] == [sale.number]
    assert "InternetInfo" not in info  # a return is not an internet sale
    lines = sent.body["ArchiveInvoice"]["InvoiceLines"]
    assert [(ln["Name"], ln["Quantity"], str(ln["KDVTotal"])) for ln in lines] == [
        (scarf.title, 1, "3.33")  # 19,99 at 20 %: net 16,66, VAT 3,33
    ]
    assert standin.invoices[ret.uuid].payable == Decimal("19.99") and ret.gross_kurus == 1999
    assert queue.issue_pending(now=datetime.now(UTC) + timedelta(days=1)) == {}  # done, once
    assert sale.status == "issued" and not standin.invoices[sale.uuid].cancelled


def test_a_whole_refund_after_the_day_is_an_iade_not_a_cancellation(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order, sale = _issued_yesterday(basket)
    refunds.refund_order(order, reason="Vazgeçti", method="cash")
    uow.commit()
    _, ret = _invoices()
    assert (ret.purpose, ret.status, ret.gross_kurus) == ("return", "issued", sale.gross_kurus)
    assert ret.lines == sale.lines
    assert standin.sent("/earchive/Invoices/") == []  # no cancel call
    assert len(_sent_returns(standin)) == 1


def test_a_timeout_then_a_late_duplicate_answer_leaves_one_iade(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order, sale = _issued_yesterday(basket)
    standin.hang(3, after_store=True)  # Nilvera makes it and answers too late
    refunds.create_refund(order, [(order.lines[1].id, 1250)], method="cash")
    uow.commit()
    _, ret = _invoices()
    assert (ret.status, ret.error_code, ret.number) == ("pending", "timeout", None)
    made = standin.invoices[ret.uuid].number
    standin.hang(0)
    assert queue.issue_pending(now=datetime.now(UTC) + timedelta(minutes=2)) == {"issued": 1}
    _, ret = _invoices()
    assert (ret.status, ret.number, ret.error) == ("issued", made, None)
    # the second send met a 409 and found the first; Nilvera holds one return
    assert len(_sent_returns(standin)) == 2
    assert len(standin.invoices) == 2  # the sale and one return


def test_an_error_answer_fails_with_its_message_and_a_retry_sends_it(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order, sale = _issued_yesterday(basket)
    standin.fail(400, count=1)
    refunds.create_refund(order, [(order.lines[0].id, 1999)], method="cash")
    uow.commit()
    _, ret = _invoices()
    assert (ret.status, ret.error_code, ret.error) == ("failed", "rejected", "Sunucu hatası")
    assert ret.uuid not in standin.invoices
    queue.retry(ret.id)
    uow.commit()
    _, ret = _invoices()
    assert ret.status == "issued"
    assert ret.number == standin.invoices[ret.uuid].number


def test_a_return_waits_for_its_original(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    standin.fail(503, count=1)  # the sale's first send fails: it waits for its backoff
    order = pay(basket)
    uow.commit()
    refunds.create_refund(order, [(order.lines[0].id, 1999)], method="cash")
    uow.commit()
    sale, ret = _invoices()
    assert sale.status == "pending"
    assert (ret.status, ret.error_code) == ("pending", "waiting")
    assert ret.uuid not in standin.invoices
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert queue.issue_pending(now=later) == {"issued": 2}  # oldest first: the sale, then it
    sale, ret = _invoices()
    assert ret.status == "issued"
    info = standin.invoices[ret.uuid].model["InvoiceInfo"]
    assert info["ReturnInvoiceInfo"][0]["InvoiceNumber"] == sale.number


def test_a_companys_return_is_its_own_invoice_so_ours_is_a_record(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order, _ = _issued_yesterday(
        basket, who=buyer(company="Örnek A.Ş.", tax_office="Ulus", tax_id=COMPANY_VKN)
    )
    refunds.create_refund(order, [(order.lines[0].id, 1999)], method="cash")
    uow.commit()
    _, ret = _invoices()
    assert (ret.purpose, ret.status, ret.number) == ("return", "recorded", None)
    assert _sent_returns(standin) == []


@pytest.mark.postgres
def test_two_workers_at_once_send_each_return_once(nilvera_invoicing, basket, app):
    """Two queue runners on PostgreSQL racing over pending returns: each IADE is sent once."""
    import threading

    standin = nilvera_invoicing
    orders = []
    for _ in range(3):
        order, _sale = _issued_yesterday(basket)
        orders.append(order)
    for order in orders:
        refunds.create_refund(order, [(order.lines[0].id, 1999)], method="cash")
    uow.commit_deferring()  # the returns wait, pending, for the runners
    start = threading.Barrier(2)
    results: list[dict] = []

    def runner():
        with app.app_context():
            start.wait()
            results.append(queue.issue_pending())
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(r.get("issued", 0) for r in results) == 3
    assert len(_sent_returns(standin)) == 3
    returns = [i for i in _invoices() if i.purpose == "return"]
    assert [r.status for r in returns] == ["issued"] * 3
    assert len({r.number for r in returns}) == 3
