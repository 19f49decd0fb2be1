"""One page of a listing: by number (count, clamp the page number, load that page: two
queries), or by keyset for long histories (one query, no count, no OFFSET)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from coopshop.db import db

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_COUNTED_PAGE_LIMIT = 1_000_000


@dataclass(frozen=True)
class Page:
    """One page of a listing. ``number`` is already clamped to 1..pages."""

    items: Sequence[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def iter_pages(self, edge: int = 1, around: int = 2) -> Iterator[int | None]:
        """Page numbers to link, with None where a run is left out: 1 … 4 5 [6] 7 8 … 20."""
        last_shown = 0
        for n in range(1, self.pages + 1):
            if n <= edge or n > self.pages - edge or abs(n - self.number) <= around:
                if n - last_shown > 1:
                    yield None
                yield n
                last_shown = n


def paginate(query: Select, page: int | None, per_page: int, *, scalars: bool = True) -> Page:
    """The page ``page`` of ``query`` (0, negative or past the end show the nearest real page).

    ``scalars`` gives ORM objects (``select(Model)``); False gives rows (``select(a, b)``).
    """
    total = int(
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    pages = max(1, -(-total // per_page))
    number = min(max(page or 1, 1), pages)
    items: list = []
    if total:
        limited = query.limit(per_page).offset((number - 1) * per_page)
        result = db.session.scalars(limited) if scalars else db.session.execute(limited)
        items = list(result)
    return Page(items=items, number=number, per_page=per_page, total=total)


def paginate_counted(query: Select, page: int | None, per_page: int) -> Page:
    """``paginate`` for ``select(Model)`` in one scan instead of two: the total comes with the
    page's rows as ``count(*) OVER ()``. Only a page past the end (no rows to carry the count)
    falls back to counting first."""
    number = max(page or 1, 1)
    if number > _COUNTED_PAGE_LIMIT:  # no OFFSET the database cannot hold: count, then clamp
        return paginate(query, page, per_page)
    rows = db.session.execute(
        query.add_columns(func.count().over().label("_total"))
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    if not rows:
        return paginate(query, page, per_page) if number > 1 else Page([], 1, per_page, 0)
    return Page(
        items=[r[0] for r in rows], number=number, per_page=per_page, total=int(rows[0][-1])
    )


# --- keyset paging: long histories page by where the last page ended, never by OFFSET ----------


@dataclass(frozen=True)
class KeysetPage:
    """One page of a listing read by keyset: ``next_cursor`` reads the rows after the last one
    shown, ``prev_cursor`` those before the first; each is None at that end. No total is
    counted and no page number is kept, so the 500th page costs what the first does."""

    items: Sequence[Any]
    per_page: int
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def encode_cursor(moment: datetime, row_id: int) -> str:
    """A row's place in a newest-first listing, as URL-safe text: microseconds since the
    epoch (UTC) and the row's id."""
    micros = (moment.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{row_id}"


def decode_cursor(text: str | None) -> tuple[datetime, int] | None:
    """The (moment, id) of ``encode_cursor``; None for nothing or anything malformed."""
    if not text or len(text) > 40:
        return None
    micros, _, row_id = text.partition(".")
    if not (micros.lstrip("-").isdigit() and row_id.isdigit()):
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(row_id)
    except OverflowError:
        return None
