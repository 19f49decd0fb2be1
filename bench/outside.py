"""Timings outside the server: `flask ledger check` (as an admin runs it, start-up included),
closing and approving a payout batch for every member, a member's 12 monthly statements, the
year report, the largest CSV export (streamed). Nothing here is committed: each service call is
rolled back, so the database stays as loaded."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.db import ROOT, app_env


def _timed(fn: Callable) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def ledger_check(url: str, limit: float = 900.0) -> tuple[float, str]:
    """`flask ledger check` on the database: seconds and its last line ("ledger ok"); stopped
    (by its PID) after ``limit`` seconds."""
    env = app_env(url, production=False)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ledger", "check"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.terminate()  # its database session ends with it
        process.communicate()
        return time.perf_counter() - start, f"did not finish within {limit:.0f} s (stopped)"
    seconds = time.perf_counter() - start
    lines = out.strip().splitlines()
    last = lines[-1] if lines else ""
    return seconds, last + (
        f" ({len(lines)} lines, exit {process.returncode})" if process.returncode else ""
    )


def check_breakdown(app, limit_seconds: int = 600) -> list[tuple[str, float, str]]:
    """Each of ledger check's checks timed on its own, in this process; a check still running
    after ``limit_seconds`` is cancelled by PostgreSQL's statement_timeout."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from coopshop.db import db
    from coopshop.services.books import ledger_check as checks

    out = []
    with app.app_context():
        for run in checks.CHECKS:
            db.session.execute(text(f"SET statement_timeout = {int(limit_seconds * 1000)}"))
            start = time.perf_counter()
            try:
                found = run()
                note = f"{len(found)} violations"
            except OperationalError:
                note = f"cancelled after {limit_seconds} s (statement_timeout)"
            out.append((f"ledger check: {run.__name__}", time.perf_counter() - start, note))
            db.session.rollback()
    return out


def service_timings(app, busiest: int) -> list[tuple[str, float, str]]:
    """(what, seconds, note) for the services timed in this process."""
    from coopshop.db import db
    from coopshop.models import PayoutBatch
    from coopshop.services.core import settings as settings_service
    from coopshop.services.payouts import batches
    from coopshop.services.reports import statements
    from coopshop.services.reports import summary as reports
    from coopshop.services.reports.report_tables import KINDS, csv_for

    out = []
    with app.app_context():
        settings = settings_service.current()
        now = datetime.now(UTC)
        seconds, (batch, left_out) = _timed(lambda: batches.close_period(now, 1, settings, now=now))
        lines = len(batch.lines) if batch is not None else 0
        out.append(("close a payout batch (every member)", seconds,
                    f"{lines:,} lines, {len(left_out):,} left out"))  # fmt: skip
        if batch is not None:
            seconds, _ = _timed(lambda: batches.approve(batch.id, 2, settings, now=now))
            out.append(("approve it (posts one payout per line)", seconds, f"{lines:,} postings"))
        db.session.rollback()
        assert db.session.query(PayoutBatch).filter_by(status="draft").count() == 0  # noqa: S101

        def twelve():
            periods = statements.available_periods(busiest)[:12]
            for year, month in periods:
                st = statements.statement(busiest, year, month)
                statements.statement_csv(st)
            return len(periods)

        seconds, months = _timed(twelve)
        out.append(("12 monthly statements + CSV (busiest member)", seconds, f"{months} months"))
        db.session.rollback()

        year_filter = reports.ReportFilter(start=(now - timedelta(days=365)).date(), end=now.date())
        for dimension in ("period", "producer"):
            seconds, report = _timed(
                lambda d=dimension: reports.report(d, year_filter, grain="month", locale="tr")
            )
            out.append((f"year report by {dimension}", seconds, f"{len(report.rows):,} rows"))
        whole = reports.ReportFilter(start=(now - timedelta(days=3 * 366)).date(), end=now.date())

        def largest_csv():
            report = reports.report("producer", whole, grain="month", locale="tr")
            text = csv_for(report, KINDS["sales"])
            return len(text.encode())

        seconds, size = _timed(largest_csv)
        out.append(("report CSV by member, three years", seconds, f"{size:,} bytes"))
        out.append(_withholding_csv(now))
        db.session.rollback()
    return out


def _withholding_csv(now: datetime) -> tuple[str, float, str]:
    """The streamed CSV (the withholding report of last month, chunk by chunk)."""
    from coopshop.services.reports import withholding_report

    last = (now.replace(day=1) - timedelta(days=1)).date()
    start = time.perf_counter()
    size = sum(
        len(chunk.encode()) for chunk in withholding_report.csv_chunks(last.year, last.month)
    )
    return (
        f"withholding CSV {last:%Y-%m} (streamed)",
        time.perf_counter() - start,
        f"{size:,} bytes",
    )


def reconciliation(app, url: str) -> tuple[str, float, str]:
    """Last month's Stripe reconciliation (services.payouts.reconcile.reconcile_stripe) against
    a local stand-in holding that month's charges, refunds and payout (bench.stripe_standin)."""
    import psycopg

    from bench.db import plain_url
    from bench.stripe_standin import StripeStandIn, month_objects
    from coopshop.services.payouts import reconcile
    from coopshop.services.sales.payments import StripeProvider
    from coopshop.turkey import ISTANBUL

    today = datetime.now(ISTANBUL).date().replace(day=1)
    first = (today - timedelta(days=1)).replace(day=1)
    start, end = reconcile.day_period(first, today - timedelta(days=1))
    with psycopg.connect(plain_url(url)) as conn:
        objects = month_objects(conn, start, end)
    standin = StripeStandIn(objects).start()
    try:
        provider = StripeProvider("sk_test_bench", "whsec_bench", api_base=standin.base)
        with app.app_context():
            seconds, found = _timed(lambda: reconcile.reconcile_stripe(provider, start, end))
    finally:
        standin.stop()
    return (
        f"Stripe reconciliation of {first:%Y-%m}",
        seconds,
        f"{len(objects['charges']):,} charges, {len(objects['refunds']):,} refunds, "
        f"{standin.requests} API requests, {len(found)} mismatches",
    )
