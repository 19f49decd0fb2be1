"""Deductions from a member's balance: materials the cooperative advanced, dues, corrections.

Each is a ledger adjustment (books.postings.post_adjustment) whose memo she reads on her
dashboard and statement; a mistaken one is undone by a reversing transaction, never an edit.
Both are audited against her profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction, ProducerProfile, User
from coopshop.services.books import ledger, postings
from coopshop.services.core import audit
from coopshop.services.core.errors import NotFound, ValidationFailed

DEDUCTION_KINDS = {
    "materials": _l("Malzeme avansı"),
    "dues": _l("Aidat"),
    "correction": _l("Düzeltme"),
}
MAX_REASON_LENGTH = 300


def _in_turkish(text) -> str:
    # The memo is part of the books and is stored once, in the cooperative's language.
    with force_locale("tr"):
        return str(text)


def record_deduction(
    producer_id: int,
    amount_kurus: int,
    kind: str,
    reason: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Charge ``amount_kurus`` to her account with a readable memo ("Aidat: 2025 yılı") and
    audit it. Takes effect on her available balance at once."""
    if kind not in DEDUCTION_KINDS:
        raise ValidationFailed(_l("Kesinti türünü seçin."), field="kind")
    if type(amount_kurus) is not int or amount_kurus <= 0:
        raise ValidationFailed(_l("Tutar sıfırdan büyük olmalı."), field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Bir açıklama yazın."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            _l("Açıklama en fazla %(n)d karakter olabilir.", n=MAX_REASON_LENGTH),
            field="reason",
        )
    profile = db.session.get(ProducerProfile, producer_id)
    if profile is None:
        raise NotFound(_l("Üye bulunamadı."))
    memo = f"{_in_turkish(DEDUCTION_KINDS[kind])}: {reason}"
    txn = postings.post_adjustment(producer_id, amount_kurus, memo, actor_id, now=now)
    audit.record(
        actor_id,
        "member.deduction",
        profile,
        transaction_id=txn.id,
        kind=kind,
        amount_kurus=amount_kurus,
        reason=reason,
    )
    return txn


def _her_adjustment(producer_id: int, transaction_id: int) -> LedgerTransaction:
    """Her adjustment by id; 404 for anything else (another member's, a sale, a payout)."""
    txn = db.session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.id == transaction_id,
            LedgerTransaction.kind == "adjustment",
            LedgerTransaction.entries.any(LedgerEntry.producer_id == producer_id),
        )
    )
    if txn is None:
        raise NotFound(_l("Kesinti bulunamadı."))
    return txn


def reverse_deduction(
    producer_id: int, transaction_id: int, actor_id: int | None, now: datetime | None = None
) -> LedgerTransaction:
    """Undo one of her deductions with the exact opposite transaction (once only: a second
    attempt raises LedgerError) and audit it."""
    original = _her_adjustment(producer_id, transaction_id)
    memo = _in_turkish(_l("Geri alındı: %(memo)s", memo=original.memo))
    reversal = ledger.reverse(original.id, actor_id, memo, now=now)
    audit.record(
        actor_id,
        "member.deduction_reversed",
        db.session.get(ProducerProfile, producer_id),
        transaction_id=original.id,
        reversal_id=reversal.id,
        memo=original.memo,
    )
    return reversal


@dataclass(frozen=True)
class Deduction:
    transaction_id: int
    created_at: datetime
    memo: str
    amount_kurus: int  # charged to her (a negative amount was a credit)
    created_by: str
    reversal_id: int | None
    reversed_at: datetime | None

    @property
    def reversed(self) -> bool:
        return self.reversal_id is not None


def deductions_of(producer_id: int, limit: int = 100) -> list[Deduction]:
    """Her adjustments, newest first, with who made them and whether they were reversed: one
    query."""
    txn = LedgerTransaction
    reversal = aliased(LedgerTransaction)
    charged = func.sum(LedgerEntry.amount_kurus)
    rows = db.session.execute(
        select(
            txn.id, txn.created_at, txn.memo, charged, User.name, reversal.id, reversal.created_at
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == txn.id)
        .outerjoin(User, User.id == txn.created_by_id)
        .outerjoin(reversal, and_(reversal.reverses_id == txn.id, reversal.kind == "reversal"))
        .where(txn.kind == "adjustment", LedgerEntry.producer_id == producer_id)
        .group_by(txn.id, txn.created_at, txn.memo, User.name, reversal.id, reversal.created_at)
        .order_by(txn.created_at.desc(), txn.id.desc())
        .limit(limit)
    )
    return [
        Deduction(
            transaction_id=tid,
            created_at=created_at,
            memo=memo,
            amount_kurus=int(amount),
            created_by=name or "",
            reversal_id=reversal_id,
            reversed_at=reversed_at,
        )
        for tid, created_at, memo, amount, name, reversal_id, reversed_at in rows
    ]
