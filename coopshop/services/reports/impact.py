"""Impact: how many women earned through the cooperative, how much, where and how steadily.

Every figure is read from the ledger (no stored totals): what a woman *earned* in a period is the
sum of the sale and refund legs on her account booked in it (a refund lowers her earnings in the
period it is booked, the way her statement shows it); she *earned* in the period when at least
one sale credited her there. Paid out is the payout legs (less failed payouts) on the women's
accounts. Net sales are products without VAT: the cooperative's commission plus the makers'
parts; shipping and VAT are not sales of the women's work.

Definitions, so the numbers can be explained:
- new earner: her first sale ever falls in the period;
- still earning a year on: of the women whose first sale was at least 12 months before the
  period's end, those with a sale 12 months or more after their first one (and by the period's
  end);
- median and quartiles: over the earnings of the women who earned; the median of an even count
  is the mean of the two middle values, and the quartiles are the medians of the lower and the
  upper half (the middle value left out of both when the count is odd), rounded half up;
- a monthly threshold T is passed when her earnings in the period reach T × its months.

Centre and craft are the member's as recorded now (they are not snapshotted on the ledger).
The page is a fixed number of grouped queries whatever the size of the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    ProducerProfile,
)
from coopshop.money import BP, round_half_up
from coopshop.services.books.ledger import COMMISSION
from coopshop.services.reports.impact_periods import Period
from coopshop.services.reports.report_periods import local_bucket

EARNING_KINDS = ("sale", "refund")
PAYOUT_KINDS = ("payout", "payout_failed")
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Spread:
    """The distribution of earnings per woman, in kuruş."""

    count: int = 0
    lowest: int = 0
    q1: int = 0
    median: int = 0
    q3: int = 0
    highest: int = 0


@dataclass(frozen=True)
class Group:
    """One centre or craft (or "" when the member has none recorded)."""

    name: str
    women: int
    earned: int
    median: int


@dataclass(frozen=True)
class MonthFigures:
    month: str  # "YYYY-MM", Istanbul
    women: int
    earned: int


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    makers: int
    net_sales: int


@dataclass(frozen=True)
class Impact:
    period: Period
    women_earned: int
    new_earners: int
    retention_cohort: int  # women whose first sale was at least a year before the period's end
    retained: int  # of them, still earning a year after their first sale
    earned: int  # by the women, net of refunds, kuruş
    net_sales: int  # products without VAT: commission + makers' parts, net of refunds
    paid_out: int
    items: int  # items sold in the period (quantities of the order lines booked in it)
    spread: Spread
    thresholds: tuple[tuple[int, int], ...]  # (monthly threshold kuruş, women who reached it)
    bands: tuple[tuple[int, int | None, int], ...]  # (monthly from, below, women) per band
    months: tuple[MonthFigures, ...]
    channels: tuple[ChannelFigures, ...]
    centres: tuple[Group, ...]
    crafts: tuple[Group, ...]
    earnings: dict[int, int] = field(default_factory=dict, repr=False)  # producer id -> kuruş

    @property
    def women_share_bp(self) -> int:
        """The women's part of net sales, in basis points."""
        return round_half_up(self.earned * BP, self.net_sales) if self.net_sales > 0 else 0


def median_of(values: Sequence[int]) -> int:
    """The median of integers (kuruş), the mean of the two middle ones rounded half up."""
    n = len(values)
    if n == 0:
        return 0
    ordered = sorted(values)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return round_half_up(ordered[mid - 1] + ordered[mid], 2)


def spread_of(values: Sequence[int]) -> Spread:
    """Median and quartiles by the halves rule in the module's docstring."""
    if not values:
        return Spread()
    ordered = sorted(values)
    n = len(ordered)
    lower = ordered[: n // 2]
    upper = ordered[(n + 1) // 2 :]
    median = median_of(ordered)
    return Spread(
        count=n,
        lowest=ordered[0],
        q1=median_of(lower) if lower else median,
        median=median,
        q3=median_of(upper) if upper else median,
        highest=ordered[-1],
    )


def _kind():
    """A reversal counts as the kind of what it reverses (as in balances)."""
    reversed_txn = aliased(LedgerTransaction)
    return reversed_txn, func.coalesce(reversed_txn.kind, LedgerTransaction.kind)


def _producer_legs(kinds: Sequence[str], period: Period | None = None, until=None):
    """The legs on the women's accounts of transactions of ``kinds`` (a reversal counts as what
    it reverses), in the period or before ``until``. Returns the query (pick its columns with
    ``with_only_columns``) and the kind expression it joined."""
    reversed_txn, kind = _kind()
    query = (
        select(LedgerEntry.producer_id)
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == LedgerTransaction.reverses_id)
        .where(LedgerEntry.producer_id.is_not(None), kind.in_(kinds))
    )
    if period is not None:
        query = query.where(
            LedgerTransaction.created_at >= period.start, LedgerTransaction.created_at < period.end
        )
    if until is not None:
        query = query.where(LedgerTransaction.created_at < until)
    return query, kind


def _sale_credit(kind):
    """1 for a leg that credits a woman for a sale, else 0 (max() of it: "she sold")."""
    return case((and_(kind == "sale", LedgerEntry.amount_kurus < 0), 1), else_=0)


def _earnings(period: Period) -> tuple[dict[int, int], set[int]]:
    """Each woman's earnings in the period, and who had a sale credited in it (one query)."""
    query, kind = _producer_legs(EARNING_KINDS, period=period)
    query = query.with_only_columns(
        LedgerEntry.producer_id,
        func.sum(-LedgerEntry.amount_kurus),
        func.max(_sale_credit(kind)),
        maintain_column_froms=True,
    ).group_by(LedgerEntry.producer_id)
    earned: dict[int, int] = {}
    selling: set[int] = set()
    for producer_id, amount, sold in db.session.execute(query):
        earned[producer_id] = int(amount or 0)
        if sold:
            selling.add(producer_id)
    return earned, selling


def _first_and_last_sales(period: Period) -> dict[int, tuple]:
    """Each woman's first and last sale credit before the period's end (one query)."""
    query, _ = _producer_legs(("sale",), until=period.end)
    query = (
        query.with_only_columns(
            LedgerEntry.producer_id,
            func.min(LedgerTransaction.created_at),
            func.max(LedgerTransaction.created_at),
            maintain_column_froms=True,
        )
        .where(LedgerEntry.amount_kurus < 0)
        .group_by(LedgerEntry.producer_id)
    )
    return {pid: (first, last) for pid, first, last in db.session.execute(query)}


def _as_utc(value):
    """SQLite hands back naive datetimes for aggregates: they are UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _paid_out(period: Period) -> int:
    query, _ = _producer_legs(PAYOUT_KINDS, period=period)
    total = func.coalesce(func.sum(LedgerEntry.amount_kurus), 0)
    return int(db.session.scalar(query.with_only_columns(total, maintain_column_froms=True)) or 0)


def _channels(period: Period) -> tuple[ChannelFigures, ...]:
    """Makers' parts and net sales by channel (one query over sale and refund legs)."""
    reversed_txn, kind = _kind()
    is_maker = LedgerEntry.producer_id.is_not(None)
    is_commission = Account.code == COMMISSION
    rows = db.session.execute(
        select(
            Order.channel,
            func.sum(case((is_maker, -LedgerEntry.amount_kurus), else_=0)),
            func.sum(case((is_commission, -LedgerEntry.amount_kurus), else_=0)),
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == LedgerTransaction.reverses_id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(
            kind.in_(EARNING_KINDS),
            LedgerTransaction.created_at >= period.start,
            LedgerTransaction.created_at < period.end,
        )
        .group_by(Order.channel)
        .order_by(Order.channel)
    ).all()
    return tuple(
        ChannelFigures(channel, int(makers or 0), int(makers or 0) + int(commission or 0))
        for channel, makers, commission in rows
    )


def _items(period: Period) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(OrderLine.quantity), 0))
            .select_from(LedgerTransaction)
            .join(OrderLine, OrderLine.order_id == LedgerTransaction.order_id)
            .where(
                LedgerTransaction.kind == "sale",
                LedgerTransaction.created_at >= period.start,
                LedgerTransaction.created_at < period.end,
            )
        )
        or 0
    )


def _months(period: Period) -> tuple[MonthFigures, ...]:
    """Women who had a sale, and what the women earned, in each Istanbul month (one query)."""
    dialect = db.session.get_bind().dialect.name
    month = local_bucket(LedgerTransaction.created_at, "month", dialect)
    query, kind = _producer_legs(EARNING_KINDS, period=period)
    query = query.with_only_columns(
        month,
        LedgerEntry.producer_id,
        func.sum(-LedgerEntry.amount_kurus),
        func.max(_sale_credit(kind)),
        maintain_column_froms=True,
    ).group_by(month, LedgerEntry.producer_id)
    women: dict[str, int] = defaultdict(int)
    earned: dict[str, int] = defaultdict(int)
    for key, _pid, amount, credited in db.session.execute(query):
        earned[key] += int(amount or 0)
        women[key] += 1 if credited else 0
    return tuple(MonthFigures(key, women[key], earned[key]) for key in period.month_keys())


def _groups(earned: dict[int, int], selling: set[int], attribute) -> tuple[Group, ...]:
    """Centres or crafts of the women who earned, largest first (one query for the members)."""
    if not selling:
        return ()
    rows = db.session.execute(
        select(ProducerProfile.id, attribute).where(ProducerProfile.id.in_(sorted(selling)))
    ).all()
    members: dict[str, list[int]] = defaultdict(list)
    for producer_id, name in rows:
        members[(name or "").strip()].append(earned.get(producer_id, 0))
    groups = [
        Group(name, len(values), sum(values), median_of(values)) for name, values in members.items()
    ]
    return tuple(sorted(groups, key=lambda g: (-g.women, -g.earned, g.name)))


def bands_of(
    values: Sequence[int], months: int, monthly_thresholds: Sequence[int]
) -> tuple[tuple[int, int | None, int], ...]:
    """How many women earned, on average a month, below the first threshold, between each two,
    and from the last one up: ((0, t1, n), (t1, t2, n), ..., (tk, None, n))."""
    edges = [0, *sorted(t for t in monthly_thresholds if t > 0)]
    bands = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        count = sum(1 for v in values if v >= low * months and (high is None or v < high * months))
        bands.append((low, high, count))
    return tuple(bands)


def impact(period: Period, monthly_thresholds: Sequence[int] = ()) -> Impact:
    """Every figure of the impact page for one period."""
    earned_by, selling = _earnings(period)
    history = _first_and_last_sales(period)
    new = sum(1 for pid in selling if _as_utc(history[pid][0]) >= period.start)
    cohort = retained = 0
    for first, last in history.values():
        first, last = _as_utc(first), _as_utc(last)
        if first + YEAR <= period.end:
            cohort += 1
            retained += 1 if last >= first + YEAR else 0
    values = [earned_by.get(pid, 0) for pid in selling]
    months = period.months
    channels = _channels(period)
    return Impact(
        period=period,
        women_earned=len(selling),
        new_earners=new,
        retention_cohort=cohort,
        retained=retained,
        earned=sum(earned_by.values()),
        net_sales=sum(c.net_sales for c in channels),
        paid_out=_paid_out(period),
        items=_items(period),
        spread=spread_of(values),
        thresholds=tuple(
            (t, sum(1 for v in values if v >= t * months)) for t in sorted(monthly_thresholds)
        ),
        bands=bands_of(values, months, monthly_thresholds),
        months=_months(period),
        channels=channels,
        centres=_groups(earned_by, selling, ProducerProfile.centre),
        crafts=_groups(earned_by, selling, ProducerProfile.craft),
        earnings=earned_by,
    )
