"""Make a big PostgreSQL database for looking at query plans: seed the demo through the real
services, then copy its paid history N times in SQL (orders, lines, makers, ledger
transactions and entries, each copy shifted back in time), and ANALYZE.

Usage: DATABASE_URL=postgresql://... .venv/bin/python -m bench.perf_db --orders 1500 --copies 40
The copies keep every transaction balanced, so `flask ledger check` still passes.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import text

from config import DevelopmentConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--producers", type=int, default=300)
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--copies", type=int, default=0)
    parser.add_argument("--first-copy", type=int, default=1)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()

    class Config(DevelopmentConfig):
        DEBUG = False
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 (bench accounts only)

    from coopshop import create_app
    from coopshop.db import db
    from coopshop.demo import seed as demo

    app = create_app(Config)
    with app.app_context():
        if not args.skip_seed:
            db.drop_all()
            db.create_all()
            start = time.perf_counter()
            demo.seed(producers=args.producers, products=args.products, orders=args.orders)
            db.session.commit()
            print(f"seeded in {time.perf_counter() - start:.1f} s", flush=True)
        for n in range(args.first_copy, args.first_copy + args.copies):
            start = time.perf_counter()
            copy_history(db, n)
            db.session.commit()
            print(f"copy {n} in {time.perf_counter() - start:.1f} s", flush=True)
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def copy_history(db, n: int) -> None:
    """Copy the paid orders of the seed (ids up to the seed's max) with everything that hangs
    off them in the ledger, ``n`` × 30 days earlier."""
    ex = db.session.execute
    base = ex(text("SELECT coalesce(max(id),0) FROM orders WHERE number NOT LIKE '%-c%'")).scalar()
    seed_lines = ex(
        text(
            "SELECT coalesce(max(l.id),0) FROM order_lines l JOIN orders o ON o.id=l.order_id "
            "WHERE o.id <= :b"
        ),
        {"b": base},
    ).scalar()
    days = 420 * (n % 3)  # three spans of history, each copy a few seconds apart
    oo = ex(text("SELECT max(id) FROM orders")).scalar()
    lo = ex(text("SELECT max(id) FROM order_lines")).scalar()
    to = ex(text("SELECT max(id) FROM ledger_transactions")).scalar()
    eo = ex(text("SELECT max(id) FROM ledger_entries")).scalar()
    shift = f"interval '{days} days {n} seconds'"
    ocols = [
        r[0]
        for r in ex(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_name='orders' "
                "ORDER BY ordinal_position"
            )
        )
    ]

    def sel(cols, table, repl):
        return ", ".join(repl.get(c, c) for c in cols)

    def cols_of(table):
        return [
            r[0]
            for r in ex(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name=:t "
                    "ORDER BY ordinal_position"
                ),
                {"t": table},
            )
        ]

    def dt(c):
        return f"{c} - {shift}"

    orep = {"id": f"id + {oo}", "number": f"number || '-c{n}'"}
    for c in ocols:
        if c.endswith("_at"):
            orep[c] = dt(c)
    for c in (
        "public_token",
        "token",
        "access_token",
        "idempotency_key",
        "payment_ref",
        "stripe_session_id",
        "checkout_ref",
        "provider_ref",
    ):
        if c in ocols:
            orep[c] = f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || '-c{n}' END"
    ex(
        text(
            f"INSERT INTO orders ({', '.join(ocols)}) SELECT {sel(ocols, 'orders', orep)} "
            f"FROM orders WHERE id <= {base} AND status = 'paid'"
        )
    )
    lcols = cols_of("order_lines")
    lrep = {"id": f"id + {lo}", "order_id": f"order_id + {oo}"}
    for c in lcols:
        if c.endswith("_at"):
            lrep[c] = dt(c)
    ex(
        text(
            f"INSERT INTO order_lines ({', '.join(lcols)}) SELECT {sel(lcols, '', lrep)} "
            f"FROM order_lines WHERE id <= {seed_lines} AND order_id IN "
            f"(SELECT id FROM orders WHERE id <= {base} AND status='paid')"
        )
    )
    mcols = cols_of("order_line_makers")
    mrep = {"line_id": f"line_id + {lo}"}
    ex(
        text(
            f"INSERT INTO order_line_makers ({', '.join(mcols)}) SELECT {sel(mcols, '', mrep)} "
            f"FROM order_line_makers WHERE line_id IN (SELECT id + 0 FROM order_lines WHERE "
            f"id <= {seed_lines} AND order_id IN (SELECT id FROM orders WHERE id <= {base} "
            f"AND status='paid'))"
        )
    )
    # sale and refund transactions of those orders only (no payouts, payments, etc.)
    tcols = cols_of("ledger_transactions")
    trep = {"id": f"id + {to}", "order_id": f"order_id + {oo}"}
    for c in tcols:
        if c.endswith("_at"):
            trep[c] = dt(c)
        if c.endswith("_id") and c not in ("order_id",) and c != "id":
            trep[c] = "NULL"
    trep["reverses_id"] = "NULL"
    tsel = (
        f"FROM ledger_transactions WHERE kind IN ('sale') AND order_id IN "
        f"(SELECT id FROM orders WHERE id <= {base} AND status='paid') AND id <= {to}"
    )
    ex(
        text(
            f"INSERT INTO ledger_transactions ({', '.join(tcols)}) "
            f"SELECT {sel(tcols, '', trep)} {tsel}"
        )
    )
    ecols = cols_of("ledger_entries")
    erep = {
        "id": f"id + {eo}",
        "transaction_id": f"transaction_id + {to}",
        "order_line_id": f"order_line_id + {lo}",
    }
    for c in ecols:
        if c.endswith("_at"):
            erep[c] = dt(c)
    ex(
        text(
            f"INSERT INTO ledger_entries ({', '.join(ecols)}) SELECT {sel(ecols, '', erep)} "
            f"FROM ledger_entries WHERE transaction_id IN (SELECT id {tsel})"
        )
    )
    for table in ("orders", "order_lines", "ledger_transactions", "ledger_entries"):
        ex(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )


if __name__ == "__main__":
    main()
