"""Ledger check (issue 16): each deduction against its document (joined into
ledger_check.CHECKS).

A deduction or correction on a member's balance is an 'adjustment' transaction: one producer's
account against coop:adjustments. Its document is the audit event written in the same unit of
work: ``member.deduction`` (services.books.deductions: the amount charged, on her profile) or
``statement_question.answered`` with a correction (services.members.questions: the amount
credited, her id). Every adjustment has exactly one such document of the same member and
amount, and every document has its adjustment, so a deleted, edited or invented deduction is
named. A reversal of an adjustment is its exact opposite (reversal_id in the audit trail).
Two grouped passes; no query per row.
"""

from __future__ import annotations

from sqlalchemy import Integer, and_, case, cast, func, or_, select

from coopshop.db import db
from coopshop.models import Account, AuditEvent, LedgerEntry, LedgerTransaction
from coopshop.services.books.ledger import ADJUSTMENTS
from coopshop.services.books.ledger_check import Violation, _tl

DEDUCTION = "member.deduction"
ANSWER = "statement_question.answered"


def _documents():
    """Per adjustment its documents say exist: transaction id, producer, amount charged."""
    event = AuditEvent
    deduction = event.action == DEDUCTION
    # one row per document first: PostgreSQL groups by a column, not by a JSON path twice
    each = (
        select(
            event.data["transaction_id"].as_integer().label("txn_id"),
            event.id.label("event_id"),
            case(
                (deduction, cast(event.object_id, Integer)),
                else_=event.data["producer_id"].as_integer(),
            ).label("producer_id"),
            case(
                (deduction, event.data["amount_kurus"].as_integer()),
                else_=-event.data["correction_kurus"].as_integer(),
            ).label("amount"),
        )
        .where(or_(deduction, event.action == ANSWER))
        .subquery("each_document")
    )
    return (
        select(
            each.c.txn_id,
            func.count().label("documents"),
            func.min(each.c.event_id).label("event_id"),
            func.min(each.c.producer_id).label("producer_id"),
            func.min(each.c.amount).label("amount"),
        )
        .where(each.c.txn_id.is_not(None))
        .group_by(each.c.txn_id)
        .subquery("documents")
    )


def _adjustments():
    """Per adjustment transaction: its producer (and how many), her leg, coop:adjustments'."""
    on_producer = LedgerEntry.producer_id.is_not(None)
    return (
        select(
            LedgerTransaction.id.label("txn_id"),
            func.count(func.distinct(LedgerEntry.producer_id)).label("producers"),
            func.min(LedgerEntry.producer_id).label("producer_id"),
            func.coalesce(
                func.sum(case((on_producer, LedgerEntry.amount_kurus), else_=0)), 0
            ).label("charged"),
            func.coalesce(
                func.sum(case((Account.code == ADJUSTMENTS, LedgerEntry.amount_kurus), else_=0)),
                0,
            ).label("income"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(LedgerTransaction.kind == "adjustment")
        .group_by(LedgerTransaction.id)
        .subquery("adjustments")
    )


def _problem(row) -> str | None:
    where = f"adjustment transaction #{row.txn_id}"
    if int(row.producers) != 1 or int(row.charged) != -int(row.income):
        return f"{where} is not one producer's account against {ADJUSTMENTS}"
    charge = f"charges producer {row.producer_id} {_tl(int(row.charged))}"
    if row.documents is None:
        return f"{where} {charge} but no deduction or answered question records it"
    if int(row.documents) != 1:
        return f"{where} {charge} and is recorded by {row.documents} documents"
    if row.doc_producer != row.producer_id or int(row.amount) != int(row.charged):
        return (
            f"{where} {charge}; its document (audit event #{row.event_id}) says producer "
            f"{row.doc_producer}, {_tl(int(row.amount))}"
        )
    return None


def deductions_match_documents() -> list[Violation]:
    """Each adjustment and its deduction or answered question, one to one, to the kuruş."""
    booked, documents = _adjustments(), _documents()
    rows = db.session.execute(
        select(
            booked,
            documents.c.documents,
            documents.c.event_id,
            documents.c.producer_id.label("doc_producer"),
            documents.c.amount,
        )
        .outerjoin(documents, documents.c.txn_id == booked.c.txn_id)
        .order_by(booked.c.txn_id)
    )
    violations = []
    for row in rows:
        problem = _problem(row)
        if problem:
            violations.append(
                Violation(
                    "deduction", problem, transaction_id=row.txn_id, producer_id=row.producer_id
                )
            )
    adjustment = LedgerTransaction
    for txn_id, event_id, producer_id, amount in db.session.execute(
        select(
            documents.c.txn_id, documents.c.event_id, documents.c.producer_id, documents.c.amount
        )  # fmt: skip
        .outerjoin(
            adjustment,
            and_(adjustment.id == documents.c.txn_id, adjustment.kind == "adjustment"),
        )
        .where(adjustment.id.is_(None))
        .order_by(documents.c.txn_id)
    ):
        violations.append(
            Violation(
                "deduction",
                f"a deduction of {_tl(int(amount))} for producer {producer_id} (audit event "
                f"#{event_id}) names adjustment transaction #{txn_id}, which is not in the ledger",
                producer_id=producer_id,
            )
        )
    return violations
