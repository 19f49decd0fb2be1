"""Load a benchmark database at the cooperative's full size (or ``scale`` of it) by COPY.

The catalogue and three years of sales are COPYed (bench.catalog_rows, bench.history: rows
computed with the app's money functions, laid out as its ledger postings are); the 36 monthly
payout batches are closed by the app's own service (services.payouts.batches.close_period)
and approved as batches.approve does, between months, so they see exactly the history before
them. The ledger's triggers stay on: every transaction is written balanced and the deferred
zero-sum trigger checks each one at the month's COMMIT. Then VACUUM ANALYZE, so the planner
has statistics."""

from __future__ import annotations

import hashlib
import random
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from bench import catalog_rows, history
from bench.db import plain_url

ISTANBUL = ZoneInfo("Europe/Istanbul")
API_TOKEN = "bench-api-token-on-a-throwaway-database"  # noqa: S105
MONTHS = 36


class Copier:
    """COPY rows into tables on one psycopg connection, counting rows and time."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(plain_url(url))
        self.rows = 0
        self.copy_seconds = 0.0  # COPY and its COMMIT (the zero-sum trigger)
        self.payout_seconds = 0.0  # the app's payout service
        self.started = time.perf_counter()

    def copy(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        self.rows += len(rows)

    def set_sequence(self, table: str, last: int) -> None:
        if last > 0:
            self.conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, last))

    def max_id(self, table: str) -> int:
        return self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]

    def rate(self) -> str:
        elapsed = time.perf_counter() - self.started
        return (
            f"{self.rows:,} rows in {elapsed:,.0f} s ({self.rows / max(elapsed, 1e-9):,.0f} "
            f"rows/s; COPY+COMMIT {self.copy_seconds:,.0f} s, payouts {self.payout_seconds:,.0f} s)"
        )


def month_cutoffs(now: datetime) -> list[datetime]:
    """The first instant (Istanbul) of each of the last MONTHS months, oldest first: the start
    of the history and each batch's cutoff (the month before it is paid)."""
    local = now.astimezone(ISTANBUL)
    year, month = local.year, local.month
    firsts = []
    for _ in range(MONTHS + 1):
        firsts.append(datetime(year, month, 1, tzinfo=ISTANBUL))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(firsts))


def _load_catalog(copier: Copier, catalog) -> None:
    for table, (columns, rows) in catalog.tables.items():
        copier.copy(table, columns, rows)
        if columns[0] == "id":
            copier.set_sequence(table, max((r[0] for r in rows), default=0))
    token = (1, catalog.customer_ids[0], hashlib.sha256(API_TOKEN.encode()).hexdigest(), "bench",
             catalog_rows.now_utc(), None, None)  # fmt: skip
    copier.copy("api_tokens", "id user_id token_hash name created_at last_used_at revoked_at"
                .split(), [token])  # fmt: skip
    copier.set_sequence("api_tokens", 1)
    copier.conn.commit()


def _flush(copier: Copier, rows: history.Rows, ids: history.Ids) -> None:
    start = time.perf_counter()
    for table in history.TABLE_ORDER:
        copier.copy(table, history.COLUMNS[table].split(), rows.tables.get(table, []))
    for table in history.TABLE_ORDER:
        if table in ids.next:
            copier.set_sequence(table, ids.next[table] - 1)
    copier.conn.commit()  # the deferred zero-sum trigger checks every transaction here
    rows.tables.clear()
    copier.copy_seconds += time.perf_counter() - start


def _pay_month(cutoff: datetime, admins: tuple[int, int], copier, ids, booker) -> int:
    """Close the month with the app's service (services.payouts.batches.close_period: who is
    paid how much, withholding, IBAN checks) and approve it as batches.approve does: the batch
    approved by the second admin with its audit entry, and one 'payout' posting per line (COPYed:
    approve's 2,100 ORM postings a month would take most of the load). The lines it paid."""
    from coopshop.db import db
    from coopshop.services.core import audit
    from coopshop.services.core import settings as settings_service
    from coopshop.services.payouts import batches

    start = time.perf_counter()
    closed_at = cutoff + timedelta(days=1)
    approved_at = closed_at + timedelta(hours=1)
    settings = settings_service.current()
    batch, _left_out = batches.close_period(cutoff, admins[0], settings, now=closed_at)
    if batch is None:
        db.session.commit()
        return 0
    batch.status = "approved"
    batch.approved_by_id = admins[1]
    batch.approved_at = approved_at
    audit.record(admins[1], "payout.batch_approved", batch, lines=len(batch.lines),
                 total_kurus=sum(line.amount_kurus for line in batch.lines))  # fmt: skip
    rows = history.Rows()
    booker.payouts(rows, batch, admins[1], approved_at)
    lines = len(batch.lines)
    db.session.commit()
    _flush(copier, rows, ids)
    copier.payout_seconds += time.perf_counter() - start
    return lines


def _settle_batches(copier: Copier) -> None:
    """The bank paid every line of the old batches (a document update; no ledger row moves)."""
    copier.conn.execute(
        "UPDATE payout_lines SET status = 'paid', bank_reference = 'BNK' || payout_lines.id, "
        "settled_at = b.approved_at + interval '1 day' FROM payout_batches b "
        "WHERE b.id = payout_lines.batch_id AND b.status = 'approved'"
    )
    copier.conn.execute("UPDATE payout_batches SET status = 'paid' WHERE status = 'approved'")
    copier.conn.commit()


def _rebuild_rollups(app) -> None:
    """The reports' rollups from the COPYed entries (ledger.post, which refreshes them, was not
    called for them), as `flask ledger rebuild-rollups` does."""
    from coopshop.db import db
    from coopshop.services.books import report_rollups

    start = time.perf_counter()
    with app.app_context():
        rows = report_rollups.rebuild()
        db.session.commit()
        db.session.remove()
    print(f"report rollups rebuilt: {rows:,} rows in {time.perf_counter() - start:.0f} s",
          flush=True)  # fmt: skip


def load(app, url: str, scale: float, seed: int = 22) -> dict:
    """Fill the (migrated, empty) database at ``url``; returns counts and timings."""
    from werkzeug.security import generate_password_hash

    from coopshop.db import db
    from coopshop.services.core import settings as settings_service

    rng = random.Random(seed)
    now = catalog_rows.now_utc()
    cutoffs = month_cutoffs(now)
    start = cutoffs[0]
    copier = Copier(url)
    if copier.conn.execute("SELECT count(*) FROM users").fetchone()[0]:
        raise SystemExit(f"{url} is not empty: give an empty database (or none: a fresh one)")
    t0 = time.perf_counter()
    password_hash = generate_password_hash(
        catalog_rows.PASSWORD, method=app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )
    catalog = catalog_rows.build(scale, start - timedelta(days=30), password_hash, seed)
    accounts = catalog_rows.accounts(catalog)
    _load_catalog(copier, catalog)
    print(
        f"catalogue: {len(catalog.producer_ids):,} members, {len(catalog.products):,} "
        f"products, {len(catalog.customer_ids):,} customers; {copier.rate()}",
        flush=True,
    )
    orders, n_lines = history.plan_orders(catalog, scale, start, now - timedelta(minutes=5), rng)
    print(f"planned {len(orders):,} orders with {n_lines:,} lines "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    ids = history.Ids()
    rows = history.Rows()
    batch_times = [(c, c + timedelta(days=1)) for c in cutoffs[1:]]
    paid_lines = batches_done = 0
    with app.app_context():
        booker = history.Booker(catalog, accounts, settings_service.current(), rng, ids)
        for at, _seq, kind, order, line_id in history.events(orders, n_lines, now, rng):
            while batch_times and at >= batch_times[0][1]:
                cutoff, _ = batch_times.pop(0)
                _flush(copier, rows, ids)
                paid_lines += _pay_month(cutoff, catalog.admin_ids, copier, ids, booker)
                batches_done += 1
                print(f"  {cutoff:%Y-%m}: paid out ({batches_done} batches, {paid_lines:,} "
                      f"payout lines); {copier.rate()}", flush=True)  # fmt: skip
            if kind == "sale":
                booker.sale(rows, order, now)
            elif kind == "delivery":
                booker.delivery(rows, order)
            else:
                booker.refund(rows, order, line_id, at)
        _flush(copier, rows, ids)
        while batch_times and batch_times[0][1] <= now:
            cutoff, _ = batch_times.pop(0)
            paid_lines += _pay_month(cutoff, catalog.admin_ids, copier, ids, booker)
            batches_done += 1
            print(f"  {cutoff:%Y-%m}: paid out ({batches_done} batches, {paid_lines:,} "
                  f"payout lines)", flush=True)  # fmt: skip
        db.session.remove()
    _settle_batches(copier)
    loaded = time.perf_counter() - t0
    print(f"loaded in {loaded:,.0f} s: {copier.rate()}", flush=True)
    _rebuild_rollups(app)
    t1 = time.perf_counter()
    copier.conn.autocommit = True
    copier.conn.execute("VACUUM (ANALYZE)")
    analyzed = time.perf_counter() - t1
    print(f"VACUUM ANALYZE: {analyzed:.0f} s", flush=True)
    counts = {
        table: copier.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("producer_profiles", "products", "product_images", "orders", "order_lines",
                      "refund_lines", "ledger_transactions", "ledger_entries", "payout_batches",
                      "payout_lines")
    }  # fmt: skip
    channels = dict(copier.conn.execute(
        "SELECT channel || ':' || payment_method, count(*) FROM orders GROUP BY 1 ORDER BY 1"
    ).fetchall())  # fmt: skip
    copier.conn.close()
    return {"seconds": loaded, "analyze_seconds": analyzed, "rows": copier.rows,
            "counts": counts, "channels": channels, "busiest": catalog.busiest}  # fmt: skip
