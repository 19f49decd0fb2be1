"""The monthly withholding report: one row per gider pusulası booked in the month, a negative
row for a payout that came back, totals equal to the month's tax:withholding movement, and a
streamed Turkish-Excel CSV with Turkish headers and decimal-comma amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coopshop.db import db
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.reports import withholding_report
from tests.services.test_payouts import IBAN_FATMA, OCT_END, SETTINGS, producer, sell
from tests.support.factories import UserFactory
from tests.support.invoicing_support import TCKN

NOV_5 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
NOV_20 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def november(app, monkeypatch):
    """Ayşe and Fatma (both exempt, 2 %) paid on 5 November; Fatma's payout came back on the
    20th; Zeynep (other status) paid too, not in the report."""
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    ayse = producer("Ayşe Yılmaz")
    fatma = producer("Fatma Demir", iban=IBAN_FATMA)
    zeynep = producer("Zeynep Kaya")
    for member, cert in ((ayse, "MUAF-1"), (fatma, "MUAF-2")):
        tax_status.set_tax_status(
            member.id, tax_status.TaxStatus("exempt", TCKN, cert, date(2027, 6, 30)), None
        )
    db.session.commit()
    sell(ayse, price=120000)  # 850,00 hers: 17,00 kept
    sell(fatma, price=60000)  # 425,00 hers: 8,50 kept, then given back
    sell(zeynep)
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS, now=NOV_5)
    line_of = {line.producer_id: line for line in batch.lines}
    payout_lines.mark_line_failed(line_of[fatma.id].id, "IBAN kapalı", actor_id=None, now=NOV_20)
    db.session.commit()
    return ayse, fatma, line_of


def test_rows_are_the_months_vouchers_and_add_up_to_the_ledger(november):
    ayse, fatma, line_of = november
    rows = list(withholding_report.rows(2026, 11))
    assert [(r.producer_id, r.returned) for r in rows] == [
        (ayse.id, False),
        (fatma.id, False),
        (fatma.id, True),
    ]
    hers, fatmas, back = rows
    assert (hers.voucher_number, hers.gross_kurus, hers.rate_bp) == (
        line_of[ayse.id].id,
        85000,
        200,
    )
    assert (hers.withholding_kurus, hers.net_kurus, hers.certificate) == (1700, 83300, "MUAF-1")
    assert back.gross_kurus == -fatmas.gross_kurus and back.net_kurus == -fatmas.net_kurus
    assert back.withholding_kurus == -fatmas.withholding_kurus != 0
    total = sum(r.withholding_kurus for r in rows)
    assert total == withholding_report.ledger_movement(2026, 11) == 1700
    assert all(r.gross_kurus == r.withholding_kurus + r.net_kurus for r in rows)
    assert list(withholding_report.rows(2026, 10)) == []
    assert list(withholding_report.rows(2026, 12)) == []


def test_the_csv_is_streamed_with_turkish_headers_and_decimal_commas(november):
    ayse, _, line_of = november
    chunks = list(withholding_report.csv_chunks(2026, 11))
    assert len(chunks) > 3  # one chunk per row: streamed, not built whole
    text = "".join(chunks)
    assert text.startswith("\ufeffTarih;Üye no;Üye;TCKN;Muafiyet belgesi;Gider pusulası no;")
    lines = text.split("\r\n")
    assert lines[1] == (
        f"05.11.2026;{ayse.id};Ayşe Yılmaz;{TCKN};MUAF-1;{line_of[ayse.id].id};"
        "850,00;2,00;17,00;833,00;"
    )
    assert lines[3].endswith(";Ödeme geri döndü")
    assert lines[5].startswith(";;Toplam;;;;850,00;;17,00;833,00")


def test_the_admin_page_and_its_csv(november, client, login):
    login(UserFactory(role="admin"))
    page = client.get("/admin/withholding/report?period=2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="withholding-total"><span class="money">₺17,00</span>' in html
    assert "Ödeme geri döndü" in html and "Defterdeki stopaj" not in html
    assert 'href="/admin/withholding/report.csv?period=2026-11"' in html
    csv = client.get("/admin/withholding/report.csv?period=2026-11")
    assert csv.is_streamed
    assert csv.headers["Content-Disposition"] == 'attachment; filename="stopaj-2026-11.csv"'
    assert "Ayşe Yılmaz" in csv.get_data(as_text=True)
    bad = client.get("/admin/withholding/report?period=2026-13")
    assert bad.status_code == 400 and "Ayı 2026-10 gibi yazın." in bad.get_data(as_text=True)
    assert client.get("/admin/withholding/report.csv?period=x").status_code == 302
