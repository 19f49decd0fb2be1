"""Cash sessions: open with a float, sell, close with a count; the over/short is booked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopshop.db import db
from coopshop.models import AuditEvent, CashSession, LedgerTransaction, utcnow
from coopshop.services.bazaar import cash
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.core.errors import Conflict, InvalidTransition, ValidationFailed
from coopshop.services.sales import refunds
from coopshop.services.sales.orders import LineRequest
from tests.support.factories import ProductFactory
from tests.support.ledger_support import balances, entries_of
from tests.support.staff_support import (
    assert_ledger_holds,
    audit_actions,
    count,
    open_desk,
    staff_user,
)


@pytest.fixture
def day(app):
    """A desk opened with ₺500 and three sales: ₺500 and ₺75,25 in cash, ₺125,50 by card."""
    clerk = staff_user()
    a = ProductFactory(code="A100", price_kurus=25_000, stock=10)
    b = ProductFactory(code="B200", price_kurus=12_550, stock=10)
    c = ProductFactory(code="C300", price_kurus=7_525, stock=10)
    desk = open_desk(clerk.id, float_kurus=50_000)
    sales = [
        bazaar.sell(desk.id, [LineRequest(code="A100", quantity=2)], "cash", clerk.id),
        bazaar.sell(desk.id, [LineRequest(code="B200", quantity=1)], "card_terminal", clerk.id),
        bazaar.sell(desk.id, [LineRequest(code="C300", quantity=1)], "cash", clerk.id),
    ]
    db.session.commit()
    return clerk, desk, sales, (a, b, c)


def test_the_summary_adds_up_the_sessions_sales(day):
    _clerk, desk, _sales, _products = day
    summary = cash.summary(desk)
    assert summary.orders == 3
    assert summary.cash_sales_kurus == 57_525
    assert summary.card_sales_kurus == 12_550
    assert summary.cash_refunds_kurus == 0
    assert summary.expected_kurus == 107_525  # ₺500 float + ₺575,25 cash
    assert cash.expected_cash(desk) == 107_525
    assert summary.difference_kurus is None


@pytest.mark.parametrize(
    ("counted", "difference", "entries"),
    [
        (107_000, -525, [("clearing:cash", -525, None), ("cash:over_short", 525, None)]),
        (108_000, 475, [("clearing:cash", 475, None), ("cash:over_short", -475, None)]),
        (107_525, 0, None),
    ],
    ids=["short-5,25", "over-4,75", "exact"],
)
def test_closing_books_the_over_or_short(day, counted, difference, entries):
    clerk, desk, _sales, _products = day
    closing = cash.close_session(desk.id, counted, clerk.id)
    db.session.commit()

    assert closing.difference_kurus == difference
    assert closing.summary.expected_kurus == 107_525
    assert closing.summary.difference_kurus == difference
    db.session.refresh(desk)
    assert desk.status == "closed"
    assert desk.counted_kurus == counted
    assert desk.closed_by_id == clerk.id
    assert desk.closed_at is not None
    booked = db.session.scalars(
        db.select(LedgerTransaction).where(LedgerTransaction.kind == "cash_over_short")
    ).all()
    if entries is None:
        assert booked == []
        assert "cash:over_short" not in balances()
    else:
        assert len(booked) == 1
        assert booked[0].cash_session_id == desk.id
        assert booked[0].created_by_id == clerk.id
        assert entries_of(booked[0]) == entries
        assert balances()["cash:over_short"] == -difference
    # The drawer's clearing account holds the cash sales plus the over/short.
    assert balances()["clearing:cash"] == 57_525 + difference
    assert balances()["clearing:card"] == 12_550
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "cash.close")).one()
    assert event.actor_id == clerk.id
    assert event.data == {
        "expected_kurus": 107_525,
        "counted_kurus": counted,
        "difference_kurus": difference,
    }
    assert_ledger_holds()


def test_a_closed_session_cannot_be_closed_again(day):
    clerk, desk, _sales, _products = day
    cash.close_session(desk.id, 107_000, clerk.id)
    db.session.commit()

    with pytest.raises(InvalidTransition) as excinfo:
        cash.close_session(desk.id, 200_000, clerk.id)
    db.session.rollback()
    assert str(excinfo.value.message) == "Bu kasa oturumu zaten kapatılmış."
    db.session.refresh(desk)
    assert desk.counted_kurus == 107_000
    assert count(LedgerTransaction, LedgerTransaction.kind == "cash_over_short") == 1
    assert_ledger_holds()


def test_a_closed_session_cannot_be_sold_into(day):
    clerk, desk, _sales, (a, _b, _c) = day
    cash.close_session(desk.id, 107_525, clerk.id)
    db.session.commit()
    stock_before = a.stock

    with pytest.raises(InvalidTransition) as excinfo:
        bazaar.sell(desk.id, [LineRequest(code="A100", quantity=1)], "cash", clerk.id)
    db.session.rollback()
    assert str(excinfo.value.message) == "Bu kasa oturumu kapatılmış; satış yapılamaz."
    db.session.refresh(a)
    assert a.stock == stock_before
    assert cash.summary(desk).orders == 3
    assert_ledger_holds()


def test_cash_refunds_of_the_sessions_orders_come_out_of_the_drawer(day):
    clerk, desk, (two_a, card_b, one_c), _products = day
    # A cash sale refunded the way it was paid, and a card sale refunded in cash at the desk.
    refunds.refund_order(one_c, reason="Kırık", method="original", actor_id=clerk.id)
    refunds.refund_order(card_b, reason="Vazgeçti", method="cash", actor_id=clerk.id)
    db.session.commit()

    summary = cash.summary(desk)
    assert summary.cash_refunds_kurus == 7_525 + 12_550
    assert summary.expected_kurus == 50_000 + 57_525 - 7_525 - 12_550  # 87,450
    closing = cash.close_session(desk.id, 87_450, clerk.id)
    db.session.commit()
    assert closing.difference_kurus == 0
    assert count(LedgerTransaction, LedgerTransaction.kind == "cash_over_short") == 0
    assert_ledger_holds()


def test_a_card_refund_and_a_refund_after_the_count_leave_the_drawer_alone(day):
    clerk, desk, (two_a, card_b, _one_c), _products = day
    refunds.refund_order(card_b, reason="Vazgeçti", method="original", actor_id=clerk.id)
    db.session.commit()
    assert cash.expected_cash(desk) == 107_525

    cash.close_session(desk.id, 107_525, clerk.id)
    db.session.commit()
    # Refunded the next day from the office: not this drawer's money any more.
    refunds.refund_order(
        two_a, reason="İade", method="original", actor_id=clerk.id, now=utcnow() + timedelta(1)
    )
    db.session.commit()
    assert cash.summary(desk).expected_kurus == 107_525
    assert cash.summary(desk).difference_kurus == 0
    assert_ledger_holds()


def test_the_close_is_refused_when_the_expected_cash_changed_since_it_was_shown(day):
    clerk, desk, _sales, _products = day
    shown = cash.expected_cash(desk)
    bazaar.sell(desk.id, [LineRequest(code="C300", quantity=1)], "cash", clerk.id)
    db.session.commit()

    with pytest.raises(Conflict) as excinfo:
        cash.close_session(desk.id, shown, clerk.id, expected_kurus=shown)
    db.session.rollback()
    assert excinfo.value.details["expected_kurus"] == 107_525 + 7_525
    db.session.refresh(desk)
    assert desk.status == "open"
    assert count(LedgerTransaction, LedgerTransaction.kind == "cash_over_short") == 0


def test_one_open_session_per_desk_of_an_event(app):
    clerk = staff_user()
    first = open_desk(clerk.id, event="Kızılay Kış Pazarı", desk="Masa 1")
    with pytest.raises(Conflict) as excinfo:
        cash.open_session(" Kızılay  Kış Pazarı ", "Masa 1", 0, clerk.id)
    db.session.rollback()
    assert str(excinfo.value.message) == (
        "Bu etkinlikte Masa 1 için açık bir kasa oturumu zaten var."
    )
    second = open_desk(clerk.id, event="Kızılay Kış Pazarı", desk="Masa 2")
    assert second.id != first.id
    cash.close_session(first.id, 50_000, clerk.id)
    db.session.commit()
    again = open_desk(clerk.id, event="Kızılay Kış Pazarı", desk="Masa 1", float_kurus=0)
    assert again.status == "open"
    assert count(CashSession) == 3
    assert audit_actions("cash.") == ["cash.open", "cash.open", "cash.close", "cash.open"]


@pytest.mark.parametrize(
    ("event", "desk", "float_kurus", "field", "message"),
    [
        ("  ", "Masa 1", 0, "event_name", "Etkinlik adını yazın."),
        ("Pazar", "", 0, "desk", "Masa adını yazın."),
        ("x" * 121, "Masa 1", 0, "event_name", "Etkinlik adı en fazla 120 karakter olabilir."),
        ("Pazar", "Masa 1", -1, "opening_float", "Açılış tutarı negatif olamaz."),
    ],
)
def test_opening_refuses_bad_input(app, event, desk, float_kurus, field, message):
    clerk = staff_user()
    with pytest.raises(ValidationFailed) as excinfo:
        cash.open_session(event, desk, float_kurus, clerk.id)
    db.session.rollback()
    assert excinfo.value.details["field"] == field
    assert str(excinfo.value.message) == message
    assert count(CashSession) == 0


def test_a_negative_count_is_refused(day):
    clerk, desk, _sales, _products = day
    with pytest.raises(ValidationFailed):
        cash.close_session(desk.id, -1, clerk.id)
    db.session.rollback()
    db.session.refresh(desk)
    assert desk.status == "open"


def test_summaries_of_many_sessions_take_two_queries(app):
    from tests.support.sql_counter import count_queries

    clerk = staff_user()
    ProductFactory(code="D400", price_kurus=1_000, stock=100)
    desks = [open_desk(clerk.id, desk=f"Masa {i}") for i in range(1, 6)]
    for i, desk in enumerate(desks):
        for _ in range(i + 1):
            bazaar.sell(desk.id, [LineRequest(code="D400", quantity=1)], "cash", clerk.id)
    db.session.commit()
    sessions = cash.recent()
    with count_queries() as statements:
        result = cash.summaries(sessions)
    assert len(statements) == 2
    assert sorted(s.cash_sales_kurus for s in result) == [1_000, 2_000, 3_000, 4_000, 5_000]
