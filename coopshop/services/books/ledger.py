"""The only code that writes ledger rows: balanced, append-only transactions.

A posting is a list of legs that must sum to zero (debit positive, credit negative); nothing is
written when it does not. Mistakes are undone by a reversing transaction, never by an edit.
Sales are attributed per line to VAT, the cooperative's commission and each maker's share, with
the rates snapshotted on the order line (coopshop.money.allocate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    utcnow,
)
from coopshop.services.core import locks
from coopshop.services.core.errors import LedgerError, NotFound

CLEARING_BY_METHOD = {
    "stripe": "clearing:stripe",
    "iyzico": "clearing:iyzico",
    "demo": "clearing:demo",
    "bank_transfer": "clearing:bank",
    "cash": "clearing:cash",
    "card_terminal": "clearing:card",
}
VAT = "vat:payable"
COMMISSION = "coop:commission"
SHIPPING = "coop:shipping"
FEES = "fees:payment"
INSTALMENTS = "coop:instalments"  # what a shopper paid above the price for taksit
ADJUSTMENTS = "coop:adjustments"
OVER_SHORT = "cash:over_short"
PAYOUTS = "bank:payouts"
WITHHOLDING = "tax:withholding"

# The kind of an account follows from the first part of its code.
_KIND_BY_PREFIX = {
    "clearing": "asset",
    "bank": "asset",
    "producer": "liability",
    "vat": "liability",
    "tax": "liability",  # tax:withholding, the stopaj kept from payouts for the tax office
    "coop": "revenue",
    "fees": "expense",
    "cash": "expense",
}
# A sale or refund has documents (order, refund lines) that must keep agreeing with the ledger:
# a sale is undone by a refund, not a reversal. A reversal is undone by posting anew. An
# availability move follows a delivery or a withdrawal request: it is moved again, not reversed.
_NOT_REVERSIBLE = {"sale", "refund", "reversal", "availability"}


@dataclass(frozen=True)
class Leg:
    """One side of a posting before it is written: an account code and a signed amount."""

    account: str
    amount_kurus: int
    producer_id: int | None = None
    order_line_id: int | None = None
    available_at: datetime | None = None


def producer_account_code(producer_id: int) -> str:
    return f"producer:{producer_id}"


def to_member(amount):
    """A member's ledger amount as she reads it: her account is a liability, so a credit (what
    she is owed, negative in the books) is shown positive and a debit negative. Works on an int
    and on a SQL column alike; the templates have it as the ``to_member`` filter."""
    return -amount


def clearing_account_code(payment_method: str) -> str:
    try:
        return CLEARING_BY_METHOD[payment_method]
    except KeyError:
        raise LedgerError(
            _l("Bilinmeyen ödeme yöntemi: %(method)s", method=payment_method)
        ) from None


def account_kind(code: str) -> str:
    kind = _KIND_BY_PREFIX.get(code.partition(":")[0])
    if kind is None or not code.partition(":")[2]:
        raise LedgerError(_l("Bilinmeyen hesap: %(code)s", code=code))
    return kind


def _producer_id_of(code: str) -> int | None:
    prefix, _, rest = code.partition(":")
    if prefix != "producer":
        return None
    if not rest.isdigit():
        raise LedgerError(_l("Bilinmeyen hesap: %(code)s", code=code))
    return int(rest)


def get_accounts(codes: Iterable[str]) -> dict[str, Account]:
    """The accounts for ``codes``, creating the missing ones (race-safe: INSERT .. ON CONFLICT)."""
    wanted = set(codes)
    found = {a.code: a for a in db.session.scalars(select(Account).where(Account.code.in_(wanted)))}
    missing = sorted(wanted - found.keys())
    if missing:
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        rows = [
            {"code": code, "kind": account_kind(code), "producer_id": _producer_id_of(code)}
            for code in missing
        ]
        db.session.execute(insert(Account).values(rows).on_conflict_do_nothing())
        found.update(
            (a.code, a)
            for a in db.session.scalars(select(Account).where(Account.code.in_(missing)))
        )
    return found


def get_account(code: str) -> Account:
    return get_accounts([code])[code]


# An availability move debits and credits the same member by the same amount (only the date
# changes, and only of money still pending), so it takes no member lock.
_NOT_A_DEBIT = frozenset({"availability"})


# Long on purpose: every check comes before the one write, in one place.
def post(
    kind: str,
    legs: Sequence[Leg],
    *,
    memo: str = "",
    order_id: int | None = None,
    refund_id: int | None = None,
    payment_id: int | None = None,
    payout_line_id: int | None = None,
    cash_session_id: int | None = None,
    reverses_id: int | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
    allow_empty: bool = False,
) -> LedgerTransaction:
    """Write one transaction whose legs sum to zero, or raise LedgerError and write nothing.

    Legs of zero are left out (the database refuses zero entries). Legs on a producer account
    carry that producer's id whether or not the caller gave it.
    """
    for leg in legs:
        if type(leg.amount_kurus) is not int:
            raise LedgerError(_l("Tutarlar kuruş olarak tam sayı olmalı."))
    total = sum(leg.amount_kurus for leg in legs)
    if total != 0:
        raise LedgerError(
            _l("Kayıtların toplamı sıfır değil (%(total)d kuruş).", total=total),
            total=total,
        )
    legs = [leg for leg in legs if leg.amount_kurus != 0]
    if not legs and not allow_empty:
        raise LedgerError(_l("Boş bir kayıt işlenemez."))
    for leg in legs:
        owner = _producer_id_of(leg.account)
        if leg.producer_id is not None and leg.producer_id != owner:
            raise LedgerError(
                _l("Üretici kaydı yanlış hesaba yazılıyor: %(code)s", code=leg.account)
            )

    if kind not in _NOT_A_DEBIT:
        # Every debit of a member's balance waits for the others (services.core.locks); a
        # service that read her balance first has taken the lock already.
        locks.lock_members(_producer_id_of(leg.account) for leg in legs if leg.amount_kurus > 0)
    now = now or utcnow()
    accounts = get_accounts(leg.account for leg in legs)
    txn = LedgerTransaction(
        kind=kind,
        memo=memo,
        order_id=order_id,
        refund_id=refund_id,
        payment_id=payment_id,
        payout_line_id=payout_line_id,
        cash_session_id=cash_session_id,
        reverses_id=reverses_id,
        created_by_id=actor_id,
        created_at=now,
    )
    db.session.add(txn)
    for leg in legs:
        txn.entries.append(
            LedgerEntry(
                account_id=accounts[leg.account].id,
                amount_kurus=leg.amount_kurus,
                producer_id=_producer_id_of(leg.account),
                order_line_id=leg.order_line_id,
                available_at=leg.available_at,
                created_at=now,
            )
        )
    db.session.flush()
    if kind in report_rollups.KINDS:
        report_rollups.add_transaction(txn.id)  # the reports' cache, in this transaction
    return txn


def reverse(
    transaction_id: int, actor_id: int | None, memo: str, now: datetime | None = None
) -> LedgerTransaction:
    """Post the exact opposite of a transaction (kind 'reversal', reverses_id set).

    A transaction is reversed at most once. Sales and refunds are undone with a refund, and a
    reversal by posting anew, so their documents keep agreeing with the ledger.
    """
    original = db.session.scalar(
        select(LedgerTransaction)
        .where(LedgerTransaction.id == transaction_id)
        .options(selectinload(LedgerTransaction.entries).selectinload(LedgerEntry.account))
    )
    if original is None:
        raise NotFound(_l("Kayıt bulunamadı."))
    if original.kind in _NOT_REVERSIBLE:
        raise LedgerError(
            _l("Bu tür kayıt ters kayıtla geri alınamaz: %(kind)s", kind=original.kind),
            transaction_id=transaction_id,
        )
    if db.session.scalar(select(exists().where(LedgerTransaction.reverses_id == transaction_id))):
        raise LedgerError(
            _l("Kayıt %(id)d zaten ters kayıtla geri alınmış.", id=transaction_id),
            transaction_id=transaction_id,
        )
    legs = [
        Leg(
            e.account.code,
            -e.amount_kurus,
            producer_id=e.producer_id,
            order_line_id=e.order_line_id,
            available_at=e.available_at,
        )
        for e in original.entries
    ]
    return post(
        "reversal",
        legs,
        memo=memo or f"Ters kayıt #{transaction_id}",
        order_id=original.order_id,
        refund_id=original.refund_id,
        payment_id=original.payment_id,
        payout_line_id=original.payout_line_id,
        cash_session_id=original.cash_session_id,
        reverses_id=transaction_id,
        actor_id=actor_id,
        now=now,
    )


# The reports' rollups read this module's account codes; imported last (it imports them).
from coopshop.services.books import report_rollups  # noqa: E402
