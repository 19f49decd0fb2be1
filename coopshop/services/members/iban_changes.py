"""A member's IBAN changes: asked for with her password, told to her by e-mail, and in force
for payouts only after a hold (IBAN_HOLD_HOURS) or an admin's confirmation.

``ProducerProfile.iban`` is the IBAN in force. A request becomes an ``iban_changes`` row in
``pending``; it is applied (the profile's IBAN replaced) when the hold is over, which
``settle_due`` does whenever it matters (closing a payout batch, the pages that show it), or at
once when an admin confirms it. A newer request supersedes a pending one; asking for the IBAN
in force again, or an admin, cancels it. Every row stays: it is the history the accountant reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import IbanChange, ProducerProfile, utcnow
from coopshop.services.core import audit, locks, mail
from coopshop.services.core.errors import Conflict, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import account, producer_profile
from coopshop.services.members.producer_profile import masked_iban
from coopshop.services.members.signin import SignIn


def pending_change(producer_id: int) -> IbanChange | None:
    return db.session.scalar(
        select(IbanChange).where(
            IbanChange.producer_id == producer_id, IbanChange.status == "pending"
        )
    )


def wanted_iban(profile: ProducerProfile) -> str | None:
    """What she last asked for: the pending IBAN, else the one in force."""
    pending = pending_change(profile.id)
    return pending.new_iban if pending is not None else profile.iban


def is_change(profile: ProducerProfile, text: str | None) -> bool:
    """Whether what she typed in the new-IBAN field asks for a change (blank: keep). An
    invalid IBAN raises ValidationFailed, before any password is asked for."""
    iban = producer_profile.normalize_iban(text)
    return iban is not None and iban != wanted_iban(profile)


def _apply(change: IbanChange, at: datetime, confirmed_by_id: int | None = None) -> None:
    change.status = "applied"
    change.applied_at = at
    change.confirmed_by_id = confirmed_by_id
    change.producer.iban = change.new_iban


def settle_due(now: datetime | None = None, producer_ids: list[int] | None = None) -> int:
    """Apply every pending change whose hold is over (dated at the end of its hold, when it
    took effect). Returns how many."""
    now = now or utcnow()
    query = (
        select(IbanChange)
        .where(IbanChange.status == "pending", IbanChange.hold_until <= now)
        .options(selectinload(IbanChange.producer))
        .order_by(IbanChange.id)
        .with_for_update()
    )
    if producer_ids is not None:
        query = query.where(IbanChange.producer_id.in_(producer_ids))
    due = list(db.session.scalars(query))
    for change in due:
        _apply(change, change.hold_until)
        audit.record(
            None,
            "producer.iban_change_applied",
            change,
            producer_id=change.producer_id,
            old=masked_iban(change.old_iban),
            new=masked_iban(change.new_iban),
            after="hold",
        )
    db.session.flush()
    return len(due)


def on_hold(producer_ids: list[int], now: datetime | None = None) -> dict[int, IbanChange]:
    """The pending changes still within their hold, by member."""
    now = now or utcnow()
    if not producer_ids:
        return {}
    rows = db.session.scalars(
        select(IbanChange).where(
            IbanChange.producer_id.in_(producer_ids),
            IbanChange.status == "pending",
            IbanChange.hold_until > now,
        )
    )
    return {row.producer_id: row for row in rows}


def _mail(profile: ProducerProfile, subject: str, kind: str, **context) -> None:
    user = profile.user
    with force_locale(user.locale):
        body = render_template(f"producer/email_{kind}.txt", user=user, **context)
        mail.queue(user.email, str(subject), body)


def request_change(
    profile: ProducerProfile,
    text: str | None,
    actor_id: int | None,
    settings: CoopSettings,
    proof: SignIn | None,
    now: datetime | None = None,
) -> IbanChange | None:
    """Record her request for another IBAN; ``proof`` is her password checked again
    (signin.reauthenticate), without which nothing changes (Forbidden). Blank or the IBAN she
    already asked for: nothing, None. Her IBAN in force again: the pending change is cancelled.
    She is told by e-mail either way, with the last four digits and when it takes effect."""
    now = now or utcnow()
    account.require_proof(profile.user, proof)
    iban = producer_profile.normalize_iban(text)
    if iban is None or iban == wanted_iban(profile):
        return None
    if settings.coop_iban and iban == settings.coop_iban:
        raise ValidationFailed(
            _l("Bu IBAN kooperatifin kendi hesabı; kendi banka hesabınızın IBAN'ını yazın."),
            field="iban",
        )
    pending = pending_change(profile.id)
    if pending is not None:
        pending.status = "cancelled" if iban == profile.iban else "superseded"
        pending.closed_at = now
        pending.closed_by_id = actor_id
        db.session.flush()  # one pending row per member (a unique index)
        if iban == profile.iban:
            return _told_cancelled(pending, profile, actor_id, by="member")
    change = IbanChange(
        producer_id=profile.id,
        producer=profile,
        old_iban=profile.iban,
        new_iban=iban,
        status="pending",
        requested_by_id=actor_id,
        requested_at=now,
        hold_until=now + timedelta(hours=settings.iban_hold_hours),
    )
    db.session.add(change)
    if settings.iban_hold_hours == 0:
        _apply(change, now)
    db.session.flush()
    _recorded_and_told(change, profile, actor_id)
    return change


def _recorded_and_told(change: IbanChange, profile: ProducerProfile, actor_id: int | None) -> None:
    """The request in the audit trail (the IBANs masked), and her e-mail saying when it counts."""
    audit.record(
        actor_id,
        "producer.iban_change_requested",
        change,
        producer_id=profile.id,
        old=masked_iban(change.old_iban),
        new=masked_iban(change.new_iban),
        hold_until=change.hold_until.isoformat(),
    )
    with force_locale(profile.user.locale):
        _mail(
            profile,
            _("IBAN'ınız değiştirildi"),
            "iban_changed",
            change=change,
            last4=change.new_iban[-4:],
            takes_effect=format_datetime(change.hold_until, "d MMMM yyyy HH:mm"),
            had_iban=change.old_iban is not None,
        )


def _lock(change_id: int) -> IbanChange:
    change = locks.lock_or_404(
        IbanChange, change_id, _l("IBAN değişikliği bulunamadı."), selectinload(IbanChange.producer)
    )
    if change.status != "pending":
        raise Conflict(_l("Bu IBAN değişikliği artık beklemede değil."), change_id=change.id)
    return change


def confirm(change_id: int, actor_id: int, now: datetime | None = None) -> IbanChange:
    """An admin has checked with her (by phone, at the centre) that the new IBAN is hers: it is
    in force from now on, before the hold ends."""
    now = now or utcnow()
    change = _lock(change_id)
    _apply(change, min(now, change.hold_until), confirmed_by_id=actor_id)
    audit.record(
        actor_id,
        "producer.iban_change_confirmed",
        change,
        producer_id=change.producer_id,
        old=masked_iban(change.old_iban),
        new=masked_iban(change.new_iban),
    )
    return change


def cancel(change_id: int, actor_id: int, now: datetime | None = None) -> IbanChange:
    """An admin stops a change she says she did not ask for; the IBAN in force stays."""
    now = now or utcnow()
    change = _lock(change_id)
    change.status = "cancelled"
    change.closed_at = now
    change.closed_by_id = actor_id
    return _told_cancelled(change, change.producer, actor_id, by="admin")


def _told_cancelled(change: IbanChange, profile, actor_id: int | None, by: str) -> IbanChange:
    """A cancelled change, audited and told to her (the IBAN in force stays)."""
    audit.record(
        actor_id,
        "producer.iban_change_cancelled",
        change,
        producer_id=profile.id,
        new=masked_iban(change.new_iban),
        by=by,
    )
    with force_locale(profile.user.locale):
        _mail(
            profile,
            _("IBAN değişikliğiniz geri alındı"),
            "iban_cancelled",
            change=change,
            last4=change.new_iban[-4:],
            in_force=masked_iban(profile.iban),
        )
    return change


def changes(producer_id: int | None = None, limit: int = 200) -> list[IbanChange]:
    """Pending changes first (oldest first), then the history, newest first."""
    query = select(IbanChange).options(
        selectinload(IbanChange.producer).selectinload(ProducerProfile.user)
    )
    if producer_id is not None:
        query = query.where(IbanChange.producer_id == producer_id)
    rows = list(db.session.scalars(query.order_by(IbanChange.id.desc()).limit(limit)))
    pending = sorted((r for r in rows if r.status == "pending"), key=lambda r: r.id)
    return pending + [r for r in rows if r.status != "pending"]


def not_in_force_at(producer_ids: list[int], at: datetime) -> dict[int, IbanChange]:
    """Changes asked for by ``at`` that were not yet in force then (still pending, applied
    later, or closed later): a batch made at ``at`` paid those members to their old IBAN or
    held them back."""
    if not producer_ids:
        return {}
    rows = db.session.scalars(
        select(IbanChange)
        .where(
            IbanChange.producer_id.in_(producer_ids),
            IbanChange.requested_at <= at,
            or_(
                IbanChange.status == "pending",
                (IbanChange.status == "applied") & (IbanChange.applied_at > at),
                IbanChange.status.in_(("cancelled", "superseded")) & (IbanChange.closed_at > at),
            ),
        )
        .order_by(IbanChange.id)
    )
    return {row.producer_id: row for row in rows}
