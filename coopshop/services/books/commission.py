"""The dated commission policy: the rates in force at a moment, and scheduling a change (the
preview of a change is services.commission_preview).

Every level is dated in one table (models.policy.CommissionRate) and read by one rule
(services.core.dated_rates): the product's own rate, else the makers' own rates (the lowest
among them), else the collection's (else the collection's undated ``commission_bp``), else the
cooperative default (else the ``default_commission_bp`` setting) — each the one in force at the
sale. Order lines snapshot the result, so a change here never touches a past sale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from coopshop.db import db
from coopshop.models import Collection, CommissionRate, ProducerProfile, Product, utcnow
from coopshop.models.policy import RATE_SCOPES
from coopshop.money import BP
from coopshop.services.core import audit
from coopshop.services.core.dated_rates import DatedSeries, latest_in_force
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed

MAX_NOTE_LENGTH = 1000
RATE_TARGETS = {
    "collection": CommissionRate.collection_id,
    "producer": CommissionRate.producer_id,
    "product": CommissionRate.product_id,
}


# --- the rates in force ----------------------------------------------------------------------


@dataclass(frozen=True)
class RatesInForce:
    """The dated rates in force at ``at``: the default (None while no dated default exists) and,
    for each collection, member and product with a dated row, its rate (None: "none of its own",
    the next level applies). A collection without a dated row keeps its own ``commission_bp``.
    ``loaded`` names, per scope, the ids that were looked up (None: every one)."""

    at: datetime
    default_bp: int | None = None
    collections: Mapping[int, int | None] = field(default_factory=dict)
    producers: Mapping[int, int | None] = field(default_factory=dict)
    products: Mapping[int, int | None] = field(default_factory=dict)
    loaded: Mapping[str, frozenset[int] | None] = field(default_factory=dict)

    def _covers(self, scope: str, ids: Iterable[int | None]) -> None:
        wanted = self.loaded.get(scope)
        missing = {i for i in ids if i is not None} - wanted if wanted is not None else set()
        if missing:  # a caller's bug: a rate would be missed silently
            raise ValueError(f"rates_in_force() was not asked for {scope} {sorted(missing)}")

    def collection_bp(self, collection: Collection | None) -> int | None:
        if collection is None:
            return None
        self._covers("collection", [collection.id])
        if collection.id in self.collections:
            return self.collections[collection.id]
        return collection.commission_bp

    def producer_bp(self, producer_ids: Iterable[int]) -> int | None:
        """The lowest own rate among the makers, so no maker pays more than her agreed rate."""
        ids = list(producer_ids)
        self._covers("producer", ids)
        own = [self.producers[i] for i in ids if self.producers.get(i) is not None]
        return min(own) if own else None

    def product_bp(self, product_id: int | None) -> int | None:
        if product_id is None:
            return None
        self._covers("product", [product_id])
        return self.products.get(product_id)

    def default_or(self, fallback_bp: int) -> int:
        return self.default_bp if self.default_bp is not None else fallback_bp


def rates_in_force(
    at: datetime,
    collection_ids: Iterable[int] | None = None,
    producer_ids: Iterable[int] | None = None,
    product_ids: Iterable[int] | None = None,
) -> RatesInForce:
    """The rates in force at ``at`` in one query: the default, and the collections, members and
    products named (every one of a scope when its ids are None)."""
    wanted = {"collection": collection_ids, "producer": producer_ids, "product": product_ids}
    loaded = {k: None if v is None else frozenset(v) for k, v in wanted.items()}
    conditions = [CommissionRate.scope == "default"]
    for scope, ids in loaded.items():
        if ids is None:
            conditions.append(CommissionRate.scope == scope)
        elif ids:
            conditions.append(
                and_(CommissionRate.scope == scope, RATE_TARGETS[scope].in_(sorted(ids)))
            )
    rows = db.session.execute(
        select(
            CommissionRate.scope,
            CommissionRate.collection_id,
            CommissionRate.producer_id,
            CommissionRate.product_id,
            CommissionRate.effective_from,
            CommissionRate.rate_bp,
        )
        .where(CommissionRate.effective_from <= at, or_(*conditions))
        .order_by(CommissionRate.id)
    ).all()
    found = latest_in_force(
        (((r.scope, r.collection_id or r.producer_id or r.product_id), r.effective_from, r.rate_bp)
         for r in rows),
        at,
    )  # fmt: skip
    by_scope: dict[str, dict[int, int | None]] = {s: {} for s in RATE_SCOPES}
    for (scope, target), rate in found.items():
        by_scope[scope][target] = rate
    return RatesInForce(
        at=at,
        default_bp=by_scope["default"].get(None),
        collections=by_scope["collection"],
        producers=by_scope["producer"],
        products=by_scope["product"],
        loaded=loaded,
    )


def rates_for(at: datetime, products: Sequence[Product]) -> RatesInForce:
    """The rates in force at ``at`` for these products: theirs, their makers' and their
    collections' (one query)."""
    return rates_in_force(
        at,
        {p.collection_id for p in products if p.collection_id is not None},
        {m.producer_id for p in products for m in p.makers},
        {p.id for p in products if p.id is not None},
    )


def resolve(product: Product, default_bp: int, rates: RatesInForce) -> int:
    """The rate a sale of ``product`` takes under ``rates`` (the precedence in the docstring)."""
    for rate in (
        rates.product_bp(product.id),
        rates.producer_bp(m.producer_id for m in product.makers),
        rates.collection_bp(product.collection),
    ):
        if rate is not None:
            return rate
    return rates.default_or(default_bp)


class Timeline:
    """Every dated rate, to answer "what was in force at t" for many moments without a query
    each (the preview asks once per order line)."""

    def __init__(self, rows: Sequence[tuple]):
        self._series = DatedSeries(((r[0], r[1]), r[3], r[2]) for r in rows)

    @classmethod
    def load(cls) -> Timeline:
        target = func.coalesce(
            CommissionRate.collection_id, CommissionRate.producer_id, CommissionRate.product_id
        )
        return cls(
            db.session.execute(
                select(
                    CommissionRate.scope,
                    target,
                    CommissionRate.rate_bp,
                    CommissionRate.effective_from,
                ).order_by(CommissionRate.id)
            ).all()
        )

    def at(self, scope: str, target_id: int | None, moment: datetime) -> tuple[bool, int | None]:
        """(found, rate): whether a dated row of that scope and target was in force, and its
        rate."""
        return self._series.at((scope, target_id), moment)


# --- scheduling a change ---------------------------------------------------------------------


@dataclass(frozen=True)
class RateChange:
    """A new rate for the default, a collection, a member or a product, from
    ``effective_from`` (None: now). For any but the default, ``rate_bp`` None ends its own rate
    (the next level applies)."""

    scope: str
    rate_bp: int | None
    collection_id: int | None = None
    effective_from: datetime | None = None
    note: str = ""
    producer_id: int | None = None
    product_id: int | None = None


_TARGETS = {
    "collection": ("collection_id", Collection, _l("Koleksiyon bulunamadı.")),
    "producer": ("producer_id", ProducerProfile, _l("Üye bulunamadı.")),
    "product": ("product_id", Product, _l("Ürün bulunamadı.")),
}


def _check_target(change: RateChange) -> None:
    ids = {name: getattr(change, name) for name, _, _ in _TARGETS.values()}
    if change.scope == "default":
        if change.rate_bp is None:
            raise ValidationFailed(_l("Varsayılan oran boş bırakılamaz."), field="rate")
        if any(v is not None for v in ids.values()):
            raise ValidationFailed(_l("Geçersiz kapsam."), field="scope")
        return
    name, model, missing = _TARGETS[change.scope]
    if any(v is not None for k, v in ids.items() if k != name):
        raise ValidationFailed(_l("Geçersiz kapsam."), field="scope")
    target = ids[name]
    if type(target) is not int or db.session.get(model, target) is None:
        raise NotFound(missing, field="scope")


def validated(change: RateChange, now: datetime | None = None) -> RateChange:
    """The change with its date filled in, or ValidationFailed naming the field at fault.
    A date in the past is refused: sales already made keep their snapshot, so backdating
    could only make the policy disagree with the books."""
    now = now or utcnow()
    if change.scope not in RATE_SCOPES:
        raise ValidationFailed(_l("Geçersiz kapsam."), field="scope")
    _check_target(change)
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


def schedule(
    change: RateChange,
    actor_id: int | None,
    now: datetime | None = None,
    audit_as: tuple[str, object] | None = None,
    **audit_data,
):
    """Record a dated rate (in force at once, or scheduled for a later date) and audit it (as
    ``audit_as`` = (action, object) when given: a member's rate is on her own history)."""
    change = validated(change, now)
    rate = CommissionRate(
        scope=change.scope,
        collection_id=change.collection_id,
        producer_id=change.producer_id,
        product_id=change.product_id,
        rate_bp=change.rate_bp,
        effective_from=change.effective_from,
        created_by_id=actor_id,
        note=change.note,
    )
    db.session.add(rate)
    db.session.flush()
    action, obj = audit_as or ("policy.rate_scheduled", rate)
    audit.record(
        actor_id,
        action,
        obj,
        rate_id=rate.id,
        scope=rate.scope,
        collection_id=rate.collection_id,
        producer_id=rate.producer_id,
        product_id=rate.product_id,
        rate_bp=rate.rate_bp,
        effective_from=rate.effective_from.isoformat(),
        note=rate.note,
        **audit_data,
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
        producer_id=rate.producer_id,
        product_id=rate.product_id,
        rate_bp=rate.rate_bp,
        effective_from=rate.effective_from.isoformat(),
    )
    db.session.delete(rate)
    db.session.flush()
