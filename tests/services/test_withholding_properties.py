"""Withholding on payouts, as a property over random payouts and rates (issue 17's money test):
for any members (exempt at a random rate, or not) with any earnings, each payout line keeps
its rate of the amount to the kuruş, the bank is sent the rest, the payout's transaction books
exactly that to tax:withholding, the ledger stays balanced (ledger check finds nothing) and her
statement adds up with it.

The database is reset per test, not per example: each example makes its own members, pays
them out in full and compares balances as deltas, as tests/services/test_ledger_properties does.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction
from coopshop.money import round_half_up
from coopshop.services.books import balances as member_balances
from coopshop.services.books.ledger_check import check
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.reports import statements
from coopshop.services.reports.dashboard import local_month
from tests.services.test_payouts import OCT_END, SETTINGS, producer, sell
from tests.support.invoicing_support import TCKN
from tests.support.ledger_support import balances, entries_of

member = st.tuples(
    st.booleans(),  # exempt (withholding) or another status (nothing kept)
    # her sales' prices: some below the payout minimum, most above it
    st.lists(st.integers(1, 20_000) | st.integers(15_000, 50_000_000), min_size=1, max_size=3),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.integers(0, 10_000), st.lists(member, min_size=1, max_size=3))
def test_withholding_to_the_kurus_with_the_ledger_balanced_and_the_statement_adding_up(
    app, rate_bp, members
):
    before = balances()
    app.config["WITHHOLDING_EXEMPT_BP"] = rate_bp
    try:
        people = []
        for exempt, prices in members:
            person = producer("Üye")
            if exempt:
                status = tax_status.TaxStatus("exempt", TCKN, "MUAF-1", date(2030, 6, 30))
                tax_status.set_tax_status(person.id, status, None)
            db.session.commit()
            for price in prices:
                sell(person, price=price)
            people.append((person, exempt))
        owed = {p.id: member_balances.balance(p.id).available for p, _ in people}
        batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
        if batch is not None:
            payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
            db.session.commit()
            for line in batch.lines:
                payout_lines.mark_line_paid(line.id, f"EFT-{line.id}", actor_id=None)
            db.session.commit()
    finally:
        app.config.pop("WITHHOLDING_EXEMPT_BP", None)

    paid_lines = batch.lines if batch is not None else []
    lines = {line.producer_id: line for line in paid_lines}
    kept_total = 0
    for person, exempt in people:
        amount = owed[person.id]
        if amount < SETTINGS.payout_minimum_kurus:
            assert person.id not in lines  # below the minimum: not paid, nothing kept
            continue
        line = lines[person.id]
        expected = round_half_up(amount * rate_bp, 10_000) if exempt else 0
        assert line.amount_kurus == amount
        assert line.withholding_kurus == expected
        assert line.net_kurus + line.withholding_kurus == amount
        kept_total += expected
        st_ = statements.statement(person.id, *local_month(line.batch.approved_at or OCT_END))
        assert st_.withheld == expected and st_.paid_to_bank == amount - expected
        assert st_.other == 0
        assert (
            st_.opening
            + st_.earned
            - st_.refunded
            - st_.paid_to_bank
            - st_.withheld
            - (st_.deductions + st_.fees)
            == st_.closing
        )
        assert sum(row.amount for row in st_.lines) == st_.closing - st_.opening
        assert member_balances.balance(person.id).balance == 0

    for line in paid_lines:  # each line's payout transaction books its withholding, no more
        txn = db.session.scalar(
            select(LedgerTransaction).where(
                LedgerTransaction.kind == "payout", LedgerTransaction.payout_line_id == line.id
            )
        )
        legs = entries_of(txn)
        assert sum(amount for _code, amount, _p in legs) == 0
        kept = sum(-amount for code, amount, _p in legs if code == "tax:withholding")
        assert kept == line.withholding_kurus
    after = balances()
    assert after.get("tax:withholding", 0) - before.get("tax:withholding", 0) == -kept_total
    sent = sum(line.net_kurus for line in paid_lines)
    assert after.get("bank:payouts", 0) - before.get("bank:payouts", 0) == -sent
    assert check() == []
