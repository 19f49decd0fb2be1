"""The benchmark's instrument (bench/): its parsing and stand-ins, and, on PostgreSQL, that the
loader's COPYed history is what the app writes: `ledger check` finds nothing wrong with it."""

from __future__ import annotations

import json
import os
import random
import urllib.request
from datetime import UTC, datetime

import pytest

from bench import catalog_rows, drive, history, load
from bench.stripe_standin import StripeStandIn
from config import _is_turkish_iban

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:5000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.52ms    1.20ms  30.01ms   90.00%
  Latency Distribution
     50%    6.40ms
     75%    7.00ms
     90%    7.80ms
     99%    1.20s
  24500 requests in 10.00s, 3.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   2450.12
Transfer/sec:    317.00KB
"""


def test_wrk_output_is_read_with_its_units_and_errors():
    rps, p50, p99, errors = drive.parse_wrk(WRK_OUTPUT)
    assert rps == 2450.12
    assert p50 == pytest.approx(0.0064)
    assert p99 == pytest.approx(1.2)
    assert errors == 7


def test_members_get_valid_turkish_ibans():
    rng = random.Random(1)
    ibans = [catalog_rows.turkish_iban(rng) for _ in range(200)]
    assert all(_is_turkish_iban(iban) and len(iban) == 26 for iban in ibans)


def test_thirty_six_months_of_cutoffs_at_istanbul_midnight():
    cutoffs = load.month_cutoffs(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    assert len(cutoffs) == load.MONTHS + 1
    assert cutoffs[0].isoformat() == "2023-12-01T00:00:00+03:00"
    assert cutoffs[-1].isoformat() == "2026-12-01T00:00:00+03:00"


def test_order_numbers_are_unique_and_in_the_apps_shape():
    at = datetime(2026, 3, 4, tzinfo=UTC)
    numbers = {history.order_number(i, at) for i in range(1, 5000)}
    assert len(numbers) == 4999
    assert all(n.startswith("2603-") and len(n) == 11 for n in numbers)


def test_the_stripe_standin_pages_and_retrieves_like_stripe():
    objects = {
        "charges": [{"id": f"ch_{i}", "object": "charge", "created": 100 + i} for i in range(5)],
        "balance_transactions": [],
        "refunds": [],
        "payouts": [],
    }
    standin = StripeStandIn(objects).start()
    try:
        url = standin.base + "/v1/charges?limit=2&created[gte]=101&starting_after=ch_2"
        with urllib.request.urlopen(url) as answer:
            page = json.load(answer)
        assert [o["id"] for o in page["data"]] == ["ch_3", "ch_4"]
        assert page["has_more"] is False and page["object"] == "list"
        with urllib.request.urlopen(standin.base + "/v1/charges/ch_0") as answer:
            assert json.load(answer)["id"] == "ch_0"
    finally:
        standin.stop()


@pytest.mark.postgres
def test_the_loaded_history_passes_the_ledger_check():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    from bench import db as benchdb
    from coopshop import create_app
    from coopshop.db import db
    from coopshop.services.books import ledger_check

    server = benchdb.plain_url(url).rsplit("/", 1)[0]
    name = benchdb.database_name(url) + "_benchload"
    fresh = benchdb.create_fresh(name, server)
    try:
        benchdb.migrate(fresh)
        app = create_app(benchdb.loader_config(fresh))
        loaded = load.load(app, fresh, scale=0.002)
        assert loaded["counts"]["payout_batches"] == load.MONTHS
        assert loaded["counts"]["order_lines"] >= 1000
        assert loaded["counts"]["refund_lines"] > 0
        with app.app_context():
            assert ledger_check.check() == []
            db.session.remove()
            db.engine.dispose()
    finally:
        benchdb.drop(name, server)
