"""Invoices of paid orders through the queue: one per order, issued after commit, the kind
decided from the integrator's e-Fatura list, retried after failures, never issued twice, never
changed once issued; refunds answered with a cancellation, a return invoice or a record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from coopshop.db import db
from coopshop.models import Invoice, Order, OrderLine, OutboxMessage
from coopshop.services.core import uow
from coopshop.services.invoicing import queue, records
from coopshop.services.invoicing.settings import InvoicingSettings
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.invoicing_support import ALIAS, COMPANY_VKN, TCKN, buyer, pay


def _invoices() -> list[Invoice]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invoice).order_by(Invoice.id)))


@pytest.fixture
def basket(app):
    maker = ProducerFactory()
    scarf = ProductFactory(price_kurus=1999, vat_bp=2000, stock=50, makers=[(maker, 10000)])
    slippers = ProductFactory(price_kurus=4555, vat_bp=1000, makers=[(maker, 10000)])
    bowl = ProductFactory(price_kurus=1250, vat_bp=100, makers=[(maker, 10000)])
    db.session.commit()
    return [(scarf, 3), (slippers, 1), (bowl, 2)]


def test_invoicing_off_writes_no_invoice(app, basket):
    pay(basket)
    uow.commit()
    assert _invoices() == []


def test_a_paid_order_gets_one_invoice_issued_after_commit(local_invoicing, basket):
    order = pay(basket, shipping=True)
    (pending,) = _invoices()
    assert (pending.status, pending.number, pending.kind) == ("pending", None, None)
    uow.commit()  # the after-commit effect issues it
    (invoice,) = _invoices()
    assert invoice.status == "issued"
    assert invoice.kind == "earsiv"
    assert invoice.number.startswith("TST") and len(invoice.number) == 16
    assert invoice.gross_kurus == order.total_kurus
    assert invoice.buyer_tax_id == "11111111111"  # GİB's "nihai tüketici"
    (mail,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(invoice.number))
    )
    assert mail.to == order.buyer_email
    assert f"/orders/{order.number}/invoice?t=" in mail.body
    assert "yasal fatura değildir" in mail.body
    # a second run of the queue finds nothing to do
    assert queue.issue_pending() == {}
    assert records.create_for_order(order, InvoicingSettings(enabled=True)).id == invoice.id


def test_lines_and_vat_per_rate_come_from_the_order_to_the_kurus(local_invoicing, basket):
    order = pay(basket, shipping=True)
    uow.commit()
    (invoice,) = _invoices()
    # 3 x 19,99 at 20 %, 45,55 at 10 %, 2 x 12,50 at 1 %, shipping 75,00 at 20 %
    assert [ln[:5] for ln in invoice.lines] == [
        [order.lines[0].title, 3, 1999, 2000, 5997],
        [order.lines[1].title, 1, 4555, 1000, 4555],
        [order.lines[2].title, 2, 1250, 100, 2500],
        ["Kargo", 1, 7500, 2000, 7500],
    ]
    assert invoice.by_rate == [[100, 2475, 25], [1000, 4141, 414], [2000, 11248, 2249]]
    assert (invoice.net_kurus, invoice.vat_kurus) == (17864, 2688)
    assert invoice.net_kurus + invoice.vat_kurus == order.total_kurus == 20552


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 20), st.integers(0, 500_000), st.sampled_from([0, 100, 1000, 2000])
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(0, 20_000),
)
def test_invoice_totals_equal_the_order_totals_for_any_basket(lines, shipping):
    order = Order(shipping_kurus=shipping)
    order.lines = [
        OrderLine(title=f"ürün {i}", quantity=q, unit_price_kurus=p, gross_kurus=q * p, vat_bp=v)
        for i, (q, p, v) in enumerate(lines)
    ]
    total = sum(q * p for q, p, _ in lines) + shipping
    from coopshop.services.invoicing.interface import build_totals

    totals = build_totals(records.order_lines(order, InvoicingSettings()))
    assert totals.gross_kurus == total
    assert sum(n for _, n in totals.net_by_rate) + sum(v for _, v in totals.vat_by_rate) == total
    for bp in {v for *_, v in lines}:
        gross_at_rate = sum(q * p for q, p, v in lines if v == bp) + (shipping if bp == 2000 else 0)
        net = dict(totals.net_by_rate)[bp]
        vat = dict(totals.vat_by_rate)[bp]
        assert net + vat == gross_at_rate


def test_a_consumer_gets_an_earsiv_from_nilvera(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order = pay(basket, who=buyer(tax_id=TCKN))
    uow.commit()
    (invoice,) = _invoices()
    stored = standin.invoices[invoice.uuid]
    assert (invoice.status, invoice.kind, stored.kind) == ("issued", "earsiv", "earsiv")
    assert invoice.number == stored.number
    assert invoice.number.startswith("EAR") and len(invoice.number) == 16
    assert invoice.response["number"] == invoice.number
    assert stored.payable * 100 == order.total_kurus
    (sent,) = standin.sent("/earchive/Send/Model")
    assert sent.body["ArchiveInvoice"]["CustomerInfo"]["TaxNumber"] == TCKN
    # a TCKN is no company: the e-Fatura list is not asked
    assert standin.sent("/general/GlobalCompany") == []


def test_a_registered_vkn_gets_an_efatura_and_an_unregistered_one_an_earsiv(
    nilvera_invoicing, basket
):
    standin = nilvera_invoicing
    standin.efatura_users[COMPANY_VKN] = [ALIAS]
    company = buyer(company="Örnek Tekstil A.Ş.", tax_office="Ulus", tax_id=COMPANY_VKN)
    pay(basket, who=company)
    pay(basket, who=buyer(company="Küçük Atölye", tax_office="Ulus", tax_id="1234567904"))
    uow.commit()
    first, second = _invoices()
    assert (first.kind, first.status, first.buyer_name) == (
        "efatura",
        "issued",
        "Örnek Tekstil A.Ş.",
    )
    assert standin.sent("/einvoice/Send/Model")[0].body["CustomerAlias"] == ALIAS
    assert (second.kind, second.status) == ("earsiv", "issued")


def test_a_timeout_is_retried_later_and_the_late_invoice_is_found_not_doubled(
    nilvera_invoicing, basket
):
    standin = nilvera_invoicing
    standin.hang(3, after_store=True)  # Nilvera makes it, answers too late
    pay(basket)
    uow.commit()
    (invoice,) = _invoices()
    assert (invoice.status, invoice.error_code, invoice.attempts) == ("pending", "timeout", 1)
    assert invoice.next_attempt_at > datetime.now(UTC)
    standin.hang(0)
    assert queue.issue_pending() == {}  # not due yet (backoff)
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert queue.issue_pending(now=later) == {"issued": 1}
    (invoice,) = _invoices()
    assert invoice.status == "issued"
    assert invoice.number == standin.invoices[invoice.uuid].number
    assert len(standin.invoices) == 1
    assert invoice.error is None


def test_a_refusal_fails_with_the_message_and_an_admin_retry_issues_it(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    standin.efatura_users[COMPANY_VKN] = [ALIAS]
    standin.fail(503, count=1)
    pay(basket)
    uow.commit()
    (invoice,) = _invoices()
    assert (invoice.status, invoice.error_code, invoice.error) == (
        "pending",
        "unavailable",
        "Sunucu hatası",
    )
    # attempts used up: it waits for a person
    invoice.attempts = 8
    standin.fail(503, count=1)
    uow.commit()
    assert queue.issue(invoice.id, now=datetime.now(UTC) + timedelta(hours=1)) == "failed"
    queue.retry(invoice.id)
    uow.commit()  # the retry's after-commit effect sends it
    (invoice,) = _invoices()
    assert invoice.status == "issued"
    assert len(standin.invoices) == 1


def test_a_claim_is_taken_by_one_worker_only(local_invoicing, basket):
    pay(basket)
    (invoice,) = _invoices()
    now = datetime.now(UTC)
    assert queue.claim(invoice.id, now) is True
    assert queue.claim(invoice.id, now) is False  # held (its lease runs)
    assert queue.issue(invoice.id, now=now) == "skipped"
    # a crashed worker's lease runs out: another takes it over
    assert queue.claim(invoice.id, now + queue.LEASE + timedelta(seconds=1)) is True


def test_an_issued_invoice_cannot_be_changed_or_deleted(local_invoicing, basket):
    pay(basket)
    uow.commit()
    (invoice,) = _invoices()
    for statement in (
        "UPDATE invoices SET gross_kurus = gross_kurus + 1, net_kurus = net_kurus + 1",
        "UPDATE invoices SET status = 'pending'",
        "DELETE FROM invoices",
    ):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert _invoices()[0].status == "issued"


def test_amounts_are_fixed_even_before_issuing(local_invoicing, basket):
    pay(basket)
    db.session.flush()
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE invoices SET buyer_tax_id = '1234567890'"))
    db.session.rollback()


def test_a_whole_refund_on_the_day_cancels_the_earsiv(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    order = pay(basket)
    uow.commit()
    refunds.refund_order(order, reason="Vazgeçti", method="cash")
    uow.commit()
    sale, cancellation = _invoices()
    assert (cancellation.purpose, cancellation.original_id, cancellation.status) == (
        "cancellation",
        sale.id,
        "issued",
    )
    assert cancellation.gross_kurus == sale.gross_kurus
    assert standin.invoices[sale.uuid].cancelled
    assert sale.status == "issued"  # the invoice itself is never changed


def test_a_partial_refund_is_a_return_invoice_with_the_refunded_lines(local_invoicing, basket):
    order = pay(basket)
    uow.commit()
    scarf_line = order.lines[0]
    refunds.create_refund(order, [(scarf_line.id, 2 * 1999)], reason="Leke", method="cash")
    uow.commit()
    sale, ret = _invoices()
    assert (ret.purpose, ret.status, ret.original_id) == ("return", "issued", sale.id)
    assert ret.number.startswith("TST") and ret.number != sale.number
    assert [ln[:5] for ln in ret.lines] == [[scarf_line.title, 2, 1999, 2000, 3998]]
    assert ret.by_rate == [[2000, 3332, 666]]


def test_a_whole_refund_of_an_efatura_is_a_return_record(nilvera_invoicing, basket):
    standin = nilvera_invoicing
    standin.efatura_users[COMPANY_VKN] = [ALIAS]
    order = pay(basket, who=buyer(company="Örnek A.Ş.", tax_office="Ulus", tax_id=COMPANY_VKN))
    uow.commit()
    refunds.refund_order(order, method="cash")
    uow.commit()
    sale, ret = _invoices()
    assert (sale.kind, ret.purpose, ret.gross_kurus) == ("efatura", "return", sale.gross_kurus)
    assert standin.sent("/earchive/Invoices/") == []  # nothing cancelled


def test_a_refund_of_an_order_without_invoice_adds_no_document(app, basket, monkeypatch):
    order = pay(basket)
    uow.commit()
    monkeypatch.setitem(app.config, "INVOICING_ENABLED", True)
    refunds.refund_order(order, method="cash")
    uow.commit()
    assert _invoices() == []


@pytest.mark.parametrize(
    ("name", "always", "invoiced"),
    [("", False, 0), ("Ayşe Yılmaz", False, 1), ("", True, 1)],
    ids=["no-request", "asked-at-the-desk", "setting-always"],
)
def test_bazaar_sales_are_invoiced_when_asked_or_when_set(
    local_invoicing, basket, monkeypatch, name, always, invoiced
):
    monkeypatch.setitem(local_invoicing.config, "INVOICING_BAZAAR_ALWAYS", always)
    pay(basket, who=buyer(name=name, address_line="", il="", ilce=""), channel="bazaar",
        method="cash")  # fmt: skip
    uow.commit()
    assert db.session.scalar(select(func.count(Invoice.id))) == invoiced


@pytest.mark.postgres
def test_two_workers_at_once_issue_each_invoice_once(nilvera_invoicing, basket, app):
    """Two queue runners on PostgreSQL racing over the same rows: every invoice is sent once."""
    import threading

    standin = nilvera_invoicing
    for _ in range(4):
        pay(basket)
    db.session.commit()  # rows pending, nothing issued (no after-commit ran: plain commit)
    ids = [i.id for i in _invoices()]
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
    issued = sum(r.get("issued", 0) for r in results)
    assert issued == len(ids) == 4
    assert len(standin.invoices) == 4
    assert len(standin.sent("/earchive/Send/Model")) == 4
    assert all(i.status == "issued" for i in _invoices())


def test_the_cli_issues_what_is_pending(local_invoicing, basket):
    pay(basket)
    db.session.commit()  # committed without the unit of work: nothing issued yet
    runner = local_invoicing.test_cli_runner()
    result = runner.invoke(args=["invoices", "issue-pending"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "issued 1"
    assert runner.invoke(args=["invoices", "issue-pending"]).output.strip() == "nothing to issue"
    assert [i.status for i in _invoices()] == ["issued"]
