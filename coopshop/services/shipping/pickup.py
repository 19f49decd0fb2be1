"""Centre collection: the pickup run of one BELMEK centre on one day. Which members of the
centre bring which items for which orders, and each item ticked received through
services.sales.fulfilment.mark_received (an order is packable once all its items have arrived).

The sheet lists what the centre's members still have to bring (paid online orders waiting for
their goods, lines not refunded in full) and what was ticked in that day's run; the run itself
(PickupRun) records who collected, and its lines which items were received in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from coopshop import turkey
from coopshop.db import db
from coopshop.models import (
    Order,
    OrderLine,
    OrderLineMaker,
    ProducerProfile,
    RefundLine,
    User,
    utcnow,
)
from coopshop.models.pickup import PickupRun, PickupRunLine
from coopshop.services.core import audit
from coopshop.services.core.errors import NotFound, ValidationFailed
from coopshop.services.members import membership
from coopshop.services.sales import fulfilment
from coopshop.services.sales.order_states import lock_order

SHEET_LIMIT = 1000


@dataclass(frozen=True)
class SheetLine:
    line_id: int
    order_id: int
    order_number: str
    paid_at: datetime | None
    product_code: str
    title: str
    quantity: int
    received_at: datetime | None
    partly_refunded: bool
    # Every item of the order has arrived (from this centre and any other): it can be packed.
    order_packable: bool


@dataclass(frozen=True)
class MemberItems:
    producer_id: int
    name: str
    lines: tuple[SheetLine, ...]

    @property
    def waiting(self) -> int:
        return sum(1 for ln in self.lines if ln.received_at is None)


@dataclass(frozen=True)
class Sheet:
    centre: str
    day: date
    run: PickupRun | None
    collected_by: str
    members: tuple[MemberItems, ...]

    @property
    def waiting(self) -> int:
        return len({ln.line_id for m in self.members for ln in m.lines if ln.received_at is None})

    @property
    def received(self) -> int:
        return len({ln.line_id for m in self.members for ln in m.lines if ln.received_at})


def today(now: datetime | None = None) -> date:
    return turkey.istanbul_date(now or utcnow())


def parse_day(value: str | None, now: datetime | None = None) -> date:
    """A day written YYYY-MM-DD, today (Istanbul) when empty; anything else is refused."""
    if not (value or "").strip():
        return today(now)
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationFailed(_l("Tarihi YYYY-AA-GG olarak yazın."), field="day") from exc


def centres() -> list[str]:
    """The BELMEK centres members belong to (set on each member's profile)."""
    return membership.centres()


def _known_centre(centre: str) -> str:
    centre = (centre or "").strip()
    if centre not in centres():
        raise NotFound(_l("Merkez bulunamadı."))
    return centre


def run_for(centre: str, day: date) -> PickupRun | None:
    return db.session.scalar(
        select(PickupRun).where(PickupRun.centre == centre, PickupRun.day == day)
    )


def _refunded():
    return (
        select(RefundLine.line_id, func.sum(RefundLine.amount_kurus).label("amount"))
        .group_by(RefundLine.line_id)
        .subquery()
    )


def _waiting_where(refunded_amount):
    """An item a member still has to bring: in a paid online order waiting for its goods, not
    received, not refunded in full."""
    return and_(
        Order.status == "paid",
        Order.channel == "online",
        Order.fulfilment_status == "unfulfilled",
        OrderLine.received_at.is_(None),
        refunded_amount < OrderLine.gross_kurus,
    )


def waiting_by_centre() -> dict[str, int]:
    """Centre -> how many items its members still have to bring (one grouped query)."""
    refunded = _refunded()
    refunded_amount = func.coalesce(refunded.c.amount, 0)
    rows = db.session.execute(
        select(ProducerProfile.centre, func.count(func.distinct(OrderLine.id)))
        .select_from(OrderLineMaker)
        .join(ProducerProfile, ProducerProfile.id == OrderLineMaker.producer_id)
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.line_id == OrderLine.id)
        .where(ProducerProfile.centre != "", _waiting_where(refunded_amount))
        .group_by(ProducerProfile.centre)
    )
    return {centre: int(n) for centre, n in rows}


def sheet(centre: str, day: date) -> Sheet:
    """The run's sheet: per member of the centre, the items she still brings and those ticked
    in this run, oldest order first. Three queries, whatever the number of items."""
    centre = _known_centre(centre)
    run = run_for(centre, day)
    refunded = _refunded()
    refunded_amount = func.coalesce(refunded.c.amount, 0)
    waiting = _waiting_where(refunded_amount)
    in_run = (
        OrderLine.id.in_(select(PickupRunLine.line_id).where(PickupRunLine.run_id == run.id))
        if run is not None
        else false()
    )
    rows = db.session.execute(
        select(
            ProducerProfile.id,
            ProducerProfile.display_name,
            OrderLine.id,
            Order.id,
            Order.number,
            Order.paid_at,
            OrderLine.product_code,
            OrderLine.title,
            OrderLine.quantity,
            OrderLine.received_at,
            refunded_amount,
        )
        .select_from(OrderLineMaker)
        .join(ProducerProfile, ProducerProfile.id == OrderLineMaker.producer_id)
        .join(OrderLine, OrderLine.id == OrderLineMaker.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.line_id == OrderLine.id)
        .where(ProducerProfile.centre == centre, or_(waiting, in_run))
        .order_by(ProducerProfile.display_name, ProducerProfile.id, Order.paid_at, OrderLine.id)
        .limit(SHEET_LIMIT)
    ).all()
    missing = _missing_per_order({r[3] for r in rows})
    members: dict[int, tuple[str, list[SheetLine]]] = {}
    for r in rows:
        members.setdefault(r[0], (r[1], []))[1].append(_sheet_line(r, missing))
    collector = db.session.get(User, run.collected_by_id) if run and run.collected_by_id else None
    return Sheet(
        centre=centre,
        day=day,
        run=run,
        collected_by=collector.name if collector is not None else "",
        members=tuple(
            MemberItems(pid, name, tuple(lines)) for pid, (name, lines) in members.items()
        ),
    )


def _sheet_line(r, missing: dict[int, int]) -> SheetLine:
    return SheetLine(
        line_id=r[2],
        order_id=r[3],
        order_number=r[4],
        paid_at=r[5],
        product_code=r[6],
        title=r[7],
        quantity=r[8],
        received_at=r[9],
        partly_refunded=int(r[10]) > 0,
        order_packable=missing.get(r[3], 0) == 0,
    )


def _missing_per_order(order_ids: set[int]) -> dict[int, int]:
    """Order id -> how many of its lines have not arrived yet (one grouped query)."""
    if not order_ids:
        return {}
    return {
        order_id: int(n)
        for order_id, n in db.session.execute(
            select(OrderLine.order_id, func.count())
            .where(OrderLine.order_id.in_(sorted(order_ids)), OrderLine.received_at.is_(None))
            .group_by(OrderLine.order_id)
        )
    }


def _run(centre: str, day: date, actor_id: int | None, now: datetime) -> PickupRun:
    """The centre's run of the day, started now (by ``actor_id``) if there is none yet."""
    run = run_for(centre, day)
    if run is not None:
        if run.collected_by_id is None:
            run.collected_by_id = actor_id
        return run
    try:
        with db.session.begin_nested():
            run = PickupRun(centre=centre, day=day, collected_by_id=actor_id, started_at=now)
            db.session.add(run)
    except IntegrityError:  # a colleague started it at the same moment
        run = run_for(centre, day)
    return run


def tick(
    centre: str,
    day: date,
    line_ids: Iterable[int],
    actor_id: int | None,
    now: datetime | None = None,
) -> int:
    """Tick items of the centre's run as received; returns how many were newly received. An
    item ticked before (in this run or another way) is left as it is, so a repeated tick
    changes nothing. Items of members of another centre are refused."""
    centre = _known_centre(centre)
    ids = sorted({int(i) for i in line_ids})
    if not ids:
        raise ValidationFailed(_l("Teslim alınan ürünleri seçin."), field="line_ids")
    here = set(
        db.session.scalars(
            select(OrderLineMaker.line_id)
            .join(ProducerProfile, ProducerProfile.id == OrderLineMaker.producer_id)
            .where(OrderLineMaker.line_id.in_(ids), ProducerProfile.centre == centre)
        )
    )
    if here != set(ids):
        raise NotFound(_l("Seçilen ürün bu merkezin listesinde yok."))
    now = now or utcnow()
    order_ids = sorted(
        set(db.session.scalars(select(OrderLine.order_id).where(OrderLine.id.in_(ids))))
    )
    for order_id in order_ids:  # in id order: the same locks mark_received takes
        lock_order(order_id)
    new = list(
        db.session.scalars(
            select(OrderLine.id)
            .where(OrderLine.id.in_(ids), OrderLine.received_at.is_(None))
            .execution_options(populate_existing=True)
        )
    )
    run = _run(centre, day, actor_id, now)
    if not new:
        return 0
    marked = fulfilment.mark_received(new, actor_id, now=now)
    for line_id in new:
        db.session.add(
            PickupRunLine(line_id=line_id, run=run, received_by_id=actor_id, received_at=now)
        )
    db.session.flush()
    audit.record(actor_id, "pickup.received", run, centre=centre, day=day.isoformat(), lines=new)
    return marked
