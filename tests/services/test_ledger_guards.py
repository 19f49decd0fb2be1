"""The database's own guards on the ledger, written around the service layer: on PostgreSQL a
transaction whose entries do not sum to zero is refused at COMMIT (a deferred constraint trigger),
while a balanced one, even written leg by leg, commits."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction
from coopshop.services.books import ledger
from coopshop.services.books.ledger import Leg
from tests.support.ledger_support import insert_raw_transaction

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="SQLite has no deferred triggers")


def _ledger_totals() -> tuple[int, int]:
    """(number of entries, their sum) in the database."""
    count, total = db.session.execute(
        select(func.count(LedgerEntry.id), func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
    ).one()
    return count, total


@needs_postgres
def test_an_unbalanced_raw_transaction_is_refused_at_commit(app):
    with db.engine.connect() as conn:
        insert_raw_transaction(conn, 1, [1_000, -900])  # every INSERT is accepted ...
        with pytest.raises(IntegrityError, match="does not sum to zero"):
            conn.commit()  # ... the COMMIT is not, and nothing of it stays
        conn.rollback()
    assert _ledger_totals() == (0, 0)
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 0


@needs_postgres
def test_a_balanced_raw_transaction_commits_even_written_leg_by_leg(app):
    with db.engine.connect() as conn:
        insert_raw_transaction(conn, 1, [1_000, -900, -100])
        conn.commit()
    assert _ledger_totals() == (3, 0)


@needs_postgres
def test_a_stray_leg_added_to_a_posted_transaction_is_refused(app):
    txn = ledger.post("adjustment", [Leg("coop:adjustments", 700), Leg("fees:payment", -700)])
    db.session.commit()
    account_id = txn.entries[0].account_id
    db.session.execute(
        text(
            "INSERT INTO ledger_entries (transaction_id, account_id, amount_kurus, created_at) "
            "VALUES (:txn, :account, 50, CURRENT_TIMESTAMP)"
        ),
        {"txn": txn.id, "account": account_id},
    )
    with pytest.raises(IntegrityError, match=f"ledger transaction {txn.id} does not sum to zero"):
        db.session.commit()
    db.session.rollback()
    assert _ledger_totals() == (2, 0)


def test_postings_through_the_service_commit_on_every_database(app):
    ledger.post("adjustment", [Leg("coop:adjustments", 700), Leg("fees:payment", -700)])
    ledger.post("adjustment", [Leg("coop:adjustments", -250), Leg("fees:payment", 250)])
    db.session.commit()
    assert _ledger_totals() == (4, 0)
