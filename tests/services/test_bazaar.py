"""Selling at a bazaar desk: one call creates, pays and books the order; stock moves at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction, Order, Payment
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.core.errors import InsufficientStock, ValidationFailed
from coopshop.services.sales.orders import LineRequest
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.ledger_support import balances
from tests.support.staff_support import (
    assert_ledger_holds,
    audit_actions,
    count,
    open_desk,
    staff_user,
    stock,
)


@pytest.fixture
def desk(app):
    clerk = staff_user()
    return clerk, open_desk(clerk.id)


@pytest.mark.parametrize(
    ("method", "clearing"), [("cash", "clearing:cash"), ("card_terminal", "clearing:card")]
)
def test_a_sale_is_paid_booked_and_collected_in_one_call(desk, method, clearing):
    clerk, session = desk
    scarf = ProductFactory(code="IPK01", price_kurus=45_000, stock=5, vat_bp=2000)
    soap = ProductFactory(code="SBN07", price_kurus=6_050, stock=3)

    order = bazaar.sell(
        session.id,
        [LineRequest(code="ipk01", quantity=1), LineRequest(code=" SBN07 ", quantity=2)],
        method,
        clerk.id,
    )
    db.session.commit()

    assert order.number
    assert (order.channel, order.payment_method, order.status) == ("bazaar", method, "paid")
    assert order.fulfilment_status == "collected"
    assert order.cash_session_id == session.id
    assert order.created_by_id == clerk.id
    assert order.shipping_kurus == 0
    assert order.total_kurus == 45_000 + 2 * 6_050
    assert [(ln.product_code, ln.quantity) for ln in order.lines] == [("IPK01", 1), ("SBN07", 2)]
    assert stock(scarf.id) == 4
    assert stock(soap.id) == 1
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.provider, payment.amount_kurus, payment.status) == (
        method,
        57_100,
        "succeeded",
    )
    assert balances()[clearing] == 57_100
    assert count(LedgerTransaction, LedgerTransaction.order_id == order.id) == 1
    assert audit_actions("bazaar.") == ["bazaar.sale"]
    assert_ledger_holds()


def test_running_short_writes_nothing(desk):
    clerk, session = desk
    plenty = ProductFactory(code="KLM01", stock=10)
    last_one = ProductFactory(code="KLM02", stock=1, title_tr="Keçe Kalem Kutusu")

    with pytest.raises(InsufficientStock) as excinfo:
        bazaar.sell(
            session.id,
            [LineRequest(code="KLM01", quantity=3), LineRequest(code="KLM02", quantity=2)],
            "cash",
            clerk.id,
        )
    db.session.rollback()

    assert str(excinfo.value.message) == "Keçe Kalem Kutusu için yeterli stok yok (istenen 2)."
    assert stock(plenty.id) == 10
    assert stock(last_one.id) == 1
    assert count(Order) == 0
    assert count(LedgerTransaction) == 0
    assert audit_actions("bazaar.") == []


@pytest.mark.parametrize(
    ("lines", "method", "message"),
    [
        ([], "cash", "Fiş boş: önce ürün ekleyin."),
        ([LineRequest(code="YOK99", quantity=1)], "cash", "Ürün bulunamadı: YOK99"),
        ([LineRequest(code="VAR01", quantity=1)], "havale", "Ödeme yöntemi seçin."),
        ([LineRequest(code="VAR01", quantity=0)], "cash", "Adet en az 1 olmalı."),
    ],
    ids=["empty", "unknown-code", "bad-method", "zero-quantity"],
)
def test_bad_tickets_are_refused(desk, lines, method, message):
    clerk, session = desk
    ProductFactory(code="VAR01", stock=2)
    with pytest.raises(ValidationFailed) as excinfo:
        bazaar.sell(session.id, lines, method, clerk.id)
    db.session.rollback()
    assert str(excinfo.value.message) == message
    assert count(Order) == 0


def test_the_same_ticket_is_sold_once(desk):
    clerk, session = desk
    vase = ProductFactory(code="SRM05", price_kurus=30_000, stock=4)
    lines = [LineRequest(code="SRM05", quantity=1)]
    first = bazaar.sell(session.id, lines, "cash", clerk.id, ticket_ref="abc123")
    db.session.commit()
    again = bazaar.sell(session.id, lines, "cash", clerk.id, ticket_ref="abc123")
    db.session.commit()

    assert again.id == first.id
    assert count(Order) == 1
    assert stock(vase.id) == 3
    assert balances()["clearing:cash"] == 30_000
    assert bazaar.order_for_ticket("abc123").id == first.id
    assert bazaar.order_for_ticket("other") is None
    assert_ledger_holds()


def test_adding_to_the_ticket_merges_and_checks_the_shelf(app):
    ProductFactory(code="ATK01", stock=3, title_tr="İpek Atkı")
    items = bazaar.add_to_ticket([], " atk01 ", 1)
    items = bazaar.add_to_ticket(items, "ATK01", 2)
    assert items == [("ATK01", 3)]

    with pytest.raises(InsufficientStock) as excinfo:
        bazaar.add_to_ticket(items, "ATK01", 1)
    assert str(excinfo.value.message) == "İpek Atkı için stokta yalnız 3 adet var."
    assert excinfo.value.details["field"] == "quantity"


@pytest.mark.parametrize(
    ("code", "quantity", "field", "message"),
    [
        ("", 1, "code", "Ürün kodunu yazın ya da okutun."),
        ("YOK01", 1, "code", "Bu kodla bir ürün yok: YOK01"),
        ("TSL01", 1, "code", "Taslak Çanta şu an satışta değil."),
        ("ATK02", 0, "quantity", "Adet en az 1 olmalı."),
        ("ATK02", 1000, "quantity", "Bir üründen en fazla 999 adet satılabilir."),
    ],
)
def test_adding_refuses_what_cannot_be_sold(app, code, quantity, field, message):
    ProductFactory(code="TSL01", status="draft", title_tr="Taslak Çanta")
    ProductFactory(code="ATK02", stock=5)
    with pytest.raises(ValidationFailed) as excinfo:
        bazaar.add_to_ticket([], code, quantity)
    assert excinfo.value.details["field"] == field
    assert str(excinfo.value.message) == message


def test_the_ticket_is_priced_with_todays_products_and_shows_problems(app):
    ProductFactory(code="FLC01", price_kurus=12_000, stock=5)
    ProductFactory(code="FLC02", price_kurus=8_000, stock=1)
    suspended = ProducerFactory(membership_status="suspended")
    ProductFactory(code="FLC03", price_kurus=5_000, stock=5, makers=[(suspended, 10_000)])

    ticket = bazaar.price_ticket([("FLC01", 2), ("FLC02", 2), ("FLC03", 1), ("GONE1", 1)])

    assert [(ln.code, ln.line_total_kurus, ln.problem) for ln in ticket.lines] == [
        ("FLC01", 24_000, None),
        ("FLC02", 16_000, "Stokta yalnız 1 adet var."),
        ("FLC03", 5_000, "Bu ürün şu an satışta değil."),
        ("GONE1", 0, "Bu kodla bir ürün yok."),
    ]
    assert ticket.total_kurus == 45_000
    assert ticket.quantity == 6
    assert not ticket.sellable
    assert bazaar.price_ticket([("FLC01", 1)]).sellable


# -- two desks at once (PostgreSQL: real row locks) --------------------------------------------

DESK_TABLETS = 3  # tablets selling into each desk's drawer
ATTEMPTS = 12  # sales each tablet tries
# What the buyers ask for, in turn: [(code, quantity), ...]. Demand outruns the stock.
BASKETS = (
    (("ATK10", 1), ("SBN10", 2)),
    (("ATK10", 2),),
    (("SBN10", 1), ("KSE10", 1)),
    (("KSE10", 2), ("ATK10", 1)),
)
STOCK = {"ATK10": 20, "SBN10": 25, "KSE10": 15}
PRICES = {"ATK10": 35_000, "SBN10": 6_050, "KSE10": 18_475}


@pytest.mark.postgres
def test_two_desks_selling_at_once_end_with_stock_and_drawers_right(app):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from coopshop.services.bazaar import cash

    clerk_id = staff_user().id
    products = {
        code: ProductFactory(code=code, stock=n, price_kurus=PRICES[code])
        for code, n in STOCK.items()
    }
    desk_ids = [
        open_desk(clerk_id, desk="Masa 1", float_kurus=50_000).id,
        open_desk(clerk_id, desk="Masa 2", float_kurus=30_000).id,
    ]
    floats = dict(zip(desk_ids, (50_000, 30_000), strict=True))
    workers = [(d, t) for d in desk_ids for t in range(DESK_TABLETS)]
    start = threading.Barrier(len(workers))

    def tablet(work):
        desk_id, n = work
        done = []
        with app.app_context():
            start.wait(timeout=30)
            try:
                for i in range(ATTEMPTS):
                    basket = BASKETS[(n + i) % len(BASKETS)]
                    method = "cash" if (n + i) % 3 else "card_terminal"
                    try:
                        order = bazaar.sell(
                            desk_id,
                            [LineRequest(code=c, quantity=q) for c, q in basket],
                            method,
                            clerk_id,
                            ticket_ref=f"{desk_id}-{n}-{i}",
                        )
                        db.session.commit()
                        done.append(("ok", desk_id, method, order.total_kurus, basket))
                    except InsufficientStock as exc:
                        db.session.rollback()
                        done.append(("short", str(exc.message)))
            finally:
                db.session.remove()
        return done

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        results = [r for batch in pool.map(tablet, workers, timeout=180) for r in batch]

    sold = [r for r in results if r[0] == "ok"]
    short = [r for r in results if r[0] == "short"]
    assert len(sold) + len(short) == len(workers) * ATTEMPTS
    assert sold and short  # the shelf ran out part-way through the day
    assert all("yeterli stok yok" in r[1] for r in short)

    db.session.expire_all()
    for code, product in products.items():
        taken = sum(q for r in sold for c, q in r[4] if c == code)
        assert stock(product.id) == STOCK[code] - taken >= 0, code
    assert count(Order) == len(sold)
    for desk_id in desk_ids:
        session = cash.get(desk_id)
        mine = [r for r in sold if r[1] == desk_id]
        summary = cash.summary(session)
        assert summary.orders == len(mine)
        assert summary.cash_sales_kurus == sum(r[3] for r in mine if r[2] == "cash")
        assert summary.card_sales_kurus == sum(r[3] for r in mine if r[2] == "card_terminal")
        assert summary.expected_kurus == floats[desk_id] + summary.cash_sales_kurus
    assert_ledger_holds()

    # Close both: the first drawer is ₺10 short, the second exact.
    expected = {d: cash.expected_cash(cash.get(d)) for d in desk_ids}
    first = cash.close_session(desk_ids[0], expected[desk_ids[0]] - 1_000, clerk_id)
    second = cash.close_session(desk_ids[1], expected[desk_ids[1]], clerk_id)
    db.session.commit()
    assert (first.difference_kurus, second.difference_kurus) == (-1_000, 0)
    cash_sales = sum(r[3] for r in sold if r[2] == "cash")
    assert balances()["clearing:cash"] == cash_sales - 1_000
    assert balances()["cash:over_short"] == 1_000
    assert_ledger_holds()


@pytest.mark.postgres
def test_closing_waits_for_a_sale_in_flight_and_counts_it(app):
    import threading
    import time

    from sqlalchemy import text

    from coopshop.services.bazaar import cash

    clerk_id = staff_user().id
    ProductFactory(code="LATE1", stock=5, price_kurus=20_000)
    desk_id = open_desk(clerk_id, float_kurus=10_000).id
    sold, go = threading.Event(), threading.Event()
    outcome = {}

    def sell_slowly():
        with app.app_context():
            try:
                bazaar.sell(desk_id, [LineRequest(code="LATE1", quantity=1)], "cash", clerk_id)
                sold.set()
                go.wait(timeout=30)
                db.session.commit()
            finally:
                db.session.remove()

    def close():
        with app.app_context():
            try:
                closing = cash.close_session(desk_id, 30_000, clerk_id)
                db.session.commit()
                outcome["expected"] = closing.summary.expected_kurus
                outcome["difference"] = closing.difference_kurus
            finally:
                db.session.remove()

    seller = threading.Thread(target=sell_slowly)
    seller.start()
    assert sold.wait(timeout=30)
    closer = threading.Thread(target=close)
    closer.start()
    # The close is blocked on the drawer's row until the sale commits.
    waiting = False
    for _ in range(100):
        waiting = bool(
            db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE '%cash_sessions%'"
                )
            )
        )
        db.session.rollback()
        if waiting:
            break
        time.sleep(0.05)
    go.set()
    seller.join(timeout=30)
    closer.join(timeout=30)
    assert waiting
    assert outcome == {"expected": 30_000, "difference": 0}
    assert_ledger_holds()


def test_a_ticket_sold_at_the_same_moment_answers_with_that_sale(desk, monkeypatch):
    # The second click's own look-up ran before the first sale was written: the unique payment
    # reference stops its insert, and the desk is shown the first sale, with nothing sold twice.
    clerk, session = desk
    vase = ProductFactory(code="SRM01", price_kurus=30_000, stock=5)
    lines = [LineRequest(code="SRM01", quantity=1)]
    first = bazaar.sell_ticket(session.id, lines, "cash", clerk.id, "ab12cd34")
    db.session.commit()
    real_lookup = bazaar.order_for_ticket
    looked = []

    def late_lookup(ticket_ref):
        looked.append(ticket_ref)
        return None if len(looked) == 1 else real_lookup(ticket_ref)

    monkeypatch.setattr(bazaar, "order_for_ticket", late_lookup)
    second = bazaar.sell_ticket(session.id, lines, "cash", clerk.id, "ab12cd34")
    db.session.commit()

    assert second.id == first.id
    assert looked == ["ab12cd34", "ab12cd34"]
    assert stock(vase.id) == 4
    assert count(Order) == 1
    assert count(LedgerTransaction, LedgerTransaction.kind == "sale") == 1
    assert_ledger_holds()
