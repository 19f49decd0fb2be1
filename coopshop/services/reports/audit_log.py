"""Reading the audit log: filter it and page through it, newest first.

Only reads: the log is append-only (coopshop.models.audit refuses updates and deletes, and so
does the database). Writing stays with services.audit.record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import AuditEvent, User
from coopshop.services.core import paging
from coopshop.services.core.paging import Page

PER_PAGE = 50
SYSTEM = "system"  # events with no actor: webhooks, workers, commands
ROLE_LABELS = {
    "admin": _l("Yönetici"),
    "staff": _l("Görevli"),
    "producer": _l("Üretici"),
    "customer": _l("Müşteri"),
    SYSTEM: _l("Sistem"),
}


@dataclass(frozen=True)
class AuditFilter:
    """Every field optional. ``actor``: a user id, or part of a name or e-mail address;
    ``action``: the start of an action ("payout." finds every payout action); ``start`` and
    ``end``: Istanbul days, both included."""

    actor: str = ""
    role: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Entry:
    """One event with who did it (None for the system, or a user since removed)."""

    event: AuditEvent
    actor_name: str | None
    actor_email: str | None
    actor_role: str | None

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.actor_role or SYSTEM, self.actor_role))


def _local_midnight_utc(day: date) -> datetime:
    return turkey.day_start(day).astimezone(UTC)


def _conditions(f: AuditFilter) -> list:
    conditions = []
    actor = f.actor.strip()
    if actor.isdigit():
        conditions.append(AuditEvent.actor_id == int(actor))
    elif actor:
        conditions.append(
            User.name.icontains(actor, autoescape=True)
            | User.email.icontains(actor, autoescape=True)
        )
    if f.role == SYSTEM:
        conditions.append(AuditEvent.actor_id.is_(None))
    elif f.role:
        conditions.append(User.role == f.role)
    if f.action.strip():
        conditions.append(AuditEvent.action.startswith(f.action.strip(), autoescape=True))
    if f.object_type.strip():
        conditions.append(AuditEvent.object_type == f.object_type.strip())
    if f.object_id.strip():
        conditions.append(AuditEvent.object_id == f.object_id.strip())
    if f.start is not None:
        conditions.append(AuditEvent.created_at >= _local_midnight_utc(f.start))
    if f.end is not None:
        conditions.append(AuditEvent.created_at < turkey.day_end(f.end).astimezone(UTC))
    return conditions


def search(f: AuditFilter, page: int | None = 1, per_page: int = PER_PAGE) -> Page:
    """One page of matching events, newest first, with their actors: two queries."""
    conditions = _conditions(f)
    query = (
        select(AuditEvent, User.name, User.email, User.role)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*conditions)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    rows = paging.paginate(query, page, per_page, scalars=False)
    return replace(rows, items=[Entry(*row) for row in rows.items])


def known_actions(limit: int = 300) -> list[str]:
    """The actions in the log, for the filter's suggestions (one grouped query)."""
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .group_by(AuditEvent.action)
            .order_by(AuditEvent.action)
            .limit(limit)
        )
    )


def known_object_types(limit: int = 100) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.object_type)
            .where(AuditEvent.object_type != "")
            .group_by(AuditEvent.object_type)
            .order_by(AuditEvent.object_type)
            .limit(limit)
        )
    )
