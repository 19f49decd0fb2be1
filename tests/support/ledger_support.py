"""Helpers for ledger tests: account balances and a transaction's entries as plain values."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select, text

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction


def balances() -> dict[str, int]:
    """Every account's balance by code (debit positive), in one grouped query."""
    rows = db.session.execute(
        select(Account.code, func.sum(LedgerEntry.amount_kurus))
        .join(LedgerEntry, LedgerEntry.account_id == Account.id)
        .group_by(Account.code)
    )
    return {code: int(total) for code, total in rows}


def entries_of(txn: LedgerTransaction) -> list[tuple[str, int, int | None]]:
    """(account code, amount, producer id) of a transaction's entries, in the order written."""
    rows = db.session.execute(
        select(Account.code, LedgerEntry.amount_kurus, LedgerEntry.producer_id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == txn.id)
        .order_by(LedgerEntry.id)
    )
    return [tuple(row) for row in rows]


def unbalanced_transaction_ids() -> list[int]:
    total = func.sum(LedgerEntry.amount_kurus)
    return list(
        db.session.scalars(
            select(LedgerEntry.transaction_id)
            .group_by(LedgerEntry.transaction_id)
            .having(total != 0)
        )
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def insert_raw_transaction(conn, txn_id: int, amounts: list[int]) -> None:
    """A ledger transaction written in raw SQL on ``conn``, around the service layer: leg i is
    amounts[i] on account coop:test<i> (created when missing). Not committed."""
    for number in range(1, len(amounts) + 1):
        code = f"coop:test{number}"
        known = conn.execute(text("SELECT 1 FROM ledger_accounts WHERE code = :c"), {"c": code})
        if known.first() is None:
            conn.execute(
                text("INSERT INTO ledger_accounts (code, kind) VALUES (:c, 'revenue')"),
                {"c": code},
            )
    conn.execute(
        text(
            "INSERT INTO ledger_transactions (id, kind, memo, created_at) "
            "VALUES (:id, 'adjustment', '', CURRENT_TIMESTAMP)"
        ),
        {"id": txn_id},
    )
    for number, amount in enumerate(amounts, start=1):
        conn.execute(
            text(
                "INSERT INTO ledger_entries (transaction_id, account_id, amount_kurus, created_at) "
                "SELECT :txn, id, :amount, CURRENT_TIMESTAMP FROM ledger_accounts WHERE code = :c"
            ),
            {"txn": txn_id, "amount": amount, "c": f"coop:test{number}"},
        )


@contextmanager
def zero_sum_check_off():
    """On PostgreSQL, write ledger entries that do not balance (what the ledger check exists to
    find: a database from before migration 0250, or SQLite). The deferred zero-sum trigger is
    switched off for the inserts made inside, in the session's transaction only; commit after."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(
            text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_zero_sum")
        )
    try:
        yield
    finally:
        if postgres:
            db.session.execute(
                text("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_zero_sum")
            )
