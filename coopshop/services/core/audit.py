"""Append to the audit log: every action on money, stock, prices or membership."""

from __future__ import annotations

from coopshop.db import db
from coopshop.models import AuditEvent


def record(
    actor_id: int | None,
    action: str,
    obj: object | None = None,
    **data,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        data=data,
    )
    db.session.add(event)
    return event
