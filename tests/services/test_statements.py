"""services.statements: a month's statement adds up (opening + earnings - refunds - payouts -
deductions = closing) and its closing balance is the ledger's balance at the month's end."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from coopshop.db import db
from coopshop.services.books import balances, ledger, postings
from coopshop.services.core.errors import NotFound
from coopshop.services.reports import statements
from coopshop.services.reports.dashboard import month_start
from coopshop.services.sales import refunds
from tests.support.factories import paid_order
from tests.support.producer_support import SETTINGS, payout, two_members

MARCH = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
# 22:30 UTC on 31 March is 01:30 on 1 April in Istanbul: an April entry.
APRIL_IN_ISTANBUL = datetime(2025, 3, 31, 22, 30, tzinfo=UTC)


@pytest.fixture
def month(app):
    world = two_members(MARCH)
    scarf_order = world.orders[0]
    refunds.create_refund(
        scarf_order, [(scarf_order.lines[0].id, 5000)], now=datetime(2025, 3, 20, tzinfo=UTC)
    )
    payout(world.ayse.id, 40000, datetime(2025, 3, 28, tzinfo=UTC))
    postings.post_adjustment(
        world.ayse.id, 1000, "Malzeme avansı", None, now=datetime(2025, 3, 29, tzinfo=UTC)
    )
    paid_order(
        [(world.solo, 1)],
        channel="bazaar",
        payment_method="cash",
        paid_at=APRIL_IN_ISTANBUL,
        settings=SETTINGS,
    )
    db.session.commit()
    return world


def _ledger_balance_at_end(producer_id: int, year: int, month: int) -> int:
    end = month_start(year + month // 12, month % 12 + 1)
    return balances.balance(producer_id, as_of=end - timedelta(microseconds=1)).balance


def test_the_statement_adds_up_and_closes_at_the_ledger_balance(month):
    st = statements.statement(month.ayse.id, 2025, 3)
    assert (st.opening, st.earned, st.refunded, st.paid_out, st.deductions, st.fees) == (
        0,
        17708 + 51000,
        3542,
        40000,
        1000,
        0,
    )
    assert st.closing == 24166
    assert st.opening + st.earned - st.refunded - st.paid_out - st.deductions == st.closing
    assert st.other == 0
    assert st.closing == _ledger_balance_at_end(month.ayse.id, 2025, 3)
    assert [(line.kind, line.amount) for line in st.lines] == [
        ("sale", 17708),
        ("sale", 51000),
        ("refund", -3542),
        ("payout", -40000),
        ("adjustment", -1000),
    ]
    assert [line.balance_after for line in st.lines] == [17708, 68708, 65166, 25166, 24166]
    assert sum(line.amount for line in st.lines) == st.closing - st.opening


def test_the_next_month_opens_where_the_last_closed_in_istanbul_time(month):
    march = statements.statement(month.ayse.id, 2025, 3)
    april = statements.statement(month.ayse.id, 2025, 4)
    assert april.opening == march.closing
    assert [(line.kind, line.amount) for line in april.lines] == [("sale", 17708)]
    assert april.closing == march.closing + 17708
    assert april.closing == _ledger_balance_at_end(month.ayse.id, 2025, 4)
    assert statements.statement(month.ayse.id, 2025, 2).lines == []


def test_a_co_maker_sees_only_her_own_entries(month):
    st = statements.statement(month.fatma.id, 2025, 3)
    assert [(line.kind, line.amount, line.title) for line in st.lines] == [
        ("sale", 34000, "Kilim"),
        ("sale", 7083, "Sabun"),
    ]
    assert st.closing == 41083 == _ledger_balance_at_end(month.fatma.id, 2025, 3)


def test_a_reversed_deduction_shows_under_deductions_and_still_adds_up(month):
    charge = postings.post_adjustment(
        month.ayse.id, 500, "Hatalı kesinti", None, now=datetime(2025, 4, 10, tzinfo=UTC)
    )
    ledger.reverse(charge.id, None, "Geri alındı", now=datetime(2025, 4, 11, tzinfo=UTC))
    st = statements.statement(month.ayse.id, 2025, 4)
    assert st.deductions == 0
    assert [(line.kind, line.reversal, line.amount) for line in st.lines][-2:] == [
        ("adjustment", False, -500),
        ("adjustment", True, 500),
    ]
    assert st.other == 0
    assert st.closing == _ledger_balance_at_end(month.ayse.id, 2025, 4)


def test_the_csv_has_every_line_and_the_sum(month):
    text = statements.statement_csv(statements.statement(month.ayse.id, 2025, 3))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Tarih", "Tür", "Sipariş", "Açıklama", "Tutar", "Bakiye"]
    assert rows[1][1:] == ["Açılış bakiyesi", "", "", "", "0,00"]
    body = rows[2:7]
    assert [(r[1], r[4], r[5]) for r in body] == [
        ("Satış", "177,08", "177,08"),
        ("Satış", "510,00", "687,08"),
        ("İade", "-35,42", "651,66"),
        ("Hesabınıza ödeme", "-400,00", "251,66"),
        ("Düzeltme", "-10,00", "241,66"),
    ]
    assert body[0][3] == "Atkı"
    assert body[4][3] == "Malzeme avansı"
    summary = {r[1]: r[4] for r in rows[8:]}
    assert summary == {
        "Açılış bakiyesi": "0,00",
        "Kazanç": "687,08",
        "İadeler": "-35,42",
        "Ödemeler": "-400,00",
        "Kesinti ve düzeltmeler": "-10,00",
        "Kapanış bakiyesi": "241,66",
    }


@pytest.mark.parametrize("key", ["2025-3", "25-03", "2025-13", "2025-00", "abcd-ef", "2025"])
def test_a_period_that_is_not_a_month_is_not_found(app, key):
    with pytest.raises(NotFound):
        statements.parse_period(key)


def test_the_months_offered_run_from_her_first_entry_to_now(month):
    periods = statements.available_periods(month.ayse.id, now=datetime(2025, 6, 5, tzinfo=UTC))
    assert periods == [(2025, 6), (2025, 5), (2025, 4), (2025, 3)]
