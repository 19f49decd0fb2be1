"""Membership: approving or refusing applications, suspending and reactivating members, and the
per-member commission override. Every change is audited and the member is told by e-mail.

A suspended member's products leave the shop by themselves: services.catalog.for_sale() and
orders refuse products with an inactive maker, so nothing about her products changes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from coopshop.db import db
from coopshop.models import (
    AuditEvent,
    CommissionRate,
    ProducerProfile,
    Product,
    ProductMaker,
    User,
    utcnow,
)
from coopshop.models.user import MEMBERSHIP_STATUSES
from coopshop.services.books import commission_overview
from coopshop.services.core import audit, mail
from coopshop.services.core.errors import InvalidTransition, NotFound, ValidationFailed
from coopshop.services.core.paging import Page
from coopshop.services.members import signin
from coopshop.turkish import search_fold

# The one place membership transitions are written down: action -> (from, to).
MEMBERSHIP_ACTIONS = {
    "approve": ("applied", "active"),
    "refuse": ("applied", "refused"),
    "suspend": ("active", "suspended"),
    "reactivate": ("suspended", "active"),
}
MEMBERSHIP_TRANSITIONS = {
    status: {to for frm, to in MEMBERSHIP_ACTIONS.values() if frm == status}
    for status in MEMBERSHIP_STATUSES
}
MEMBERSHIP_STATUS_LABELS = {
    "applied": _l("Başvurdu"),
    "active": _l("Aktif"),
    "suspended": _l("Askıda"),
    "refused": _l("Reddedildi"),
}
# How the member's page names what admins did about her (audit actions).
HISTORY_LABELS = {
    "member.approve": _l("Üyelik onaylandı"),
    "member.refuse": _l("Başvuru reddedildi"),
    "member.suspend": _l("Üyelik askıya alındı"),
    "member.reactivate": _l("Üyelik yeniden etkin"),
    "member.commission": _l("Kendi komisyon oranı değişti"),
    "member.deduction": _l("Kesinti kaydedildi"),
    "member.deduction_reversed": _l("Kesinti geri alındı"),
}
MAX_NOTE_LENGTH = 2000
PER_PAGE = 50


def allowed_actions(profile: ProducerProfile) -> list[str]:
    """The membership actions an admin may take on ``profile`` now."""
    return [a for a, (frm, _to) in MEMBERSHIP_ACTIONS.items() if frm == profile.membership_status]


def _clean_note(note: str | None, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationFailed(_l("Bir açıklama yazın."), field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            _l("Açıklama en fazla %(n)d karakter olabilir.", n=MAX_NOTE_LENGTH), field="note"
        )
    return note


def _mail_member(profile: ProducerProfile, action: str, note: str) -> None:
    user = profile.user
    subjects = {
        "approve": lambda: _("Üyeliğiniz onaylandı"),
        "refuse": lambda: _("Üyelik başvurunuz hakkında"),
        "suspend": lambda: _("Üyeliğiniz askıya alındı"),
        "reactivate": lambda: _("Üyeliğiniz yeniden etkin"),
    }
    with force_locale(user.locale):
        mail.queue(
            user.email,
            subjects[action](),
            render_template("email/membership.txt", profile=profile, action=action, note=note),
        )


def change_status(
    profile: ProducerProfile,
    action: str,
    actor_id: int | None,
    note: str = "",
    now: datetime | None = None,
) -> ProducerProfile:
    """Apply a membership ``action`` (approve, refuse, suspend, reactivate) by the transition
    table; a wrong one raises InvalidTransition and changes nothing. Refusing needs a note,
    which she receives by e-mail with the decision."""
    if action not in MEMBERSHIP_ACTIONS:
        raise ValueError(action)
    frm, to = MEMBERSHIP_ACTIONS[action]
    if profile.membership_status != frm:
        raise InvalidTransition(
            _l(
                "Üyelik “%(from_label)s” durumundan “%(to_label)s” durumuna geçemez.",
                from_label=MEMBERSHIP_STATUS_LABELS[profile.membership_status],
                to_label=MEMBERSHIP_STATUS_LABELS[to],
            ),
            from_status=profile.membership_status,
            to_status=to,
        )
    note = _clean_note(note, required=action == "refuse")
    previous = profile.membership_status
    profile.membership_status = to
    if action == "approve":
        profile.approved_at = now or utcnow()
    if action in ("suspend", "refuse"):
        signin.end_sessions(profile.user)  # she is signed out everywhere at once
    audit.record(
        actor_id,
        f"member.{action}",
        profile,
        from_status=previous,
        to_status=to,
        note=note,
    )
    _mail_member(profile, action, note)
    db.session.flush()
    return profile


def set_commission_override(
    profile: ProducerProfile,
    rate_bp: int | None,
    actor_id: int | None,
    effective_from: datetime | None = None,
    note: str = "",
) -> CommissionRate | None:
    """Set (or end with None) her own commission rate for sales from ``effective_from`` (now
    when None; never in the past): a dated row of the policy (services.commission), audited on
    her history. Nothing is written when the rate in force then is already that one."""
    return commission_overview.set_own_rate(
        "producer",
        profile.id,
        rate_bp,
        actor_id,
        effective_from,
        note,
        audit_as=("member.commission", profile),
    )


# --- reading --------------------------------------------------------------------------------

# Turkish letters to what search_fold makes of them, so the database folds a name the way
# Python folds the query (SQLite's lower() knows only ASCII letters).
_SQL_FOLD = (
    ("İ", "i"),
    ("I", "i"),
    ("ı", "i"),
    ("Ç", "c"),
    ("ç", "c"),
    ("Ğ", "g"),
    ("ğ", "g"),
    ("Ö", "o"),
    ("ö", "o"),
    ("Ş", "s"),
    ("ş", "s"),
    ("Ü", "u"),
    ("ü", "u"),
    ("Â", "a"),
    ("â", "a"),
    ("Î", "i"),
    ("î", "i"),
    ("Û", "u"),
    ("û", "u"),
)


def _folded(column):
    for letter, plain in _SQL_FOLD:
        column = func.replace(column, letter, plain)
    return func.lower(column)


@dataclass(frozen=True)
class MemberFilter:
    status: str = ""
    centre: str = ""
    q: str = ""


def member_query(filters: MemberFilter) -> Select:
    query = select(ProducerProfile).join(User, User.id == ProducerProfile.user_id)
    if filters.status in MEMBERSHIP_STATUSES:
        query = query.where(ProducerProfile.membership_status == filters.status)
    if filters.centre:
        query = query.where(ProducerProfile.centre == filters.centre)
    for word in search_fold(filters.q or "")[:100].split()[:5]:
        query = query.where(
            _folded(ProducerProfile.display_name).contains(word, autoescape=True)
            | _folded(User.name).contains(word, autoescape=True)
        )
    return query


def list_members(filters: MemberFilter, page: int | None, per_page: int = PER_PAGE) -> Page:
    """One page of members (applications first, then by name), in two queries."""
    query = member_query(filters)
    total = int(
        db.session.scalar(
            select(func.count()).select_from(query.with_only_columns(ProducerProfile.id).subquery())
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    number = min(max(page or 1, 1), pages)
    applications_first = case((ProducerProfile.membership_status == "applied", 0), else_=1)
    items = list(
        db.session.scalars(
            query.options(joinedload(ProducerProfile.user))
            .order_by(applications_first, ProducerProfile.display_name, ProducerProfile.id)
            .limit(per_page)
            .offset((number - 1) * per_page)
        )
    )
    return Page(items=items, number=number, per_page=per_page, total=total)


def centres() -> list[str]:
    return list(
        db.session.scalars(
            select(ProducerProfile.centre)
            .where(ProducerProfile.centre != "")
            .distinct()
            .order_by(ProducerProfile.centre)
        )
    )


def get_member(producer_id: int, lock: bool = False) -> ProducerProfile:
    """Her profile with her account; ``lock`` takes a row lock (PostgreSQL) so two admins acting
    on her at once are served one after the other, each seeing the other's result."""
    query = (
        select(ProducerProfile)
        .where(ProducerProfile.id == producer_id)
        .options(joinedload(ProducerProfile.user))
    )
    if lock:
        query = query.with_for_update(of=ProducerProfile).execution_options(populate_existing=True)
    profile = db.session.scalar(query)
    if profile is None:
        raise NotFound(_l("Üye bulunamadı."))
    return profile


def products_of(producer_id: int) -> list[Product]:
    """Her products, newest first."""
    return list(
        db.session.scalars(
            select(Product)
            .join(ProductMaker, ProductMaker.product_id == Product.id)
            .where(ProductMaker.producer_id == producer_id)
            .order_by(Product.created_at.desc(), Product.id.desc())
        )
    )


def history(producer_id: int, limit: int = 50) -> list[tuple[AuditEvent, str]]:
    """What admins did about her (membership decisions, rates, deductions), newest first, with
    the name of who did it: one query."""
    return [
        (event, actor or "")
        for event, actor in db.session.execute(
            select(AuditEvent, User.name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(
                AuditEvent.object_type == "ProducerProfile",
                AuditEvent.object_id == str(producer_id),
            )
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    ]
