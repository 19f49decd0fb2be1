"""Count the SQL statements a block of code sends, to prove a page does not query per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from coopshop.db import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """``with count_queries() as statements: ...`` then ``len(statements)``."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
