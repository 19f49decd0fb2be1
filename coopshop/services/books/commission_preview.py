"""The preview an admin sees before saving a commission rate: what the last three months' sales
paid each member, against what they would have paid under the new rate."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    Collection,
    Order,
    OrderLine,
    OrderLineMaker,
    ProducerProfile,
    Product,
    RefundLine,
    utcnow,
)
from coopshop.money import allocate
from coopshop.services.books.commission import RateChange, Timeline
from coopshop.turkish import search_fold

PREVIEW_MONTHS = 3


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the last day
    of a shorter month)."""
    years, month0 = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years, month0 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class MemberPreview:
    """One member's last months under the actual rates and under the proposed one. Amounts are
    her parts of her sale lines less what was refunded of them, as the ledger books them."""

    producer_id: int
    name: str
    lines: int
    affected_lines: int
    actual: int
    proposed: int

    @property
    def difference(self) -> int:
        return self.proposed - self.actual


@dataclass(frozen=True)
class Preview:
    since: datetime
    until: datetime
    change: RateChange
    members: list[MemberPreview]  # members with at least one line the change touches
    untouched_members: int  # members who sold in the period but none of whose lines it touches
    lines_total: int
    lines_affected: int
    actual_commission: int
    proposed_commission: int

    @property
    def actual(self) -> int:
        return sum(m.actual for m in self.members)

    @property
    def proposed(self) -> int:
        return sum(m.proposed for m in self.members)

    @property
    def difference(self) -> int:
        return self.proposed - self.actual


@dataclass
class _Tally:
    lines: int = 0
    affected: int = 0
    actual: int = 0
    proposed: int = 0


def _parts(gross: int, refunded: int, vat_bp: int, rate_bp: int, shares: list[int]):
    """(commission, makers' parts) of a line after its refunds, booked the ledger's way: the
    sale's allocation less the cumulative refund's (services.refunds)."""
    sold = allocate(gross, vat_bp, rate_bp, shares)
    if not refunded:
        return sold.commission, sold.makers
    back = allocate(refunded, vat_bp, rate_bp, shares)
    return sold.commission - back.commission, tuple(
        a - b for a, b in zip(sold.makers, back.makers, strict=True)
    )


def _own_collection_rates() -> dict[int, int]:
    """Today's rate of each collection that has one of its own."""
    return dict(
        db.session.execute(
            select(Collection.id, Collection.commission_bp).where(
                Collection.commission_bp.is_not(None)
            )
        ).all()
    )


def _sold_since(since: datetime, now: datetime):
    """The paid lines of [since, now], their makers (id, share) by line, and what was refunded
    of each: three queries."""
    in_window = (Order.status == "paid", Order.paid_at >= since, Order.paid_at <= now)
    line_ids = select(OrderLine.id).join(Order, Order.id == OrderLine.order_id).where(*in_window)
    lines = db.session.execute(
        select(
            OrderLine.id,
            OrderLine.gross_kurus,
            OrderLine.vat_bp,
            OrderLine.commission_bp,
            Order.created_at,
            OrderLine.product_id,
            Product.collection_id,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(*in_window)
        .order_by(OrderLine.id)
    ).all()
    makers: dict[int, list[tuple[int, int]]] = {}
    for line_id, producer_id, share_bp in db.session.execute(
        select(OrderLineMaker.line_id, OrderLineMaker.producer_id, OrderLineMaker.share_bp)
        .where(OrderLineMaker.line_id.in_(line_ids))
        .order_by(OrderLineMaker.line_id, OrderLineMaker.producer_id)
    ):
        makers.setdefault(line_id, []).append((producer_id, share_bp))
    refunded = dict(
        db.session.execute(
            select(RefundLine.line_id, func.sum(RefundLine.amount_kurus))
            .where(RefundLine.line_id.in_(line_ids))
            .group_by(RefundLine.line_id)
        ).all()
    )
    return lines, makers, refunded


def _tally(lines, makers, refunded, proposed_rate):
    """Each member's part of every line as sold and as it would have been (``proposed_rate``
    gives the line's rate under the change, or None when the change does not touch it), and the
    totals (commission as sold, as proposed, lines touched)."""
    tallies: dict[int, _Tally] = {}
    actual_commission = proposed_commission = affected = 0
    for line in lines:
        line_makers = makers.get(line.id, [])
        if not line_makers:
            continue
        shares = [share for _, share in line_makers]
        back = int(refunded.get(line.id) or 0)
        rate = proposed_rate(line)
        commission, parts = _parts(line.gross_kurus, back, line.vat_bp, line.commission_bp, shares)
        new_commission, new_parts = (
            (commission, parts)
            if rate is None
            else _parts(line.gross_kurus, back, line.vat_bp, rate, shares)
        )
        affected += rate is not None
        actual_commission += commission
        proposed_commission += new_commission
        for (producer_id, _), part, new_part in zip(line_makers, parts, new_parts, strict=True):
            tally = tallies.setdefault(producer_id, _Tally())
            tally.lines += 1
            tally.affected += rate is not None
            tally.actual += part
            tally.proposed += new_part
    return tallies, (actual_commission, proposed_commission, affected)


def _members(tallies: dict[int, _Tally], shown: list[int]) -> list[MemberPreview]:
    """The members the change touches, with their names, in Turkish alphabetical order."""
    names = (
        dict(
            db.session.execute(
                select(ProducerProfile.id, ProducerProfile.display_name).where(
                    ProducerProfile.id.in_(shown)
                )
            ).all()
        )
        if shown
        else {}
    )
    members = sorted(
        (
            MemberPreview(
                producer_id=pid,
                name=names.get(pid, ""),
                lines=tallies[pid].lines,
                affected_lines=tallies[pid].affected,
                actual=tallies[pid].actual,
                proposed=tallies[pid].proposed,
            )
            for pid in shown
        ),
        key=lambda m: (search_fold(m.name), m.producer_id),
    )
    return members


def _rate_under_change(change, line, makers, timeline, own_collection_bp, default_fallback_bp):
    """The rate ``line`` would have had under ``change``, or None when the change does not touch
    it (its product or one of its makers had a rate of her own at the sale, or a collection's
    own rate stood between the line and a default change)."""
    moment = line.created_at

    def own_rate(scope: str, target_id: int) -> bool:
        return timeline.at(scope, target_id, moment)[1] is not None

    if line.product_id is None or own_rate("product", line.product_id):
        return None
    if any(own_rate("producer", pid) for pid, _ in makers.get(line.id, ())):
        return None
    if change.scope == "collection":
        if line.collection_id != change.collection_id:
            return None
        if change.rate_bp is None:  # the collection's own rate ends: the default at the sale
            found, rate = timeline.at("default", None, moment)
            return rate if found else default_fallback_bp
        return change.rate_bp
    if line.collection_id is not None:
        found, rate = timeline.at("collection", line.collection_id, moment)
        if (rate if found else own_collection_bp.get(line.collection_id)) is not None:
            return None
    return change.rate_bp


def preview(
    change: RateChange,
    default_fallback_bp: int,
    now: datetime | None = None,
    months: int = PREVIEW_MONTHS,
) -> Preview:
    """What the last ``months`` of paid sales paid each member, against what they would have
    paid had ``change`` been in force when they were sold.

    A line is touched when the changed rate is the one its product resolves to: no product or
    producer override in force at its sale, and for a collection change the product is in it; for a
    default change its collection had no rate of its own at the sale. Other lines keep their
    snapshot on both sides. A fixed number of queries, however many lines.
    """
    now = now or utcnow()
    since = months_before(now, months)
    timeline = Timeline.load()
    own_collection_bp = _own_collection_rates()
    lines, makers, refunded = _sold_since(since, now)

    def proposed_rate(line) -> int | None:
        return _rate_under_change(
            change, line, makers, timeline, own_collection_bp, default_fallback_bp
        )

    tallies, (actual, proposed, affected) = _tally(lines, makers, refunded, proposed_rate)
    shown = sorted(pid for pid, t in tallies.items() if t.affected)
    return Preview(
        since=since,
        until=now,
        change=change,
        members=_members(tallies, shown),
        untouched_members=len(tallies) - len(shown),
        lines_total=len(lines),
        lines_affected=affected,
        actual_commission=actual,
        proposed_commission=proposed,
    )
