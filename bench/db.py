"""The benchmark's database: a fresh PostgreSQL database (or DATABASE_URL), migrated, and the
app configuration the loader, the timings and the served app share."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_NAME = "coopshop_bench"
# One key for the whole run: the driver signs session cookies the served app accepts.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_hex(32)
TMP = Path(tempfile.mkdtemp(prefix="coopshop-bench-"))


def plain_url(url: str) -> str:
    """A libpq URL (psycopg.connect) from a SQLAlchemy one."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_fresh(name: str = DEFAULT_NAME, server: str = SERVER) -> str:
    """Drop and create ``name`` on the server (default the local one); its URL."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop(name: str, server: str = SERVER) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_name(url: str) -> str:
    return urlsplit(plain_url(url)).path.lstrip("/")


def with_name(url: str, name: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit(parts._replace(path="/" + name))


def app_env(url: str, production: bool = True) -> dict[str, str]:
    """The environment the app runs with: production settings (as a shop runs) on this
    database, loopback Redis, sample seller identity, Stripe keys that are never called."""
    from config import SAMPLE_SELLER

    env = dict(os.environ)
    env.update(
        DATABASE_URL=plain_url(url),
        SECRET_KEY=SECRET_KEY,
        BENCH_SECRET_KEY=SECRET_KEY,
        PUBLIC_BASE_URL="https://bench.invalid",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        STRIPE_SECRET_KEY="sk_test_bench_never_called",  # noqa: S106 (no request reaches Stripe)
        STRIPE_WEBHOOK_SECRET="whsec_bench",  # noqa: S106
        PAYMENT_PROVIDER="stripe",
        SMS_PROVIDER="none",
        MAIL_OUTBOX_DIR=str(TMP / "outbox"),
        UPLOAD_DIR=str(TMP / "uploads"),
        FLASK_CONFIG="production" if production else "development",
        PYTHONPATH=str(ROOT),
    )
    for name, value in SAMPLE_SELLER.items():
        env.setdefault(name, str(value))
    return env


def migrate(url: str) -> float:
    """`flask db upgrade` on ``url`` (the app's own migrations); seconds taken."""
    start = time.perf_counter()
    env = app_env(url, production=False)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("the migrations failed")
    return time.perf_counter() - start


def loader_config(url: str):
    """A development settings class on ``url`` (the loader and the outside timings call the
    services in this process; no debug, mail to a temp dir)."""
    from config import DevelopmentConfig

    class BenchLoaderConfig(DevelopmentConfig):
        DEBUG = False
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + plain_url(url)[len("postgresql://") :]
        UPLOAD_DIR = str(TMP / "uploads")
        MAIL_OUTBOX_DIR = str(TMP / "outbox")
        MAIL_SERVER = ""
        REDIS_URL = ""
        RATELIMIT_STORAGE_URI = "memory://"

    return BenchLoaderConfig
