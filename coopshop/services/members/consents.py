"""Marketing e-mail only with consent (KVKK and the e-commerce law's ticari elektronik ileti
rules): a separate, unticked checkbox at registration and on the account page, each change
recorded as a row with its time and the words she saw, and audited.

Every order, payment, shipping, invoice, password and membership e-mail the shop sends today is
transactional (it answers something she did), so none needs this consent. Anything that is not
(a campaign, a newsletter, an announcement) must go through ``queue_marketing``, which sends
only to whoever ``may_send_marketing`` allows, and ``marketing_recipients`` for a list.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import ConsentRecord, OutboxMessage, User, utcnow
from coopshop.services.core import audit, mail

MARKETING = "marketing_email"
# The checkbox's words, in Turkish as the record of what she agreed to.
MARKETING_WORDING = "Kampanya ve duyuru e-postaları almak istiyorum"
MARKETING_LABEL = _l("Kampanya ve duyuru e-postaları almak istiyorum")


def _latest(user_id: int) -> ConsentRecord | None:
    return db.session.scalar(
        select(ConsentRecord)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.purpose == MARKETING)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )


def marketing_consent(user: User) -> ConsentRecord | None:
    """The record in force (given or withdrawn), or None when she was never asked."""
    return _latest(user.id)


def may_send_marketing(user: User | None) -> bool:
    """The one guard for non-transactional e-mail: an open account whose latest marketing
    consent is a "yes". No record, a withdrawal, or a closed account is a "no"."""
    if user is None or not user.active:
        return False
    latest = _latest(user.id)
    return latest is not None and latest.granted


def set_marketing(user: User, granted: bool, source: str) -> ConsentRecord | None:
    """Record her choice; returns the new row, or None when it is what is already in force
    (an unticked box at registration records nothing: no consent was ever given)."""
    granted = bool(granted)
    latest = _latest(user.id)
    current = latest.granted if latest is not None else False
    if granted == current:
        return None
    row = ConsentRecord(
        user_id=user.id,
        purpose=MARKETING,
        granted=granted,
        source=source,
        wording=MARKETING_WORDING,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        user.id,
        "consent.marketing_given" if granted else "consent.marketing_withdrawn",
        user,
        source=source,
        consent_id=row.id,
    )
    return row


def consents_of(user_id: int) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.user_id == user_id).order_by(ConsentRecord.id)
        )
    )


def marketing_recipients() -> list[User]:
    """Every open account whose latest marketing consent is a "yes" (one query)."""
    latest = (
        select(ConsentRecord.user_id, func.max(ConsentRecord.id).label("last_id"))
        .where(ConsentRecord.purpose == MARKETING)
        .group_by(ConsentRecord.user_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(User)
            .join(latest, latest.c.user_id == User.id)
            .join(ConsentRecord, ConsentRecord.id == latest.c.last_id)
            .where(ConsentRecord.granted.is_(True), User.active.is_(True))
            .order_by(User.id)
        )
    )


def queue_marketing(user: User, subject: str, body: str) -> OutboxMessage | None:
    """Queue a marketing e-mail to her, or nothing (None) without her consent."""
    if not may_send_marketing(user):
        return None
    return mail.queue(user.email, subject, body)
