"""services.reports: sales by period, channel, collection, category, centre, producer and VAT
rate, read from the ledger. Every number below is worked out by hand from docs/design.md's formula
(20% VAT, 15% commission unless said), and every total equals the ledger's account sums.

The world is tests/support/report_support.py (Istanbul is UTC+3).
Per line, (gross, VAT, commission, makers):
  scarf 120000, 20000, 15000, 85000 (Ayşe 51000, Fatma 34000)
  bowl   25000,  4167,  3125, 17708      two bowls 50000, 8333, 6250, 35417
  soaps  30000,  2727,  4091, 23182
  R1     60000, 10000,  7500, 42500 (Ayşe 25500, Fatma 17000)    R2 10000, 909, 1364, 7727
"""

from __future__ import annotations

from datetime import date

import pytest

from coopshop.db import db
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.reports import summary as reports
from coopshop.services.reports.report_periods import bucket_starts
from coopshop.services.reports.summary import Figures, Parts, ReportFilter
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.ledger_support import balances
from tests.support.report_support import SETTINGS, SPRING, at, build_world


@pytest.fixture
def world(app):
    return build_world()


def figures(sales, refunds=(0, 0, 0, 0)) -> Figures:
    """(VAT, commission, makers, shipping) of the sales and of the refunds."""
    return Figures(sales=Parts(*sales), refunds=Parts(*refunds))


def by_label(report) -> dict[str, Figures]:
    return {row.label: row.figures for row in report.rows}


EXPECTED = {
    "channel": {
        "İnternet": figures((24167, 18125, 102708, 7500), (10000, 7500, 42500, 2500)),
        "Pazar ve fuar": figures((8333, 6250, 35417, 0)),
        "Havale/EFT": figures((2727, 4091, 23182, 0), (909, 1364, 7727, 0)),
    },
    "period": {
        "Mart 2026": figures((24167, 18125, 102708, 7500)),
        "Nisan 2026": figures((11060, 10341, 58599, 0), (10909, 8864, 50227, 2500)),
    },
    "collection": {
        "Ankara": figures((12500, 9375, 53125, 0)),
        "İpek Yolu": figures((20000, 15000, 85000, 0), (10000, 7500, 42500, 0)),
        "Koleksiyonsuz": figures((2727, 4091, 23182, 0), (909, 1364, 7727, 0)),
    },
    "category": {
        "Seramik": figures((12500, 9375, 53125, 0)),
        "Dokuma": figures((20000, 15000, 85000, 0), (10000, 7500, 42500, 0)),
        "Sabun": figures((2727, 4091, 23182, 0), (909, 1364, 7727, 0)),
    },
    # The scarf's VAT and commission are split 6,000 / 4,000 between its two weavers.
    "producer": {
        "Zeynep": figures((12500, 9375, 53125, 0)),
        "Fatma": figures((10727, 10091, 57182, 0), (4909, 4364, 24727, 0)),
        "Ayşe": figures((12000, 9000, 51000, 0), (6000, 4500, 25500, 0)),
    },
    "centre": {
        "Keçiören BELMEK": figures((24500, 18375, 104125, 0), (6000, 4500, 25500, 0)),
        "Mamak BELMEK": figures((10727, 10091, 57182, 0), (4909, 4364, 24727, 0)),
    },
    "vat_rate": {
        "%10": figures((2727, 4091, 23182, 0), (909, 1364, 7727, 0)),
        "%20": figures((32500, 24375, 138125, 0), (10000, 7500, 42500, 0)),
    },
}


@pytest.mark.parametrize("dimension", list(EXPECTED))
def test_each_dimension_row_by_row_in_order(world, dimension):
    report = reports.report(dimension, SPRING)
    assert by_label(report) == EXPECTED[dimension]
    # Periods and rates in order; the rest by sales net of refunds, largest first.
    assert [row.label for row in report.rows] == list(EXPECTED[dimension])


@pytest.mark.parametrize("dimension", list(EXPECTED))
def test_totals_reconcile_and_equal_the_ledger(world, dimension):
    report = reports.report(dimension, SPRING)
    total = report.total
    assert (total.sales.gross, total.refunds.gross, total.net.gross) == (225000, 70000, 155000)
    assert (total.net.vat, total.net.commission, total.net.makers) == (24318, 19602, 111080)
    for row in [*report.rows, reports.Row("", "total", total)]:
        for parts in (row.figures.sales, row.figures.refunds, row.figures.net):
            assert parts.gross == parts.net + parts.vat
            assert parts.net == parts.commission + parts.makers
    ledger = balances()
    producers = sum(v for code, v in ledger.items() if code.startswith("producer:"))
    assert -ledger["vat:payable"] == total.net.vat
    assert -ledger["coop:commission"] == total.net.commission
    assert -producers == total.net.makers
    # What the buyers paid, less what went back, is in the clearing accounts.
    clearing = sum(v for code, v in ledger.items() if code.startswith("clearing:"))
    if report.includes_shipping:
        assert (total.sales.shipping, total.refunds.shipping) == (7500, 2500)
        assert -ledger["coop:shipping"] == total.net.shipping
        assert clearing == total.net.received == 160000
    else:
        assert total.net.shipping == 0
        assert clearing == total.net.received + 5000


def test_summary_holds_everything_including_shipping(world):
    assert reports.summary(SPRING) == figures(
        (35227, 28466, 161307, 7500), (10909, 8864, 50227, 2500)
    )


def test_a_sale_paid_late_on_31_march_utc_is_aprils_in_istanbul(world):
    march, april = reports.report("period", SPRING).rows
    assert (march.key, march.figures.sales.gross, april.key, april.figures.sales.gross) == (
        "2026-03",
        145000,
        "2026-04",
        80000,
    )
    # Filtering to March (Istanbul days) leaves the bazaar sale out, too.
    only_march = reports.summary(ReportFilter(date(2026, 3, 1), date(2026, 3, 31)))
    assert only_march.sales.gross == 145000
    first_of_april = reports.summary(ReportFilter(date(2026, 4, 1), date(2026, 4, 1)))
    assert first_of_april.sales.gross == 50000


@pytest.mark.parametrize(
    ("grain", "expected"),
    [
        # Weeks are named by their Monday; 1 April 2026 is a Wednesday.
        ("week", {"2026-03-09": 152500, "2026-03-30": 50000 - 62500, "2026-04-13": 30000 - 10000}),
        ("day", {"2026-03-10": 152500, "2026-04-01": 50000, "2026-04-05": -62500}),
    ],
)
def test_weekly_and_daily_buckets(world, grain, expected):
    report = reports.report("period", SPRING, grain=grain)
    got = {row.key: row.figures.net.received for row in report.rows if row.figures != Figures()}
    if grain == "day":
        got = {k: v for k, v in got.items() if k in expected}
    assert got == expected
    # Every bucket of the range is there, quiet ones with zeros.
    assert [row.key for row in report.rows] == bucket_starts(SPRING.start, SPRING.end, grain)


def test_channel_filter(world):
    report = reports.report("producer", ReportFilter(SPRING.start, SPRING.end, channel="bazaar"))
    assert by_label(report) == {"Zeynep": figures((8333, 6250, 35417, 0))}


def test_english_names_and_an_empty_range(world):
    report = reports.report("collection", SPRING, locale="en")
    assert [row.label for row in report.rows] == ["Ankara", "Silk Road", "Koleksiyonsuz"]
    empty = reports.report("channel", ReportFilter(date(2025, 1, 1), date(2025, 1, 31)))
    assert (empty.rows, empty.total) == ((), Figures())


def test_three_makers_share_a_lines_vat_to_the_kurus(app):
    makers = [ProducerFactory(display_name=n) for n in ("A", "B", "C")]
    odd = ProductFactory(
        price_kurus=10001, makers=list(zip(makers, (3334, 3333, 3333), strict=True))
    )
    paid_order([(odd, 1)], paid_at=at(2026, 3, 2, 9), settings=SETTINGS)
    db.session.commit()
    # 10001: net 8334, VAT 1667, commission 1250, makers 7084 (2362 / 2361 / 2361)
    report = reports.report("producer", SPRING)
    vat = {row.label: row.figures.sales.vat for row in report.rows}
    commission = {row.label: row.figures.sales.commission for row in report.rows}
    assert vat == {"A": 555, "B": 556, "C": 556}  # 1667 x 3334/6667/10000, telescoped
    assert commission == {"A": 416, "B": 417, "C": 417}
    assert (report.total.sales.vat, report.total.sales.commission) == (1667, 1250)
    assert report.total.sales.gross == 10001


def test_default_range_is_the_last_twelve_months():
    f = ReportFilter.default(today=date(2026, 5, 17))
    assert (f.start, f.end) == (date(2025, 6, 1), date(2026, 5, 17))
    begin, after = ReportFilter(date(2026, 4, 1), date(2026, 4, 30)).utc_bounds()
    assert (begin, after) == (at(2026, 3, 31, 21), at(2026, 4, 30, 21))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("country",), "dimension"),
        (("period", ReportFilter(SPRING.start, SPRING.end, channel="kiosk")), "channel"),
        (("period", ReportFilter(date(2026, 4, 1), date(2026, 3, 1))), "end"),
    ],
)
def test_bad_choices_are_refused(app, args, field):
    with pytest.raises(ValidationFailed) as excinfo:
        reports.report(*args)
    assert excinfo.value.details["field"] == field
