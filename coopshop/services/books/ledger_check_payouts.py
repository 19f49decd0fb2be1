"""Ledger check (issue 16): each payout transaction against its payout line, the document the
bank pays from (joined into ledger_check.CHECKS).

- A line of an approved or paid batch has exactly one 'payout' transaction, which takes the
  line's amount from the line's producer; a line of a draft or cancelled batch has none.
- A failed line has exactly one 'payout_failed' transaction giving the same amount back; a line
  that did not fail has none.
- No payout or payout_failed transaction without a payout line.

So a deleted payout transaction (a new batch would pay her again what the bank already paid)
and a line raised after approval (the bank file pays more than the ledger took) are both named.
Two grouped passes, one over the payout transactions, one over the lines; no query per row.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction, PayoutBatch, PayoutLine
from coopshop.services.books.ledger_check import Violation, _tl

POSTED_BATCHES = ("approved", "paid")


def _posted():
    """Per payout line: how many payout and payout_failed transactions it has, and what they
    take from (payout) and give back to (payout_failed) each producer's account, one GROUP BY."""
    txn = LedgerTransaction

    def of(kind, value):
        return func.coalesce(func.sum(case((txn.kind == kind, value), else_=0)), 0)

    def count(kind):  # transactions, however many entries each has
        return func.count(func.distinct(case((txn.kind == kind, txn.id), else_=None)))

    on_producer = LedgerEntry.producer_id.is_not(None)
    amount = case((on_producer, LedgerEntry.amount_kurus), else_=0)
    return (
        select(
            txn.payout_line_id.label("line_id"),
            count("payout").label("payouts"),
            count("payout_failed").label("failures"),
            of("payout", amount).label("taken"),
            of("payout_failed", -amount).label("returned"),
            func.min(LedgerEntry.producer_id).label("low_producer"),
            func.max(LedgerEntry.producer_id).label("high_producer"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == txn.id)
        .where(txn.kind.in_(("payout", "payout_failed")), txn.payout_line_id.is_not(None))
        .group_by(txn.payout_line_id)
        .subquery("posted")
    )


def _line_problem(line, posted) -> str | None:
    """What is wrong with one line's transactions, or None."""
    number = f"payout line #{line.id} (batch #{line.batch_id}, producer {line.producer_id})"
    payouts, failures = int(posted.payouts or 0), int(posted.failures or 0)
    if line.batch_status not in POSTED_BATCHES:
        if payouts or failures:
            return f"{number} is in a {line.batch_status} batch but has a payout transaction"
        return None
    if payouts != 1:
        return (
            f"{number} of {_tl(line.amount_kurus)} is {line.status} in an approved batch but "
            f"has {payouts} payout transaction(s)"
        )
    if posted.low_producer != line.producer_id or posted.high_producer != line.producer_id:
        return f"{number}: its payout transaction moves another producer's money"
    if int(posted.taken) != line.amount_kurus:
        return (
            f"{number}: the line pays {_tl(line.amount_kurus)}, its payout transaction took "
            f"{_tl(int(posted.taken))} from her balance"
        )
    expected_failures = 1 if line.status == "failed" else 0
    if failures != expected_failures:
        return f"{number} is {line.status} but has {failures} payout_failed transaction(s)" + (
            " (its money was never given back)" if expected_failures else ""
        )
    if failures and int(posted.returned) != line.amount_kurus:
        return (
            f"{number} failed: {_tl(line.amount_kurus)} should come back, its payout_failed "
            f"transaction gave back {_tl(int(posted.returned))}"
        )
    return None


def payouts_match_lines() -> list[Violation]:
    """Each payout line and its transactions, one to one and to the kuruş."""
    posted = _posted()
    line = PayoutLine
    rows = db.session.execute(
        select(
            line.id,
            line.batch_id,
            line.producer_id,
            line.amount_kurus,
            line.status,
            PayoutBatch.status.label("batch_status"),
            posted.c.payouts,
            posted.c.failures,
            posted.c.taken,
            posted.c.returned,
            posted.c.low_producer,
            posted.c.high_producer,
        )
        .join(PayoutBatch, PayoutBatch.id == line.batch_id)
        .outerjoin(posted, posted.c.line_id == line.id)
        .order_by(line.id)
        .execution_options(yield_per=5000)
    )
    violations = []
    for row in rows:
        problem = _line_problem(row, row)
        if problem:
            violations.append(Violation("payout_line", problem, producer_id=row.producer_id))
    return violations + _without_a_line()


def _without_a_line() -> list[Violation]:
    """Payout transactions whose payout line is missing."""
    txn = LedgerTransaction
    rows = db.session.execute(
        select(txn.id, txn.kind, txn.payout_line_id)
        .outerjoin(PayoutLine, PayoutLine.id == txn.payout_line_id)
        .where(txn.kind.in_(("payout", "payout_failed")), PayoutLine.id.is_(None))
        .order_by(txn.id)
    )
    return [
        Violation(
            "payout_line",
            f"{kind} transaction #{tid} has no payout line"
            + (f" (line #{line_id} does not exist)" if line_id else ""),
            transaction_id=tid,
        )
        for tid, kind, line_id in rows
    ]
