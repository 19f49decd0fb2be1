"""Impact figures over a hand-built ledger whose answers are written out below.

Every product is ₺120,00 at 20% VAT with the default 15% commission, so one sold item books
VAT ₺20,00, commission ₺15,00 and ₺85,00 for its maker(s): net sales ₺100,00 an item.

  Ayşe    Keçiören, Dokuma   first sale 2025-01-10; sells 2 items on 2026-03-05 (₺170,00)
  Fatma   Keçiören, Dokuma   sells 1 item on 2026-03-20 (₺85,00); ₺42,50 refunded 2026-03-25
  Zeynep  Mamak, Seramik     sells 3 items on 2026-04-02 (₺255,00)
  Elif    Mamak, Seramik     first sale 2025-06-01, then 1 item on 2026-03-10 (₺85,00)
  Hatice  Mamak, Seramik     one sale 2025-02-01 only (never again)

March 2026: earned = Ayşe 17000 + Fatma 4250 + Elif 8500 = 29750 kuruş, three women; net
sales 4 items × 10000 less the refund's net part (6000 × 10000/12000 = 5000) = 35000.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coopshop.db import db
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.reports.impact import impact, median_of, spread_of
from coopshop.services.reports.impact_periods import course_year_of, parse, previous
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, paid_order


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _product(maker):
    return ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(maker, 10_000)], stock=100)


@pytest.fixture
def world(app):
    ayse = ProducerFactory(display_name="Ayşe", centre="Keçiören", craft="Dokuma")
    fatma = ProducerFactory(display_name="Fatma", centre="Keçiören", craft="Dokuma")
    zeynep = ProducerFactory(display_name="Zeynep", centre="Mamak", craft="Seramik")
    elif_ = ProducerFactory(display_name="Elif", centre="Mamak", craft="Seramik")
    hatice = ProducerFactory(display_name="Hatice", centre="Mamak", craft="Seramik")
    p = {w: _product(w) for w in (ayse, fatma, zeynep, elif_, hatice)}
    paid_order([(p[ayse], 1)], paid_at=at(2025, 1, 10, 9))
    paid_order([(p[hatice], 1)], paid_at=at(2025, 2, 1, 9))
    paid_order([(p[elif_], 1)], paid_at=at(2025, 6, 1, 9))
    paid_order([(p[ayse], 2)], paid_at=at(2026, 3, 5, 9))
    fatma_order = paid_order([(p[fatma], 1)], channel="bazaar", payment_method="cash",
                             paid_at=at(2026, 3, 20, 9))  # fmt: skip
    paid_order([(p[elif_], 1)], channel="bank_transfer", payment_method="bank_transfer",
               paid_at=at(2026, 3, 10, 9))  # fmt: skip
    paid_order([(p[zeynep], 3)], paid_at=at(2026, 4, 2, 9))
    refunds.create_refund(fatma_order, [(fatma_order.lines[0].id, 6000)], now=at(2026, 3, 25, 9))
    db.session.commit()
    return {"ayse": ayse, "fatma": fatma, "zeynep": zeynep, "elif": elif_, "hatice": hatice}


def test_march_counts_the_women_who_sold_and_what_they_earned(world):
    march = impact(parse("2026-03"))
    assert march.women_earned == 3  # Ayşe, Fatma, Elif
    # Fatma's ₺60 refund takes back her part of it: 6000 × 8500/12000 = 4250.
    assert march.earnings[world["fatma"].id] == 8500 - 4250
    assert march.earned == 17000 + 4250 + 8500
    assert march.new_earners == 1  # Fatma's first sale ever; Ayşe and Elif sold before
    assert march.items == 4
    # Net sales: 4 items × ₺100 less the refund's net part (6000 × 10000/12000 = 5000).
    assert march.net_sales == 40000 - 5000
    assert march.women_share_bp == 8500  # the women's part of net sales: 85%


def test_a_refund_after_the_period_lowers_the_next_one(world, app):
    order = paid_order([(_product(world["zeynep"]), 1)], paid_at=at(2026, 5, 30, 9))
    refunds.create_refund(order, [(order.lines[0].id, 12000)], now=at(2026, 6, 2, 9))
    db.session.commit()
    assert impact(parse("2026-05")).earnings[world["zeynep"].id] == 8500
    june = impact(parse("2026-06"))
    assert june.earnings[world["zeynep"].id] == -8500
    assert june.women_earned == 0  # a refund alone is no sale: she did not earn in June


def test_distribution_and_thresholds(world):
    q = impact(parse("2026-Q1"), monthly_thresholds=[2000, 5000])
    # Earnings of the three women in Q1: 4250, 8500, 17000.
    assert q.spread.count == 3
    assert (q.spread.lowest, q.spread.q1, q.spread.median, q.spread.q3, q.spread.highest) == (
        4250,
        4250,
        8500,
        17000,
        17000,
    )
    # Three months: ₺20 a month is 6000 for the quarter (two women), ₺50 is 15000 (one).
    assert q.thresholds == ((2000, 2), (5000, 1))


def test_new_and_retained_earners_over_the_course_year(world):
    year = impact(parse("2025-26"))  # 1 Sep 2025 – 31 Aug 2026
    assert year.women_earned == 4  # Ayşe, Fatma, Elif, Zeynep
    assert year.new_earners == 2  # Fatma and Zeynep
    # First sale at least a year before 31 Aug 2026: Ayşe (Jan 2025), Hatice (Feb 2025),
    # Elif (Jun 2025). Still selling a year on: Ayşe (Mar 2026) — Elif's next sale came
    # nine months after her first, Hatice never sold again.
    assert (year.retention_cohort, year.retained) == (3, 1)


def test_centres_and_crafts(world):
    march = impact(parse("2026-03"))
    centres = {g.name: (g.women, g.earned, g.median) for g in march.centres}
    assert centres == {"Keçiören": (2, 21250, 10625), "Mamak": (1, 8500, 8500)}
    crafts = {g.name: g.women for g in march.crafts}
    assert crafts == {"Dokuma": 2, "Seramik": 1}


def test_trend_by_month_and_channels(world):
    q = impact(parse("2026-Q2"))
    assert [(m.month, m.women, m.earned) for m in q.months] == [
        ("2026-04", 1, 25500),
        ("2026-05", 0, 0),
        ("2026-06", 0, 0),
    ]
    march = impact(parse("2026-03"))
    channels = {c.channel: (c.makers, c.net_sales) for c in march.channels}
    assert channels == {
        "online": (17000, 20000),
        "bazaar": (4250, 5000),
        "bank_transfer": (8500, 10000),
    }


def test_paid_out_counts_payout_legs(world, app):
    from coopshop.services.core.settings import CoopSettings
    from coopshop.services.payouts import batches as payouts
    from tests.support.factories import UserFactory

    assert impact(parse("2026")).paid_out == 0
    settings = CoopSettings(payout_two_admins=False, payout_minimum_kurus=1)
    admin = UserFactory(role="admin")
    # Everything sold before May is payable by 20 May (no delivery recorded: the longest wait,
    # 45 days, has passed for the 2 April sale too): paid on 20 May.
    batch, _ = payouts.close_period(at(2026, 5, 20), admin.id, settings, now=at(2026, 5, 20, 9))
    payouts.approve(batch.id, admin.id, settings, now=at(2026, 5, 20, 10))
    db.session.commit()
    # All earnings to 20 May: 8500 × 3 (2025) + 17000 + 4250 + 8500 + 25500.
    assert impact(parse("2026-05")).paid_out == 25500 + 17000 + 4250 + 8500 + 25500
    assert impact(parse("2026-04")).paid_out == 0


def test_an_empty_period_has_zeros(app):
    empty = impact(parse("2030-01"))
    assert (empty.women_earned, empty.earned, empty.net_sales, empty.women_share_bp) == (0, 0, 0, 0)
    assert empty.spread.count == 0


@pytest.mark.parametrize(
    ("values", "median", "q1", "q3"),
    [
        ([], 0, 0, 0),
        ([5], 5, 5, 5),
        ([1, 2], 2, 1, 2),  # (1+2)/2 = 1.5 rounds half up to 2
        ([1, 2, 3, 4], 3, 2, 4),  # halves [1,2] and [3,4]: 1.5→2, 3.5→4; median 2.5→3
        ([10, 20, 30, 40, 50], 30, 15, 45),  # odd: the middle value is in neither half
        ([7, 1, 3], 3, 1, 7),
    ],
)
def test_median_and_quartiles_by_the_halves_rule(values, median, q1, q3):
    assert median_of(values) == median
    spread = spread_of(values)
    assert (spread.median, spread.q1, spread.q3) == (median, q1, q3)


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        ("2026-02", "2026-02-01", "2026-02-28"),
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026", "2026-01-01", "2026-12-31"),
        ("2025-26", "2025-09-01", "2026-08-31"),
    ],
)
def test_periods(key, first, last):
    period = parse(key)
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == (first, last)
    # Istanbul midnight is 21:00 UTC the day before.
    assert period.start.hour == 21


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "2025-27", "1999", "abc", "2026-3"])
def test_bad_periods_are_refused_with_a_message(bad):
    with pytest.raises(ValidationFailed):
        parse(bad)


def test_course_year_and_previous():
    from datetime import date

    assert course_year_of(date(2026, 8, 31)).key == "2025-26"
    assert course_year_of(date(2026, 9, 1)).key == "2026-27"
    assert previous(parse("2026-01")).key == "2025-12"
    assert previous(parse("2026-Q1")).key == "2025-Q4"
    assert previous(parse("2025-26")).key == "2024-25"
