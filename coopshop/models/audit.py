"""The audit log: who did what to money, stock, prices or membership, and when. Append-only.

Like the ledger, rows are never updated or deleted: the ORM refuses it and so does the database
(append_only() below, from models.base; migration 0006 for production databases).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from coopshop.models.base import Base, UTCDateTime, append_only, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT, not SET NULL: the log is append-only, so a user with history is deactivated,
    # never deleted (SET NULL would be an UPDATE the append-only trigger refuses anyway).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


class AuditImmutableError(Exception):
    """Raised when code tries to update or delete an audit event."""


# Append-only in the ORM and in the database (models.base.append_only; migration 0006).
append_only(
    AuditEvent,
    error=AuditImmutableError,
    message="audit events are append-only",
    trigger_function="audit_append_only",
)
