"""The dated commission policy: the rates in force at a moment, and scheduling a change (the
preview of a change is services.commission_preview).

Resolution (services.orders.effective_commission_bp): product override, then producer override,
then the collection's rate in force at the sale (else the collection's own ``commission_bp``),
then the default in force at the sale (else the ``default_commission_bp`` setting). Order lines
snapshot the result, so a change here never touches a past sale.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Collection, CommissionRate, utcnow
from coopshop.models.policy import RATE_SCOPES
from coopshop.money import BP
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed

MAX_NOTE_LENGTH = 1000


# --- the rates in force ----------------------------------------------------------------------


@dataclass(frozen=True)
class RatesInForce:
    """The dated rates in force at ``at``: the default (None while no dated default exists) and,
    for each collection with a dated row, its rate (None: "no collection rate", the default
    applies). A collection without a dated row keeps its own ``commission_bp``."""

    at: datetime
    default_bp: int | None = None
    collections: Mapping[int, int | None] = field(default_factory=dict)

    def collection_bp(self, collection: Collection | None) -> int | None:
        if collection is None:
            return None
        if collection.id in self.collections:
            return self.collections[collection.id]
        return collection.commission_bp

    def default_or(self, fallback_bp: int) -> int:
        return self.default_bp if self.default_bp is not None else fallback_bp


def rates_in_force(at: datetime, collection_ids: Iterable[int] | None = None) -> RatesInForce:
    """The rates in force at ``at`` in one query (the default, and the collections of
    ``collection_ids``, or every collection when None). Rows are few: a handful a year."""
    query = (
        select(CommissionRate.scope, CommissionRate.collection_id, CommissionRate.rate_bp)
        .where(CommissionRate.effective_from <= at)
        .order_by(CommissionRate.effective_from, CommissionRate.id)
    )
    if collection_ids is not None:
        ids = sorted(set(collection_ids))
        scoped = CommissionRate.scope == "default"
        query = query.where(or_(scoped, CommissionRate.collection_id.in_(ids)) if ids else scoped)
    default_bp = None
    collections: dict[int, int | None] = {}
    for scope, collection_id, rate_bp in db.session.execute(query):
        if scope == "default":
            default_bp = rate_bp
        else:
            collections[collection_id] = rate_bp
    return RatesInForce(at=at, default_bp=default_bp, collections=collections)


class Timeline:
    """Every dated rate, to answer "what was in force at t" for many moments without a query
    each (the preview asks once per order line)."""

    def __init__(self, rows: Sequence[tuple]):
        self._series: dict[tuple[str, int | None], tuple[list, list]] = {}
        for scope, collection_id, rate_bp, effective_from in sorted(
            ((r[0], r[1], r[2], r[3]) for r in rows), key=lambda r: r[3]
        ):
            times, rates = self._series.setdefault((scope, collection_id), ([], []))
            times.append(effective_from)
            rates.append(rate_bp)

    @classmethod
    def load(cls) -> Timeline:
        return cls(
            db.session.execute(
                select(
                    CommissionRate.scope,
                    CommissionRate.collection_id,
                    CommissionRate.rate_bp,
                    CommissionRate.effective_from,
                ).order_by(CommissionRate.effective_from, CommissionRate.id)
            ).all()
        )

    def at(
        self, scope: str, collection_id: int | None, moment: datetime
    ) -> tuple[bool, int | None]:
        """(found, rate): whether a dated row of that scope was in force, and its rate."""
        series = self._series.get((scope, collection_id))
        if not series:
            return False, None
        times, rates = series
        i = bisect.bisect_right(times, moment)
        return (True, rates[i - 1]) if i else (False, None)


# --- scheduling a change ---------------------------------------------------------------------


@dataclass(frozen=True)
class RateChange:
    """A new rate for the default or one collection, from ``effective_from`` (None: now).
    For a collection, ``rate_bp`` None ends its own rate (its products pay the default)."""

    scope: str
    rate_bp: int | None
    collection_id: int | None = None
    effective_from: datetime | None = None
    note: str = ""


def validated(change: RateChange, now: datetime | None = None) -> RateChange:
    """The change with its date filled in, or ValidationFailed naming the field at fault.
    A date in the past is refused: sales already made keep their snapshot, so backdating
    could only make the policy disagree with the books."""
    now = now or utcnow()
    if change.scope not in RATE_SCOPES:
        raise ValidationFailed(_l("Geçersiz kapsam."), field="scope")
    if change.scope == "default":
        if change.rate_bp is None:
            raise ValidationFailed(_l("Varsayılan oran boş bırakılamaz."), field="rate")
        if change.collection_id is not None:
            raise ValidationFailed(_l("Geçersiz kapsam."), field="scope")
    elif change.collection_id is None or db.session.get(Collection, change.collection_id) is None:
        raise NotFound(_l("Koleksiyon bulunamadı."), field="scope")
    if change.rate_bp is not None and (
        type(change.rate_bp) is not int or not 0 <= change.rate_bp <= BP
    ):
        raise ValidationFailed(_l("Oran 0 ile 100 arasında bir yüzde olmalı."), field="rate")
    effective_from = change.effective_from or now
    if effective_from.tzinfo is None:
        raise ValueError("effective_from must be timezone-aware")
    if effective_from < now:
        raise ValidationFailed(
            _l(
                "Geçmiş bir tarihten başlayan oran girilemez: geçmiş satışlar kendi oranlarını "
                "korur. Bugünü ya da ileri bir tarihi seçin."
            ),
            field="effective_from",
        )
    note = (change.note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            _l("Not en fazla %(n)d karakter olabilir.", n=MAX_NOTE_LENGTH), field="note"
        )
    return replace(change, effective_from=effective_from, note=note)


def schedule(change: RateChange, actor_id: int | None, now: datetime | None = None):
    """Record a dated rate (in force at once, or scheduled for a later date) and audit it."""
    change = validated(change, now)
    rate = CommissionRate(
        scope=change.scope,
        collection_id=change.collection_id,
        rate_bp=change.rate_bp,
        effective_from=change.effective_from,
        created_by_id=actor_id,
        note=change.note,
    )
    db.session.add(rate)
    db.session.flush()
    audit.record(
        actor_id,
        "policy.rate_scheduled",
        rate,
        scope=rate.scope,
        collection_id=rate.collection_id,
        rate_bp=rate.rate_bp,
        effective_from=rate.effective_from.isoformat(),
        note=rate.note,
    )
    return rate


def cancel(rate_id: int, actor_id: int | None, now: datetime | None = None) -> None:
    """Withdraw a change that has not started yet (no sale can have used it)."""
    now = now or utcnow()
    rate = db.session.get(CommissionRate, rate_id)
    if rate is None:
        raise NotFound(_l("Oran kaydı bulunamadı."))
    if rate.effective_from <= now:
        raise Conflict(
            _l("Bu oran yürürlüğe girmiş; geri alınamaz. Yeni bir oran planlayın."),
            rate_id=rate_id,
        )
    audit.record(
        actor_id,
        "policy.rate_cancelled",
        rate,
        scope=rate.scope,
        collection_id=rate.collection_id,
        rate_bp=rate.rate_bp,
        effective_from=rate.effective_from.isoformat(),
    )
    db.session.delete(rate)
    db.session.flush()


# --- what the admin page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class CollectionRate:
    collection: Collection
    rate_bp: int | None  # None: the default applies
    dated: bool  # from the dated policy (else the collection's own setting)


@dataclass(frozen=True)
class Overview:
    default_bp: int
    default_dated: bool
    collections: list[CollectionRate]
    scheduled: list[CommissionRate]
    history: list[CommissionRate]


def overview(default_fallback_bp: int, now: datetime | None = None, limit: int = 50) -> Overview:
    """The rates in force now, the changes still to come, and the latest past changes."""
    now = now or utcnow()
    current = rates_in_force(now)
    collections = db.session.scalars(
        select(Collection).order_by(Collection.position, Collection.id)
    ).all()
    rows = [
        CollectionRate(c, current.collection_bp(c), c.id in current.collections)
        for c in collections
    ]
    with_collection = selectinload(CommissionRate.collection)
    scheduled = db.session.scalars(
        select(CommissionRate)
        .where(CommissionRate.effective_from > now)
        .options(with_collection)
        .order_by(CommissionRate.effective_from, CommissionRate.id)
    ).all()
    history = db.session.scalars(
        select(CommissionRate)
        .where(CommissionRate.effective_from <= now)
        .options(with_collection)
        .order_by(CommissionRate.effective_from.desc(), CommissionRate.id.desc())
        .limit(limit)
    ).all()
    return Overview(
        default_bp=current.default_or(default_fallback_bp),
        default_dated=current.default_bp is not None,
        collections=rows,
        scheduled=list(scheduled),
        history=list(history),
    )
