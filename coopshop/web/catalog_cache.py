"""The public catalog's fragments (product grids of the home page, collections, crafts, makers'
pages and search), cached with Flask-Caching and dropped whenever the catalog changes.

Invalidation is by generation: every cached fragment's key carries the catalog's generation
number, and a committed write to any table a product card shows (products and their price,
stock or status, makers, photos, members, collections, categories) moves the number on, so no
fragment written before it is read again. The writes are seen where every path meets, the
database connection: a conditional stock UPDATE, an ORM flush and a text() statement alike. The
number moves after the commit, never before, so a page rendered from the old rows between the
two cannot be stored under the new number. Checkout, the cart and the product page read the
database, not this cache: a sold-out item is never sold from a cached fragment.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from coopshop.db import db
from coopshop.extensions import cache

GENERATION_KEY = "catalog:generation"
CATALOG_TABLES = (
    "products",
    "product_makers",
    "product_images",
    "producer_profiles",
    "collections",
    "categories",
)
# Anywhere in the statement: a write may come after a WITH clause.
_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(?:" + "|".join(CATALOG_TABLES) + r")\b",
    re.IGNORECASE,
)
_pending = threading.local()  # this thread's transaction wrote to the catalog


def generation() -> int:
    return int(cache.get(GENERATION_KEY) or 0)


def bump() -> None:
    """Move the generation on: every fragment cached so far is left unread (and expires)."""
    if cache.get(GENERATION_KEY) is None:
        cache.add(GENERATION_KEY, 0, timeout=0)
    cache.cache.inc(GENERATION_KEY)  # Redis INCR in production: one number for every worker


def fragment(name: str, params: tuple, render: Callable[[], str]) -> Markup:
    """The fragment ``name`` for ``params`` in the current locale: from the cache, or rendered
    by ``render`` (which runs its own queries) and stored."""
    key = f"catalog:{generation()}:{name}:{get_locale()}:{params!r}"
    html = cache.get(key)
    if html is None:
        html = str(render())
        cache.set(key, html)
    return Markup(html)  # noqa: S704 (our own rendered, autoescaped template)


def value(name: str, params: tuple, compute: Callable[[], Any]) -> Any:
    """A picklable value (no locale) computed from the catalog's rows, under the same
    generation: from the cache, or computed by ``compute`` and stored."""
    key = f"catalog:{generation()}:{name}:{params!r}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found)
    return found


def _seen(conn, cursor, statement, parameters, context, executemany) -> None:
    if _WRITE.search(statement):
        _pending.wrote = True


def _after_commit(session) -> None:
    if getattr(_pending, "wrote", False):
        _pending.wrote = False
        bump()


def _after_rollback(session) -> None:
    _pending.wrote = False


def init_app(app: Flask) -> None:
    """Watch the app's engine for catalog writes (once per engine) and the session's commits."""
    with app.app_context():
        engine = db.engine
        if not event.contains(engine, "before_cursor_execute", _seen):
            event.listen(engine, "before_cursor_execute", _seen)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
