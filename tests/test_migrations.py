"""The Alembic migrations build exactly the schema the models describe (no drift), with the
ledger's append-only triggers, and they run backwards to an empty database.

Each test gets an empty database of its own: a temp SQLite file, or on PostgreSQL a separate
database named after the test database + "_drift", created here and dropped afterwards.
"""

from __future__ import annotations

import os

import flask_migrate
import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from config import TestingConfig
from coopshop import create_app
from coopshop.db import db
from coopshop.models.ledger import APPEND_ONLY_TABLES
from tests.support.ledger_support import insert_raw_transaction

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def _maintenance_connection(url) -> psycopg.Connection:
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def empty_app(tmp_path):
    """An app bound to a brand-new, empty database (nothing created, not even by create_all)."""
    if POSTGRES:
        base = make_url(TestingConfig.SQLALCHEMY_DATABASE_URI)
        name = f"{base.database}_drift"
        with _maintenance_connection(base) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        uri = base.set(database=name).render_as_string(hide_password=False)
    else:
        uri = f"sqlite:///{tmp_path / 'drift.db'}"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = uri
        UPLOAD_DIR = str(tmp_path / "uploads")
        MAIL_OUTBOX_DIR = str(tmp_path / "outbox")

    app = create_app(Config)
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if POSTGRES:
        with _maintenance_connection(base) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _head_revision(app) -> str:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _stored_revision() -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _trigger_names() -> set[str]:
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        else:
            rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        return {row[0] for row in rows}


def test_upgrade_on_an_empty_database_matches_the_models(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        assert _stored_revision() == _head_revision(empty_app)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []


def test_upgrade_creates_every_check_constraint_the_models_declare(empty_app):
    # Alembic's autogenerate does not compare CHECK constraints, so compare their names here:
    # a CHECK added to a model without a migration would otherwise go unnoticed.
    with empty_app.app_context():
        flask_migrate.upgrade()
        inspector = inspect(db.engine)
        missing = {}
        for table in db.metadata.sorted_tables:
            declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            in_database = {c["name"] for c in inspector.get_check_constraints(table.name)}
            if declared - in_database:
                missing[table.name] = sorted(declared - in_database)
        assert missing == {}


def test_upgrade_makes_the_ledger_append_only(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        triggers = _trigger_names()
        if POSTGRES:
            expected = {f"{table}_append_only" for table in APPEND_ONLY_TABLES}
        else:
            expected = {
                f"{table}_no_{op}" for table in APPEND_ONLY_TABLES for op in ("update", "delete")
            }
        assert expected <= triggers

        # And the database really refuses: a balanced transaction (PostgreSQL refuses any other
        # at commit), then an UPDATE and a DELETE.
        with db.engine.connect() as conn:
            insert_raw_transaction(conn, 1, [500, -500])
            conn.commit()
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("UPDATE ledger_entries SET amount_kurus = 600"))
            conn.rollback()
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("DELETE FROM ledger_entries"))
            conn.rollback()
            assert (
                conn.execute(text("SELECT amount_kurus FROM ledger_entries ORDER BY id")).scalar()
                == 500
            )


@pytest.mark.skipif(not POSTGRES, reason="SQLite has no deferred triggers")
def test_upgrade_makes_postgresql_refuse_an_unbalanced_transaction_at_commit(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        assert "ledger_entries_zero_sum" in _trigger_names()
        with db.engine.connect() as conn:
            insert_raw_transaction(conn, 1, [500, -400])  # each INSERT is accepted...
            with pytest.raises(IntegrityError, match="does not sum to zero"):
                conn.commit()  # ... the COMMIT is not
            conn.rollback()
            assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 0

            insert_raw_transaction(conn, 2, [500, -400, -100])
            conn.commit()
            assert conn.execute(
                text("SELECT sum(amount_kurus), count(*) FROM ledger_entries")
            ).one() == (0, 3)


def test_downgrade_to_base_removes_everything(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert _stored_revision() is None
        assert _trigger_names() == set()
        if POSTGRES:
            with db.engine.connect() as conn:
                function = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_proc "
                        "WHERE proname IN ('ledger_append_only', 'ledger_zero_sum')"
                    )
                ).scalar()
            assert function == 0
        # ... and back up again, so a downgrade is not a dead end.
        flask_migrate.upgrade()
        assert _stored_revision() == _head_revision(empty_app)


def test_flask_db_upgrade_command(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        assert _stored_revision() == _head_revision(empty_app)
        tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables

    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
