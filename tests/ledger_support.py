"""Helpers for ledger tests: account balances and a transaction's entries as plain values."""

from __future__ import annotations

from sqlalchemy import func, select

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
