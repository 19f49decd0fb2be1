"""One lock per member for every debit of her balance (design.md: "every debit of a member's
balance is serialized with the others for that member").

A refund, a deduction, a payout approval (and the closing that prepares it) and a payout
failure each take a row lock on the members' profile rows before they read or write her
balance, always in ascending id order, so two of them for the same members never deadlock and
the second one reads what the first one committed: an approval waiting behind a refund re-reads
her payable amount after it, and a refund waiting behind an approval sees the payout.

The lock is ``FOR NO KEY UPDATE``: it does not block a sale that only inserts rows pointing at
her profile (a foreign key takes ``FOR KEY SHARE``), only other debits and edits of the profile
row itself. SQLite has no row locks; there one writer at a time serializes everything anyway.
Taking a lock already held in the same transaction is harmless, so a service may lock up front
and the ledger lock again when it posts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import ProducerProfile
from coopshop.services.core.errors import NotFound

T = TypeVar("T")


def lock_members(producer_ids: Iterable[int | None]) -> list[int]:
    """Lock the profile rows of ``producer_ids`` (None and repeats ignored) until the end of the
    transaction, in ascending id order. Returns the ids that exist, in that order."""
    ids = sorted({pid for pid in producer_ids if pid is not None})
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(ProducerProfile.id)
            .where(ProducerProfile.id.in_(ids))
            .order_by(ProducerProfile.id)
            .with_for_update(key_share=True)
        )
    )


def lock_row(model: type[T], row_id: int, *options) -> T | None:
    """``model``'s row ``row_id`` with a row lock (PostgreSQL, ``FOR UPDATE``) until the end of the
    transaction, read afresh (what another transaction committed while this one waited), or None.
    ``options`` are loader options (``selectinload(...)``)."""
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)
        .options(*options)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_or_404(model: type[T], row_id: int, message, *options) -> T:
    """``lock_row``, raising NotFound(``message``) when there is no such row."""
    row = lock_row(model, row_id, *options)
    if row is None:
        raise NotFound(message)
    return row
