"""Withholding (stopaj) on payouts to members with an exemption certificate: computed in basis
points to the kuruş, posted in the payout's one ledger transaction to tax:withholding, paid
net by the bank file, reversed when the payment comes back; members' tax status rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction
from coopshop.money import round_half_up
from coopshop.services.books.ledger_check import check
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_export, payout_lines, withholding
from tests.services.test_payouts import OCT_END, SETTINGS, producer, sell
from tests.support.invoicing_support import TCKN
from tests.support.ledger_support import balances, entries_of

EXEMPT = tax_status.TaxStatus("exempt", TCKN, "MUAF-2026-114", date(2027, 6, 30))


@given(st.integers(1, 10**10), st.integers(0, 9999))
def test_withholding_is_the_rate_of_the_amount_to_the_kurus(amount, bp):
    kept = withholding.withholding(amount, bp)
    assert kept == round_half_up(amount * bp, 10_000)
    assert 0 <= kept <= amount
    assert abs(kept * 10_000 - amount * bp) <= 5_000  # within half a kuruş


@pytest.fixture
def exempt_member(app, monkeypatch):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)  # 2 %
    ayse = producer("Ayşe Yılmaz")
    tax_status.set_tax_status(ayse.id, EXEMPT, actor_id=None)
    db.session.commit()
    sell(ayse, price=120000)  # leaves her 85000
    sell(ayse, price=1199)  # and 849 more: 85849, 2 % = 1716.98 -> 1717
    return ayse


def test_a_payout_to_an_exempt_member_keeps_the_withholding_for_the_tax_office(exempt_member):
    ayse = exempt_member
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    (line,) = batch.lines
    assert (line.tax_status, line.amount_kurus, line.withholding_bp) == ("exempt", 85849, 200)
    assert (line.withholding_kurus, line.net_kurus) == (1717, 84132)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    txn = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "payout"))
    assert entries_of(txn) == [
        (f"producer:{ayse.id}", 85849, ayse.id),
        ("bank:payouts", -84132, None),
        ("tax:withholding", -1717, None),
    ]
    assert "stopaj %2: ₺17,17, gider pusulası" in txn.memo
    after = balances()
    assert after[f"producer:{ayse.id}"] == 0
    assert after["tax:withholding"] == -1717
    assert check() == []
    bank_file = payout_export.export_csv(batch.id, None).decode("utf-8-sig")
    assert ";841,32;" in bank_file and "858,49" not in bank_file


def test_a_payout_that_comes_back_gives_her_the_whole_amount_back(exempt_member):
    ayse = exempt_member
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    payout_lines.mark_line_failed(batch.lines[0].id, "IBAN kapalı", actor_id=None)
    db.session.commit()
    after = balances()
    assert after[f"producer:{ayse.id}"] == -85849  # hers again (liabilities are negative)
    assert after.get("tax:withholding", 0) == 0
    assert check() == []


def test_other_statuses_keep_nothing(app, monkeypatch):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    fatma = producer("Fatma Demir")
    tax_status.set_tax_status(fatma.id, tax_status.TaxStatus("sole_trader", "1234567890"), None)
    db.session.commit()
    sell(fatma)
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    (line,) = batch.lines
    assert (line.tax_status, line.withholding_kurus, line.net_kurus) == ("sole_trader", 0, 85000)


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (tax_status.TaxStatus("exempt", "", "X1", date(2027, 1, 1)), "tax_id"),
        (tax_status.TaxStatus("exempt", "1234567890", "X1", date(2027, 1, 1)), "tax_id"),
        (tax_status.TaxStatus("exempt", TCKN, "", None), "exemption_number"),
        (tax_status.TaxStatus("other", "12345"), "tax_id"),
        (tax_status.TaxStatus("boss"), "status"),
    ],
    ids=["exempt-no-tckn", "exempt-with-vkn", "no-certificate", "bad-number", "bad-status"],
)
def test_a_tax_status_needs_what_its_documents_need(app, new, field):
    ayse = producer("Ayşe Yılmaz")
    with pytest.raises(ValidationFailed) as refused:
        tax_status.set_tax_status(ayse.id, new, None)
    assert refused.value.details["field"] == field
