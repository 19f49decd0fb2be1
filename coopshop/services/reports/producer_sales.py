"""A member's sales: her lines (co-made ones with her share only), filtered and paged; one line in
detail; and what she still has to bring to the centre for online orders.

Her part of a line is read from her ledger entries (sale credits less refund debits), so these
pages agree with her balance. Every listing is a fixed number of queries, however long her
history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    OrderLineMaker,
    ProducerProfile,
    RefundLine,
    StatementQuestion,
)
from coopshop.models.orders import CHANNELS
from coopshop.services.books import balances, postings
from coopshop.services.core import vocabulary
from coopshop.services.core.errors import NotFound
from coopshop.services.core.paging import Page, paginate

PER_PAGE = 25
CHANNEL_LABELS = vocabulary.CHANNELS
channel_label = vocabulary.channel


@dataclass(frozen=True)
class SalesFilter:
    """Paid between ``start`` (inclusive) and ``end`` (exclusive), on a channel, of a product."""

    start: datetime | None = None
    end: datetime | None = None
    channel: str | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class SaleRow:
    """One line she made (part of). ``gross_kurus`` is the whole line's price; ``earned`` and
    ``refunded`` are her part only."""

    order_line_id: int
    order_number: str
    channel: str
    paid_at: datetime | None
    product_id: int | None
    product_code: str
    title: str
    quantity: int
    gross_kurus: int
    share_bp: int
    earned: int = 0
    refunded: int = 0
    available_at: datetime | None = None
    delivered_at: datetime | None = None

    @property
    def net(self) -> int:
        return self.earned - self.refunded

    @property
    def co_made(self) -> bool:
        return self.share_bp < 10_000


@dataclass(frozen=True)
class SalesTotals:
    lines: int = 0
    quantity: int = 0
    earned: int = 0
    refunded: int = 0

    @property
    def net(self) -> int:
        return self.earned - self.refunded


_LINE_COLUMNS = (
    OrderLine.id,
    Order.number,
    Order.channel,
    Order.paid_at,
    OrderLine.product_id,
    OrderLine.product_code,
    OrderLine.title,
    OrderLine.quantity,
    OrderLine.gross_kurus,
    OrderLineMaker.share_bp,
    Order.delivered_at,
)


def _her_lines(producer_id: int, filters: SalesFilter | None = None):
    """Her paid lines: every paid order is in the ledger (sales.order_states.mark_paid)."""
    filters = filters or SalesFilter()
    query = (
        select(*_LINE_COLUMNS)
        .select_from(OrderLineMaker)
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLineMaker.producer_id == producer_id, Order.status == "paid")
    )
    if filters.start is not None:
        query = query.where(Order.paid_at >= filters.start)
    if filters.end is not None:
        query = query.where(Order.paid_at < filters.end)
    if filters.channel in CHANNELS:
        query = query.where(Order.channel == filters.channel)
    if filters.product_id is not None:
        query = query.where(OrderLine.product_id == filters.product_id)
    return query


def _her_part_columns():
    amount = LedgerEntry.amount_kurus
    kind = LedgerTransaction.kind
    return (
        func.coalesce(func.sum(case((kind == "sale", -amount), else_=0)), 0).label("earned"),
        func.coalesce(func.sum(case((kind == "refund", amount), else_=0)), 0).label("refunded"),
    )


def _her_parts(producer_id: int, line_ids: list[int]) -> dict[int, tuple[int, int, datetime]]:
    """(earned, refunded, available_at) of her entries per line, in one grouped query."""
    if not line_ids:
        return {}
    rows = db.session.execute(
        select(
            LedgerEntry.order_line_id,
            *_her_part_columns(),
            balances.current_available_at(producer_id, LedgerEntry.order_line_id).label(
                "available_at"
            ),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.producer_id == producer_id, LedgerEntry.order_line_id.in_(line_ids))
        .group_by(LedgerEntry.order_line_id)
    )
    return {r.order_line_id: (int(r.earned), int(r.refunded), r.available_at) for r in rows}


def _rows(producer_id: int, rows) -> list[SaleRow]:
    rows = list(rows)
    parts = _her_parts(producer_id, [r[0] for r in rows])
    result = []
    for r in rows:
        earned, refunded, available_at = parts.get(r[0], (0, 0, None))
        result.append(
            SaleRow(
                order_line_id=r[0],
                order_number=r[1],
                channel=r[2],
                paid_at=r[3],
                product_id=r[4],
                product_code=r[5],
                title=r[6],
                quantity=r[7],
                gross_kurus=r[8],
                share_bp=r[9],
                earned=earned,
                refunded=refunded,
                available_at=available_at,
                delivered_at=r[10],
            )
        )
    return result


def _newest_first(query):
    return query.order_by(Order.paid_at.desc(), OrderLine.id.desc())


def sales(producer_id: int, filters: SalesFilter | None = None, page: int | None = 1) -> Page:
    """One page of her sale lines, newest first (three queries: count, lines, her parts)."""
    found = paginate(_newest_first(_her_lines(producer_id, filters)), page, PER_PAGE, scalars=False)
    return replace(found, items=_rows(producer_id, found.items))


def latest_sales(producer_id: int, limit: int = 10) -> list[SaleRow]:
    return _rows(
        producer_id, db.session.execute(_newest_first(_her_lines(producer_id)).limit(limit))
    )


def totals(producer_id: int, filters: SalesFilter | None = None) -> SalesTotals:
    """What the filtered lines add up to (her part), in one aggregate query."""
    lines = _her_lines(producer_id, filters).subquery()
    part = (
        select(LedgerEntry.order_line_id.label("line_id"), *_her_part_columns()[:2])
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.producer_id == producer_id, LedgerEntry.order_line_id.is_not(None))
        .group_by(LedgerEntry.order_line_id)
        .subquery()
    )
    row = db.session.execute(
        select(
            func.count(lines.c.id),
            func.coalesce(func.sum(lines.c.quantity), 0),
            func.coalesce(func.sum(part.c.earned), 0),
            func.coalesce(func.sum(part.c.refunded), 0),
        )
        .select_from(lines)
        .outerjoin(part, part.c.line_id == lines.c.id)
    ).one()
    return SalesTotals(
        lines=int(row[0]), quantity=int(row[1]), earned=int(row[2]), refunded=int(row[3])
    )


# --- one line ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryRow:
    """One of her ledger entries, from her side: positive is money owed to her."""

    id: int
    kind: str
    created_at: datetime
    amount: int
    available_at: datetime | None
    memo: str


@dataclass(frozen=True)
class SaleDetail:
    row: SaleRow
    vat_bp: int
    commission_bp: int
    vat_kurus: int
    commission_kurus: int
    her_part: int  # her part of the whole line at sale, before any refund
    entries: list[EntryRow]
    questions: list[StatementQuestion]


def sale_detail(producer_id: int, line_id: int) -> SaleDetail:
    """A line she made (part of), with how it divides and her entries; NotFound otherwise."""
    found = db.session.execute(_her_lines(producer_id).where(OrderLine.id == line_id)).one_or_none()
    if found is None:
        raise NotFound(_l("Satış bulunamadı."))
    row = _rows(producer_id, [found])[0]
    line = db.session.scalar(
        select(OrderLine).where(OrderLine.id == line_id).options(selectinload(OrderLine.makers))
    )
    alloc, producer_ids = postings.allocate_line(line)
    her_part = dict(zip(producer_ids, alloc.makers, strict=True))[producer_id]
    entries = [
        EntryRow(
            id=e.id,
            kind=kind,
            created_at=e.created_at,
            amount=-e.amount_kurus,
            available_at=e.available_at,
            memo=memo,
        )
        for e, kind, memo in db.session.execute(
            select(LedgerEntry, LedgerTransaction.kind, LedgerTransaction.memo)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.producer_id == producer_id, LedgerEntry.order_line_id == line_id)
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        )
    ]
    questions = list(
        db.session.scalars(
            select(StatementQuestion)
            .where(
                StatementQuestion.producer_id == producer_id,
                (StatementQuestion.order_line_id == line_id)
                | StatementQuestion.ledger_entry_id.in_([e.id for e in entries]),
            )
            .order_by(StatementQuestion.created_at.desc())
        )
    )
    return SaleDetail(
        row=row,
        vat_bp=line.vat_bp,
        commission_bp=line.commission_bp,
        vat_kurus=alloc.vat,
        commission_kurus=alloc.commission,
        her_part=her_part,
        entries=entries,
        questions=questions,
    )


# --- to bring to the centre ----------------------------------------------------------------------


@dataclass(frozen=True)
class BringRow:
    order_line_id: int
    order_number: str
    paid_at: datetime | None
    product_code: str
    title: str
    quantity: int
    partly_refunded: bool
    co_makers: tuple[str, ...] = ()


def to_bring(producer_id: int, limit: int = 500) -> list[BringRow]:
    """Her items in paid online orders that the centre has not received yet (received_at is
    NULL), oldest order first, leaving out lines refunded in full. Two queries."""
    refunded = (
        select(RefundLine.line_id, func.sum(RefundLine.amount_kurus).label("amount"))
        .group_by(RefundLine.line_id)
        .subquery()
    )
    refunded_amount = func.coalesce(refunded.c.amount, 0)
    rows = db.session.execute(
        select(
            OrderLine.id,
            Order.number,
            Order.paid_at,
            OrderLine.product_code,
            OrderLine.title,
            OrderLine.quantity,
            refunded_amount.label("refunded"),
        )
        .select_from(OrderLineMaker)
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.line_id == OrderLine.id)
        .where(
            OrderLineMaker.producer_id == producer_id,
            Order.status == "paid",
            Order.channel == "online",
            OrderLine.received_at.is_(None),
            refunded_amount < OrderLine.gross_kurus,
        )
        .order_by(Order.paid_at, Order.id, OrderLine.id)
        .limit(limit)
    ).all()
    partners: dict[int, list[str]] = {}
    if rows:
        for line_id, name in db.session.execute(
            select(OrderLineMaker.line_id, ProducerProfile.display_name)
            .join(ProducerProfile, ProducerProfile.id == OrderLineMaker.producer_id)
            .where(
                and_(
                    OrderLineMaker.line_id.in_([r[0] for r in rows]),
                    OrderLineMaker.producer_id != producer_id,
                )
            )
            .order_by(OrderLineMaker.line_id, ProducerProfile.display_name)
        ):
            partners.setdefault(line_id, []).append(name)
    return [
        BringRow(
            order_line_id=r[0],
            order_number=r[1],
            paid_at=r[2],
            product_code=r[3],
            title=r[4],
            quantity=r[5],
            partly_refunded=int(r[6]) > 0,
            co_makers=tuple(partners.get(r[0], ())),
        )
        for r in rows
    ]
