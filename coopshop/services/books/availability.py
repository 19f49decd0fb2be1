"""When a maker's money on an order may be paid out, and where it stands in the ledger.

A sale books each maker's share with a date (available_at_for); delivery moves it to the end of
the withdrawal window (payable_after_delivery); an open withdrawal request holds it (ON_HOLD).
The posting recipes that move it are in postings.py; these are the dates and the reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
)
from coopshop.services.core.errors import LedgerError
from coopshop.services.core.settings import CoopSettings

# A maker's share of a line with an open withdrawal request waits here until the request is
# resolved (move_availability back to a real date); far enough to be never, near enough that
# Europe/Istanbul time can still show it.
ON_HOLD = datetime(9000, 1, 1, tzinfo=UTC)


def available_at_for(order: Order, settings: CoopSettings) -> datetime:
    """When a maker's part of this order may be paid out, as booked with the sale.

    Online (a distance sale): the longest wait, ``max_payable_wait_days`` after payment; when the
    order is delivered, post_delivery_availability moves it to the end of the withdrawal window
    counted from delivery. Bazaar and bank-transfer sales: after the offline delay (usually at
    once)."""
    if order.paid_at is None:
        raise LedgerError(_l("Sipariş %(number)s ödenmemiş.", number=order.number))
    days = (
        settings.max_payable_wait_days
        if order.channel == "online"
        else settings.offline_available_days
    )
    return order.paid_at + timedelta(days=days)


def payable_after_delivery(delivered_at: datetime, settings: CoopSettings) -> datetime:
    """The end of the buyer's withdrawal window: when a delivered online sale becomes payable."""
    return delivered_at + timedelta(days=settings.return_window_days)


def _positions(order_id: int, line_ids: Iterable[int] | None = None):
    """Each maker's net position on this order: (line id, producer id, available_at) -> the sum
    of her entries there (a credit is negative), zeros left out. One grouped query."""
    query = (
        select(
            LedgerEntry.order_line_id,
            LedgerEntry.producer_id,
            LedgerEntry.available_at,
            func.sum(LedgerEntry.amount_kurus),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.order_id == order_id, LedgerEntry.producer_id.is_not(None))
        .group_by(LedgerEntry.order_line_id, LedgerEntry.producer_id, LedgerEntry.available_at)
    )
    if line_ids is not None:
        query = query.where(LedgerEntry.order_line_id.in_(sorted(set(line_ids))))
    return {
        (line_id, producer_id, available_at): int(total)
        for line_id, producer_id, available_at, total in db.session.execute(query)
        if int(total) != 0
    }


def refund_available_at(
    order_id: int, line_ids: Iterable[int], now: datetime
) -> dict[tuple[int, int], datetime]:
    """(line id, producer id) -> when a refund debit of her share of that line takes effect: the
    date her (remaining) credit for it becomes available, or ``now`` if it already has. So a
    refund of a sale still pending reduces her pending money, not what she may be paid today."""
    latest: dict[tuple[int, int], datetime] = {}
    for (line_id, producer_id, available_at), net in _positions(order_id, line_ids).items():
        if net < 0 and available_at is not None:
            key = (line_id, producer_id)
            latest[key] = max(latest.get(key, available_at), available_at)
    return {key: max(at, now) for key, at in latest.items()}


def makers_refunded(order_id: int) -> dict[tuple[int, int], int]:
    """(line id, producer id) -> what the order's refunds have taken back from that maker so
    far, as booked: the next step's split starts from it (money.refund_makers)."""
    rows = db.session.execute(
        select(
            LedgerEntry.order_line_id, LedgerEntry.producer_id, func.sum(LedgerEntry.amount_kurus)
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.kind == "refund",
            LedgerTransaction.order_id == order_id,
            LedgerEntry.producer_id.is_not(None),
        )
        .group_by(LedgerEntry.order_line_id, LedgerEntry.producer_id)
    )
    return {(line_id, producer_id): int(total) for line_id, producer_id, total in rows}
