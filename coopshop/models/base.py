"""Declarative base with a naming convention, so constraints have stable names Alembic can diff;
the UTC timestamp type; and append_only(), the one guard of the tables that are never rewritten."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware. Used as a callable default, never evaluated at import."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type; PostgreSQL has timestamptz. Both come back as aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use coopshop.models.base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def append_only(
    *models: type[Base],
    error: type[Exception],
    message: str,
    trigger_function: str,
    hint: str = "",
) -> None:
    """Make the rows of ``models`` append-only: INSERT, never UPDATE or DELETE.

    The ORM refuses a changed or deleted object at flush and a bulk ``update()``/``delete()`` at
    execute (which skips the flush), raising ``error`` with ``message`` (and ``hint``, what to
    do instead). The database refuses too, so a stray statement from a shell or another program
    cannot rewrite history: triggers created with each table by create_all() (tests); production
    databases get the same statements, frozen, from the migrations. SQLite:
    ``<table>_no_update`` and ``<table>_no_delete``; PostgreSQL: ``<table>_append_only``
    (UPDATE, DELETE and TRUNCATE) calling ``trigger_function``; both raise ``message``.
    """
    tables = {model.__table__.name for model in models}
    orm_message = f"{message}; {hint}" if hint else message

    @event.listens_for(Session, "before_flush")
    def _refuse_changes(session, flush_context, instances) -> None:
        for obj in list(session.dirty) + list(session.deleted):
            if isinstance(obj, models) and (
                obj in session.deleted or session.is_modified(obj, include_collections=False)
            ):
                raise error(f"{orm_message} ({obj!r})")

    @event.listens_for(Session, "do_orm_execute")
    def _refuse_bulk_changes(state) -> None:
        table = getattr(state.statement, "table", None)
        if (state.is_update or state.is_delete) and getattr(table, "name", None) in tables:
            raise error(orm_message)

    for model in models:
        event.listen(
            model.__table__,
            "after_create",
            lambda target, connection, **kw: _create_triggers(
                connection, target.name, trigger_function, message
            ),
        )


def append_only_ddl(dialect: str, table: str, trigger_function: str, message: str) -> list[str]:
    """The statements that make ``table`` refuse UPDATE and DELETE on ``dialect``."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {trigger_function}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {trigger_function}()",
        ]
    return []


def _create_triggers(connection, table: str, trigger_function: str, message: str) -> None:
    for statement in append_only_ddl(connection.dialect.name, table, trigger_function, message):
        connection.exec_driver_sql(statement)
