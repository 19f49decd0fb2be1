"""Reminders before a member's tax exemption certificate (esnaf muafiyeti belgesi) expires: the
certificates that expire within the window (EXEMPTION_REMINDER_DAYS, 30 by default) or have
expired, for the admins' list, and one e-mail to each member per certificate — the reminder row
(member, certificate number, expiry) is unique, so running the command again, or twice at
once, sends nothing more; a renewed certificate (a new expiry) is reminded again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import ExemptionReminder, ProducerProfile, utcnow
from coopshop.services.core import mail


@dataclass(frozen=True)
class Expiring:
    profile: ProducerProfile
    expires: date
    days_left: int  # negative once expired
    reminded_at: object | None  # when her reminder for this certificate went, if it did

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def window_days(config=None) -> int:
    config = current_app.config if config is None else config
    return int(config.get("EXEMPTION_REMINDER_DAYS", 30))


def expiring(today: date, days: int) -> list[Expiring]:
    """Exempt members whose certificate expires by ``today + days`` (or has), soonest first."""
    profiles = db.session.scalars(
        select(ProducerProfile)
        .where(
            ProducerProfile.tax_status == "exempt",
            ProducerProfile.exemption_expires.is_not(None),
            ProducerProfile.exemption_expires <= today + timedelta(days=days),
        )
        .options(selectinload(ProducerProfile.user))
        .order_by(ProducerProfile.exemption_expires, ProducerProfile.id)
    ).all()
    sent = {
        (r.producer_id, r.exemption_number, r.expires): r.sent_at
        for r in db.session.scalars(
            select(ExemptionReminder).where(
                ExemptionReminder.producer_id.in_([p.id for p in profiles])
            )
        )
    }
    return [
        Expiring(
            profile=p,
            expires=p.exemption_expires,
            days_left=(p.exemption_expires - today).days,
            reminded_at=sent.get((p.id, p.exemption_number, p.exemption_expires)),
        )
        for p in profiles
    ]


def remind(today: date, days: int) -> list[tuple[Expiring, bool]]:
    """Mail each member whose certificate is in the window and has not been reminded of it.
    Returns every certificate in the window with whether a reminder went now."""
    results = []
    for item in expiring(today, days):
        sent_now = False
        if item.reminded_at is None and not item.expired:
            sent_now = _remind_once(item)
        results.append((item, sent_now))
    return results


def _remind_once(item: Expiring) -> bool:
    profile = item.profile
    reminder = ExemptionReminder(
        producer_id=profile.id,
        exemption_number=profile.exemption_number,
        expires=item.expires,
        sent_at=utcnow(),
    )
    try:
        with db.session.begin_nested():  # another run took it first: nothing to send
            db.session.add(reminder)
            db.session.flush()
    except IntegrityError:
        return False
    user = profile.user
    if user is not None and user.email:
        with force_locale(user.locale):
            mail.queue(
                user.email,
                _("Muafiyet belgenizin süresi doluyor"),
                render_template("email/exemption_expiring.txt", profile=profile, item=item),
            )
    return True
