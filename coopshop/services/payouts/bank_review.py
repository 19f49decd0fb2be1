"""What an admin reads and does after a bank statement is imported: its lines by outcome, the
documents over the same days that the bank does not show, and a match by hand with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop import turkey
from coopshop.db import db
from coopshop.models import (
    BankStatement,
    BankStatementLine,
    CashSession,
    Order,
    PayoutBatch,
    PayoutLine,
    utcnow,
)
from coopshop.models.bank import MATCH_KINDS, PROVIDERS
from coopshop.services.core import audit, locks
from coopshop.services.core.errors import NotFound, ValidationFailed

MAX_REASON = 300


@dataclass(frozen=True)
class Missing:
    """A document that should have a line in the bank over the statement's days and has none."""

    kind: str  # a MATCH_KINDS code
    ref: str  # the order number, "#<payout line id>", "#<cash session id>"
    amount_kurus: int  # signed as the bank would show it
    since: datetime  # when the money should have moved


def statements(limit: int = 50) -> list[BankStatement]:
    return list(
        db.session.scalars(select(BankStatement).order_by(BankStatement.id.desc()).limit(limit))
    )


def get_statement(statement_id: int) -> BankStatement:
    found = db.session.scalar(
        select(BankStatement)
        .where(BankStatement.id == statement_id)
        .options(selectinload(BankStatement.lines))
    )
    if found is None:
        raise NotFound(_l("Ekstre bulunamadı."))
    return found


def missing(first: date, last: date) -> list[Missing]:
    """Paid bank-transfer orders, payout lines the bank was to send and closed cash sessions of
    [first, last] (Istanbul days) that no matched statement line covers: three queries."""
    start, end = turkey.day_bounds(first, last)
    return [
        *_missing_transfers(start, end),
        *_missing_payouts(start, end),
        *_missing_cash(start, end),
    ]


def _covered(column):
    """The ``column`` ids (orders, payout lines, cash sessions) a matched statement line names."""
    return select(column).where(
        BankStatementLine.status.in_(("matched", "manual")), column.is_not(None)
    )


def _missing_transfers(start: datetime, end: datetime) -> list[Missing]:
    orders = db.session.scalars(
        select(Order)
        .where(
            Order.payment_method == "bank_transfer",
            Order.status == "paid",
            Order.paid_at >= start,
            Order.paid_at < end,
            ~Order.id.in_(_covered(BankStatementLine.order_id)),
        )
        .order_by(Order.paid_at)
    )
    return [Missing("transfer_order", o.number, o.total_kurus, o.paid_at) for o in orders]


def _missing_payouts(start: datetime, end: datetime) -> list[Missing]:
    lines = db.session.execute(
        select(PayoutLine, PayoutBatch.approved_at)
        .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
        .where(
            PayoutBatch.status.in_(("approved", "paid")),
            PayoutLine.status != "failed",
            PayoutBatch.approved_at >= start,
            PayoutBatch.approved_at < end,
            ~PayoutLine.id.in_(_covered(BankStatementLine.payout_line_id)),
        )
        .order_by(PayoutLine.id)
    )
    return [Missing("payout_line", f"#{p.id}", -p.net_kurus, at) for p, at in lines]


def _missing_cash(start: datetime, end: datetime) -> list[Missing]:
    sessions = db.session.scalars(
        select(CashSession)
        .where(
            CashSession.status == "closed",
            CashSession.closed_at >= start,
            CashSession.closed_at < end,
            CashSession.counted_kurus > CashSession.opening_float_kurus,
            ~CashSession.id.in_(_covered(BankStatementLine.cash_session_id)),
        )
        .order_by(CashSession.closed_at)
    )
    return [
        Missing("cash_session", f"#{s.id}", s.counted_kurus - s.opening_float_kurus, s.closed_at)
        for s in sessions
    ]


def _target(kind: str, ref: str) -> dict:
    """The document a hand match points at, by what the admin typed."""
    ref = (ref or "").strip().lstrip("#")
    if kind == "other":
        return {}
    if kind == "provider_payout":
        if ref.lower() not in PROVIDERS:
            raise ValidationFailed(_l("Sağlayıcı stripe ya da iyzico olmalı."), field="ref")
        return {"provider": ref.lower()}
    if kind == "transfer_order":
        order_id = db.session.scalar(select(Order.id).where(Order.number == ref.upper()))
        if order_id is None:
            raise ValidationFailed(_l("Bu numarada sipariş yok."), field="ref")
        return {"order_id": order_id}
    model, name = {
        "payout_line": (PayoutLine, "payout_line_id"),
        "cash_session": (CashSession, "cash_session_id"),
    }[kind]
    if not ref.isdigit() or db.session.get(model, int(ref)) is None:
        raise ValidationFailed(_l("Bu numarada kayıt yok."), field="ref")
    return {name: int(ref)}


def match_by_hand(
    line_id: int, kind: str, ref: str, reason: str, actor_id: int, now: datetime | None = None
) -> BankStatementLine:
    """Match a line to a document (or to nothing of ours: ``other``, a bank fee say) with a
    reason; audited with what it was before."""
    if kind not in MATCH_KINDS:
        raise ValidationFailed(_l("Eşleşme türünü seçin."), field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Bir gerekçe yazın."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            _l("Gerekçe en fazla %(n)d karakter olabilir.", n=MAX_REASON), field="reason"
        )
    line = locks.lock_or_404(BankStatementLine, line_id, _l("Ekstre satırı bulunamadı."))
    target = _target(kind, ref)
    was = {"status": line.status, "kind": line.match_kind or "", "problem": line.problem}
    line.status, line.match_kind, line.problem, line.note = "manual", kind, "", reason
    for name in ("order_id", "payout_line_id", "cash_session_id", "provider"):
        setattr(line, name, target.get(name))
    line.matched_by_id, line.matched_at = actor_id, now or utcnow()
    audit.record(
        actor_id,
        "bank.line_matched",
        line,
        statement_id=line.statement_id,
        amount_kurus=line.amount_kurus,
        kind=kind,
        ref=ref,
        reason=reason,
        was=was["status"],
    )
    return line
