"""`make bench`: load a PostgreSQL database at the cooperative's full size, time the slow jobs
outside the server, serve the app with gunicorn and drive its pages with wrk against a bare
endpoint; print the table and write it to bench/results/YYYY-MM-DD-<size>.md.

    .venv/bin/python -m bench                   # full size, a fresh database coopshop_bench
    .venv/bin/python -m bench --scale 0.01      # a quick run
    DATABASE_URL=postgresql://... python -m bench   # load into that (empty) database instead
    .venv/bin/python -m bench --no-load --database coopshop_bench   # drive an already loaded one

Numbers are wall-clock on a shared machine: read the ratios to the bare endpoint."""

from __future__ import annotations

import argparse
import os
import time

import psycopg

from bench import db as benchdb
from bench import drive, outside, report
from bench.load import API_TOKEN, load


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full size (default)")
    parser.add_argument("--database", default=benchdb.DEFAULT_NAME,
                        help="name of the fresh database on 127.0.0.1:5432")  # fmt: skip
    parser.add_argument("--no-load", action="store_true", help="use the database as it is")
    parser.add_argument("--no-drive", action="store_true", help="load and time only")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per page (median)")
    parser.add_argument("--duration", default="10s", help="each wrk run (default 10s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--drop", action="store_true", help="drop the fresh database at the end")
    parser.add_argument(
        "--check-limit",
        type=float,
        default=900.0,
        help="stop `flask ledger check` after this many seconds (default 900)",
    )
    parser.add_argument(
        "--check-breakdown",
        action="store_true",
        help="also time each of ledger check's checks on its own",
    )
    return parser.parse_args()


def _targets(url: str) -> dict:
    """The busiest member (most lines), her user, her most-sold active product, sizes."""
    with psycopg.connect(benchdb.plain_url(url)) as conn:
        producer, lines = conn.execute(
            "SELECT producer_id, count(*) FROM order_line_makers GROUP BY producer_id "
            "ORDER BY count(*) DESC, producer_id LIMIT 1"
        ).fetchone()
        user_id, generation = conn.execute(
            "SELECT u.id, u.session_generation FROM producer_profiles p JOIN users u "
            "ON u.id = p.user_id WHERE p.id = %s",
            (producer,),
        ).fetchone()
        product = conn.execute(
            "SELECT p.id FROM products p JOIN order_lines l ON l.product_id = p.id "
            "WHERE p.status = 'active' AND p.stock > 0 GROUP BY p.id ORDER BY count(*) DESC "
            "LIMIT 1"
        ).fetchone()[0]
        admin = conn.execute("SELECT id FROM users WHERE role = 'admin' ORDER BY id").fetchone()[0]
        # The sales history pages by keyset (?after=<cursor>): page 500 starts after her
        # 12,475th line, newest first (booked time, line id), as paging.encode_cursor writes it.
        deep = conn.execute(
            "SELECT e.created_at, e.order_line_id FROM ledger_entries e JOIN ledger_transactions t "
            "ON t.id = e.transaction_id AND t.kind = 'sale' WHERE e.producer_id = %s "
            "ORDER BY e.created_at DESC, e.order_line_id DESC OFFSET 12474 LIMIT 1",
            (producer,),
        ).fetchone()
        sizes = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 (fixed names)
            for t in ("producer_profiles", "products", "orders", "order_lines", "ledger_entries")
        }
    return {
        "producer": producer,
        "producer_lines": lines,
        "user": user_id,
        "generation": generation,
        "product": product,
        "admin": admin,
        "sizes": sizes,
        "deep": deep,
    }


def _page_500(t: dict) -> str:
    from coopshop.services.core.paging import encode_cursor

    if t["deep"] is None:  # fewer than 500 pages: the old offset form, answered as it may be
        return "/producer/sales?page=500"
    return "/producer/sales?after=" + encode_cursor(*t["deep"])


def pages(t: dict) -> list[drive.Page]:
    return [
        drive.Page("home", "/"),
        drive.Page("collection", "/collections/ipek-yolu"),
        drive.Page('search "canta"', "/search?q=canta"),
        drive.Page("product", f"/products/{t['product']}"),
        drive.Page("API product list", "/api/v1/products", "api"),
        drive.Page("producer dashboard", "/producer/", "producer"),
        drive.Page("sales history page 1", "/producer/sales", "producer"),
        drive.Page("sales history page 500", _page_500(t), "producer"),
        drive.Page("admin year report (by month)", "/admin/reports", "admin"),
        drive.Page("admin year report (by member)", "/admin/reports?dimension=producer", "admin"),
    ]


def main() -> None:
    args = _arguments()
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = f"{benchdb.SERVER}/{args.database}"
        if not args.no_load:
            url = benchdb.create_fresh(args.database)
    from coopshop import create_app

    loaded = None
    if not args.no_load:
        print(f"database {benchdb.database_name(url)}: migrating", flush=True)
        print(f"migrated in {benchdb.migrate(url):.0f} s", flush=True)
        loaded = load(create_app(benchdb.loader_config(url)), url, args.scale)
    targets = _targets(url)
    print(f"busiest member {targets['producer']} ({targets['producer_lines']:,} lines); "
          f"sizes {targets['sizes']}", flush=True)  # fmt: skip
    print("ledger check ...", flush=True)
    check = outside.ledger_check(url, args.check_limit)
    print(f"  {check[0]:.1f} s: {check[1]}", flush=True)
    timings = outside.service_timings(create_app(benchdb.loader_config(url)), targets["producer"])
    timings.append(outside.reconciliation(create_app(benchdb.loader_config(url)), url))
    if args.check_breakdown:
        timings += outside.check_breakdown(create_app(benchdb.loader_config(url)))
    for what, seconds, note in timings:
        print(f"  {what}: {seconds:.2f} s ({note})", flush=True)
    results, bare, rss = [], [], {}
    if not args.no_drive:
        auth = {
            "producer": drive.session_cookie(targets["user"], targets["generation"]),
            "admin": drive.session_cookie(targets["admin"]),
            "api": f"Bearer {API_TOKEN}",
        }
        server = drive.Server(benchdb.app_env(url), workers=args.workers)
        try:
            server.start()
            print(f"gunicorn {server.base} (master {server.process.pid}, workers "
                  f"{server.worker_pids()})", flush=True)  # fmt: skip
            rss["after start"] = [drive.rss_mb(p) for p in server.worker_pids()]
            results, bare = drive.drive(server, pages(targets), auth, args.runs, args.threads,
                                        args.connections, args.duration)  # fmt: skip
            rss["after the run"] = [drive.rss_mb(p) for p in server.worker_pids()]
        finally:
            server.stop()
    path = report.write(args, url, loaded, targets, check, timings, results, bare, rss)
    print(report.table(results, bare))
    print(f"written to {path}")
    if args.drop and not os.environ.get("DATABASE_URL"):
        time.sleep(1)
        with psycopg.connect(f"{benchdb.SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
