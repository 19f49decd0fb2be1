"""The audit log: who did what to money, stock, prices or membership, and when. Append-only.

Like the ledger, rows are never updated or deleted: the ORM refuses it (_refuse_changes,
_refuse_bulk_changes) and so does the database (triggers created with the table and by
migration 0006).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from coopshop.models.base import Base, UTCDateTime, utcnow


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


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise AuditImmutableError(f"audit events are append-only ({obj!r})")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    # session.execute(update(AuditEvent)...) skips the flush, so it is checked on its own.
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == "audit_events":
        raise AuditImmutableError("audit events are append-only")


# The database refuses too. The same statements serve create_all() (tests) and the migration.
def append_only_ddl(dialect: str) -> list[str]:
    """The statements that make audit_events refuse UPDATE and DELETE on ``dialect``."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER audit_events_no_{op.lower()} BEFORE {op} ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
        ]
    return []


def drop_append_only_ddl(dialect: str) -> list[str]:
    """The statements that undo append_only_ddl (a migration's downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS audit_events_no_{op}" for op in ("update", "delete")]
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
            "DROP FUNCTION IF EXISTS audit_append_only()",
        ]
    return []


@event.listens_for(AuditEvent.__table__, "after_create")
def _create_append_only_triggers(target, connection, **kw) -> None:
    for statement in append_only_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
