"""Sales reports as aggregate queries over the ledger: by period, channel, collection, category,
centre, producer and VAT rate, for a date range (Istanbul days) and optionally one channel.

Money comes from the ledger only (sale and refund transactions), never from re-adding orders:
per line the sale credits VAT (vat:payable), the cooperative's commission (coop:commission) and
each maker's part (producer:<id>); shipping is credited to coop:shipping per order, its VAT to
vat:payable with no line (the report's shipping is the two together, as paid). So for any
row and any filter gross = net + VAT and net = commission + makers hold by construction, and
the totals equal the accounts' sums. Each amount sits in the period its ledger transaction was
booked (a sale when paid, a refund when refunded), so a past month never changes afterwards.

Dimensions use the order line's snapshot where there is one (VAT rate, makers and shares);
collection and category are not snapshotted on the line, so they come from the product as it
is now. Shipping belongs to an order, not to a line: it is counted in the period and channel
reports and left out of the line-level ones (see ``Report.includes_shipping``).

Every report is one or two grouped queries whatever the number of orders. The reports by
period, by member and by centre, and the summary, read the rollups (books.report_rollups: the
same sums per Istanbul day, channel and member, refreshed on posting and checked by `flask
ledger check`), so a year is a few hundred thousand rollup rows, not millions of entries; a
member's part of a line's VAT and commission is split per entry there, in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, cast, func, literal_column, or_, select

from coopshop.db import db
from coopshop.models import (
    Account,
    Category,
    Collection,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    ProducerProfile,
    Product,
    ReportRollup,
)
from coopshop.models.orders import CHANNELS
from coopshop.models.rollups import MEASURES, WHOLE
from coopshop.money import percent_text
from coopshop.services.books import report_rollups
from coopshop.services.books.ledger import SHIPPING, VAT
from coopshop.services.core import vocabulary
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.reports.report_periods import (
    bucket_of,
    bucket_start,
    bucket_starts,
)
from coopshop.turkey import ISTANBUL

DIMENSIONS = ("period", "channel", "collection", "category", "centre", "producer", "vat_rate")
ORDER_LEVEL = ("period", "channel")  # shipping can be attributed to these
GRAINS = ("month", "week", "day")
CHANNEL_LABELS = vocabulary.CHANNELS
_BP = literal_column("10000", BigInteger)  # typed, so that // is integer division


@dataclass(frozen=True)
class Parts:
    """What sales (or refunds) came to, split as the ledger splits them. Kuruş, positive."""

    vat: int = 0
    commission: int = 0
    makers: int = 0
    shipping: int = 0

    @property
    def net(self) -> int:
        """Products without VAT: the cooperative's commission plus the makers' share."""
        return self.commission + self.makers

    @property
    def gross(self) -> int:
        """Products with VAT (shipping not included)."""
        return self.net + self.vat

    @property
    def received(self) -> int:
        return self.gross + self.shipping

    def __add__(self, other: Parts) -> Parts:
        return Parts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __sub__(self, other: Parts) -> Parts:
        return Parts(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Figures:
    """Sales and refunds of one row; ``net`` is sales less refunds (what the period kept)."""

    sales: Parts = Parts()
    refunds: Parts = Parts()

    @property
    def net(self) -> Parts:
        return self.sales - self.refunds

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.sales + other.sales, self.refunds + other.refunds)


@dataclass(frozen=True)
class ReportFilter:
    """Istanbul calendar days ``start``..``end`` (both included), and optionally one channel."""

    start: date
    end: date
    channel: str | None = None

    @classmethod
    def default(cls, today: date | None = None) -> ReportFilter:
        """The last twelve months: from the first day of the month eleven months ago to today."""
        today = today or datetime.now(ISTANBUL).date()
        months = today.year * 12 + today.month - 1 - 11
        return cls(start=date(months // 12, months % 12 + 1, 1), end=today)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: Istanbul midnight of ``start`` to the one after ``end``."""
        begin = datetime.combine(self.start, time(0), tzinfo=ISTANBUL)
        after = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=ISTANBUL)
        return begin.astimezone(UTC), after.astimezone(UTC)


@dataclass(frozen=True)
class Row:
    key: str  # stable: "2026-04", "online", a collection's id, "" for "none"
    label: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    dimension: str
    grain: str
    filter: ReportFilter
    rows: tuple[Row, ...]
    total: Figures
    includes_shipping: bool


PARTS = report_rollups.PARTS


def _figures(row) -> Figures:
    def parts(txn_kind: str) -> Parts:
        return Parts(**{part: int(getattr(row, f"{txn_kind}_{part}")) for part in PARTS})

    return Figures(sales=parts("sale"), refunds=parts("refund"))


def _entries(f: ReportFilter, columns: list, *, lines_only: bool):
    """Sale and refund entries of the filter (line entries, plus shipping unless lines_only)."""
    txn, entry = LedgerTransaction, LedgerEntry
    begin, after = f.utc_bounds()
    wanted = entry.order_line_id.is_not(None)
    if not lines_only:
        wanted = or_(wanted, Account.code.in_((SHIPPING, VAT)))
    query = (
        select(*columns)
        .select_from(entry)
        .join(txn, txn.id == entry.transaction_id)
        .join(Account, Account.id == entry.account_id)
        .join(Order, Order.id == txn.order_id)
        .where(
            txn.kind.in_(("sale", "refund")),
            txn.created_at >= begin,
            txn.created_at < after,
            # The same bounds on the entries (ledger.post writes a transaction's entries with
            # its created_at), so a period's entries are read by ix_ledger_entries_created_at.
            entry.created_at >= begin,
            entry.created_at < after,
            wanted,
        )
    )
    if f.channel:
        query = query.where(Order.channel == f.channel)
    return query


def _measures_for_entries() -> list:
    e = LedgerEntry
    return report_rollups.measure_columns(
        e.amount_kurus, LedgerTransaction.kind, Account.code, e.producer_id, e.order_line_id
    )


def _grouped(f: ReportFilter, keys: list, *, lines_only: bool, joins=()) -> list:
    query = _entries(f, [*keys, *_measures_for_entries()], lines_only=lines_only)
    for target, onclause, outer in joins:
        query = query.join(target, onclause, isouter=outer)
    return list(db.session.execute(query.group_by(*keys)))


def _rollups(f: ReportFilter, keys: list, *, makers: bool, joins=()) -> list:
    """Sums of the rollups (books.report_rollups) over the filter's Istanbul days: the whole
    orders' rows, or the makers' (her entries and her part of each line's VAT and
    commission). A few rows a day, read by the (day, channel, producer) key."""
    r = ReportRollup
    query = select(*keys, *(cast(func.sum(getattr(r, m)), BigInteger).label(m) for m in MEASURES))
    query = query.where(r.day >= f.start.isoformat(), r.day <= f.end.isoformat())
    query = query.where(r.producer_id != WHOLE if makers else r.producer_id == WHOLE)
    if f.channel:
        query = query.where(r.channel == f.channel)
    for target, onclause in joins:
        query = query.join(target, onclause)
    return list(db.session.execute(query.group_by(*keys)))


def _label(row, locale: str, none: str) -> str:
    if row.id is None:
        return none
    return row.name_en if locale == "en" and row.name_en else row.name_tr


def vat_rate_label(vat_bp: int) -> str:
    """%20 in Turkish, 20% in English (the locale's own percent pattern)."""
    return percent_text(vat_bp)


def period_label(key: str, grain: str) -> str:
    """Nisan 2026 / 30 Mar 2026 haftası / 31 Mar 2026, in the current locale."""
    start = bucket_start(key)
    if grain == "month":
        return format_date(start, "LLLL y")
    if grain == "week":
        return str(_l("%(date)s haftası", date=format_date(start, "medium")))
    return format_date(start, "medium")


def _period_rows(f: ReportFilter, grain: str) -> list[Row]:
    found: dict[str, Figures] = {}
    for r in _rollups(f, [ReportRollup.day], makers=False):
        key = bucket_of(date.fromisoformat(r.day), grain)
        found[key] = found.get(key, Figures()) + _figures(r)
    # Every period of the range is shown, a quiet one with zeros.
    return [
        Row(key=key, label=period_label(key, grain), figures=found.get(key, Figures()))
        for key in bucket_starts(f.start, f.end, grain)
    ]


def _channel_rows(f: ReportFilter) -> list[Row]:
    return [
        Row(r.channel, str(CHANNEL_LABELS.get(r.channel, r.channel)), _figures(r))
        for r in _grouped(f, [Order.channel], lines_only=False)
    ]


def _vat_rate_rows(f: ReportFilter) -> list[Row]:
    joins = [(OrderLine, OrderLine.id == LedgerEntry.order_line_id, False)]
    rows = _grouped(f, [OrderLine.vat_bp], lines_only=True, joins=joins)
    return [Row(str(r.vat_bp), vat_rate_label(r.vat_bp), _figures(r)) for r in rows]


def _catalog_rows(f: ReportFilter, dimension: str, locale: str) -> list[Row]:
    model = Collection if dimension == "collection" else Category
    fk = Product.collection_id if dimension == "collection" else Product.category_id
    joins = [
        (OrderLine, OrderLine.id == LedgerEntry.order_line_id, False),
        (Product, Product.id == OrderLine.product_id, True),  # a deleted product: no name
        (model, model.id == fk, True),
    ]
    rows = _grouped(f, [model.id, model.name_tr, model.name_en], lines_only=True, joins=joins)
    none = str(_l("Koleksiyonsuz") if dimension == "collection" else _l("Bilinmiyor"))
    return [
        Row("" if r.id is None else str(r.id), _label(r, locale, none), _figures(r)) for r in rows
    ]


def _maker_rows(f: ReportFilter, dimension: str) -> list[Row]:
    joins = [(ProducerProfile, ProducerProfile.id == ReportRollup.producer_id)]
    if dimension == "producer":
        keys = [ProducerProfile.id, ProducerProfile.display_name]
        rows = _rollups(f, keys, makers=True, joins=joins)
        return [Row(str(r.id), r.display_name, _figures(r)) for r in rows]
    rows = _rollups(f, [ProducerProfile.centre], makers=True, joins=joins)
    none = str(_l("Merkez belirtilmemiş"))
    return [Row(r.centre, r.centre or none, _figures(r)) for r in rows]


def report(
    dimension: str,
    f: ReportFilter | None = None,
    *,
    grain: str = "month",
    locale: str = "tr",
) -> Report:
    """The report by ``dimension`` (one of DIMENSIONS) for filter ``f`` (default: the last
    twelve months, every channel). Periods and VAT rates come in order; the other rows by
    sales net of refunds, largest first. ``total`` is the sum of the rows."""
    f = f or ReportFilter.default()
    if dimension not in DIMENSIONS:
        raise ValidationFailed(_l("Bilinmeyen rapor kırılımı."), field="dimension")
    if grain not in GRAINS:
        raise ValidationFailed(_l("Bilinmeyen dönem."), field="grain")
    if f.channel is not None and f.channel not in CHANNELS:
        raise ValidationFailed(_l("Bilinmeyen satış kanalı."), field="channel")
    if f.end < f.start:
        raise ValidationFailed(_l("Bitiş tarihi başlangıçtan önce olamaz."), field="end")
    if dimension == "period":
        rows = _period_rows(f, grain)
    elif dimension == "channel":
        rows = _channel_rows(f)
    elif dimension == "vat_rate":
        rows = _vat_rate_rows(f)
    elif dimension in ("collection", "category"):
        rows = _catalog_rows(f, dimension, locale)
    else:
        rows = _maker_rows(f, dimension)
    if dimension not in ("period", "vat_rate"):
        rows.sort(key=lambda r: (-r.figures.net.gross, r.label.casefold(), r.key))
    elif dimension == "vat_rate":
        rows.sort(key=lambda r: int(r.key))
    total = sum((r.figures for r in rows), Figures())
    return Report(
        dimension=dimension,
        grain=grain,
        filter=f,
        rows=tuple(rows),
        total=total,
        includes_shipping=dimension in ORDER_LEVEL,
    )


def summary(f: ReportFilter | None = None) -> Figures:
    """Everything the filter holds, shipping included, in one query."""
    f = f or ReportFilter.default()
    rows = _rollups(f, [], makers=False)
    return _figures(rows[0]) if rows and rows[0].sale_vat is not None else Figures()
