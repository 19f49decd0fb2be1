"""The monthly VAT summary: vat:payable tied to the month's invoices, every difference named
(a sale with no invoice, an order booked before 0290, anything else), as a page and a CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from coopshop.db import db
from coopshop.money import vat_split
from coopshop.services.books import ledger
from coopshop.services.reports import vat_report
from coopshop.services.sales import refunds
from tests.support.factories import ProductFactory, UserFactory
from tests.support.invoicing_support import buyer, pay

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _month(local_invoicing):
    soap = ProductFactory(price_kurus=12000, vat_bp=1000, stock=20)
    scarf = ProductFactory(price_kurus=45000, vat_bp=2000, stock=20)
    db.session.flush()
    invoiced = pay([(soap, 2), (scarf, 1)], shipping=True, paid_at=MARCH)
    refunds.create_refund(invoiced, [(invoiced.lines[0].id, 5000)], shipping_kurus=1000,
                          now=MARCH.replace(day=20))  # fmt: skip
    local_invoicing.config["INVOICING_ENABLED"] = False  # a desk sale with no invoice
    desk = pay([(soap, 1)], channel="bazaar", method="cash", who=buyer(name=""), paid_at=MARCH)
    local_invoicing.config["INVOICING_ENABLED"] = True
    db.session.commit()
    return invoiced, desk


def test_the_month_ties_vat_payable_to_the_invoices(local_invoicing):
    invoiced, desk = _month(local_invoicing)
    s = vat_report.summary(2026, 3)
    assert s.ties
    [difference] = s.differences
    assert (difference.order_id, difference.kind) == (desk.id, "not_invoiced")
    assert difference.booked_kurus == vat_split(12000, 1000)[1]
    assert s.booked_kurus == s.invoiced_kurus + difference.booked_kurus
    assert s.unexplained_kurus == 0
    assert sum(vat for _, _, vat in s.invoiced_by_rate) == s.invoiced_kurus
    assert vat_report.summary(2026, 4).booked_kurus == 0


def test_an_unexplained_difference_is_listed_with_its_order(local_invoicing):
    invoiced, _ = _month(local_invoicing)
    ledger.post("adjustment", [ledger.Leg(ledger.VAT, -7), ledger.Leg(ledger.ADJUSTMENTS, 7)],
                order_id=invoiced.id, now=MARCH)  # fmt: skip
    db.session.commit()
    s = vat_report.summary(2026, 3)
    assert s.ties
    assert s.unexplained_kurus == 7
    assert [d.number for d in s.differences if d.kind == "unexplained"] == [invoiced.number]


def test_the_admin_page_and_csv(client, login, local_invoicing):
    invoiced, desk = _month(local_invoicing)
    login(UserFactory(role="admin"))
    page = client.get("/admin/vat?period=2026-03")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert desk.number in text and "Faturasız satış" in text
    assert "Açıklanmayan KDV farkı" not in text
    csv = client.get("/admin/vat.csv?period=2026-03")
    assert csv.status_code == 200
    assert csv.headers["Content-Disposition"].endswith('filename="kdv-2026-03.csv"')
    body = csv.get_data().decode("utf-8-sig")
    assert desk.number in body and "Faturalarda KDV" in body
    assert client.get("/admin/vat?period=mart").status_code == 400
