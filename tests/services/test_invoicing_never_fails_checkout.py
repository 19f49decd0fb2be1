"""Invoicing never fails checkout: when an order's lines and its paid total disagree (which
should never happen), the payment goes through and the invoice is recorded as failed, with the
reason, on the admin's failure list; it is never sent, and a retry is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Invoice, Order, OutboxJob
from coopshop.services.core import uow
from coopshop.services.core.errors import InvalidTransition
from coopshop.services.invoicing import queue, records
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.invoicing_support import pay


@pytest.fixture
def disagreeing(monkeypatch):
    """The invoice's lines lose the shipping line: their total is not the order's."""
    real = records.order_lines

    def without_shipping(order, settings=None, surcharge_kurus=0):
        return [
            ln for ln in real(order, settings, surcharge_kurus) if ln.name != records.SHIPPING_LINE
        ]

    monkeypatch.setattr(records, "order_lines", without_shipping)


def test_a_disagreeing_total_records_a_failed_invoice_and_the_order_is_paid(
    local_invoicing,
    disagreeing,
    client,
    login,
):
    maker = ProducerFactory()
    scarf = ProductFactory(price_kurus=1999, makers=[(maker, 10000)])
    order = pay([(scarf, 2)], shipping=True)  # no AssertionError inside the order.paid hook
    uow.commit()

    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    (invoice,) = db.session.scalars(select(Invoice))
    assert (invoice.status, invoice.error_code) == ("failed", "totals_mismatch")
    assert invoice.gross_kurus == 2 * 1999 != order.total_kurus
    assert f"paid {order.total_kurus} kuruş" in invoice.error
    assert invoice.number is None  # never sent
    jobs = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == queue.JOB)).all()
    assert jobs == []

    with pytest.raises(InvalidTransition):
        queue.retry(invoice.id)
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).status == "failed"

    from tests.support.factories import UserFactory

    login(UserFactory(role="admin"))
    page = client.get("/admin/invoices").get_data(as_text=True)
    assert "totals_mismatch" in page and order.number in page
