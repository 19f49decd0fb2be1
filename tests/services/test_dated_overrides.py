"""A product's and a member's own commission rate are dated like the cooperative's policy
(services.commission, one table, one rule in services.core.dated_rates): a change dated next
month leaves this month's sales at the old rate; the precedence is product, member (lowest of
the makers), collection, default, each the one in force at the sale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, CommissionRate, OrderLine, utcnow
from coopshop.services.books import commission, commission_overview, ledger_check
from coopshop.services.books.commission import RateChange
from coopshop.services.core.dated_rates import DatedSeries, latest_in_force
from coopshop.services.core.errors import NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import membership
from coopshop.services.sales.orders import effective_commission_bp
from tests.support.factories import (
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)
from tests.support.sql_counter import count_queries

SETTINGS = CoopSettings(default_commission_bp=1500)
DAY = timedelta(days=1)
MONTH = timedelta(days=31)


def _line(order) -> OrderLine:
    return db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()


def _dated(scope, rate_bp, effective_from, **target) -> None:
    """A dated row written directly (the service refuses past dates; history is made here)."""
    db.session.add(
        CommissionRate(scope=scope, rate_bp=rate_bp, effective_from=effective_from, **target)
    )
    db.session.commit()


@pytest.fixture
def admin(app):
    return UserFactory(role="admin", name="Yönetici")


# --- the one rule ----------------------------------------------------------------------------


def test_the_latest_row_at_or_before_the_moment_wins_and_a_tie_goes_to_the_later_row():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [("a", t0, 1), ("a", t0 + DAY, 2), ("a", t0 + DAY, 3), ("b", t0 + 2 * DAY, 9)]
    assert latest_in_force(rows, t0 - DAY) == {}
    assert latest_in_force(rows, t0) == {"a": 1}
    assert latest_in_force(rows, t0 + DAY) == {"a": 3}
    assert latest_in_force(rows, t0 + 5 * DAY) == {"a": 3, "b": 9}
    assert DatedSeries(rows).at("b", t0 + DAY) == (False, None)


# --- a change dated next month ---------------------------------------------------------------


def test_a_product_rate_dated_next_month_leaves_todays_sales_at_the_old_rate(app, admin):
    now = utcnow()
    product = ProductFactory(price_kurus=12000, vat_bp=2000, commission_bp=1200)
    commission_overview.set_own_rate("product", product.id, 900, admin.id, now + MONTH)
    db.session.commit()

    today = paid_order([(product, 1)], settings=SETTINGS, paid_at=now + DAY)
    next_month = paid_order([(product, 1)], settings=SETTINGS, paid_at=now + MONTH + DAY)
    db.session.commit()
    assert _line(today).commission_bp == 1200
    assert _line(next_month).commission_bp == 900

    # A later change never moves a past sale's snapshot.
    commission_overview.set_own_rate("product", product.id, 500, admin.id, now + 3 * MONTH)
    db.session.commit()
    db.session.expire_all()
    assert (_line(today).commission_bp, _line(next_month).commission_bp) == (1200, 900)
    assert ledger_check.check() == []


def test_her_own_rate_dated_next_month_and_its_end(app, admin):
    now = utcnow()
    ayse = ProducerFactory(commission_bp=1000)
    product = ProductFactory(makers=[(ayse, 10_000)])
    membership.set_commission_override(ayse, 800, admin.id, effective_from=now + MONTH)
    membership.set_commission_override(ayse, None, admin.id, effective_from=now + 2 * MONTH)
    db.session.commit()

    rates = [
        _line(paid_order([(product, 1)], settings=SETTINGS, paid_at=at)).commission_bp
        for at in (now + DAY, now + MONTH + DAY, now + 2 * MONTH + DAY)
    ]
    assert rates == [1000, 800, 1500]  # her rate, her new rate, then the default
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "member.commission")
    ).all()
    assert [(e.data["from_bp"], e.data["to_bp"]) for e in events] == [(1000, 800), (800, None)]
    assert {e.object_id for e in events} == {str(ayse.id)}


def test_the_same_rate_again_writes_nothing(app, admin):
    product = ProductFactory(commission_bp=1200)
    assert commission_overview.set_own_rate("product", product.id, 1200, admin.id) is None
    assert len(db.session.scalars(select(CommissionRate)).all()) == 1


# --- precedence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product_bp", "maker_bps", "collection_bp", "default_bp", "expected"),
    [
        (None, [None], None, None, 1500),  # the setting
        (None, [None], None, 1300, 1300),  # the dated default
        (None, [None], 1100, 1300, 1100),  # the collection over the default
        (None, [900, None], 1100, 1300, 900),  # a maker's own rate over the collection
        (None, [900, 700], 1100, 1300, 700),  # co-made: the lowest of the makers' own rates
        (1400, [900, 700], 1100, 1300, 1400),  # the product over everything
        (0, [900], 1100, 1300, 0),  # a zero rate is a rate, not "none"
    ],
)
def test_precedence_product_member_collection_default(
    app, product_bp, maker_bps, collection_bp, default_bp, expected
):
    since = utcnow() - DAY
    collection = CollectionFactory()
    makers = [ProducerFactory() for _ in maker_bps]
    share = 10_000 // len(makers)
    product = ProductFactory(collection=collection, makers=[(m, share) for m in makers])
    if product_bp is not None:
        _dated("product", product_bp, since, product_id=product.id)
    for maker, bp in zip(makers, maker_bps, strict=True):
        if bp is not None:
            _dated("producer", bp, since, producer_id=maker.id)
    if collection_bp is not None:
        _dated("collection", collection_bp, since, collection_id=collection.id)
    if default_bp is not None:
        _dated("default", default_bp, since)
    db.session.refresh(product)
    assert effective_commission_bp(product, 1500) == expected
    assert _line(paid_order([(product, 1)], settings=SETTINGS)).commission_bp == expected


def test_an_ended_product_rate_falls_back_to_the_member(app):
    since = utcnow() - 2 * DAY
    maker = ProducerFactory(commission_bp=1000)
    product = ProductFactory(makers=[(maker, 10_000)], commission_bp=700)
    _dated("product", None, since + DAY, product_id=product.id)
    db.session.refresh(product)
    assert effective_commission_bp(product, 1500, since + DAY / 2) == 700
    assert effective_commission_bp(product, 1500) == 1000


def test_an_order_still_loads_every_level_in_one_query(app):
    makers = [ProducerFactory(commission_bp=900 + i) for i in range(3)]
    products = [ProductFactory(makers=[(m, 10_000)], commission_bp=None) for m in makers]
    products.append(ProductFactory(commission_bp=600))
    with count_queries() as statements:
        order = paid_order([(p, 1) for p in products], settings=SETTINGS)
    assert len([s for s in statements if "FROM commission_rates" in s]) == 1
    assert sorted(ln.commission_bp for ln in order.lines) == [600, 900, 901, 902]


def test_rates_not_asked_for_are_a_bug_not_a_silent_default(app):
    product = ProductFactory(commission_bp=700)
    rates = commission.rates_in_force(utcnow(), [], [], [])
    with pytest.raises(ValueError, match="product"):
        commission.resolve(product, 1500, rates)


# --- what the service refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (RateChange("product", 10_001, product_id=-1), "scope"),  # no such product
        (RateChange("producer", 800), "scope"),  # no member named
        (RateChange("product", 800, producer_id=1, product_id=1), "scope"),  # two targets
        (RateChange("default", 800, product_id=1), "scope"),
    ],
)
def test_a_rate_without_its_one_target_is_refused(app, change, field):
    ProductFactory()  # product 1 and member 1 exist
    with pytest.raises((ValidationFailed, NotFound)) as caught:
        commission.schedule(change, None)
    assert caught.value.details["field"] == field
    assert db.session.scalars(select(CommissionRate)).all() == []


def test_a_past_date_or_a_bad_rate_is_refused(app, admin):
    product = ProductFactory()
    with pytest.raises(ValidationFailed) as past:
        commission_overview.set_own_rate(
            "product", product.id, 800, admin.id, utcnow() - timedelta(hours=1)
        )
    assert past.value.details["field"] == "effective_from"
    with pytest.raises(ValidationFailed) as high:
        commission_overview.set_own_rate("product", product.id, 10_001, admin.id)
    assert high.value.details["field"] == "rate"
    assert db.session.scalars(select(CommissionRate)).all() == []


def test_history_lists_scheduled_then_past_newest_first(app, admin):
    now = utcnow()
    product = ProductFactory(commission_bp=1200)
    commission_overview.set_own_rate("product", product.id, 900, admin.id, now + MONTH)
    commission_overview.set_own_rate("product", product.id, 1000, admin.id)
    db.session.commit()
    own = commission_overview.history_of("product", product.id)
    assert own.current_bp == 1000
    assert [r.rate_bp for r in own.scheduled] == [900]
    assert [r.rate_bp for r in own.history] == [1000, 1200]
    # The policy page lists only the cooperative's and the collections' rows.
    overview = commission_overview.overview(1500)
    assert overview.scheduled == [] and overview.history == []
