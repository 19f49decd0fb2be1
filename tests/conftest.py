"""Test fixtures in the flaskr shape: an app from create_app("testing"), a client, a fresh
database for every test. DATABASE_URL picks PostgreSQL; otherwise a SQLite file in a temp dir.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from config import TestingConfig
from tests.support.geliver_support import geliver_app, geliver_standin  # noqa: F401  (fixtures)
from tests.support.invoicing_support import local_invoicing, nilvera_invoicing  # noqa: F401
from tests.support.iyzico_support import _iyzico_server, iyzico_app, iyzico_standin  # noqa: F401
from tests.support.nilvera_standin import _nilvera_server, standin  # noqa: F401  (fixtures)
from tests.support.stripe_support import localstripe, stripe_stub  # noqa: F401  (fixtures)

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
# The real Redis for tests marked ``redis`` (a database number of its own; each test uses a
# queue name of its own and removes its keys).
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/13")


def redis_answers() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False


def _testing_config(tmp: Path) -> type:
    class Config(TestingConfig):
        UPLOAD_DIR = str(tmp / "uploads")
        MAIL_OUTBOX_DIR = str(tmp / "outbox")
        if not POSTGRES:
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'test.db'}"

    return Config


@pytest.fixture(scope="session")
def _tmp_root():
    path = Path(tempfile.mkdtemp(prefix="coopshop-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def _app(_tmp_root):
    from coopshop import create_app
    from coopshop.db import db

    app = create_app(_testing_config(_tmp_root))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.commit()
        db.engine.dispose()
    if not POSTGRES:
        shutil.copyfile(_tmp_root / "test.db", _tmp_root / "template.db")
    yield app
    if POSTGRES:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


def reset_database(app, tmp_root: Path) -> None:
    """Empty every table. SQLite: copy a pristine file over; PostgreSQL: TRUNCATE.

    The ledger's and the audit log's append-only triggers refuse TRUNCATE, so they are switched
    off for this one statement, as the owner of the tables (only the test fixture ever does this).
    """
    from coopshop.db import db

    with app.app_context():
        if not POSTGRES:
            db.engine.dispose()
            shutil.copyfile(tmp_root / "template.db", tmp_root / "test.db")
            return
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            for table in ("ledger_entries", "ledger_transactions", "audit_events"):
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            for table in ("ledger_entries", "ledger_transactions", "audit_events"):
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


@pytest.fixture
def app(_app, _tmp_root):
    reset_database(_app, _tmp_root)
    for folder in ("uploads", "outbox"):
        shutil.rmtree(_tmp_root / folder, ignore_errors=True)
    with _app.app_context():
        from coopshop.extensions import cache

        cache.clear()  # the catalog's cached fragments belong to the last test's rows
        yield _app
        from coopshop.db import db

        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    from coopshop.db import db

    return db.session


@pytest.fixture
def login(client):
    """Log a user in through the real login form: ``login(user)``."""

    def _login(user, password: str = "parola-1234"):  # noqa: S107 (the factories' password)
        response = client.post(
            "/auth/login", data={"email": user.email, "password": password}, follow_redirects=False
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return _login


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need real row locking; on SQLite they are skipped (CI runs
    the suite on PostgreSQL too, where they run). Tests marked ``redis`` are skipped when no
    Redis answers at REDIS_TEST_URL."""
    if not POSTGRES:
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
    wants_redis = [item for item in items if "redis" in item.keywords]
    if wants_redis and not redis_answers():
        skip = pytest.mark.skip(reason=f"needs Redis at {REDIS_TEST_URL}")
        for item in wants_redis:
            item.add_marker(skip)


from flask.testing import FlaskClient  # noqa: E402  (appended section: fresh g per request)


class _FreshGlobalsClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    The ``app`` fixture keeps one app context pushed for the whole test and Flask reuses it for
    each request, so without this ``g`` outlives a request: Flask-Login's cached user and
    Flask-Babel's cached locale would leak into the next request (a second client would act as
    the first one's user; a language switch would not show until the test ended).
    """

    def open(self, *args, **kwargs):
        from flask import g, has_app_context

        if has_app_context():
            vars(g._get_current_object()).clear()
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_g_for_each_request(request, monkeypatch):
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        monkeypatch.setattr(app, "test_client_class", _FreshGlobalsClient)
