"""A member's sales: her lines (co-made ones with her share only), filtered and paged by keyset;
one line in detail. What she still has to bring to the centre is in reports/to_bring.py.

Her part of a line is read from her ledger entries (sale credits less refund debits), so these
pages agree with her balance. Every listing is a fixed number of queries, however long her
history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, select, tuple_
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    OrderLineMaker,
    StatementQuestion,
)
from coopshop.models.orders import CHANNELS
from coopshop.services.books import balances, postings
from coopshop.services.books.ledger import to_member
from coopshop.services.core import paging, vocabulary
from coopshop.services.core.errors import NotFound
from coopshop.services.core.paging import KeysetPage

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


def _filtered(query, filters: SalesFilter | None):
    filters = filters or SalesFilter()
    if filters.start is not None:
        query = query.where(Order.paid_at >= filters.start)
    if filters.end is not None:
        query = query.where(Order.paid_at < filters.end)
    if filters.channel in CHANNELS:
        query = query.where(Order.channel == filters.channel)
    if filters.product_id is not None:
        query = query.where(OrderLine.product_id == filters.product_id)
    return query


def _her_lines(producer_id: int, filters: SalesFilter | None = None):
    """Her paid lines: every paid order is in the ledger (sales.order_states.mark_paid)."""
    query = (
        select(*_LINE_COLUMNS)
        .select_from(OrderLineMaker)
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLineMaker.producer_id == producer_id, Order.status == "paid")
    )
    return _filtered(query, filters)


def _her_sale_entries(producer_id: int, filters: SalesFilter | None = None):
    """Her paid lines read from her side of the ledger: one sale credit per line she made
    (part of), booked at the order's payment (postings.post_sale: created_at is paid_at). Walked
    newest first along ix_ledger_entries_producer_covering, so a page reads its own rows
    only, however long her history."""
    query = (
        select(*_LINE_COLUMNS, LedgerEntry.created_at.label("booked_at"))
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(
            OrderLineMaker,
            and_(
                OrderLineMaker.line_id == LedgerEntry.order_line_id,
                OrderLineMaker.producer_id == LedgerEntry.producer_id,
            ),
        )
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.order_line_id.is_not(None),
            LedgerTransaction.kind == "sale",
            Order.status == "paid",
        )
    )
    return _filtered(query, filters)


def _her_part_columns():
    amount = LedgerEntry.amount_kurus
    kind = LedgerTransaction.kind
    return (
        func.coalesce(func.sum(case((kind == "sale", to_member(amount)), else_=0)), 0).label(
            "earned"
        ),
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


def sales(
    producer_id: int,
    filters: SalesFilter | None = None,
    *,
    after: str | None = None,
    before: str | None = None,
    per_page: int = PER_PAGE,
) -> KeysetPage:
    """One page of her sale lines, newest first: the first page, the one after the cursor
    ``after`` (older lines) or the one before ``before`` (newer lines). Two queries (the lines,
    her parts of them), the same on page 1 and page 500: the cursor is where the page starts in
    the index, no count and no OFFSET. A malformed cursor reads the first page. The page, the
    dashboard's latest sales and the API's /me/sales all page through here."""
    key = (LedgerEntry.created_at, LedgerEntry.order_line_id)
    query = _her_sale_entries(producer_id, filters)
    backwards = paging.decode_cursor(before) is not None and paging.decode_cursor(after) is None
    cursor = paging.decode_cursor(before if backwards else after)
    if cursor is not None:
        place = tuple_(literal(cursor[0], LedgerEntry.created_at.type), literal(cursor[1]))
        query = query.where(tuple_(*key) > place if backwards else tuple_(*key) < place)
    order = [k.asc() for k in key] if backwards else [k.desc() for k in key]
    found = list(db.session.execute(query.order_by(*order).limit(per_page + 1)))
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
    first = paging.encode_cursor(found[0].booked_at, found[0][0]) if found else None
    last = paging.encode_cursor(found[-1].booked_at, found[-1][0]) if found else None
    return KeysetPage(
        items=_rows(producer_id, found),
        per_page=per_page,
        next_cursor=last if (more or backwards) else None,
        prev_cursor=first if (more if backwards else cursor is not None) else None,
    )


def latest_sales(producer_id: int, limit: int = 10) -> list[SaleRow]:
    return list(sales(producer_id, per_page=limit).items)


def totals(producer_id: int, filters: SalesFilter | None = None) -> SalesTotals:
    """What the filtered lines add up to (her part), in one aggregate pass over her own sale
    and refund entries (ix_ledger_entries_producer_covering), not over the lines table."""
    kind = LedgerTransaction.kind
    is_sale = kind == "sale"
    query = (
        select(
            func.count(case((is_sale, 1))),
            func.coalesce(func.sum(case((is_sale, OrderLine.quantity), else_=0)), 0),
            *_her_part_columns(),
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.order_line_id.is_not(None),
            kind.in_(("sale", "refund")),
            Order.status == "paid",
        )
    )
    row = db.session.execute(_filtered(query, filters)).one()
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
            amount=to_member(e.amount_kurus),
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
