"""The dated withholding (stopaj) rate: an admin sets a rate in basis points (zero allowed) from
a date on; a payout uses the rate in force at its period's cutoff. Every change is audited; a
change that has not started yet may be withdrawn, one in force never (a new one replaces it).

Before any row exists the setting WITHHOLDING_EXEMPT_BP stands in (the rate a new installation
starts with)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import WithholdingRate, utcnow
from coopshop.money import BP
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed

MAX_NOTE_LENGTH = 500


def rate_at(at: datetime, config: Mapping | None = None) -> int:
    """The rate in force at ``at``: the latest row from on or before it, else the setting."""
    row = db.session.scalar(
        select(WithholdingRate.rate_bp)
        .where(WithholdingRate.effective_from <= at)
        .order_by(WithholdingRate.effective_from.desc(), WithholdingRate.id.desc())
        .limit(1)
    )
    if row is not None:
        return row
    config = current_app.config if config is None else config
    return int(config.get("WITHHOLDING_EXEMPT_BP", 0))


@dataclass(frozen=True)
class WithholdingChange:
    rate_bp: int | None
    effective_from: datetime | None = None  # None: now
    note: str = ""


def schedule(change: WithholdingChange, actor_id: int | None, now: datetime | None = None):
    """Record a dated rate and audit it. A date in the past is refused: payouts already made
    kept theirs on their lines, so backdating could only make the policy disagree with them."""
    now = now or utcnow()
    bp = change.rate_bp
    if bp is None:
        raise ValidationFailed(_l("Oranı yazın (kesinti yoksa 0)."), field="rate")
    if type(bp) is not int or not 0 <= bp < BP:
        raise ValidationFailed(
            _l("Stopaj oranı 0 ile 99,99 arasında bir yüzde olmalı."), field="rate"
        )
    effective_from = change.effective_from or now
    if effective_from.tzinfo is None:
        raise ValueError("effective_from must be timezone-aware")
    if effective_from < now:
        raise ValidationFailed(
            _l("Geçmiş bir tarihten başlayan oran girilemez. Bugünü ya da ileri bir tarihi seçin."),
            field="effective_from",
        )
    note = (change.note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            _l("Not en fazla %(n)d karakter olabilir.", n=MAX_NOTE_LENGTH), field="note"
        )
    rate = WithholdingRate(
        rate_bp=bp, effective_from=effective_from, created_by_id=actor_id, note=note
    )
    db.session.add(rate)
    db.session.flush()
    audit.record(
        actor_id,
        "withholding.rate_scheduled",
        rate,
        rate_bp=bp,
        effective_from=effective_from.isoformat(),
        note=note,
    )
    return rate


def cancel(rate_id: int, actor_id: int | None, now: datetime | None = None) -> None:
    """Withdraw a rate that has not started (no payout can have used it)."""
    now = now or utcnow()
    rate = db.session.get(WithholdingRate, rate_id)
    if rate is None:
        raise NotFound(_l("Oran kaydı bulunamadı."))
    if rate.effective_from <= now:
        raise Conflict(
            _l("Bu oran yürürlüğe girmiş; geri alınamaz. Yeni bir oran planlayın."),
            rate_id=rate_id,
        )
    audit.record(
        actor_id,
        "withholding.rate_cancelled",
        rate,
        rate_bp=rate.rate_bp,
        effective_from=rate.effective_from.isoformat(),
    )
    db.session.delete(rate)
    db.session.flush()


def history(limit: int = 100) -> list[WithholdingRate]:
    """Newest date first: the ones to come, the one in force, the past ones."""
    return list(
        db.session.scalars(
            select(WithholdingRate)
            .order_by(WithholdingRate.effective_from.desc(), WithholdingRate.id.desc())
            .limit(limit)
        )
    )
