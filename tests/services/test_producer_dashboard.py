"""services.dashboard and services.producer_sales: her numbers only, from the ledger, by month
and channel; her sale lines filtered and paged; what she has to bring to the centre."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coopshop.db import db
from coopshop.models import utcnow
from coopshop.services.books.balances import ProducerBalance
from coopshop.services.reports import dashboard, producer_sales
from coopshop.services.reports import to_bring as bring
from coopshop.services.reports.producer_sales import SalesFilter
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.producer_support import SETTINGS, two_members

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(app):
    world = two_members(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    paid_order(
        [(world.solo, 1)],
        channel="bazaar",
        payment_method="cash",
        paid_at=datetime(2025, 2, 15, 10, 0, tzinfo=UTC),
        settings=SETTINGS,
    )
    db.session.commit()
    return world


def test_the_dashboard_shows_her_balances_months_products_and_sales(world):
    board = dashboard.dashboard(world.ayse.id, now=NOW)
    # The online scarf waits for the return window; the bazaar sales are payable at once.
    assert board.balance == ProducerBalance(
        world.ayse.id, pending=17708, available=51000 + 17708, earned=17708 * 2 + 51000
    )
    assert [(m.year, m.month) for m in board.months][0] == (2024, 4)
    assert [(m.year, m.month) for m in board.months][-1] == (2025, 3)
    assert board.months[-1].by_channel == {"online": 17708, "bank_transfer": 0, "bazaar": 51000}
    assert board.months[-2].by_channel == {"online": 0, "bank_transfer": 0, "bazaar": 17708}
    assert (board.this_month, board.last_month, board.change) == (68708, 17708, 51000)
    assert sum(m.total for m in board.months[:-2]) == 0
    assert [(p.title_tr, p.quantity, p.earned) for p in board.top_products] == [
        ("Kilim", 1, 51000),
        ("Atkı", 2, 35416),
    ]
    assert [(r.title, r.channel, r.gross_kurus, r.share_bp, r.earned) for r in board.latest] == [
        ("Kilim", "bazaar", 120000, 6000, 51000),
        ("Atkı", "online", 25000, 10000, 17708),
        ("Atkı", "bazaar", 25000, 10000, 17708),
    ]


def test_a_co_maker_sees_her_share_of_the_shared_line_and_nothing_of_the_others(world):
    board = dashboard.dashboard(world.fatma.id, now=NOW)
    assert [(r.title, r.share_bp, r.earned) for r in board.latest] == [
        ("Sabun", 10000, 7083),
        ("Kilim", 4000, 34000),
    ]
    assert board.this_month == 34000 + 7083
    assert board.balance.earned == 34000 + 7083


def test_a_refund_lowers_the_month_it_was_made_in(world):
    scarf = world.orders[0]
    refunds.create_refund(scarf, [(scarf.lines[0].id, 25000)], now=NOW)
    board = dashboard.dashboard(world.ayse.id, now=NOW)
    assert board.months[-1].by_channel["online"] == 0
    row = next(r for r in board.latest if r.channel == "online")
    assert (row.earned, row.refunded, row.net) == (17708, 17708, 0)


def test_months_are_istanbul_months(app):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=12000, stock=5, makers=[(maker, 10000)])
    # 21:30 UTC on 31 January is 00:30 on 1 February in Istanbul.
    paid_order(
        [(product, 1)],
        channel="bazaar",
        payment_method="cash",
        paid_at=datetime(2025, 1, 31, 21, 30, tzinfo=UTC),
        settings=SETTINGS,
    )
    months = dashboard.monthly_earnings(maker.id, now=datetime(2025, 2, 10, tzinfo=UTC))
    assert (months[-1].month, months[-1].total) == (2, 8500)
    assert months[-2].total == 0


@pytest.mark.parametrize(
    ("filters", "titles"),
    [
        (SalesFilter(), ["Kilim", "Atkı", "Atkı"]),
        (SalesFilter(channel="online"), ["Atkı"]),
        (SalesFilter(channel="bazaar"), ["Kilim", "Atkı"]),
        (SalesFilter(start=datetime(2025, 3, 1, tzinfo=UTC)), ["Kilim", "Atkı"]),
        (SalesFilter(end=datetime(2025, 3, 1, tzinfo=UTC)), ["Atkı"]),
        (SalesFilter(product_id="shared"), ["Kilim"]),
    ],
)
def test_sales_filters(world, filters, titles):
    if filters.product_id == "shared":
        filters = SalesFilter(product_id=world.shared.id)
    page = producer_sales.sales(world.ayse.id, filters)
    assert [r.title for r in page.items] == titles
    totals = producer_sales.totals(world.ayse.id, filters)
    assert totals.lines == len(titles)
    assert totals.earned == sum(r.earned for r in page.items)


def test_sales_are_paged(app):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=1000, stock=100, makers=[(maker, 10000)])
    for day in range(1, 28):
        paid_order(
            [(product, 1)],
            channel="bazaar",
            payment_method="cash",
            paid_at=datetime(2025, 1, day, tzinfo=UTC),
            settings=SETTINGS,
        )
    first = producer_sales.sales(maker.id)
    assert (len(first.items), first.has_prev, first.has_next) == (25, False, True)
    assert first.items[0].paid_at.day == 27
    second = producer_sales.sales(maker.id, after=first.next_cursor)
    assert [r.paid_at.day for r in second.items] == [2, 1]
    assert (second.has_prev, second.has_next) == (True, False)
    back = producer_sales.sales(maker.id, before=second.prev_cursor)
    assert [r.order_line_id for r in back.items] == [r.order_line_id for r in first.items]
    assert (back.has_prev, back.has_next) == (False, True)
    # a cursor that is not one reads the first page, as does a page of nothing
    assert producer_sales.sales(maker.id, after="x.1").items == first.items


def test_sales_pages_break_ties_of_the_same_moment_by_line(app):
    """Lines paid at the same instant (one order, or orders of one bazaar sync) still page
    once each: the cursor is (booked at, line id), not the time alone."""
    maker = ProducerFactory()
    products = [
        ProductFactory(price_kurus=1000 + i, stock=10, makers=[(maker, 10000)]) for i in range(7)
    ]
    when = datetime(2025, 2, 1, 12, tzinfo=UTC)
    paid_order([(p, 1) for p in products[:4]], paid_at=when, settings=SETTINGS)
    paid_order([(p, 1) for p in products[4:]], paid_at=when, settings=SETTINGS)
    seen, after = [], None
    while True:
        page = producer_sales.sales(maker.id, after=after, per_page=3)
        seen += [r.order_line_id for r in page.items]
        if not page.has_next:
            break
        after = page.next_cursor
    assert len(seen) == 7 and len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)


def test_a_sale_in_detail_shows_her_part_only_and_others_are_not_found(world):
    shared_line = world.orders[1].lines[0]
    detail = producer_sales.sale_detail(world.fatma.id, shared_line.id)
    assert (detail.vat_kurus, detail.commission_kurus, detail.her_part) == (20000, 15000, 34000)
    assert [(e.kind, e.amount) for e in detail.entries] == [("sale", 34000)]
    from coopshop.services.core.errors import NotFound

    with pytest.raises(NotFound):
        producer_sales.sale_detail(world.ayse.id, world.orders[2].lines[0].id)


def test_to_bring_lists_paid_online_items_not_yet_received(world):
    co_made_online = paid_order([(world.shared, 2)], paid_at=NOW, settings=SETTINGS)
    received = paid_order([(world.solo, 1)], paid_at=NOW, settings=SETTINGS)
    received.lines[0].received_at = utcnow()
    refunded = paid_order([(world.solo, 3)], paid_at=NOW, settings=SETTINGS)
    refunds.refund_order(refunded, now=NOW)
    db.session.commit()
    rows = bring.to_bring(world.ayse.id)
    assert [(r.order_number, r.title, r.quantity, r.co_makers) for r in rows] == [
        (world.orders[0].number, "Atkı", 1, ()),
        (co_made_online.number, "Kilim", 2, ("Fatma",)),
    ]
    assert [r.title for r in bring.to_bring(world.fatma.id)] == ["Sabun", "Kilim"]
