"""A member's earnings at a glance: her balances (services.balances), this month against last,
twelve months by channel, her best products and her latest sales.

Every number is an aggregate over her ledger entries; nothing is stored. The page costs the same
few queries whether she has sold ten things or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction, Order, OrderLine, Product, utcnow
from coopshop.models.orders import CHANNELS
from coopshop.services.books import balances
from coopshop.services.books.balances import ProducerBalance
from coopshop.services.reports.producer_sales import SaleRow, latest_sales
from coopshop.turkey import ISTANBUL

LOCAL = ISTANBUL  # the one definition is coopshop.turkey's
CHART_MONTHS = 12
TOP_PRODUCTS = 5
LATEST_SALES = 10


def local_month(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(LOCAL)
    return local.year, local.month


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    years, month0 = divmod(month - 1 + months, 12)
    return year + years, month0 + 1


def month_start(year: int, month: int) -> datetime:
    """Midnight of the month's first day in Istanbul, as an aware datetime (compared in UTC)."""
    return datetime(year, month, 1, tzinfo=LOCAL)


@dataclass(frozen=True)
class MonthEarnings:
    """Her part of sales less refunds booked in one month, per channel."""

    year: int
    month: int
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    code: str
    title_tr: str
    title_en: str
    quantity: int
    earned: int

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_tr


@dataclass(frozen=True)
class Dashboard:
    balance: ProducerBalance
    months: list[MonthEarnings]  # oldest first; the last is the current month
    top_products: list[TopProduct]
    latest: list[SaleRow]
    # Why her pending money waits (balances.pending_reasons): the window after delivery, a
    # delivery not yet recorded, a buyer's open withdrawal request.
    pending_parts: list[balances.PendingPart] = field(default_factory=list)

    @property
    def this_month(self) -> int:
        return self.months[-1].total

    @property
    def last_month(self) -> int:
        return self.months[-2].total

    @property
    def change(self) -> int:
        return self.this_month - self.last_month

    @property
    def chart_max(self) -> int:
        """The tallest bar: the largest month's positive parts stacked."""
        return max((sum(v for v in m.by_channel.values() if v > 0) for m in self.months), default=0)


def _month_bounds(now: datetime, count: int) -> tuple[list[tuple[int, int]], list[datetime]]:
    year, month = local_month(now)
    months = [add_months(year, month, i - count + 1) for i in range(count)]
    bounds = [month_start(y, m) for y, m in months]
    bounds.append(month_start(*add_months(year, month, 1)))
    return months, bounds


def monthly_earnings(
    producer_id: int, now: datetime | None = None, count: int = CHART_MONTHS
) -> list[MonthEarnings]:
    """Her earnings for each of the last ``count`` months (Istanbul months) by channel, in one
    grouped query. Only sale and refund entries carry an order line, so those are the ones
    counted; the month of an entry is the month it was booked."""
    months, bounds = _month_bounds(now or utcnow(), count)
    bucket = case(
        *[(LedgerEntry.created_at < bounds[i + 1], i) for i in range(count)],
    ).label("bucket")
    inner = (
        select(
            bucket,
            Order.channel.label("channel"),
            (-LedgerEntry.amount_kurus).label("owed"),
        )
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.order_line_id.is_not(None),
            LedgerEntry.created_at >= bounds[0],
            LedgerEntry.created_at < bounds[-1],
        )
        .subquery()
    )
    totals: dict[tuple[int, str], int] = {}
    for index, channel, amount in db.session.execute(
        select(inner.c.bucket, inner.c.channel, func.sum(inner.c.owed)).group_by(
            inner.c.bucket, inner.c.channel
        )
    ):
        totals[(int(index), channel)] = int(amount)
    return [
        MonthEarnings(
            year=y,
            month=m,
            by_channel={c: totals.get((i, c), 0) for c in CHANNELS},
        )
        for i, (y, m) in enumerate(months)
    ]


def top_products(
    producer_id: int, now: datetime | None = None, limit: int = TOP_PRODUCTS
) -> list[TopProduct]:
    """Her products that earned her most over the chart's twelve months (after refunds)."""
    _, bounds = _month_bounds(now or utcnow(), CHART_MONTHS)
    sold = func.coalesce(
        func.sum(case((LedgerTransaction.kind == "sale", OrderLine.quantity), else_=0)), 0
    )
    earned = func.coalesce(func.sum(-LedgerEntry.amount_kurus), 0)
    rows = db.session.execute(
        select(Product.id, Product.code, Product.title_tr, Product.title_en, sold, earned)
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.created_at >= bounds[0],
            LedgerEntry.created_at < bounds[-1],
        )
        .group_by(Product.id, Product.code, Product.title_tr, Product.title_en)
        .order_by(earned.desc(), Product.id)
        .limit(limit)
    )
    return [
        TopProduct(
            product_id=r[0],
            code=r[1],
            title_tr=r[2],
            title_en=r[3],
            quantity=int(r[4]),
            earned=int(r[5]),
        )
        for r in rows
    ]


def dashboard(producer_id: int, now: datetime | None = None) -> Dashboard:
    """Everything the earnings page shows, in six queries."""
    now = now or utcnow()
    return Dashboard(
        balance=balances.balance(producer_id, as_of=now),
        months=monthly_earnings(producer_id, now),
        top_products=top_products(producer_id, now),
        latest=latest_sales(producer_id, LATEST_SALES),
        pending_parts=balances.pending_reasons(producer_id, as_of=now),
    )
