"""Time the heavy services in-process on a big PostgreSQL database (bench.perf_db makes one):
the busiest producer's sales history (first page and 500 pages deep), her totals and dashboard,
every producer's balance, the year report by month and by producer, ledger check's passes, the
home page's featured products and the API's product list. Medians of a few runs, milliseconds.

Usage: DATABASE_URL=postgresql://... .venv/bin/python -m bench.perf_measure
Works on the code before keyset paging too (it reads the page by number there).
"""

from __future__ import annotations

import inspect
import statistics
import time
from datetime import date

from sqlalchemy import text

from config import DevelopmentConfig


def timed(label: str, fn, repeat: int = 5) -> None:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    print(f"{label:<52} {statistics.median(runs) * 1000:9.1f} ms", flush=True)


def main() -> None:
    class Config(DevelopmentConfig):
        DEBUG = False

    from coopshop import create_app
    from coopshop.db import db
    from coopshop.services.books import balances, ledger_check
    from coopshop.services.catalog import listing
    from coopshop.services.reports import dashboard, producer_sales
    from coopshop.services.reports import summary as reports

    app = create_app(Config)
    with app.test_request_context():
        ex = db.session.execute
        counts = {
            t: ex(text(f"SELECT count(*) FROM {t}")).scalar()  # noqa: S608 (fixed names)
            for t in ("orders", "order_lines", "ledger_entries")
        }
        pid, lines = ex(
            text(
                "SELECT producer_id, count(*) FROM order_line_makers GROUP BY producer_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
        ).one()
        print(f"{counts}; busiest producer {pid} with {lines} lines", flush=True)
        keyset = "after" in inspect.signature(producer_sales.sales).parameters
        if keyset:
            from coopshop.services.core.paging import encode_cursor

            deep = min(500, lines // producer_sales.PER_PAGE)
            at, line = ex(
                text(
                    "SELECT e.created_at, e.order_line_id FROM ledger_entries e "
                    "JOIN ledger_transactions t ON t.id = e.transaction_id "
                    "WHERE e.producer_id = :p AND t.kind = 'sale' AND e.order_line_id IS NOT NULL "
                    "ORDER BY e.created_at DESC, e.order_line_id DESC OFFSET :o LIMIT 1"
                ),
                {"p": pid, "o": deep * producer_sales.PER_PAGE - 1},
            ).one()
            cursor = encode_cursor(at, line)
            timed("sales history page 1", lambda: producer_sales.sales(pid))
            timed(f"sales history page {deep + 1}", lambda: producer_sales.sales(pid, after=cursor))
        else:
            deep = min(500, lines // producer_sales.PER_PAGE)
            timed("sales history page 1", lambda: producer_sales.sales(pid, page=1))
            timed(
                f"sales history page {deep + 1}", lambda: producer_sales.sales(pid, page=deep + 1)
            )
        timed("sales totals (all time)", lambda: producer_sales.totals(pid))
        timed("dashboard (busiest producer)", lambda: dashboard.dashboard(pid))
        timed("balances() of every producer", balances.balances, repeat=3)
        year = reports.ReportFilter(
            date(date.today().year - 1, 1, 1), date(date.today().year - 1, 12, 31)
        )
        timed("year report by month", lambda: reports.report("period", year), repeat=3)
        timed("year report by producer", lambda: reports.report("producer", year), repeat=3)
        timed("home featured products", listing.featured_products)
        timed("API product list page 1", lambda: listing.browse(page=1))
        timed("search 'canta'", lambda: listing.search("canta", 1))
        for check in ledger_check.CHECKS:
            timed(f"ledger check: {check.__name__}", check, repeat=1)


if __name__ == "__main__":
    main()
