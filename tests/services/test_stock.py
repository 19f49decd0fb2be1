"""services.stock: adjustments by one conditional UPDATE, never below zero, each with a movement
and an audit event; the low-stock warning."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, ProducerProfile, Product, StockMovement
from coopshop.services.catalog import stock
from coopshop.services.core.errors import Conflict, Forbidden, InsufficientStock, ValidationFailed
from coopshop.services.sales.orders import hold_stock
from tests.support.factories import ProducerFactory, ProductFactory


def _stored_stock(product_id: int) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def _movements() -> list[tuple[int, str, str, int]]:
    return [
        (m.delta, m.reason, m.note, m.resulting_stock)
        for m in db.session.scalars(select(StockMovement).order_by(StockMovement.id))
    ]


@pytest.fixture
def soap(app):
    maker = ProducerFactory()
    return maker, ProductFactory(stock=10, makers=[(maker, 10000)])


def test_adding_and_taking_away_write_movements_with_the_stock_they_left(soap):
    maker, product = soap
    stock.adjust(maker, product, 5, "produced", "", maker.user_id)
    stock.adjust(maker, product, -3, "damaged", "Kırıldı", maker.user_id)
    db.session.commit()
    assert _stored_stock(product.id) == 12
    assert product.stock == 12
    assert _movements() == [(5, "produced", "", 15), (-3, "damaged", "Kırıldı", 12)]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "stock.adjusted").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.object_id, e.data["delta"], e.data["stock"]) for e in events] == [
        (maker.user_id, str(product.id), 5, 15),
        (maker.user_id, str(product.id), -3, 12),
    ]


def test_stock_never_goes_below_zero_and_nothing_is_written(soap):
    maker, product = soap
    with pytest.raises(InsufficientStock) as caught:
        stock.adjust(maker, product, -11, "count", "", maker.user_id)
    db.session.rollback()
    assert str(caught.value.message) == (
        "Stok eksiye düşemez: elde 10 adet var, 11 adet düşülemez."
    )
    assert _stored_stock(product.id) == 10
    assert _movements() == []


def test_the_guard_reads_the_database_not_a_stale_copy(soap):
    """A sale took stock after her page loaded: the UPDATE's WHERE sees it, not her copy."""
    maker, product = soap
    assert hold_stock(product.id, 9)
    assert product.stock == 10  # what she saw
    with pytest.raises(InsufficientStock) as caught:
        stock.adjust(maker, product, -2, "count", "", maker.user_id)
    assert "elde 1 adet var" in str(caught.value.message)
    stock.adjust(maker, product, -1, "count", "", maker.user_id)
    assert _stored_stock(product.id) == 0


@pytest.mark.parametrize(
    ("delta", "reason", "note", "field"),
    [
        (0, "produced", "", "quantity"),
        (10000, "produced", "", "quantity"),
        (-10000, "count", "", "quantity"),
        (1, "sold", "", "reason"),
        (1, "initial", "", "reason"),
        (1, "other", "", "note"),
        (1, "other", "x" * 201, "note"),
    ],
)
def test_bad_adjustments_are_refused(soap, delta, reason, note, field):
    maker, product = soap
    with pytest.raises(ValidationFailed) as caught:
        stock.adjust(maker, product, delta, reason, note, maker.user_id)
    assert caught.value.details["field"] == field
    assert _movements() == []


def test_made_to_order_products_keep_no_stock(app):
    maker = ProducerFactory()
    product = ProductFactory(stock=0, made_to_order=True, lead_time_days=5, makers=[(maker, 10000)])
    with pytest.raises(Conflict):
        stock.adjust(maker, product, 1, "produced", "", maker.user_id)


def test_a_member_not_yet_approved_cannot_adjust(app):
    maker = ProducerFactory(membership_status="applied")
    product = ProductFactory(stock=2, makers=[(maker, 10000)])
    with pytest.raises(Forbidden):
        stock.adjust(maker, product, 1, "produced", "", maker.user_id)


def test_history_is_newest_first(soap):
    maker, product = soap
    for delta in (1, 2, 3):
        stock.adjust(maker, product, delta, "produced", "", maker.user_id)
    page = stock.history(product.id)
    assert [m.delta for m in page.items] == [3, 2, 1]
    assert page.items[0].actor.id == maker.user_id


def test_low_stock_lists_her_products_for_sale_running_out(app):
    maker, other = ProducerFactory(), ProducerFactory()
    empty = ProductFactory(title_tr="A", stock=0, makers=[(maker, 10000)])
    two = ProductFactory(title_tr="B", stock=2, status="in_review", makers=[(maker, 10000)])
    ProductFactory(stock=3, makers=[(maker, 10000)])
    ProductFactory(stock=0, status="archived", makers=[(maker, 10000)])
    ProductFactory(stock=0, made_to_order=True, lead_time_days=3, makers=[(maker, 10000)])
    ProductFactory(stock=0, makers=[(other, 10000)])
    assert [p.id for p in stock.low_stock(maker.id)] == [empty.id, two.id]


@pytest.mark.postgres
def test_twelve_people_taking_one_each_from_five(app):
    maker = ProducerFactory()
    product = ProductFactory(stock=5, makers=[(maker, 10000)])
    product_id, maker_id = product.id, maker.id
    people = 12  # fewer than the connection pool holds, so nobody waits for a connection
    start = threading.Barrier(people)

    def take(_n: int) -> bool:
        # Each thread has its own app context, so its own session and connection.
        with app.app_context():
            start.wait(timeout=30)
            me = db.session.get(ProducerProfile, maker_id)
            mine = db.session.get(Product, product_id)
            try:
                stock.adjust(me, mine, -1, "count", "", None)
                db.session.commit()
                return True
            except InsufficientStock:
                db.session.rollback()
                return False
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=people) as pool:
        results = list(pool.map(take, range(people), timeout=120))
    assert results.count(True) == 5
    db.session.expire_all()
    assert _stored_stock(product_id) == 0
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 5
    assert sorted(db.session.scalars(select(StockMovement.resulting_stock))) == [0, 1, 2, 3, 4]
