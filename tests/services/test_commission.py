"""services.commission and commission_preview: the dated policy, its resolution at sale time,
scheduling and cancelling, and the preview's numbers worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, CommissionRate, LedgerEntry, OrderLine, utcnow
from coopshop.services.books import commission, ledger_check
from coopshop.services.books.commission import RateChange
from coopshop.services.books.commission_preview import months_before, preview
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import refunds
from coopshop.services.sales.orders import effective_commission_bp
from tests.support.factories import CollectionFactory, ProducerFactory, ProductFactory, paid_order
from tests.support.sql_counter import count_queries

SETTINGS = CoopSettings(default_commission_bp=1500)
DAY = timedelta(days=1)


def _rate(scope, rate_bp, effective_from, collection=None) -> CommissionRate:
    """A dated row written directly (the service refuses past dates; history is made here)."""
    row = CommissionRate(
        scope=scope,
        collection_id=collection.id if collection else None,
        rate_bp=rate_bp,
        effective_from=effective_from,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _line(order) -> OrderLine:
    return db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()


def _entries(order) -> list[tuple[int, int | None]]:
    line = _line(order)
    return list(
        db.session.execute(
            select(LedgerEntry.amount_kurus, LedgerEntry.producer_id)
            .where(LedgerEntry.order_line_id == line.id)
            .order_by(LedgerEntry.id)
        ).tuples()
    )


# --- the rates in force ----------------------------------------------------------------------


def test_no_dated_rows_means_the_settings_and_the_collections_own_rates(app):
    rates = commission.rates_in_force(utcnow())
    assert rates.default_bp is None
    assert rates.default_or(1500) == 1500
    collection = CollectionFactory(commission_bp=1200)
    assert rates.collection_bp(collection) == 1200
    assert rates.collection_bp(None) is None


def test_the_row_in_force_is_the_latest_at_or_before_the_moment(app):
    t0 = utcnow() - 30 * DAY
    collection = CollectionFactory(commission_bp=1200)
    _rate("default", 1400, t0)
    _rate("default", 1300, t0 + 10 * DAY)
    _rate("default", 1100, t0 + 60 * DAY)  # still to come
    _rate("collection", 900, t0 + 5 * DAY, collection)
    _rate("collection", None, t0 + 20 * DAY, collection)  # its own rate ended

    def at(days):
        return commission.rates_in_force(t0 + days * DAY)

    assert at(-1).default_bp is None
    assert at(0).default_bp == 1400
    assert at(10).default_bp == 1300  # at the very moment, the new row applies
    assert at(59).default_bp == 1300
    assert at(60).default_bp == 1100
    assert at(4).collection_bp(collection) == 1200  # before its first dated row: its own
    assert at(5).collection_bp(collection) == 900
    assert at(20).collection_bp(collection) is None  # ended: the default applies


@pytest.mark.parametrize(
    ("product_bp", "producer_bp", "own_collection_bp", "dated_collection", "dated_default", "bp"),
    [
        (None, None, None, None, None, 1500),  # the setting
        (None, None, None, None, 1300, 1300),  # the dated default over the setting
        (None, None, 1200, None, 1300, 1200),  # the collection's own over the default
        (None, None, 1200, 1000, 1300, 1000),  # its dated rate over its own
        (None, None, 1200, "none", 1300, 1300),  # its dated "no rate": the default
        (None, 800, 1200, 1000, 1300, 800),  # the producer over the collection
        (700, 800, 1200, 1000, 1300, 700),  # the product over everything
    ],
)
def test_resolution_order_with_the_dated_policy(
    app, product_bp, producer_bp, own_collection_bp, dated_collection, dated_default, bp
):
    yesterday = utcnow() - DAY
    collection = CollectionFactory(commission_bp=own_collection_bp)
    product = ProductFactory(
        commission_bp=product_bp,
        collection=collection,
        makers=[(ProducerFactory(commission_bp=producer_bp), 10_000)],
    )
    if dated_collection is not None:
        rate = None if dated_collection == "none" else dated_collection
        _rate("collection", rate, yesterday, collection)
    if dated_default is not None:
        _rate("default", dated_default, yesterday)
    db.session.refresh(product)
    assert effective_commission_bp(product, 1500, utcnow()) == bp
    assert _line(paid_order([(product, 1)], settings=SETTINGS)).commission_bp == bp


def test_a_dated_change_applies_from_its_date_and_never_to_earlier_sales(app):
    now = utcnow()
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(maker, 10_000)])
    before = paid_order([(product, 1)], settings=SETTINGS, paid_at=now)
    booked_before = _entries(before)

    commission.schedule(RateChange("default", 1000, effective_from=now + 2 * DAY), None, now=now)
    db.session.commit()
    still_before = paid_order([(product, 1)], settings=SETTINGS, paid_at=now + DAY)
    after = paid_order([(product, 1)], settings=SETTINGS, paid_at=now + 2 * DAY)
    db.session.commit()

    assert _line(before).commission_bp == 1500
    assert _line(still_before).commission_bp == 1500
    assert _line(after).commission_bp == 1000
    # 120,00 at 20% VAT is 100,00 net: 15,00 or 10,00 to the cooperative, the rest to her.
    assert _entries(after) == [(-2000, None), (-1000, None), (-9000, maker.id)]
    db.session.expire_all()
    assert _line(before).commission_bp == 1500  # the snapshot did not move
    assert _entries(before) == booked_before == [(-2000, None), (-1500, None), (-8500, maker.id)]
    assert ledger_check.check() == []


def test_a_collection_change_touches_only_that_collections_products(app):
    now = utcnow()
    silk, ankara = CollectionFactory(), CollectionFactory()
    in_silk = ProductFactory(collection=silk)
    in_ankara = ProductFactory(collection=ankara)
    commission.schedule(
        RateChange("collection", 1000, collection_id=silk.id, effective_from=now + DAY), None, now
    )
    order = paid_order([(in_silk, 1), (in_ankara, 1)], settings=SETTINGS, paid_at=now + DAY)
    rates = {ln.product_id: ln.commission_bp for ln in order.lines}
    assert rates == {in_silk.id: 1000, in_ankara.id: 1500}
    assert ledger_check.check() == []


def test_an_order_loads_the_rates_once_however_many_lines(app):
    collections = [CollectionFactory() for _ in range(4)]
    products = [ProductFactory(collection=c) for c in collections for _ in range(2)]
    for c in collections:
        _rate("collection", 1100, utcnow() - DAY, c)
    with count_queries() as statements:
        order = paid_order([(p, 1) for p in products], settings=SETTINGS)
    lookups = [s for s in statements if "FROM commission_rates" in s]
    assert len(lookups) == 1
    assert {ln.commission_bp for ln in order.lines} == {1100}


# --- scheduling and cancelling ---------------------------------------------------------------


def test_schedule_records_the_rate_and_audits_it(app):
    now = utcnow()
    admin_id = ProducerFactory().user_id
    rate = commission.schedule(
        RateChange("default", 1250, effective_from=now + DAY, note="Genel kurul kararı"),
        admin_id,
        now=now,
    )
    db.session.commit()
    assert (rate.scope, rate.rate_bp, rate.effective_from, rate.created_by_id) == (
        "default",
        1250,
        now + DAY,
        admin_id,
    )
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "policy.rate_scheduled"
    assert event.data["rate_bp"] == 1250
    assert event.data["note"] == "Genel kurul kararı"


def test_a_blank_date_starts_now(app):
    now = utcnow()
    rate = commission.schedule(RateChange("default", 1250), None, now=now)
    assert rate.effective_from == now


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            RateChange("default", 1000, effective_from=utcnow() - timedelta(minutes=1)),
            "effective_from",
        ),
        (RateChange("default", None), "rate"),
        (RateChange("default", 10_001), "rate"),
        (RateChange("default", -1), "rate"),
        (RateChange("everything", 1000), "scope"),
        (RateChange("default", 1000, note="x" * 1001), "note"),
    ],
    ids=["backdated", "blank-default", "over-100", "negative", "bad-scope", "long-note"],
)
def test_bad_changes_are_refused_and_nothing_is_written(app, change, field):
    with pytest.raises(ValidationFailed) as caught:
        commission.schedule(change, None)
    assert caught.value.details["field"] == field
    db.session.rollback()
    assert db.session.scalars(select(CommissionRate)).all() == []
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_a_backdated_change_says_why(app):
    with pytest.raises(ValidationFailed) as caught:
        commission.validated(RateChange("default", 1000, effective_from=utcnow() - DAY))
    assert "geçmiş satışlar kendi oranlarını korur" in str(caught.value.message)


def test_an_unknown_collection_is_not_found(app):
    with pytest.raises(NotFound):
        commission.schedule(RateChange("collection", 1000, collection_id=999), None)


def test_a_scheduled_change_can_be_withdrawn_before_it_starts_but_not_after(app):
    now = utcnow()
    future = commission.schedule(RateChange("default", 1000, effective_from=now + DAY), None, now)
    started = commission.schedule(RateChange("default", 1200), None, now)
    db.session.commit()
    with pytest.raises(Conflict):
        commission.cancel(started.id, None, now=now + timedelta(seconds=1))
    commission.cancel(future.id, None, now=now)
    db.session.commit()
    assert [r.id for r in db.session.scalars(select(CommissionRate))] == [started.id]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["policy.rate_scheduled", "policy.rate_scheduled", "policy.rate_cancelled"]


# --- the preview -----------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_last_one():
    from datetime import UTC, datetime

    assert months_before(datetime(2025, 5, 31, 9, tzinfo=UTC), 3) == datetime(
        2025, 2, 28, 9, tzinfo=UTC
    )
    assert months_before(datetime(2025, 1, 15, tzinfo=UTC), 3) == datetime(2024, 10, 15, tzinfo=UTC)


@pytest.fixture
def small_case(app):
    """Ayşe and Fatma weave a ₺120,00 scarf together (60/40); Zehra, who has her own 10% rate,
    sells a ₺120,00 bowl. Both sold 10 days ago at the default 15%; an older sale (4 months
    ago) is outside the window."""
    now = utcnow()
    ayse = ProducerFactory(display_name="Ayşe")
    fatma = ProducerFactory(display_name="Fatma")
    zehra = ProducerFactory(display_name="Zehra", commission_bp=1000)
    scarf = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    bowl = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(zehra, 10_000)])
    paid_order([(scarf, 1)], settings=SETTINGS, paid_at=now - 120 * DAY)
    order = paid_order([(scarf, 1), (bowl, 1)], settings=SETTINGS, paid_at=now - 10 * DAY)
    db.session.commit()
    return {"now": now, "ayse": ayse, "fatma": fatma, "zehra": zehra, "order": order}


def test_preview_of_a_lower_default_written_out(small_case):
    # The scarf line: gross 12.000, net 10.000, VAT 2.000.
    #   at 15%: commission 1.500, makers 8.500 -> Ayşe 5.100, Fatma 3.400 (what they got)
    #   at 10%: commission 1.000, makers 9.000 -> Ayşe 5.400, Fatma 3.600
    # The bowl line is Zehra's own 10%: the default does not touch it (commission 1.000 both).
    result = preview(RateChange("default", 1000), 1500, now=small_case["now"])
    rows = [
        (m.name, m.affected_lines, m.lines, m.actual, m.proposed, m.difference)
        for m in result.members
    ]
    assert rows == [("Ayşe", 1, 1, 5100, 5400, 300), ("Fatma", 1, 1, 3400, 3600, 200)]
    assert (result.actual, result.proposed, result.difference) == (8500, 9000, 500)
    assert (result.lines_total, result.lines_affected, result.untouched_members) == (2, 1, 1)
    assert (result.actual_commission, result.proposed_commission) == (2500, 2000)
    assert result.since == months_before(small_case["now"], 3)


def test_preview_counts_refunds_the_way_the_ledger_does(small_case):
    # Half the scarf (6.000) refunded: the refund takes back allocate(6.000) =
    #   at 15%: net 5.000, commission 750, makers 4.250 -> Ayşe 2.550, Fatma 1.700
    #   at 10%: net 5.000, commission 500, makers 4.500 -> Ayşe 2.700, Fatma 1.800
    order = small_case["order"]
    scarf_line = min(order.lines, key=lambda ln: ln.id)
    refunds.create_refund(order, [(scarf_line.id, 6000)], settings=SETTINGS)
    db.session.commit()
    result = preview(RateChange("default", 1000), 1500, now=small_case["now"])
    rows = [(m.name, m.actual, m.proposed) for m in result.members]
    assert rows == [("Ayşe", 5100 - 2550, 5400 - 2700), ("Fatma", 3400 - 1700, 3600 - 1800)]
    assert ledger_check.check() == []


def test_preview_of_a_collection_rate_and_of_ending_it(app):
    now = utcnow()
    silk = CollectionFactory(commission_bp=2000)
    ayse = ProducerFactory(display_name="Ayşe")
    fatma = ProducerFactory(display_name="Fatma")
    in_silk = ProductFactory(
        price_kurus=12000, vat_bp=2000, collection=silk, makers=[(ayse, 10_000)]
    )
    plain = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(fatma, 10_000)])
    paid_order([(in_silk, 1), (plain, 1)], settings=SETTINGS, paid_at=now - DAY)
    db.session.commit()

    # Silk at 20% paid Ayşe 8.000; at 10% she would get 9.000. Fatma's line is not in silk.
    lower = preview(RateChange("collection", 1000, collection_id=silk.id), 1500, now=now)
    assert [(m.name, m.actual, m.proposed) for m in lower.members] == [("Ayşe", 8000, 9000)]
    assert lower.untouched_members == 1
    # Ending silk's own rate: the default at the sale (15%) applies -> 8.500.
    ended = preview(RateChange("collection", None, collection_id=silk.id), 1500, now=now)
    assert [(m.name, m.actual, m.proposed) for m in ended.members] == [("Ayşe", 8000, 8500)]
    # A default change does not touch silk (it has its own rate), only Fatma's line.
    default = preview(RateChange("default", 1000), 1500, now=now)
    assert [(m.name, m.actual, m.proposed) for m in default.members] == [("Fatma", 8500, 9000)]


def test_preview_reads_the_same_few_tables_however_many_sales(app):
    now = utcnow()

    def sell(n):
        for _ in range(n):
            paid_order([(ProductFactory(), 1)], settings=SETTINGS, paid_at=now - DAY)
        db.session.commit()

    sell(2)
    with count_queries() as few:
        preview(RateChange("default", 1000), 1500, now=now)
    sell(10)
    with count_queries() as many:
        result = preview(RateChange("default", 1000), 1500, now=now)
    assert len(many) == len(few) <= 7
    assert result.lines_affected == 12
