"""One page of any listing: count, clamp the page number, load that page (two queries)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from coopshop.extensions import db
from coopshop.services.catalog import Page


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
