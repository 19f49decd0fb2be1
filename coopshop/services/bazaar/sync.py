"""Tickets from point-of-sale devices that may have sold offline, recorded exactly once.

A device gives every ticket its own id (``client_ref``, a UUID made when the ticket is rung up)
and keeps it until the server confirms it. The server records a ticket once: the id is unique
on ``offline_tickets`` and on the sale's payment, so a ticket sent again — a retry after a lost
answer, a reload, a second device, a restored backup, or two sends racing — answers with the
order it first became.

A ticket is a sale that already happened: the goods left the table. So it is recorded even when
stock ran out meanwhile (the shortfall is kept on the order line for staff to correct) and at
the price the device showed (a different catalogue price is kept beside it for an admin to
review); such a ticket counts its conflicts until staff mark it resolved. It is booked at the
time it was rung up, kept within the session's opening and now, so the bazaar's day is right.

Each device also reports how many tickets it still holds unsent; closing the desk waits for all
of them (services.bazaar.cash.close_session).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import CashSession, OfflineTicket, Order, OrderLine, PosDevice, Product, utcnow
from coopshop.services.bazaar import cash
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.catalog import listing
from coopshop.services.core import audit
from coopshop.services.core.errors import NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales.orders import LineRequest

LABEL_MAX = 60
SLIP_MAX = 40


@dataclass(frozen=True)
class DeviceLine:
    code: str
    quantity: int
    unit_price_kurus: int  # what the device showed and the buyer paid


@dataclass(frozen=True)
class DeviceTicket:
    client_ref: str
    device_id: str
    cash_session_id: int
    payment_method: str  # "cash" or "card_terminal"
    lines: Sequence[DeviceLine]
    rung_at: datetime
    actor_id: int | None
    slip_number: str = ""


@dataclass(frozen=True)
class Synced:
    order: Order
    ticket: OfflineTicket
    first_time: bool  # False: the ticket was already recorded; this is its first order


def find(client_ref: str) -> OfflineTicket | None:
    return db.session.scalar(select(OfflineTicket).where(OfflineTicket.client_ref == client_ref))


def _existing(client_ref: str) -> Synced | None:
    ticket = find(client_ref)
    if ticket is None:
        return None
    return Synced(db.session.get(Order, ticket.order_id), ticket, first_time=False)


def _booked_at(session: CashSession, rung_at: datetime, now: datetime) -> datetime:
    """The ticket's time on the device, kept between the desk's opening and now (a device clock
    can be wrong either way)."""
    if rung_at.tzinfo is None:
        raise ValidationFailed(_l("Fiş zamanı saat dilimiyle verilmeli."), field="rung_at")
    return min(max(rung_at, session.opened_at), now)


def _check(ticket: DeviceTicket) -> None:
    if ticket.payment_method not in bazaar.PAYMENT_METHODS:
        raise ValidationFailed(_l("Ödeme yolu nakit ya da kart olmalı."), field="payment_method")
    if not ticket.lines:
        raise ValidationFailed(_l("Fiş boş."), field="lines")
    if len(ticket.slip_number) > SLIP_MAX:
        raise ValidationFailed(
            _l("Slip numarası en fazla %(n)d karakter olabilir.", n=SLIP_MAX), field="slip_number"
        )


def _lines_of(ticket: DeviceTicket) -> list[LineRequest]:
    return [
        LineRequest(
            quantity=line.quantity,
            code=bazaar.normalize_code(line.code),
            unit_price_kurus=line.unit_price_kurus,
        )
        for line in ticket.lines
    ]


def _ticket_row(ticket: DeviceTicket, session_id: int, order, now: datetime) -> OfflineTicket:
    """The device's ticket as recorded, with how many of its lines met a conflict (stock short
    or a price changed since it was rung)."""
    row = OfflineTicket(
        client_ref=ticket.client_ref,
        device_id=ticket.device_id,
        cash_session_id=session_id,
        order_id=order.id,
        rung_at=ticket.rung_at,
        synced_at=now,
        slip_number=ticket.slip_number.strip(),
        conflicts=sum(
            1 for line in order.lines if line.stock_short or line.list_price_kurus is not None
        ),
    )
    db.session.add(row)
    db.session.flush()
    return row


def record(
    ticket: DeviceTicket, settings: CoopSettings | None = None, now: datetime | None = None
) -> Synced:
    """Record a device's ticket once (see the module's docstring). A closed desk or an unknown
    product raise and nothing is written; the device keeps the ticket and shows why."""
    found = _existing(ticket.client_ref)
    if found is not None:
        return found
    _check(ticket)
    now = now or utcnow()
    session = cash.get(ticket.cash_session_id)
    booked_at = _booked_at(session, ticket.rung_at, now)
    try:
        with db.session.begin_nested():
            order = bazaar.sell(
                session.id,
                _lines_of(ticket),
                ticket.payment_method,
                ticket.actor_id,
                ticket_ref=ticket.client_ref,
                settings=settings,
                now=booked_at,
                already_sold=True,
            )
            row = _ticket_row(ticket, session.id, order, now)
            conflicts = row.conflicts
    except IntegrityError:
        # The same ticket recorded a moment ago by another request (two devices, a retry that
        # overtook its first send): the unique ids stopped the second; answer with the first.
        found = _existing(ticket.client_ref)
        if found is None:
            raise
        return found
    audit.record(
        ticket.actor_id,
        "bazaar.offline_ticket",
        order,
        client_ref=ticket.client_ref,
        device_id=ticket.device_id,
        conflicts=conflicts,
    )
    return Synced(order, row, first_time=True)


def report_device(
    cash_session_id: int,
    device_id: str,
    label: str,
    pending: int,
    now: datetime | None = None,
) -> PosDevice:
    """What a device says about itself: its name and how many tickets it still holds unsent."""
    if type(pending) is not int or pending < 0:
        raise ValidationFailed(_l("Bekleyen fiş sayısı negatif olamaz."), field="pending")
    label = " ".join((label or "").split())[:LABEL_MAX]
    cash.get(cash_session_id)
    now = now or utcnow()
    for _attempt in range(2):  # a first report racing another device's insert of the same row
        device = db.session.scalar(
            select(PosDevice).where(
                PosDevice.cash_session_id == cash_session_id, PosDevice.device_id == device_id
            )
        )
        if device is not None:
            break
        try:
            with db.session.begin_nested():
                device = PosDevice(cash_session_id=cash_session_id, device_id=device_id)
                db.session.add(device)
                db.session.flush()
            break
        except IntegrityError:
            continue
    device.label = label or device.label or device_id[:8]
    device.pending = pending
    device.last_seen_at = now
    db.session.flush()
    return device


def conflicts(cash_session_id: int | None = None) -> list[tuple[OfflineTicket, Order]]:
    """Tickets with lines short of stock or sold at another price, not yet resolved."""
    query = (
        select(OfflineTicket, Order)
        .join(Order, Order.id == OfflineTicket.order_id)
        .where(OfflineTicket.conflicts > 0, OfflineTicket.resolved_at.is_(None))
        .order_by(OfflineTicket.id)
    )
    if cash_session_id is not None:
        query = query.where(OfflineTicket.cash_session_id == cash_session_id)
    return [(t, o) for t, o in db.session.execute(query)]


def short_stock(product_ids: Sequence[int]) -> dict[int, int]:
    """product id -> units sold offline beyond the stock, on tickets not yet resolved: what the
    shelf count is below zero until staff correct it."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.stock_short))
        .join(OfflineTicket, OfflineTicket.order_id == OrderLine.order_id)
        .where(
            OrderLine.product_id.in_(list(product_ids)),
            OrderLine.stock_short > 0,
            OfflineTicket.resolved_at.is_(None),
        )
        .group_by(OrderLine.product_id)
    )
    return {pid: int(short) for pid, short in rows}


def resolve(ticket_id: int, actor_id: int, now: datetime | None = None) -> OfflineTicket:
    """Staff have corrected the stock (or an admin accepted the price): the flag is cleared."""
    ticket = db.session.get(OfflineTicket, ticket_id)
    if ticket is None:
        raise NotFound(_l("Fiş bulunamadı."))
    if ticket.resolved_at is None:
        ticket.resolved_at = now or utcnow()
        ticket.resolved_by_id = actor_id
        db.session.flush()
        audit.record(actor_id, "bazaar.offline_ticket_resolved", ticket, order_id=ticket.order_id)
    return ticket


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    title_tr: str
    title_en: str
    price_kurus: int
    stock: int
    made_to_order: bool


def catalogue() -> list[CatalogueItem]:
    """What a device keeps to sell offline: every product for sale (one query), by code."""
    rows = db.session.execute(
        listing.for_sale()
        .with_only_columns(
            Product.code,
            Product.title_tr,
            Product.title_en,
            Product.price_kurus,
            Product.stock,
            Product.made_to_order,
        )
        .order_by(Product.code)
    )
    return [CatalogueItem(*row) for row in rows]
