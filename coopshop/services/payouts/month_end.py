"""The month-end close: each clearing account's balance explained, as of the month's last
moment (Istanbul), by the documents whose money is still on its way — and since when.

The clearing accounts only ever grow (no posting moves money from them to the bank), so the
question a month end asks is which part of each balance the bank has already shown and which
is still in transit:

- ``clearing:bank`` — paid bank-transfer orders whose money a statement line matched, those no
  statement showed yet (in transit since the oldest), refunds sent back by transfer; orders
  still waiting for their transfer are listed beside it (not in the books until paid);
- ``clearing:cash`` — each closed desk's cash (counted − float) deposited (a statement line
  matched it) or not yet, and what open desks hold;
- ``clearing:stripe``, ``clearing:iyzico`` — what the provider's payouts brought to the bank,
  the settlements the provider reports as sent that no statement showed yet (in transit since
  the earliest arrival date), and what is still at the provider;
- ``bank:payouts`` — approved payout lines the statement confirmed, marked paid but not seen in
  a statement, and approved but not confirmed at all.

Whatever the named parts do not cover is shown as ``other`` (adjustments, corrections): on a
clean book it is zero. One grouped query per account kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import (
    Account,
    BankStatementLine,
    CashSession,
    LedgerEntry,
    LedgerTransaction,
    Order,
    PayoutBatch,
    PayoutLine,
    ProviderSettlement,
)

ACCOUNTS = ("clearing:bank", "clearing:cash", "clearing:stripe", "clearing:iyzico", "bank:payouts")
_BANKED = ("matched", "manual")


@dataclass(frozen=True)
class Part:
    code: str  # a PART_LABELS code (admin/month_end shows the words)
    amount_kurus: int
    count: int = 0
    since: datetime | None = None
    in_transit: bool = False


@dataclass(frozen=True)
class Explained:
    account: str
    balance_kurus: int
    parts: list[Part] = field(default_factory=list)
    beside: list[Part] = field(default_factory=list)  # not in the books yet (awaiting money)

    @property
    def other_kurus(self) -> int:
        return self.balance_kurus - sum(p.amount_kurus for p in self.parts)

    @property
    def in_transit_kurus(self) -> int:
        return sum(p.amount_kurus for p in self.parts if p.in_transit)


@dataclass(frozen=True)
class MonthEnd:
    month: date
    end: datetime  # the first moment after the month
    accounts: list[Explained]


def month_bounds(month: date) -> tuple[datetime, date]:
    """(the first moment after ``month`` in Istanbul, the month's last day)."""
    first_next = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return turkey.day_start(first_next), first_next - timedelta(days=1)


def _balances(end: datetime) -> dict[str, int]:
    rows = db.session.execute(
        select(Account.code, func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
        .join(LedgerEntry, LedgerEntry.account_id == Account.id)
        .where(Account.code.in_(ACCOUNTS), LedgerEntry.created_at < end)
        .group_by(Account.code)
    )
    return {code: int(total) for code, total in rows}


def _banked(column, last_day: date):
    return select(BankStatementLine.__table__.c[column]).where(
        BankStatementLine.status.in_(_BANKED),
        BankStatementLine.booked_on <= last_day,
        BankStatementLine.__table__.c[column].is_not(None),
    )


def _part(code, row, in_transit=False) -> Part:
    amount, count, since = row
    return Part(code, int(amount or 0), int(count or 0), since, in_transit)


def _bank(end: datetime, last_day: date, balance: int) -> Explained:
    paid = and_(
        Order.payment_method == "bank_transfer", Order.paid_at.is_not(None), Order.paid_at < end
    )
    banked = Order.id.in_(_banked("order_id", last_day))
    sums = (func.sum(Order.total_kurus), func.count(Order.id), func.min(Order.paid_at))
    seen = db.session.execute(select(*sums).where(paid, banked)).one()
    unseen = db.session.execute(select(*sums).where(paid, ~banked)).one()
    refunds = db.session.execute(
        select(
            func.sum(LedgerEntry.amount_kurus),
            func.count(LedgerEntry.id),
            func.min(LedgerEntry.created_at),
        )
        .join(Account, Account.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            Account.code == "clearing:bank",
            LedgerTransaction.kind == "refund",
            LedgerEntry.created_at < end,
        )
    ).one()
    waiting = db.session.execute(
        select(func.sum(Order.total_kurus), func.count(Order.id), func.min(Order.created_at)).where(
            Order.payment_method == "bank_transfer",
            Order.status == "pending_payment",
            Order.created_at < end,
        )
    ).one()
    return Explained(
        "clearing:bank",
        balance,
        [
            _part("transfers_banked", seen),
            _part("transfers_not_banked", unseen, True),
            _part("transfer_refunds", refunds),
        ],
        [_part("transfers_awaited", waiting, True)],
    )


def _cash(end: datetime, last_day: date, balance: int) -> Explained:
    closed = and_(CashSession.status == "closed", CashSession.closed_at < end)
    taken_in = CashSession.counted_kurus - CashSession.opening_float_kurus
    banked = CashSession.id.in_(_banked("cash_session_id", last_day))
    sums = (func.sum(taken_in), func.count(CashSession.id), func.min(CashSession.closed_at))
    deposited = db.session.execute(select(*sums).where(closed, banked)).one()
    drawer = db.session.execute(select(*sums).where(closed, ~banked)).one()
    still_open = or_(CashSession.status == "open", CashSession.closed_at >= end)
    at_desks = db.session.execute(
        select(
            func.sum(LedgerEntry.amount_kurus),
            func.count(func.distinct(CashSession.id)),
            func.min(CashSession.opened_at),
        )
        .join(Account, Account.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .join(CashSession, CashSession.id == Order.cash_session_id)
        .where(Account.code == "clearing:cash", LedgerEntry.created_at < end, still_open)
    ).one()
    return Explained(
        "clearing:cash",
        balance,
        [
            _part("cash_deposited", deposited),
            _part("cash_not_deposited", drawer, True),
            _part("cash_at_open_desks", at_desks, True),
        ],
    )


def _provider(provider: str, end: datetime, last_day: date, balance: int) -> Explained:
    banked = db.session.execute(
        select(
            func.sum(BankStatementLine.amount_kurus),
            func.count(BankStatementLine.id),
            func.max(BankStatementLine.booked_on),
        ).where(
            BankStatementLine.provider == provider,
            BankStatementLine.status.in_(_BANKED),
            BankStatementLine.booked_on <= last_day,
        )
    ).one()
    amount, count, last_banked = banked
    first_unbanked = db.session.scalar(
        select(func.min(Order.paid_at)).where(
            Order.payment_method == provider,
            Order.paid_at < end,
            *([Order.paid_at >= turkey.day_start(last_banked)] if last_banked else []),
        )
    )
    banked_part = Part("provider_banked", int(amount or 0), int(count or 0), None)
    sent_amount, sent_count, sent_since = db.session.execute(
        select(
            func.sum(ProviderSettlement.amount_kurus),
            func.count(ProviderSettlement.id),
            func.min(ProviderSettlement.arrival_on),
        ).where(
            ProviderSettlement.provider == provider,
            ProviderSettlement.status.in_(("in_transit", "paid")),
            ProviderSettlement.arrival_on <= last_day,
            ~ProviderSettlement.id.in_(_banked("settlement_id", last_day)),
        )
    ).one()
    sent = Part(
        "settlements_not_banked",
        int(sent_amount or 0),
        int(sent_count or 0),
        turkey.day_start(sent_since) if sent_since else None,
        True,
    )
    left = balance - banked_part.amount_kurus - sent.amount_kurus
    return Explained(
        f"clearing:{provider}",
        balance,
        [banked_part, sent, Part("at_provider", left, 0, first_unbanked, True)],
    )


def _payouts(end: datetime, last_day: date, balance: int) -> Explained:
    approved = and_(
        PayoutBatch.status.in_(("approved", "paid")),
        PayoutBatch.approved_at < end,
        PayoutLine.status != "failed",
    )
    confirmed = PayoutLine.id.in_(_banked("payout_line_id", last_day))
    net = PayoutLine.amount_kurus - PayoutLine.withholding_kurus

    def part(code, *where, in_transit=False):
        row = db.session.execute(
            select(-func.sum(net), func.count(PayoutLine.id), func.min(PayoutBatch.approved_at))
            .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
            .where(approved, *where)
        ).one()
        return _part(code, row, in_transit)

    return Explained(
        "bank:payouts",
        balance,
        [
            part("payouts_confirmed", confirmed),
            part("payouts_marked_paid", ~confirmed, PayoutLine.status == "paid", in_transit=True),
            part(
                "payouts_not_confirmed", ~confirmed, PayoutLine.status == "pending", in_transit=True
            ),
        ],
    )


def close(month: date) -> MonthEnd:
    """Every clearing account explained as of the end of ``month`` (any day in it)."""
    end, last_day = month_bounds(month.replace(day=1))
    balances = _balances(end)
    accounts = [
        _bank(end, last_day, balances.get("clearing:bank", 0)),
        _cash(end, last_day, balances.get("clearing:cash", 0)),
        _provider("stripe", end, last_day, balances.get("clearing:stripe", 0)),
        _provider("iyzico", end, last_day, balances.get("clearing:iyzico", 0)),
        _payouts(end, last_day, balances.get("bank:payouts", 0)),
    ]
    return MonthEnd(month.replace(day=1), end, accounts)
