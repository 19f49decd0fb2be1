"""The outbox migration (0240_outbox) gives every mail that was waiting before it a job, so an
upgrade forgets nothing that had not been sent; sent mail gets none."""

from __future__ import annotations

import json

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import text

from coopshop.db import db
from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an empty database)


def test_mail_waiting_before_the_outbox_gets_a_job(empty_app):  # noqa: F811
    with empty_app.app_context():
        config = empty_app.extensions["migrate"].migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision("0240_outbox").down_revision
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO outbox_messages (id, "to", subject, body, created_at, sent_at) '
                    "VALUES (1, 'ayse@example.org', 'Bekleyen', 'x', CURRENT_TIMESTAMP, NULL), "
                    "(2, 'fatma@example.org', 'Giden', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        flask_migrate.upgrade(revision="0240_outbox")
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT kind, payload, attempts, done_at, failed_at FROM outbox_jobs")
            ).all()
        db.engine.dispose()
    payloads = [json.loads(p) if isinstance(p, str) else p for _, p, *_ in rows]
    assert [(kind, attempts, done, failed) for kind, _, attempts, done, failed in rows] == [
        ("mail", 0, None, None)
    ]
    assert payloads == [{"message_id": 1}]
