"""Her statement with a withholding: the payout's line names it with its rate and its reason,
the summary splits what the bank sent from what was kept for the tax office, and the statement
still adds up to the ledger's balance, to the kuruş (also when the payout comes back)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerEntry
from coopshop.services.books import balances
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.reports import statements
from coopshop.services.reports.dashboard import local_month
from tests.services.test_payouts import OCT_END, SETTINGS, producer, sell
from tests.support.invoicing_support import TCKN


@pytest.fixture
def paid(app, monkeypatch):
    """Ayşe (exempt, 2 %) sold twice in October and was paid: 858,49, 17,17 kept."""
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    ayse = producer("Ayşe Yılmaz")
    tax_status.set_tax_status(
        ayse.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-9", date(2027, 6, 30)), None
    )
    db.session.commit()
    sell(ayse, price=120000)
    sell(ayse, price=1199)
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    return ayse, batch


def _payout_month(ayse):
    created = db.session.scalar(
        select(LedgerEntry.created_at)
        .where(LedgerEntry.producer_id == ayse.id)
        .order_by(LedgerEntry.id.desc())
    )
    return local_month(created)


def _adds_up(st):
    assert st.other == 0
    assert (
        st.opening + st.earned - st.refunded - st.paid_to_bank - st.withheld - st.deductions
        - st.fees == st.closing
    )  # fmt: skip
    assert sum(line.amount for line in st.lines) == st.closing - st.opening


def test_the_statement_shows_the_withholding_and_adds_up(paid):
    ayse, _ = paid
    st = statements.statement(ayse.id, *_payout_month(ayse))
    assert (st.paid_out, st.withheld, st.paid_to_bank) == (85849, 1717, 84132)
    _adds_up(st)
    assert st.closing == balances.balance(ayse.id).balance == 0
    (payout_line,) = [line for line in st.lines if line.kind == "payout"]
    assert payout_line.amount == -85849
    assert "stopaj %2: ₺17,17, gider pusulası" in payout_line.memo
    rows = dict(statements.summary_rows(st))
    assert rows["Ödemeler (bankaya)"] == -84132
    assert rows["Stopaj (muafiyet belgesi: gider pusulası ile vergi dairesine)"] == -1717
    assert sum(v for k, v in rows.items() if k != "Kapanış bakiyesi") == rows["Kapanış bakiyesi"]
    csv = statements.statement_csv(st)
    assert "Stopaj (muafiyet belgesi" in csv and "-17,17" in csv and "-841,32" in csv


def test_a_payout_that_comes_back_nets_its_withholding_out(paid):
    ayse, batch = paid
    payout_lines.mark_line_failed(batch.lines[0].id, "IBAN kapalı", actor_id=None)
    db.session.commit()
    st = statements.statement(ayse.id, *_payout_month(ayse))
    assert (st.paid_out, st.withheld) == (0, 0)
    _adds_up(st)
    assert st.closing == balances.balance(ayse.id).balance == 85849


def test_her_statement_page_shows_it(paid, client, login):
    ayse, _ = paid
    login(ayse.user)
    year, month = _payout_month(ayse)
    page = client.get(f"/producer/statements/{year:04d}-{month:02d}").get_data(as_text=True)
    assert 'data-testid="withheld"><span class="money">₺17,17</span>' in page
    assert 'data-testid="paid-out"><span class="money">₺841,32</span>' in page
    assert "gider pusulası ile vergi dairesine" in page
