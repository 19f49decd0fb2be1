"""Time whole pages in-process (the test client, no network) on a big PostgreSQL database made
by bench.perf_db: the catalog pages, the API list, the busiest producer's dashboard and sales
history (first page and 220 pages deep) and the admin's year report. Medians of 7, ms, with
the number of SQL statements each page sent.

Usage: DATABASE_URL=postgresql://... .venv/bin/python -m bench.perf_pages
"""

from __future__ import annotations

import inspect
import statistics
import time

from sqlalchemy import event, text

from config import DevelopmentConfig


def main() -> None:
    class Config(DevelopmentConfig):
        DEBUG = False
        WTF_CSRF_ENABLED = False

    from coopshop import create_app
    from coopshop.db import db
    from coopshop.services.reports import producer_sales

    app = create_app(Config)
    client = app.test_client()
    with app.app_context():
        ex = db.session.execute
        pid, uid, generation = ex(
            text(
                "SELECT p.id, u.id, coalesce(u.session_generation, 0) FROM order_line_makers m "
                "JOIN producer_profiles p ON p.id = m.producer_id JOIN users u ON u.id = p.user_id "
                "GROUP BY p.id, u.id ORDER BY count(*) DESC LIMIT 1"
            )
        ).one()
        admin = ex(
            text(
                "SELECT id, coalesce(session_generation, 0) FROM users WHERE role = 'admin' LIMIT 1"
            )
        ).one()
        slug = ex(text("SELECT slug FROM collections WHERE active LIMIT 1")).scalar()
        product = ex(text("SELECT id FROM products WHERE status = 'active' LIMIT 1")).scalar()
        if "after" in inspect.signature(producer_sales.sales).parameters:
            from coopshop.services.core.paging import encode_cursor

            at, line = ex(
                text(
                    "SELECT e.created_at, e.order_line_id FROM ledger_entries e "
                    "JOIN ledger_transactions t ON t.id = e.transaction_id WHERE "
                    "e.producer_id = :p AND t.kind = 'sale' AND e.order_line_id IS NOT NULL "
                    "ORDER BY e.created_at DESC, e.order_line_id DESC OFFSET 5499 LIMIT 1"
                ),
                {"p": pid},
            ).one()
            deep = f"/producer/sales?after={encode_cursor(at, line)}"
        else:
            deep = "/producer/sales?page=221"
        db.session.remove()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))

    def timed(label, url, user=None):
        with client.session_transaction() as session:
            session.clear()
            if user:
                session["_user_id"] = f"{user[0]}:{user[1]}"
                session["_fresh"] = True
        runs, counts = [], []
        for _ in range(7):
            statements.clear()
            start = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - start)
            counts.append(len(statements))
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{label:<34} {statistics.median(runs) * 1000:8.1f} ms  {counts[-1]:3d} statements",
            flush=True,
        )

    timed("home", "/")
    timed("collection", f"/collections/{slug}")
    timed("search 'canta'", "/search?q=canta")
    timed("product", f"/products/{product}")
    timed("API product list", "/api/v1/products")
    timed("producer dashboard", "/producer/earnings", (uid, generation))
    timed("sales history page 1", "/producer/sales", (uid, generation))
    timed("sales history page 221", deep, (uid, generation))
    timed("admin report, 12 months by month", "/admin/reports", tuple(admin))
    timed("admin report, 12 months by maker", "/admin/reports?dimension=producer", tuple(admin))


if __name__ == "__main__":
    main()
