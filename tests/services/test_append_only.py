"""models.base.append_only: the one guard of the ledger and the audit log. Through the ORM an
UPDATE or DELETE is refused, whether by changing an object and flushing or by a bulk statement;
an INSERT goes through."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerEntry, LedgerTransaction
from coopshop.models.audit import AuditImmutableError
from coopshop.models.ledger import LedgerImmutableError
from coopshop.services.books import ledger
from coopshop.services.books.ledger import Leg
from coopshop.services.core import audit


def _an_entry():
    ledger.post("adjustment", [Leg("coop:adjustments", 700), Leg("fees:payment", -700)])
    db.session.commit()
    return db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).first()


def _a_transaction():
    txn = ledger.post("adjustment", [Leg("coop:adjustments", 700), Leg("fees:payment", -700)])
    db.session.commit()
    return txn


def _an_audit_event():
    row = audit.record(None, "payout.approved", reason="ilk")
    db.session.commit()
    return row


# kind: (make one committed row, its model, a column and a value to rewrite it with, the error
# the ORM raises, its message)
GUARDED = {
    "ledger entry": (
        _an_entry,
        LedgerEntry,
        ("amount_kurus", 1),
        LedgerImmutableError,
        "ledger rows are append-only; post a reversing transaction instead",
    ),
    "ledger transaction": (
        _a_transaction,
        LedgerTransaction,
        ("memo", "rewritten"),
        LedgerImmutableError,
        "ledger rows are append-only; post a reversing transaction instead",
    ),
    "audit event": (
        _an_audit_event,
        AuditEvent,
        ("action", "rewritten"),
        AuditImmutableError,
        "audit events are append-only",
    ),
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("kind", GUARDED)
def test_changing_a_row_and_flushing_is_refused(app, kind):
    make, model, (column, value), error, message = GUARDED[kind]
    row = make()
    before = getattr(row, column)
    setattr(row, column, value)
    with pytest.raises(error, match=message):
        db.session.flush()
    db.session.rollback()
    assert getattr(db.session.get(model, row.id), column) == before != value


@pytest.mark.parametrize("kind", GUARDED)
def test_deleting_a_row_and_flushing_is_refused(app, kind):
    make, model, _, error, message = GUARDED[kind]
    row = make()
    before = _count(model)
    db.session.delete(row)
    with pytest.raises(error, match=message):
        db.session.flush()
    db.session.rollback()
    assert _count(model) == before


@pytest.mark.parametrize("kind", GUARDED)
@pytest.mark.parametrize("build", ["orm update", "orm delete", "table update", "table delete"])
def test_bulk_statements_are_refused(app, kind, build):
    make, model, (column, value), error, message = GUARDED[kind]
    row = make()
    target = model if build.startswith("orm") else model.__table__
    statement = (
        update(target).values({column: value}) if build.endswith("update") else delete(target)
    )
    before = _count(model), getattr(row, column)
    with pytest.raises(error, match=message):
        db.session.execute(statement)
    db.session.rollback()
    assert (_count(model), getattr(db.session.get(model, row.id), column)) == before


def test_adding_rows_still_works(app):
    _an_entry()
    _an_audit_event()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
