"""Three-way reconciliation with the bank: the cooperative's statement against our documents.

Each imported line (services.payouts.bank_files reads the file) is matched once, when imported:

- money in naming an order number (2611-ABC234) → that bank-transfer order, same amount, paid;
- money in from a card provider (STRIPE, İYZİCO in the text) → that provider's settlement
  (services.payouts.settlements: a Stripe payout, an iyzico day's payout) of the same amount
  within a few days of its arrival; a settlement near in date but of another amount is
  ``different``; with no settlement recorded near it, the line may not exceed what the
  provider's clearing account holds less what earlier statements already banked;
- money in naming a cash desk (KASA 12, KASA #12) → that closed bazaar cash session, for the
  cash it took in (counted − opening float);
- money out naming a payout line (our bank file's "... ödeme 2026-10 #12", or the bank
  reference an admin recorded on the line) → that payout line, for what the bank was to send
  (amount − withholding), in an approved batch, not failed.

A line that finds its document and agrees is ``matched``; one that finds it but differs is
``different`` with a ``problem`` code and the document's amount; one that finds nothing is
``unmatched``. An admin can match any line by hand with a reason (``manual``, audited).
``missing`` lists the other side: documents with no line in the bank over the same days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    Account,
    BankStatement,
    BankStatementLine,
    CashSession,
    LedgerEntry,
    Order,
    PayoutLine,
    utcnow,
)
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict
from coopshop.services.payouts import bank_files, settlements
from coopshop.turkish import search_fold

PROBLEMS = {
    "amount": _l("Tutar farklı"),
    "not_confirmed": _l("Para geldi ama sipariş hâlâ havale bekliyor"),
    "order_closed": _l("Sipariş iptal edilmiş ya da süresi dolmuş"),
    "not_a_transfer": _l("Sipariş havale ile ödenmemiş"),
    "duplicate": _l("Bu belge başka bir banka satırıyla zaten eşleşti"),
    "not_approved": _l("Ödeme listesi onaylanmamış"),
    "line_failed": _l("Ödeme satırı başarısız olarak işaretli"),
    "session_open": _l("Kasa henüz kapanmamış"),
    "exceeds_clearing": _l("Sağlayıcıda bekleyen tutardan fazla"),
    "no_reference": _l("Açıklamada sipariş, ödeme ya da kasa numarası yok"),
    "settlement_amount": _l("Sağlayıcının aktarım kaydındaki tutardan farklı"),
}
_ORDER = re.compile(r"\b(\d{4})[- ]?([2-9A-HJ-NP-Z]{6})\b")
_PAYOUT = re.compile(r"#\s?(\d{1,9})\b")
_CASH = re.compile(r"\bKASA\s*(?:NO\s*)?#?\s*(\d{1,9})\b")
_PROVIDERS = {"stripe": ("STRIPE",), "iyzico": ("IYZICO", "IYZI ODEME", "IYZIPAY")}


@dataclass(frozen=True)
class ImportResult:
    statement: BankStatement
    added: int
    skipped: int  # lines an earlier, overlapping statement already brought


def _fingerprint(account: str, movement: bank_files.Movement, occurrence: int) -> str:
    key = "|".join(
        (
            account,
            movement.booked_on.isoformat(),
            str(movement.amount_kurus),
            movement.reference,
            movement.description,
            str(occurrence),
        )
    )
    return bank_files.digest(key.encode("utf-8"))


def _fingerprints(parsed) -> list[str]:
    """Each movement's fingerprint: the same movement twice in one day counts as two."""
    seen: dict[tuple, int] = {}
    prints = []
    for movement in parsed.movements:
        key = (movement.booked_on, movement.amount_kurus, movement.reference, movement.description)
        seen[key] = seen.get(key, 0) + 1
        prints.append(_fingerprint(parsed.account, movement, seen[key]))
    return prints


def import_statement(
    data: bytes, bank: str, filename: str, actor_id: int | None, now: datetime | None = None
) -> ImportResult:
    """Read a statement file, keep its new lines and match each one. The same file twice is a
    Conflict; a line already brought by an overlapping statement is skipped."""
    now = now or utcnow()
    file_digest = bank_files.digest(data)
    if db.session.scalar(select(BankStatement.id).where(BankStatement.digest == file_digest)):
        raise Conflict(_l("Bu ekstre zaten yüklenmiş."), field="file")
    parsed = bank_files.read(data, bank)
    statement = BankStatement(
        bank=bank,
        account=parsed.account,
        filename=(filename or "")[:200],
        digest=file_digest,
        first_day=parsed.first_day,
        last_day=parsed.last_day,
        opening_kurus=parsed.opening_kurus,
        closing_kurus=parsed.closing_kurus,
        imported_by_id=actor_id,
        imported_at=now,
    )
    db.session.add(statement)
    _flush_or_conflict()
    prints = _fingerprints(parsed)
    known = set(
        db.session.scalars(
            select(BankStatementLine.fingerprint).where(BankStatementLine.fingerprint.in_(prints))
        )
    )
    lines = [
        BankStatementLine(
            statement=statement,
            position=position,
            fingerprint=fingerprint,
            booked_on=m.booked_on,
            amount_kurus=m.amount_kurus,
            reference=m.reference,
            counterparty=m.counterparty,
            description=m.description,
        )
        for position, (m, fingerprint) in enumerate(zip(parsed.movements, prints, strict=True), 1)
        if fingerprint not in known
    ]
    db.session.add_all(lines)
    _flush_or_conflict()
    match_lines(lines)
    audit.record(
        actor_id,
        "bank.statement_imported",
        statement,
        bank=bank,
        lines=len(lines),
        skipped=len(prints) - len(lines),
    )
    return ImportResult(statement, len(lines), len(prints) - len(lines))


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # The same file (or a line of it) imported at the same moment by another admin.
        raise Conflict(_l("Bu ekstre zaten yüklenmiş."), field="file") from None


def _text(line: BankStatementLine) -> str:
    return search_fold(f"{line.reference} {line.counterparty} {line.description}").upper()


def _provider(text: str) -> str | None:
    return next((p for p, words in _PROVIDERS.items() if any(w in text for w in words)), None)


def _set(line, status, kind=None, problem="", expected=None, **target) -> None:
    line.status, line.match_kind, line.problem, line.expected_kurus = (
        status,
        kind,
        problem,
        expected,
    )
    for name in ("order_id", "payout_line_id", "cash_session_id", "provider", "settlement_id"):
        setattr(line, name, target.get(name))


def match_lines(lines: list[BankStatementLine]) -> None:
    """Match each line to its document (see the module docstring), in batched queries."""
    texts = {line.id: _text(line) for line in lines}
    numbers = {f"{a}-{b}" for t in texts.values() for a, b in _ORDER.findall(t)}
    orders = {
        o.number: o for o in db.session.scalars(select(Order).where(Order.number.in_(numbers)))
    }
    payout_ids = {
        int(n) for line in lines if line.amount_kurus < 0 for n in _PAYOUT.findall(texts[line.id])
    }
    references = {line.reference for line in lines if line.amount_kurus < 0 and line.reference}
    payouts = list(
        db.session.scalars(
            select(PayoutLine)
            .where(PayoutLine.id.in_(payout_ids) | PayoutLine.bank_reference.in_(references))
            .options(selectinload(PayoutLine.batch))  # each line's batch status, one query
        )
    )
    cash_ids = {int(n) for t in texts.values() for n in _CASH.findall(t)}
    sessions = {
        s.id: s for s in db.session.scalars(select(CashSession).where(CashSession.id.in_(cash_ids)))
    }
    taken = _already_matched()
    left_at_provider = {p: at_provider(p) for p in _PROVIDERS}
    pool = settlements.candidates([ln for ln in lines if ln.amount_kurus > 0])
    for line in sorted(lines, key=lambda ln: (ln.booked_on, ln.position)):
        text = texts[line.id]
        if line.amount_kurus < 0:
            by_ref = next(
                (p for p in payouts if line.reference and p.bank_reference == line.reference), None
            )
            by_id = next((p for p in payouts if str(p.id) in _PAYOUT.findall(text)), None)
            _match_payout(line, by_ref or by_id, taken)
            continue
        number = next((f"{a}-{b}" for a, b in _ORDER.findall(text) if f"{a}-{b}" in orders), None)
        cash = next((sessions[int(n)] for n in _CASH.findall(text) if int(n) in sessions), None)
        provider = _provider(text)
        if number:
            _match_order(line, orders[number], taken)
        elif cash is not None:
            _match_cash(line, cash, taken)
        elif provider and _match_settlement(line, provider, pool):
            if line.status == "matched":
                left_at_provider[provider] -= line.amount_kurus
        elif provider:
            left = left_at_provider[provider]
            if line.amount_kurus <= left:
                _set(line, "matched", "provider_payout", provider=provider)
                left_at_provider[provider] = left - line.amount_kurus
            else:
                _set(
                    line,
                    "different",
                    "provider_payout",
                    "exceeds_clearing",
                    left,
                    provider=provider,
                )
        else:
            _set(line, "unmatched", problem="no_reference")


def _match_settlement(line, provider: str, pool) -> bool:
    """The provider's settlement this line is, when one is recorded near its day."""
    settlement, agrees = settlements.find(line, provider, pool)
    if settlement is None:
        return False
    problem = "" if agrees else "settlement_amount"
    _set(
        line,
        "different" if problem else "matched",
        "provider_payout",
        problem,
        settlement.amount_kurus,
        provider=provider,
        settlement_id=settlement.id,
    )
    return True


def _already_matched() -> dict[str, set[int]]:
    rows = db.session.execute(
        select(
            BankStatementLine.order_id,
            BankStatementLine.payout_line_id,
            BankStatementLine.cash_session_id,
        ).where(BankStatementLine.status.in_(("matched", "manual")))
    )
    taken = {"order_id": set(), "payout_line_id": set(), "cash_session_id": set()}
    for order_id, payout_line_id, cash_session_id in rows:
        for name, value in (
            ("order_id", order_id),
            ("payout_line_id", payout_line_id),
            ("cash_session_id", cash_session_id),
        ):
            if value is not None:
                taken[name].add(value)
    return taken


def _decide(line, kind, target_name, target_id, expected, problem, taken) -> None:
    if not problem and target_id in taken[target_name]:
        problem = "duplicate"
    if not problem and abs(line.amount_kurus) != expected:
        problem = "amount"
    _set(
        line,
        "different" if problem else "matched",
        kind,
        problem,
        expected,
        **{target_name: target_id},
    )
    if not problem:
        taken[target_name].add(target_id)


def _match_order(line, order: Order, taken) -> None:
    problem = ""
    if order.payment_method != "bank_transfer":
        problem = "not_a_transfer"
    elif order.status == "pending_payment":
        problem = "not_confirmed"
    elif order.status in ("cancelled", "expired"):
        problem = "order_closed"
    _decide(line, "transfer_order", "order_id", order.id, order.total_kurus, problem, taken)


def _match_payout(line, payout: PayoutLine | None, taken) -> None:
    if payout is None:
        _set(line, "unmatched", problem="no_reference")
        return
    problem = ""
    if payout.batch.status not in ("approved", "paid"):
        problem = "not_approved"
    elif payout.status == "failed":
        problem = "line_failed"
    _decide(line, "payout_line", "payout_line_id", payout.id, payout.net_kurus, problem, taken)


def _match_cash(line, session: CashSession, taken) -> None:
    problem = (
        "" if session.status == "closed" and session.counted_kurus is not None else "session_open"
    )
    taken_in = (session.counted_kurus or 0) - session.opening_float_kurus
    _decide(line, "cash_session", "cash_session_id", session.id, taken_in, problem, taken)


def at_provider(provider: str) -> int:
    """What the provider's clearing account holds less what the bank already received from it."""
    held = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(Account.code == f"clearing:{provider}")
    )
    banked = db.session.scalar(
        select(func.coalesce(func.sum(BankStatementLine.amount_kurus), 0)).where(
            BankStatementLine.provider == provider,
            BankStatementLine.status.in_(("matched", "manual")),
        )
    )
    return int(held) - int(banked)
