"""What the admin pages show of the dated commission policy (services.commission): the rates in
force and the changes on the policy page, and a member's or a product's own dated rate with its
history, set on her (its) page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import Collection, CommissionRate, utcnow
from coopshop.services.books.commission import (
    RATE_TARGETS,
    RateChange,
    rates_in_force,
    schedule,
    validated,
)


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


# The policy page's rows; a member's and a product's own rates are on their pages (history_of).
_POLICY_SCOPES = CommissionRate.scope.in_(("default", "collection"))


@dataclass(frozen=True)
class OwnRates:
    """One member's or product's own dated rates: the one in force now (None: none of her or
    its own), the changes to come, and the past ones, newest first."""

    current_bp: int | None
    scheduled: list[CommissionRate]
    history: list[CommissionRate]


def history_of(scope: str, target_id: int, now: datetime | None = None) -> OwnRates:
    """The dated own rates of a member (scope "producer") or a product (scope "product")."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(CommissionRate)
        .where(CommissionRate.scope == scope, RATE_TARGETS[scope] == target_id)
        .order_by(CommissionRate.effective_from.desc(), CommissionRate.id.desc())
    ).all()
    past = [r for r in rows if r.effective_from <= now]
    return OwnRates(
        current_bp=past[0].rate_bp if past else None,
        scheduled=[r for r in reversed(rows) if r.effective_from > now],
        history=past,
    )


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
        .where(CommissionRate.effective_from > now, _POLICY_SCOPES)
        .options(with_collection)
        .order_by(CommissionRate.effective_from, CommissionRate.id)
    ).all()
    history = db.session.scalars(
        select(CommissionRate)
        .where(CommissionRate.effective_from <= now, _POLICY_SCOPES)
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


def set_own_rate(
    scope: str,
    target_id: int,
    rate_bp: int | None,
    actor_id: int | None,
    effective_from: datetime | None = None,
    note: str = "",
    audit_as: tuple[str, object] | None = None,
) -> CommissionRate | None:
    """A member's (scope "producer") or a product's (scope "product") own rate, or its end
    (None), for sales from ``effective_from`` (now when None; never in the past), audited with
    the rate it replaces. Nothing is written when that rate is already the one in force then."""
    change = RateChange(
        scope=scope,
        rate_bp=rate_bp,
        effective_from=effective_from,
        note=note,
        **{RATE_TARGETS[scope].key: target_id},
    )
    when = validated(change).effective_from
    ids = {"collection_ids": [], "producer_ids": [], "product_ids": []}
    ids[f"{scope}_ids"] = [target_id]
    found = rates_in_force(when, **ids)
    previous = (found.producers if scope == "producer" else found.products).get(target_id)
    if previous == rate_bp:
        return None
    return schedule(change, actor_id, audit_as=audit_as, from_bp=previous, to_bp=rate_bp)
