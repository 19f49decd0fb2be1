"""Her yearly income summary: month by month, and totals that tie to the ledger — her entries
by kind for the year, tax:withholding, bank:payouts and her balance at the year's two ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction
from coopshop.services.books import deductions
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.reports import income_summary
from coopshop.services.reports.dashboard import month_start
from coopshop.services.sales import refunds
from tests.services.test_payouts import OCT_10, OCT_END, SETTINGS, producer, sell
from tests.support.factories import UserFactory
from tests.support.invoicing_support import TCKN

MAR_3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
OCT_12 = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
NOV_5 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
NOV_7 = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def year(app, monkeypatch):
    """2026 for Ayşe (exempt, 2 %): a sale in March, two in October with a partial refund, a
    materials deduction, the October payout in November with its withholding."""
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    ayse = producer("Ayşe Yılmaz")
    tax_status.set_tax_status(
        ayse.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-5", date(2027, 6, 30)), None
    )
    db.session.commit()
    sell(ayse, price=30000, when=MAR_3)
    order = sell(ayse, price=120000, when=OCT_10)
    sell(ayse, price=1199, when=OCT_10)
    refunds.create_refund(order, [(order.lines[0].id, 20000)], method="cash", now=OCT_12)
    deductions.record_deduction(ayse.id, 2550, "materials", "Yün", actor_id=None, now=OCT_12)
    db.session.commit()
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS, now=NOV_5)
    payout_lines.mark_line_paid(batch.lines[0].id, "EFT-1", actor_id=None, now=NOV_7)
    db.session.commit()
    return ayse


def _her_total(producer_id, kinds, start, end) -> int:
    """What she is owed from entries of these kinds in [start, end), straight from the ledger."""
    return -int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerEntry.producer_id == producer_id,
                LedgerTransaction.kind.in_(kinds),
                LedgerEntry.created_at >= start,
                LedgerEntry.created_at < end,
            )
        )
    )


def _account_total(code, start, end) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(Account.code == code, LedgerEntry.created_at >= start,
                   LedgerEntry.created_at < end)
        )
    )  # fmt: skip


def test_the_year_ties_to_the_ledger(year):
    ayse = year
    s = income_summary.summary(ayse.id, 2026)
    start, end = month_start(2026, 1), month_start(2027, 1)
    t = s.totals
    assert t["earned"] == _her_total(ayse.id, ["sale"], start, end) == 21250 + 85000 + 849
    assert t["refunded"] == -_her_total(ayse.id, ["refund"], start, end) > 0
    assert t["deductions"] == -_her_total(ayse.id, ["adjustment"], start, end) == 2550
    assert t["paid_out"] == -_her_total(ayse.id, ["payout", "payout_failed"], start, end)
    assert t["withheld"] == -_account_total("tax:withholding", start, end) > 0
    assert t["paid_to_bank"] == -_account_total("bank:payouts", start, end)
    assert t["paid_out"] == t["paid_to_bank"] + t["withheld"]
    assert s.opening == 0
    assert s.closing == -_her_total(ayse.id, ["sale", "refund", "adjustment", "payout"], start, end)
    assert s.other == 0
    # the months: March's sale, October's sales, refund and deduction, November's payout
    by_month = {m.month.month: m for m in s.months}
    assert by_month[3].earned == 21250 and by_month[3].paid_out == 0
    assert by_month[10].earned == 85849 and by_month[10].deductions == 2550
    assert by_month[11].paid_out == t["paid_out"] and by_month[11].withheld == t["withheld"]
    assert sum(m.earned for m in s.months) == t["earned"]


def test_the_csv_has_each_month_the_total_and_the_balances(year):
    ayse = year
    s = income_summary.summary(ayse.id, 2026)
    text = income_summary.summary_csv(s)
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[0] == (
        "Ay;Kazanç;İadeler;Kesinti ve düzeltmeler;Ödeme işlem ücretleri;Stopaj;Bankaya ödenen;"
        "Toplam ödeme"
    )
    assert lines[3].startswith("03.2026;212,50;0,00;")
    assert lines[13].startswith("Toplam;")
    assert f"Kapanış bakiyesi;{s.closing // 100},{s.closing % 100:02d}" in text


def test_her_page_is_hers_and_the_admin_sees_any(year, client, login):
    ayse = year
    login(ayse.user)
    page = client.get("/producer/income/2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="total-earned"><span class="money">₺1.070,99</span>' in html
    assert (
        client.get("/producer/income/2026.csv")
        .headers["Content-Disposition"]
        .endswith('gelir-ozeti-2026.csv"')
    )
    assert client.get("/producer/income/1999").status_code == 404
    assert client.get("/producer/income/2999").status_code == 404
    assert client.get("/producer/income").status_code == 302
    other = producer("Fatma Demir")
    db.session.commit()
    client.post("/auth/logout")
    login(other.user)  # another member sees only her own (nothing), never Ayşe's
    theirs = client.get("/producer/income/2026").get_data(as_text=True)
    assert "₺1.070,99" not in theirs and "Ayşe" not in theirs
    client.post("/auth/logout")
    login(UserFactory(role="admin"))
    admin_page = client.get(f"/admin/members/{ayse.id}/income/2026").get_data(as_text=True)
    assert "₺1.070,99" in admin_page and "Ayşe Yılmaz" in admin_page
    assert client.get("/admin/members/99999/income/2026").status_code == 404
    assert "Toplam;" in client.get(f"/admin/members/{ayse.id}/income/2026.csv").get_data(
        as_text=True
    )
