"""On PostgreSQL, with years of history and fresh statistics, the producer's dashboard and sales
history, search and the month's report read through indexes: no sequential scan over order
lines or ledger entries (issue 22). The planner's own choice, nothing forced: 60 members share
the history, so one member's rows are a twentieth of it, and a month a fiftieth."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, text

from coopshop.db import db
from coopshop.models import utcnow
from coopshop.services.books import balances, report_rollups
from coopshop.services.catalog import listing
from coopshop.services.reports import dashboard, producer_sales
from coopshop.services.reports import summary as reports
from tests.conftest import POSTGRES
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.history_copies import copy_history

pytestmark = pytest.mark.skipif(not POSTGRES, reason="query plans are PostgreSQL's")

BIG_TABLES = ("ledger_entries", "order_lines", "order_line_makers", "report_rollups")
COPIES = 100  # 60 orders → 6,060 orders, 12,120 lines, 60,000 ledger entries over four years


@pytest.fixture
def history(app):
    makers = [ProducerFactory() for _ in range(60)]
    products = [
        ProductFactory(title_tr=f"Çanta {i}", price_kurus=5000 + i, stock=1000, makers=[(m, 10000)])
        for i, m in enumerate(makers)
    ]
    now = utcnow() - timedelta(days=1)
    for i in range(60):
        paid_order(
            [(products[i], 1), (products[(i + 7) % 60], 2)],
            channel="bazaar",
            payment_method="cash",
            paid_at=now - timedelta(days=i % 14),
        )
    copy_history(COPIES, shift_days=14)
    report_rollups.rebuild()  # the copies were written in SQL, around ledger.post
    db.session.execute(text("ANALYZE report_rollups"))  # as copy_history did for the others
    db.session.commit()
    return makers[0]


def _plans(call) -> list[tuple[str, str]]:
    """(statement, plan) for every statement ``call`` sends, explained on the same connection."""
    sent = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    connection = db.session.connection()
    return [
        (
            statement,
            "\n".join(
                row[0]
                for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters or {})
            ),
        )
        for statement, parameters in sent
        if statement.lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def _sequential_scans(plans) -> list[str]:
    pattern = re.compile(r"Seq Scan on (" + "|".join(BIG_TABLES) + r")\b")
    return [f"{statement}\n{plan}" for statement, plan in plans if pattern.search(plan)]


def _her_sales_history_pages_by_index_at_any_depth(history):
    first = producer_sales.sales(history.id)
    deep = producer_sales.sales(history.id, after=first.next_cursor)
    assert first.items and deep.items
    for call in (
        lambda: producer_sales.sales(history.id),
        lambda: producer_sales.sales(history.id, after=first.next_cursor),
        lambda: producer_sales.sales(history.id, before=deep.prev_cursor),
    ):
        plans = _plans(call)
        assert plans
        assert _sequential_scans(plans) == []
    plan = _plans(lambda: producer_sales.sales(history.id, after=first.next_cursor))[0][1]
    assert "ix_ledger_entries_producer_covering" in plan
    # Her totals read her entries by the same index; at this size the planner rightly hashes
    # the 12,000 order lines instead of probing them one by one (at full size it probes).
    totals = _plans(lambda: producer_sales.totals(history.id))[0][1]
    assert "ix_ledger_entries_producer_covering" in totals
    assert "Seq Scan on ledger_entries" not in totals


def _her_dashboard_reads_her_own_entries_by_index(history):
    plans = _plans(lambda: dashboard.dashboard(history.id))
    assert len(plans) >= 5
    assert _sequential_scans(plans) == []
    # Her balance reads her entries by their covering index (transaction, amount and dates in
    # it). At this size the planner rightly hashes the 6,000 transactions for their kind; at
    # full size (724,000) it probes ix_ledger_transactions_id_kind once per entry, index-only.
    balance = "\n".join(p for _, p in _plans(lambda: balances.balance(history.id)))
    assert "ix_ledger_entries_producer_covering" in balance, balance
    assert "Seq Scan on ledger_entries" not in balance, balance
    assert balances.balance(history.id).earned > 0


def _search_and_the_months_report_read_by_index(history):
    today = date.today()
    month = reports.ReportFilter(today.replace(day=1) - timedelta(days=31), today)
    for call in (
        lambda: listing.search("canta", 1),
        lambda: reports.report("period", month),
        lambda: reports.report("producer", month),
        lambda: reports.summary(month),
    ):
        plans = _plans(call)
        assert plans
        assert _sequential_scans(plans) == []
    # The reports by period and by member read the month's rollup rows by their key, whose
    # first column is the day; what they find equals the entries' recompute.
    for dimension in ("period", "producer"):
        plan = "\n".join(p for _, p in _plans(lambda d=dimension: reports.report(d, month)))
        assert "uq_report_rollups_day_channel_producer_id" in plan
    assert reports.report("period", month).total.sales.gross > 0
    assert report_rollups.stored() == report_rollups.recomputed()


def test_history_dashboard_search_and_report_read_by_index(history):
    """One history built once (it takes a while), three readings of it."""
    _her_sales_history_pages_by_index_at_any_depth(history)
    _her_dashboard_reads_her_own_entries_by_index(history)
    _search_and_the_months_report_read_by_index(history)
