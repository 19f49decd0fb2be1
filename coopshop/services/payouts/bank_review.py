"""What an admin reads and does after a bank statement is imported: its lines by outcome, the
documents over the same days that the bank does not show, and a match by hand with a reason.

A match by hand never makes one movement of money count twice: a line already matched is not
matched again, and a document (order, payout line, cash session, provider settlement) another
line already matched is refused, each with a message naming what holds it."""

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
    ProviderSettlement,
    utcnow,
)
from coopshop.models.bank import MATCH_KINDS, PROVIDERS
from coopshop.money import kurus_text
from coopshop.services.core import audit, locks
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed

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
    [first, last] (Istanbul days), and provider payouts due then, that no matched statement line
    covers: four queries."""
    start, end = turkey.day_bounds(first, last)
    return [
        *_missing_transfers(start, end),
        *_missing_payouts(start, end),
        *_missing_cash(start, end),
        *_missing_settlements(first, last),
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


def _missing_settlements(first: date, last: date) -> list[Missing]:
    """Provider payouts (recorded settlements) due to arrive over [first, last] that no matched
    statement line covers."""
    paid_out = db.session.scalars(
        select(ProviderSettlement)
        .where(
            ProviderSettlement.status.in_(("in_transit", "paid")),
            ProviderSettlement.arrival_on >= first,
            ProviderSettlement.arrival_on <= last,
            ~ProviderSettlement.id.in_(_covered(BankStatementLine.settlement_id)),
        )
        .order_by(ProviderSettlement.arrival_on, ProviderSettlement.id)
    )
    return [
        Missing("provider_payout", st.external_id, st.amount_kurus, turkey.day_start(st.arrival_on))
        for st in paid_out
    ]


def _target(kind: str, ref: str) -> dict:
    """The document a hand match points at, by what the admin typed."""
    ref = (ref or "").strip().lstrip("#")
    if kind == "other":
        return {}
    if kind == "provider_payout":
        if ref.lower() in PROVIDERS:
            return {"provider": ref.lower()}
        settlement = db.session.scalar(
            select(ProviderSettlement).where(ProviderSettlement.external_id == ref)
        )
        if settlement is None:
            raise ValidationFailed(
                _l(
                    "Sağlayıcı stripe ya da iyzico, ya da bir aktarım kaydı (po_… ya da "
                    "iyzico:YYYY-AA-GG) olmalı."
                ),
                field="ref",
            )
        return {"provider": settlement.provider, "settlement_id": settlement.id}
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


_BANKED = ("matched", "manual")
_DOCUMENTS = ("order_id", "payout_line_id", "cash_session_id", "settlement_id")


def _refuse_taken(line: BankStatementLine, target: dict) -> None:
    """Conflict when another line already matched the document ``target`` names (its row
    locked, so two admins matching two lines to one document at once cannot both pass)."""
    for name in _DOCUMENTS:
        if target.get(name) is None:
            continue
        holder = db.session.scalar(
            select(BankStatementLine)
            .where(
                BankStatementLine.__table__.c[name] == target[name],
                BankStatementLine.status.in_(_BANKED),
                BankStatementLine.id != line.id,
            )
            .order_by(BankStatementLine.id)
            .limit(1)
            .with_for_update()
        )
        if holder is not None:
            raise Conflict(
                _l(
                    "Bu belge başka bir banka satırıyla zaten eşleşmiş (%(day)s, %(amount)s). "
                    "Önce o satırı kontrol edin.",
                    day=holder.booked_on.isoformat(),
                    amount=kurus_text(holder.amount_kurus),
                ),
                line_id=holder.id,
            )


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
    if line.status in _BANKED:
        raise Conflict(
            _l("Bu banka satırı zaten eşleşmiş; ikinci kez eşleştirilemez."), line_id=line.id
        )
    target = _target(kind, ref)
    _refuse_taken(line, target)
    was = {"status": line.status, "kind": line.match_kind or "", "problem": line.problem}
    line.status, line.match_kind, line.problem, line.note = "manual", kind, "", reason
    for name in ("order_id", "payout_line_id", "cash_session_id", "provider", "settlement_id"):
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
        settlement_id=target.get("settlement_id"),
    )
    return line
