"""Time the pages' heavy queries on a database with years of history, and print the numbers.

Usage: `make bench` (or `.venv/bin/python -m bench --orders 20000`). Runs on a fresh SQLite file
in a temp dir unless DATABASE_URL points at a PostgreSQL database made for it (it is emptied).
Numbers are wall-clock medians of a few runs; compare them on the same machine only.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from config import DevelopmentConfig


def _timed(label: str, fn, repeat: int = 5) -> None:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    print(f"{label:<46} median {statistics.median(runs) * 1000:8.1f} ms   (n={repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--producers", type=int, default=300)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=5000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="coopshop-bench-"))

    class Config(DevelopmentConfig):
        DEBUG = False
        UPLOAD_DIR = str(tmp / "uploads")
        MAIL_OUTBOX_DIR = str(tmp / "outbox")
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 (bench accounts only)
        if not DevelopmentConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'bench.db'}"

    from coopshop import create_app
    from coopshop.db import db
    from coopshop.demo import seed as demo
    from coopshop.services.books import balances, ledger_check
    from coopshop.services.catalog import listing as catalog
    from coopshop.services.reports import dashboard, impact, impact_periods
    from coopshop.services.reports import summary as reports

    app = create_app(Config)
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            start = time.perf_counter()
            summary = demo.seed(
                producers=args.producers, products=args.products, orders=args.orders
            )
            db.session.commit()
            print(f"database: {db.engine.dialect.name}")
            print(
                f"seeded {args.producers} producers, {args.products} products, "
                f"{args.orders} orders in {time.perf_counter() - start:.1f} s"
            )
            del summary
            producer_id = db.session.execute(
                db.text(
                    "SELECT producer_id FROM ledger_entries WHERE producer_id IS NOT NULL "
                    "GROUP BY producer_id ORDER BY count(*) DESC LIMIT 1"
                )
            ).scalar()
            _timed("balances() for every producer (one query)", balances.balances)
            _timed("balance() for the busiest producer", lambda: balances.balance(producer_id))
            _timed(
                "producer dashboard (busiest producer)",
                lambda: dashboard.dashboard(producer_id),
            )
            _timed("catalog search 'ipek'", lambda: catalog.search("ipek", 1))
            _timed("reports.summary (last 12 months)", reports.summary)
            course_year = impact_periods.course_year_of(date.today())
            _timed(
                f"impact for the course year {course_year.key}",
                lambda: impact.impact(course_year, (50000, 200000)),
            )
            _timed("ledger check (whole database)", ledger_check.check, repeat=3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
