"""The ledger check's rules on the makers' money: each producer's balance as her documents say,
payouts within what was available, availability moves that sum to zero for every maker and line,
and online sales not payable before their withdrawal window (joined into ledger_check.CHECKS).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
)
from coopshop.models.base import UTCDateTime
from coopshop.services.books.ledger_check import Violation, _tl
from coopshop.services.books.producer_earnings import expected_from_documents
from coopshop.services.core import settings as settings_service


def producer_balances() -> list[Violation]:
    """Each producer's ledger balance equals her earnings − refunds (recomputed from the orders
    and refund lines) − payouts − deductions and fees (as booked)."""
    txn = LedgerTransaction
    reversed_txn = aliased(LedgerTransaction)
    kind = func.coalesce(reversed_txn.kind, txn.kind)
    rows = db.session.execute(
        select(Account.producer_id, kind, func.sum(LedgerEntry.amount_kurus))
        .join(LedgerEntry, LedgerEntry.account_id == Account.id)
        .join(txn, txn.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == txn.reverses_id)
        .where(Account.producer_id.is_not(None))
        .group_by(Account.producer_id, kind)
    )
    booked: dict[int, dict[str, int]] = {}
    for producer_id, k, amount in rows:
        booked.setdefault(producer_id, {})[k] = -int(amount)  # from her side: owed to her
    earned, refunded = expected_from_documents()
    violations = []
    for producer_id in sorted(booked.keys() | earned.keys()):
        by_kind = booked.get(producer_id, {})
        balance = sum(by_kind.values())
        payouts = -(by_kind.get("payout", 0) + by_kind.get("payout_failed", 0))
        others = -sum(
            v for k, v in by_kind.items() if k not in ("sale", "refund", "payout", "payout_failed")
        )
        expected = earned.get(producer_id, 0) - refunded.get(producer_id, 0) - payouts - others
        if balance != expected:
            violations.append(
                Violation(
                    "producer_balance",
                    f"producer {producer_id}: ledger balance {_tl(balance)} but earnings "
                    f"{_tl(earned.get(producer_id, 0))} − refunds "
                    f"{_tl(refunded.get(producer_id, 0))} − payouts {_tl(payouts)} − "
                    f"deductions and fees {_tl(others)} = {_tl(expected)}",
                    producer_id=producer_id,
                )
            )
    return violations


def _payouts():
    """Each payout transaction's debit of each producer: (txn id, booked at, producer, amount),
    with its place among her payouts (0, 1, ...) in transaction order."""
    payout = aliased(LedgerTransaction)
    return (
        select(
            payout.id.label("txn_id"),
            payout.created_at.label("created_at"),
            LedgerEntry.producer_id.label("producer_id"),
            func.sum(LedgerEntry.amount_kurus).label("amount"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == payout.id)
        .where(payout.kind == "payout", LedgerEntry.producer_id.is_not(None))
        .group_by(payout.id, payout.created_at, LedgerEntry.producer_id)
    )


def _available_by_place() -> dict[tuple[int, int], int]:
    """(producer, k) -> the sum of her entries that first count for her payout number k.

    An entry counts for a payout when it is of an earlier transaction and effective
    (available_at, else booked) by the payout's time. With her payouts in transaction order
    and their times never going back, the payouts an entry counts for are those from number
    k = max(a, b) on, where a is the number of her payouts of its transaction or before and b
    the number booked before it is effective: two running counts over her entries and payouts
    together, one sort each, instead of a sum over her history for every payout."""
    payouts = _payouts().subquery("p")
    entry = LedgerEntry
    effective = func.coalesce(entry.available_at, entry.created_at)
    rows = union_all(
        select(
            entry.producer_id.label("producer_id"),
            entry.transaction_id.label("txn_id"),
            effective.label("at"),
            entry.amount_kurus.label("amount"),
            literal_column("0", Integer).label("is_payout"),
        ).where(entry.producer_id.is_not(None)),
        select(
            payouts.c.producer_id,
            payouts.c.txn_id,
            payouts.c.created_at,
            literal_column("0", BigInteger),
            literal_column("1", Integer),
        ),
    ).subquery("rows")
    r = rows.c
    up_to = (r.txn_id, r.is_payout.desc())  # her payout before her entries of its transaction
    a = func.sum(r.is_payout).over(partition_by=r.producer_id, order_by=up_to, rows=(None, 0))
    by_time = (r.at, r.is_payout)  # her entries before a payout of the same moment
    b = func.sum(r.is_payout).over(partition_by=r.producer_id, order_by=by_time, rows=(None, 0))
    counted = select(r.producer_id, r.is_payout, r.amount, a.label("a"), b.label("b")).subquery(
        "counted"
    )
    c = counted.c
    k = case((c.a > c.b, c.a), else_=c.b)
    grouped = (
        select(c.producer_id, k.label("k"), func.sum(c.amount))
        .where(c.is_payout == 0)
        .group_by(c.producer_id, k)
    )
    return {(p, int(place)): int(total) for p, place, total in db.session.execute(grouped)}


def payouts_within_available() -> list[Violation]:
    """A payout never takes more than was available to her just before it: the sum of her
    entries of earlier transactions, effective (available_at, else booked) by its time.

    Set-based (_available_by_place): her payouts are numbered in transaction order and each
    entry gets the number of the first payout it counts for, so what was available before
    payout j is a running sum over those numbers. That holds while her payouts' times never go
    back as their ids grow (as ledger.post books them); a producer whose payouts do (a
    back-dated posting) is checked with the sum over her history for each payout instead."""
    violations = []
    for (txn_id, producer_id), (amount, available) in sorted(available_before().items()):
        if amount > available:
            violations.append(
                Violation(
                    "payout",
                    f"payout transaction #{txn_id} pays producer {producer_id} {_tl(amount)} "
                    f"but only {_tl(available)} was available",
                    transaction_id=txn_id,
                    producer_id=producer_id,
                )
            )
    return violations


def available_before() -> dict[tuple[int, int], tuple[int, int]]:
    """(payout txn id, producer) -> (what it pays her, what was available to her before it)."""
    payouts = [row._tuple() for row in db.session.execute(_payouts())]
    payouts.sort(key=lambda p: (p[2], p[0]))
    by_place = _available_by_place()
    out_of_order, before = set(), {}
    for producer_id, theirs in groupby(payouts, key=lambda p: p[2]):
        theirs = list(theirs)
        if any(b[1] < a[1] for a, b in zip(theirs, theirs[1:], strict=False)):
            out_of_order.add(producer_id)
            continue
        total = 0
        for place, (txn_id, _, _, amount) in enumerate(theirs):
            total += by_place.get((producer_id, place), 0)
            before[txn_id, producer_id] = (int(amount), -total)
    for txn_id, producer_id, amount, available in correlated(out_of_order):
        before[txn_id, producer_id] = (int(amount), int(available))
    return before


def correlated(producer_ids: set[int]):
    """(txn id, producer, amount, available before) of these producers' payouts, one sum over
    her earlier entries per payout (for payouts booked out of time order)."""
    if not producer_ids:
        return []
    payouts = _payouts().where(LedgerEntry.producer_id.in_(sorted(producer_ids))).subquery()
    earlier = aliased(LedgerEntry)
    available = (
        select(func.coalesce(-func.sum(earlier.amount_kurus), 0))
        .where(
            earlier.producer_id == payouts.c.producer_id,
            earlier.transaction_id < payouts.c.txn_id,
            func.coalesce(earlier.available_at, earlier.created_at) <= payouts.c.created_at,
        )
        .scalar_subquery()
    )
    return db.session.execute(
        select(payouts.c.txn_id, payouts.c.producer_id, payouts.c.amount, available)
    ).all()


def availability_moves() -> list[Violation]:
    """An 'availability' transaction only moves a maker's money in time: every leg on a
    producer account, and its legs sum to zero for each maker and each line."""
    total = func.sum(LedgerEntry.amount_kurus)
    rows = db.session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.order_id,
            LedgerEntry.producer_id,
            LedgerEntry.order_line_id,
            total,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind == "availability")
        .group_by(
            LedgerTransaction.id,
            LedgerTransaction.order_id,
            LedgerEntry.producer_id,
            LedgerEntry.order_line_id,
        )
        .having(or_(total != 0, LedgerEntry.producer_id.is_(None)))
        .order_by(LedgerTransaction.id)
    )
    return [
        Violation(
            "availability",
            f"availability transaction #{tid} (order id {order_id}) "
            + (
                f"moves {_tl(int(s))} off producers' accounts"
                if producer_id is None
                else f"does not sum to zero for producer {producer_id}, line {line_id}: "
                f"{_tl(int(s))}"
            ),
            transaction_id=tid,
            order_id=order_id,
            producer_id=producer_id,
        )
        for tid, order_id, producer_id, line_id, s in rows
    ]


def online_sales_not_payable_early() -> list[Violation]:
    """No maker's share of an online sale is available before the buyer's withdrawal window
    closed (RETURN_WINDOW_DAYS after delivery), or, with no delivery recorded by then, before
    the longest wait after payment (MAX_PAYABLE_WAIT_DAYS): per order, line and maker, what her
    entries credit her before that moment nets to no credit at all. Checked with the current
    settings, streamed one order at a time."""
    settings = settings_service.current()
    window = timedelta(days=settings.return_window_days)
    longest = timedelta(days=settings.max_payable_wait_days)
    if db.engine.dialect.name == "postgresql":
        rows = _early_in_sql(settings.return_window_days, settings.max_payable_wait_days)
    else:
        rows = _early_in_python(window, longest)
    return [
        Violation(
            "availability",
            f"order {number} (id {order_id}), line {line_id}: producer "
            f"{producer_id} is credited {_tl(-early)} available before "
            f"{bound.isoformat()} (withdrawal window or longest wait)",
            order_id=order_id,
            producer_id=producer_id,
        )
        for order_id, number, line_id, producer_id, bound, early in rows
    ]


def _online_entries(*columns):
    return (
        select(*columns)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(
            Order.channel == "online",
            Order.paid_at.is_not(None),
            LedgerEntry.producer_id.is_not(None),
        )
    )


def _early_in_sql(window_days: int, longest_days: int) -> list[tuple]:
    """PostgreSQL: one grouped query; only the orders, lines and makers credited early come
    back (the bound as ``least`` of the two, which skips a missing delivery)."""

    def days(n: int):
        return literal_column(f"interval '{int(n)} days'")

    bound = func.least(Order.paid_at + days(longest_days), Order.delivered_at + days(window_days))
    bound = type_coerce(bound, UTCDateTime).label("bound")
    early = func.sum(
        case(
            (
                and_(LedgerEntry.available_at.is_not(None), LedgerEntry.available_at < bound),
                LedgerEntry.amount_kurus,
            ),
            else_=0,
        )
    )
    keys = (Order.id, Order.number, LedgerEntry.order_line_id, LedgerEntry.producer_id)
    query = (
        _online_entries(*keys, bound, early)
        .group_by(*keys, Order.paid_at, Order.delivered_at)
        .having(early < 0)
        .order_by(Order.id, LedgerEntry.order_line_id, LedgerEntry.producer_id)
    )
    return [(*row[:5], int(row[5])) for row in db.session.execute(query)]


def _early_in_python(window: timedelta, longest: timedelta) -> list[tuple]:
    """SQLite (development and tests): streamed one order at a time, the same rule."""
    columns = (
        Order.id,
        Order.number,
        Order.paid_at,
        Order.delivered_at,
        LedgerEntry.order_line_id,
        LedgerEntry.producer_id,
        LedgerEntry.available_at,
    )
    rows = db.session.execute(
        _online_entries(*columns, func.sum(LedgerEntry.amount_kurus).label("amount"))
        .group_by(*columns)
        .order_by(Order.id, LedgerEntry.order_line_id, LedgerEntry.producer_id)
        .execution_options(yield_per=5000)
    )
    found = []
    for (order_id, line_id, producer_id), group in groupby(
        rows, key=lambda r: (r.id, r.order_line_id, r.producer_id)
    ):
        group = list(group)
        first = group[0]
        bound = first.paid_at + longest
        if first.delivered_at is not None:
            bound = min(bound, first.delivered_at + window)
        early = sum(
            int(r.amount) for r in group if r.available_at is not None and r.available_at < bound
        )
        if early < 0:
            found.append((order_id, first.number, line_id, producer_id, bound, early))
    return found
