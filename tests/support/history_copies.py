"""Years of history in a second: copy the paid orders already in the test database, with their
lines, makers and ledger sale transactions and entries, ``times`` times in SQL. Each copy keeps
every transaction balanced (the PostgreSQL zero-sum trigger accepts it) and, on PostgreSQL, can
be shifted back in time so the history spans years. For query-count and query-plan tests only:
the app's own paths (tests.factories.paid_order) made the rows that are copied.
"""

from __future__ import annotations

from sqlalchemy import text

from coopshop.db import db

_SERIES = "WITH RECURSIVE copies(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copies WHERE n < :k) "


def _columns(table: str) -> list[str]:
    return [c.name for c in db.metadata.tables[table].columns]


def _select(table: str, replace: dict[str, str]) -> tuple[str, str]:
    names = _columns(table)
    return ", ".join(names), ", ".join(replace.get(c, c) for c in names)


def copy_history(times: int, *, shift_days: int = 0) -> None:
    """Copy every paid order (and what hangs off it in the ledger) ``times`` times; copy n is
    ``n * shift_days`` days earlier (PostgreSQL only). Flushes and commits nothing itself."""
    if shift_days and db.engine.dialect.name != "postgresql":
        raise ValueError("shifting copies in time is written for PostgreSQL only")
    db.session.flush()
    ex = db.session.execute
    top = {
        t: int(ex(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar())  # noqa: S608
        for t in ("orders", "order_lines", "ledger_transactions", "ledger_entries")
    }

    def moved(column: str) -> str:
        if not shift_days:
            return column
        return f"{column} - (copies.n * {shift_days}) * interval '1 day'"

    paid = "SELECT id FROM orders WHERE status = 'paid'"
    order_ids = f"orders.id + copies.n * {top['orders']}"
    cols, values = _select(
        "orders",
        {"id": order_ids, "number": "orders.number || '-' || copies.n"}
        | {c: moved(c) for c in _columns("orders") if c.endswith("_at")},
    )
    ex(
        text(
            f"{_SERIES}INSERT INTO orders ({cols}) SELECT {values} FROM orders, copies "
            f"WHERE orders.status = 'paid'"
        ),  # fmt: skip
        {"k": times},
    )
    cols, values = _select(
        "order_lines",
        {
            "id": f"order_lines.id + copies.n * {top['order_lines']}",
            "order_id": f"order_lines.order_id + copies.n * {top['orders']}",
            # a copy keeps its original's ties (NULL: the original's id, OrderLine.ties_from)
            "tie_offset": "coalesce(order_lines.tie_offset, order_lines.id)",
        }
        | {c: moved(c) for c in _columns("order_lines") if c.endswith("_at")},
    )
    ex(
        text(
            f"{_SERIES}INSERT INTO order_lines ({cols}) SELECT {values} FROM order_lines, "
            f"copies WHERE order_lines.order_id IN ({paid}) AND order_lines.id <= :top"
        ),  # fmt: skip
        {"k": times, "top": top["order_lines"]},
    )
    cols, values = _select(
        "order_line_makers", {"line_id": f"line_id + copies.n * {top['order_lines']}"}
    )
    ex(
        text(
            f"{_SERIES}INSERT INTO order_line_makers ({cols}) SELECT {values} FROM "
            f"order_line_makers, copies WHERE line_id IN (SELECT id FROM order_lines WHERE "
            f"order_id IN ({paid}) AND id <= :top)"
        ),  # fmt: skip
        {"k": times, "top": top["order_lines"]},
    )
    sales = (
        f"SELECT id FROM ledger_transactions WHERE kind = 'sale' AND order_id IN ({paid}) "
        f"AND id <= {top['ledger_transactions']}"
    )
    cols, values = _select(
        "ledger_transactions",
        {
            "id": f"id + copies.n * {top['ledger_transactions']}",
            "order_id": f"order_id + copies.n * {top['orders']}",
        }
        | {c: moved(c) for c in _columns("ledger_transactions") if c.endswith("_at")},
    )
    ex(
        text(
            f"{_SERIES}INSERT INTO ledger_transactions ({cols}) SELECT {values} FROM "
            f"ledger_transactions, copies WHERE id IN ({sales})"
        ),  # fmt: skip
        {"k": times},
    )
    cols, values = _select(
        "ledger_entries",
        {
            "id": f"id + copies.n * {top['ledger_entries']}",
            "transaction_id": f"transaction_id + copies.n * {top['ledger_transactions']}",
            "order_line_id": f"order_line_id + copies.n * {top['order_lines']}",
        }
        | {c: moved(c) for c in _columns("ledger_entries") if c.endswith("_at")},
    )
    ex(
        text(
            f"{_SERIES}INSERT INTO ledger_entries ({cols}) SELECT {values} FROM "
            f"ledger_entries, copies WHERE transaction_id IN ({sales})"
        ),  # fmt: skip
        {"k": times},
    )
    if db.engine.dialect.name == "postgresql":
        for table in top:
            ex(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"))  # fmt: skip
        ex(text("ANALYZE"))


def copy_products(times: int) -> None:
    """Copy every product (with its makers, not its photos) ``times`` times, codes suffixed."""
    db.session.flush()
    ex = db.session.execute
    top = int(ex(text("SELECT coalesce(max(id), 0) FROM products")).scalar())
    cols, values = _select(
        "products",
        {"id": f"id + copies.n * {top}", "code": "code || '-' || copies.n"},
    )
    ex(
        text(
            f"{_SERIES}INSERT INTO products ({cols}) SELECT {values} FROM products, copies "
            f"WHERE id <= :top"
        ),  # fmt: skip
        {"k": times, "top": top},
    )
    cols, values = _select("product_makers", {"product_id": f"product_id + copies.n * {top}"})
    ex(
        text(
            f"{_SERIES}INSERT INTO product_makers ({cols}) SELECT {values} FROM "
            f"product_makers, copies WHERE product_id <= :top"
        ),  # fmt: skip
        {"k": times, "top": top},
    )
    if db.engine.dialect.name == "postgresql":
        ex(text("SELECT setval(pg_get_serial_sequence('products', 'id'), "
                "(SELECT max(id) FROM products))"))  # fmt: skip
