"""A member's monthly statement: opening balance, every entry of the month, closing balance.

Opening and closing come from services.balances (what was owed to her just before the month and
at its end), and the month's totals by kind are the difference of the two, so the statement
adds up by construction: opening + earnings - refunds - payouts - deductions - fees = closing.
Its lines are her ledger entries of the month; their sum is closing - opening. A payout to a
member with an exemption certificate is split in the summary into what the bank sent her and
the withholding (stopaj) kept for the tax office, which the payout's line names with its rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    StatementQuestion,
    utcnow,
)
from coopshop.services.books import balances, ledger
from coopshop.services.core.errors import NotFound
from coopshop.services.reports.dashboard import LOCAL, add_months, local_month, month_start
from coopshop.spreadsheet import excel_csv, lira, text_cell

# The last instant before a moment: balances count entries "created_at <= as_of".
_TICK = timedelta(microseconds=1)

KIND_LABELS = {
    "sale": _l("Satış"),
    "refund": _l("İade"),
    "fee": _l("Ödeme işlem ücreti"),
    "payout": _l("Hesabınıza ödeme"),
    "payout_failed": _l("Gönderilemeyen ödeme geri geldi"),
    "cash_over_short": _l("Kasa farkı"),
    "adjustment": _l("Düzeltme"),
    "reversal": _l("Ters kayıt"),
    "availability": _l("Ödenebilir olma tarihi"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    created_at: datetime
    kind: str  # for a reversal, the kind it reverses
    reversal: bool
    order_number: str | None
    order_line_id: int | None
    title: str | None
    memo: str
    amount: int  # from her side: positive is owed to her
    balance_after: int


@dataclass(frozen=True)
class Statement:
    producer_id: int
    year: int
    month: int
    start: datetime
    end: datetime
    opening: int
    closing: int
    earned: int
    refunded: int
    paid_out: int
    deductions: int
    fees: int
    lines: list[StatementLine]
    questions: dict[int, list[StatementQuestion]]  # by ledger entry id
    withheld: int = 0  # of paid_out: the stopaj kept for the tax office (gider pusulası)

    @property
    def paid_to_bank(self) -> int:
        return self.paid_out - self.withheld

    @property
    def other(self) -> int:
        """Anything the named kinds do not explain (zero unless a new kind of entry appears)."""
        return self.closing - (
            self.opening + self.earned - self.refunded - self.paid_out - self.deductions - self.fees
        )

    @property
    def period_key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_period(key: str) -> tuple[int, int]:
    """ "2025-03" -> (2025, 3); NotFound for anything else."""
    try:
        year_text, month_text = key.split("-")
        year, month = int(year_text), int(month_text)
    except ValueError:
        raise NotFound(_l("Hesap dökümü bulunamadı.")) from None
    if len(year_text) != 4 or len(month_text) != 2 or not 1 <= month <= 12 or year < 2000:
        raise NotFound(_l("Hesap dökümü bulunamadı."))
    return year, month


def available_periods(producer_id: int, now: datetime | None = None) -> list[tuple[int, int]]:
    """The months from her first entry to now, newest first (the current month at least)."""
    now = now or utcnow()
    first = db.session.scalar(
        select(func.min(LedgerEntry.created_at)).where(LedgerEntry.producer_id == producer_id)
    )
    last = local_month(now)
    start = local_month(first) if first is not None else last
    periods = []
    year, month = last
    while (year, month) >= start and len(periods) < 120:
        periods.append((year, month))
        year, month = add_months(year, month, -1)
    return periods


def statement(producer_id: int, year: int, month: int) -> Statement:
    """Her statement for one (Istanbul) month."""
    start = month_start(year, month)
    end = month_start(*add_months(year, month, 1))
    before = balances.balance(producer_id, as_of=start - _TICK)
    after = balances.balance(producer_id, as_of=end - _TICK)
    return Statement(
        producer_id=producer_id,
        year=year,
        month=month,
        start=start,
        end=end,
        opening=before.balance,
        closing=after.balance,
        earned=after.earned - before.earned,
        refunded=after.refunded - before.refunded,
        paid_out=after.paid_out - before.paid_out,
        deductions=after.deductions - before.deductions,
        fees=after.fees - before.fees,
        lines=_lines(producer_id, start, end, before.balance),
        questions=_questions_for(producer_id, start, end),
        withheld=withheld(producer_id, start, end),
    )


def _lines(producer_id: int, start: datetime, end: datetime, opening: int) -> list[StatementLine]:
    """Her entries in [start, end), oldest first, each with her balance after it."""
    reversed_txn = aliased(LedgerTransaction)
    line_order = aliased(Order)
    txn_order = aliased(Order)
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.created_at,
            LedgerEntry.amount_kurus,
            LedgerEntry.order_line_id,
            LedgerTransaction.kind,
            reversed_txn.kind.label("reversed_kind"),
            LedgerTransaction.memo,
            func.coalesce(line_order.number, txn_order.number).label("order_number"),
            OrderLine.title,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == LedgerTransaction.reverses_id)
        .outerjoin(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .outerjoin(line_order, line_order.id == OrderLine.order_id)
        .outerjoin(txn_order, txn_order.id == LedgerTransaction.order_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
            # An availability move only changes when money becomes payable (its legs sum to
            # zero for her), not what she is owed: the statement's lines leave it out.
            LedgerTransaction.kind != "availability",
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()

    running = opening
    lines = []
    for r in rows:
        running += ledger.to_member(r.amount_kurus)
        lines.append(
            StatementLine(
                entry_id=r.id,
                created_at=r.created_at,
                kind=r.reversed_kind or r.kind,
                reversal=r.reversed_kind is not None,
                order_number=r.order_number,
                order_line_id=r.order_line_id,
                title=r.title,
                memo=r.memo,
                amount=ledger.to_member(r.amount_kurus),
                balance_after=running,
            )
        )
    return lines


def withheld(producer_id: int, start: datetime, end: datetime) -> int:
    """The withholding kept from her payouts with entries in [start, end), net of payouts that
    came back: minus the tax:withholding legs of the transactions that moved her balance."""
    hers = select(LedgerEntry.transaction_id).where(
        LedgerEntry.producer_id == producer_id,
        LedgerEntry.created_at >= start,
        LedgerEntry.created_at < end,
    )
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(Account.code == ledger.WITHHOLDING, LedgerEntry.transaction_id.in_(hers))
    )
    return -int(total)


def _questions_for(producer_id: int, start: datetime, end: datetime) -> dict[int, list]:
    """Her questions about the month's entries (or their order lines), by entry id."""
    in_month = select(LedgerEntry.id).where(
        LedgerEntry.producer_id == producer_id,
        LedgerEntry.created_at >= start,
        LedgerEntry.created_at < end,
    )
    lines_in_month = (
        select(LedgerEntry.order_line_id)
        .where(LedgerEntry.id.in_(in_month), LedgerEntry.order_line_id.is_not(None))
        .scalar_subquery()
    )
    questions = db.session.scalars(
        select(StatementQuestion)
        .where(
            StatementQuestion.producer_id == producer_id,
            or_(
                StatementQuestion.ledger_entry_id.in_(in_month),
                StatementQuestion.order_line_id.in_(lines_in_month),
            ),
        )
        .order_by(StatementQuestion.created_at)
    ).all()
    if not questions:
        return {}
    # A question about an order line belongs to every entry of that line in the month.
    entry_ids_by_line: dict[int, list[int]] = {}
    for entry_id, line_id in db.session.execute(
        select(LedgerEntry.id, LedgerEntry.order_line_id).where(
            LedgerEntry.id.in_(in_month), LedgerEntry.order_line_id.is_not(None)
        )
    ):
        entry_ids_by_line.setdefault(line_id, []).append(entry_id)
    by_entry: dict[int, list[StatementQuestion]] = {}
    for q in questions:
        targets = (
            [q.ledger_entry_id]
            if q.ledger_entry_id is not None
            else entry_ids_by_line.get(q.order_line_id, [])
        )
        for entry_id in targets:
            by_entry.setdefault(entry_id, []).append(q)
    return by_entry


# --- CSV -----------------------------------------------------------------------------------------


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%d.%m.%Y %H:%M")


def statement_csv(st: Statement) -> str:
    """The statement as a CSV Turkish Excel opens as is (coopshop.spreadsheet: BOM, semicolons,
    decimal comma, formula-safe text): opening balance, every line with the running balance,
    then the totals down to the closing balance."""
    rows = [[_local(st.start), _("Açılış bakiyesi"), "", "", "", lira(st.opening)]]
    for line in st.lines:
        kind = kind_label(line.kind)
        if line.reversal:
            kind = f"{kind_label('reversal')}: {kind}"
        rows.append(
            [
                _local(line.created_at),
                kind,
                text_cell(line.order_number),
                text_cell(line.title or line.memo),
                lira(line.amount),
                lira(line.balance_after),
            ]
        )
    rows.append([])
    rows += [["", label, "", "", lira(amount), ""] for label, amount in summary_rows(st)]
    header = [_("Tarih"), _("Tür"), _("Sipariş"), _("Açıklama"), _("Tutar"), _("Bakiye")]
    return excel_csv(header, rows)


def summary_rows(st: Statement) -> list[tuple[str, int]]:
    """The statement's sum, line by line: opening, what came in and went out, closing. Rows
    that are zero for everyone (deductions, fees, other) are left out when zero."""
    rows = [
        (_("Açılış bakiyesi"), st.opening),
        (_("Kazanç"), st.earned),
        (_("İadeler"), -st.refunded),
    ]
    if st.withheld:
        rows += [
            (_("Ödemeler (bankaya)"), -st.paid_to_bank),
            (_("Stopaj (muafiyet belgesi: gider pusulası ile vergi dairesine)"), -st.withheld),
        ]
    else:
        rows.append((_("Ödemeler"), -st.paid_out))
    if st.deductions:
        rows.append((_("Kesinti ve düzeltmeler"), -st.deductions))
    if st.fees:
        rows.append((_("Ödeme işlem ücretleri"), -st.fees))
    if st.other:
        rows.append((_("Diğer"), st.other))
    rows.append((_("Kapanış bakiyesi"), st.closing))
    return rows
