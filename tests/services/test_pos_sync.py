"""Tickets from point-of-sale devices, recorded exactly once, with conflicts kept, not lost."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import OfflineTicket, Order, utcnow
from coopshop.services.bazaar import cash, sync
from coopshop.services.core.errors import Conflict, InvalidTransition, ValidationFailed
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.ledger_support import balances
from tests.support.staff_support import assert_ledger_holds, open_desk, staff_user, stock


@pytest.fixture
def desk(app):
    clerk = staff_user()
    return clerk, open_desk(clerk.id)


def ticket(session, clerk, lines, ref=None, device="tablet-1", method="cash", **kw):
    return sync.DeviceTicket(
        client_ref=ref or uuid.uuid4().hex,
        device_id=device,
        cash_session_id=session.id,
        payment_method=method,
        lines=[sync.DeviceLine(code, qty, price) for code, qty, price in lines],
        rung_at=kw.pop("rung_at", utcnow()),
        actor_id=clerk.id,
        **kw,
    )


def orders_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_a_ticket_becomes_one_paid_bazaar_order(desk):
    clerk, session = desk
    maker = ProducerFactory()
    ProductFactory(code="ATK01", price_kurus=12_000, stock=3, makers=[(maker, 10_000)])
    synced = sync.record(ticket(session, clerk, [("atk01", 2, 12_000)], slip_number=" 0042 "))
    db.session.commit()
    assert synced.first_time
    order = synced.order
    assert (order.channel, order.status, order.total_kurus) == ("bazaar", "paid", 24_000)
    assert order.cash_session_id == session.id
    assert synced.ticket.conflicts == 0 and synced.ticket.slip_number == "0042"
    # 2 × ₺120: net ₺200, 15% commission ₺30, ₺170 to the maker.
    assert balances()[f"producer:{maker.id}"] == -17_000
    assert_ledger_holds()


def test_the_same_ticket_sent_three_times_is_one_sale(desk):
    clerk, session = desk
    product = ProductFactory(code="SBN01", price_kurus=5_000, stock=10)
    ref = uuid.uuid4().hex
    first = sync.record(ticket(session, clerk, [("SBN01", 1, 5_000)], ref=ref))
    db.session.commit()
    for device in ("tablet-1", "tablet-2"):  # a retry, then a restored backup on another device
        again = sync.record(ticket(session, clerk, [("SBN01", 1, 5_000)], ref=ref, device=device))
        db.session.commit()
        assert not again.first_time
        assert again.order.id == first.order.id
    assert orders_count() == 1
    assert stock(product.id) == 9


def test_an_offline_sale_of_stock_that_ran_out_is_kept_and_flagged(desk):
    clerk, session = desk
    product = ProductFactory(code="KSE01", price_kurus=9_000, stock=1)
    a = sync.record(ticket(session, clerk, [("KSE01", 1, 9_000)], device="tablet-1"))
    b = sync.record(ticket(session, clerk, [("KSE01", 2, 9_000)], device="tablet-2"))
    db.session.commit()
    assert a.ticket.conflicts == 0
    assert b.ticket.conflicts == 1
    assert [(ln.quantity, ln.stock_short) for ln in b.order.lines] == [(2, 2)]
    assert stock(product.id) == 0
    # The shelf count staff see: 0 in stock, 2 sold beyond it → −2 until corrected.
    assert sync.short_stock([product.id]) == {product.id: 2}
    assert [t.id for t, _ in sync.conflicts(session.id)] == [b.ticket.id]
    sync.resolve(b.ticket.id, clerk.id)
    db.session.commit()
    assert sync.conflicts(session.id) == []
    assert sync.short_stock([product.id]) == {}
    assert_ledger_holds()


def test_the_price_the_device_showed_is_the_price_sold_and_a_change_is_flagged(desk):
    clerk, session = desk
    ProductFactory(code="TKI01", price_kurus=15_000, stock=5)
    synced = sync.record(ticket(session, clerk, [("TKI01", 1, 14_000)]))
    db.session.commit()
    line = synced.order.lines[0]
    assert (line.unit_price_kurus, line.gross_kurus, line.list_price_kurus) == (
        14_000,
        14_000,
        15_000,
    )
    assert synced.order.total_kurus == 14_000
    assert synced.ticket.conflicts == 1


def test_the_sale_is_booked_when_it_was_rung_up_within_the_session(desk):
    clerk, session = desk
    ProductFactory(code="ORG01", price_kurus=3_000, stock=5)
    session.opened_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    rung = session.opened_at + timedelta(minutes=5)
    synced = sync.record(ticket(session, clerk, [("ORG01", 1, 3_000)], rung_at=rung))
    db.session.commit()
    assert synced.order.paid_at.replace(tzinfo=UTC) == rung.replace(tzinfo=UTC)
    # A device clock a day behind is kept at the desk's opening.
    early = sync.record(
        ticket(session, clerk, [("ORG01", 1, 3_000)], rung_at=session.opened_at - timedelta(1))
    )
    db.session.commit()
    assert early.order.paid_at.replace(tzinfo=UTC) == session.opened_at.replace(tzinfo=UTC)


def test_a_closed_desk_refuses_a_ticket_and_writes_nothing(desk):
    clerk, session = desk
    ProductFactory(code="LTE01", price_kurus=3_000, stock=5)
    cash.close_session(session.id, session.opening_float_kurus, clerk.id)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        sync.record(ticket(session, clerk, [("LTE01", 1, 3_000)]))
    db.session.rollback()
    assert orders_count() == 0
    assert db.session.scalar(select(func.count()).select_from(OfflineTicket)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_method": "bank_transfer"}, "payment_method"),
        ({"lines": []}, "lines"),
        ({"slip_number": "9" * 41}, "slip_number"),
        ({"rung_at": datetime(2026, 1, 1)}, "rung_at"),
    ],
)
def test_bad_tickets_are_refused_with_the_field_named(desk, change, field):
    clerk, session = desk
    ProductFactory(code="BAD01", price_kurus=3_000, stock=5)
    base = ticket(session, clerk, [("BAD01", 1, 3_000)])
    with pytest.raises(ValidationFailed) as caught:
        sync.record(sync.DeviceTicket(**{**base.__dict__, **change}))
    assert caught.value.details["field"] == field


def test_closing_waits_for_devices_with_unsent_tickets(desk):
    clerk, session = desk
    sync.report_device(session.id, "dev-aaaa", "Ayşe'nin telefonu", 3)
    sync.report_device(session.id, "dev-bbbb", "Tablet", 0)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        cash.close_session(session.id, session.opening_float_kurus, clerk.id)
    assert "Ayşe'nin telefonu (3)" in str(caught.value.message)
    assert caught.value.details["devices"] == {"dev-aaaa": 3}
    db.session.rollback()
    sync.report_device(session.id, "dev-aaaa", "Ayşe'nin telefonu", 0)
    db.session.commit()
    closing = cash.close_session(session.id, session.opening_float_kurus, clerk.id)
    db.session.commit()
    assert closing.difference_kurus == 0


def test_a_device_report_updates_its_one_row(desk):
    clerk, session = desk
    first = sync.report_device(session.id, "dev-1", "  Masa   telefonu ", 2)
    second = sync.report_device(session.id, "dev-1", "", 1)
    db.session.commit()
    assert first.id == second.id
    assert (second.label, second.pending) == ("Masa telefonu", 1)
    with pytest.raises(ValidationFailed):
        sync.report_device(session.id, "dev-1", "x", -1)


@pytest.mark.postgres
def test_the_same_hundred_tickets_sent_three_times_at_once_book_each_once(app):
    """Three devices (threads) replay the same 100 tickets concurrently on PostgreSQL."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    clerk = staff_user()
    session = open_desk(clerk.id)
    maker = ProducerFactory()
    product = ProductFactory(code="RPL01", price_kurus=1_200, stock=60, makers=[(maker, 10_000)])
    refs = [uuid.uuid4().hex for _ in range(100)]
    ids = (session.id, clerk.id, product.id)
    start = threading.Barrier(3)

    def device(n):
        session_id, clerk_id, _ = ids
        firsts = 0
        with app.app_context():
            start.wait(timeout=30)
            try:
                for ref in reversed(refs) if n == 1 else refs:
                    t = sync.DeviceTicket(ref, f"dev-{n}", session_id, "cash",
                                          [sync.DeviceLine("RPL01", 1, 1_200)], utcnow(),
                                          clerk_id)  # fmt: skip
                    for _attempt in range(5):
                        try:
                            firsts += sync.record(t).first_time
                            db.session.commit()
                            break
                        except Exception:  # a deadlock or serialization retry, as a device would
                            db.session.rollback()
            finally:
                db.session.remove()
        return firsts

    with ThreadPoolExecutor(3) as pool:
        firsts = sum(pool.map(device, range(3)))
    db.session.expire_all()
    assert firsts == 100
    assert orders_count() == 100
    assert db.session.scalar(select(func.count()).select_from(OfflineTicket)) == 100
    # 60 in stock, 100 sold: 0 left, 40 short on flagged tickets.
    assert stock(product.id) == 0
    assert sync.short_stock([product.id]) == {product.id: 40}
    # ₺12 at 20% VAT and 15% commission: ₺8,50 to the maker, a hundred times.
    assert balances()[f"producer:{maker.id}"] == -100 * 850
    assert_ledger_holds()
