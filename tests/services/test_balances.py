"""services.balances: pending, available, paid out, earned, refunded, for one producer and for
all of them in one query, and the sale lines behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coopshop.db import db
from coopshop.services.books import balances as balance_service
from coopshop.services.books import ledger, postings
from coopshop.services.books.balances import ProducerBalance
from coopshop.services.books.ledger import Leg
from coopshop.services.core.settings import CoopSettings
from coopshop.services.reports import producer_sales
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, delivered, paid_order
from tests.support.sql_counter import count_queries

PAID_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
SETTINGS = CoopSettings(return_window_days=14, offline_available_days=0)
DAY = timedelta(days=1)


def _payout(producer_id: int, amount: int, when: datetime, kind: str = "payout"):
    """What the payouts service (another issue) books: producer debited, bank:payouts credited;
    a failed line books the opposite."""
    sign = 1 if kind == "payout" else -1
    return ledger.post(
        kind,
        [
            Leg(f"producer:{producer_id}", sign * amount, available_at=when),
            Leg(ledger.PAYOUTS, -sign * amount),
        ],
        now=when,
    )


@pytest.fixture
def scarf(app):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    product = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    order = paid_order([(product, 1)], paid_at=PAID_AT, settings=SETTINGS)
    delivered(order, PAID_AT, settings=SETTINGS)  # the window counts from delivery
    return order, ayse, fatma


def test_online_sale_is_pending_until_the_return_window_closes(scarf):
    _, ayse, fatma = scarf
    during = balance_service.balance(ayse.id, as_of=PAID_AT + DAY)
    assert during == ProducerBalance(ayse.id, pending=51000, available=0, earned=51000)
    after = balance_service.balance(ayse.id, as_of=PAID_AT + 14 * DAY)
    assert after == ProducerBalance(ayse.id, pending=0, available=51000, earned=51000)
    assert balance_service.balance(fatma.id, as_of=PAID_AT + 14 * DAY).available == 34000


def test_bazaar_sale_is_available_at_once(app):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(maker, 10000)])
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=PAID_AT,
               settings=SETTINGS)  # fmt: skip
    assert balance_service.balance(maker.id, as_of=PAID_AT).available == 8500


def test_before_anything_was_written_the_balance_is_zero(scarf):
    _, ayse, _ = scarf
    assert balance_service.balance(ayse.id, as_of=PAID_AT - DAY) == ProducerBalance(ayse.id)
    assert balance_service.balance(999_999) == ProducerBalance(999_999)


def test_refund_of_a_pending_sale_reduces_pending_not_available(scarf):
    order, ayse, _ = scarf
    when = PAID_AT + 2 * DAY
    refunds.create_refund(order, [(order.lines[0].id, 12000)], now=when)
    b = balance_service.balance(ayse.id, as_of=when)
    # 12000 back: net 10000, commission 1500, makers 8500 -> ayse 5100, out of her pending
    assert (b.pending, b.available, b.earned, b.refunded) == (45900, 0, 51000, 5100)
    assert b.balance == 45900
    assert balance_service.balance(ayse.id, as_of=PAID_AT + 14 * DAY).available == 45900


def test_refund_of_a_payable_sale_reduces_her_available_balance_at_once(scarf):
    order, ayse, _ = scarf
    when = PAID_AT + 20 * DAY
    refunds.create_refund(order, [(order.lines[0].id, 12000)], now=when)
    b = balance_service.balance(ayse.id, as_of=when)
    assert (b.pending, b.available, b.refunded) == (0, 45900, 5100)


def test_payouts_failed_payouts_deductions_and_fees(app):
    settings = CoopSettings(fees_spread_to_makers=True, offline_available_days=0)
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(maker, 10000)])
    paid_order([(product, 1)], channel="bank_transfer", payment_method="bank_transfer",
               fee_kurus=300, paid_at=PAID_AT, settings=settings)  # fmt: skip
    t = PAID_AT + DAY
    _payout(maker.id, 40000, t)
    _payout(maker.id, 40000, t, kind="payout_failed")  # wrong IBAN: the money comes back
    _payout(maker.id, 60000, t + DAY)
    materials = postings.post_adjustment(maker.id, 2000, "Boya avansı", None, now=t)
    postings.post_adjustment(maker.id, 500, "Aidat", None, now=t)
    ledger.reverse(materials.id, None, "Boya hediye", now=t + DAY)

    b = balance_service.balance(maker.id, as_of=t + 2 * DAY)
    assert b.earned == 85000
    # The fee on her part of the line only: 300 x 85000 / 120000 = 212.5, half-up 213.
    assert b.fees == 213
    assert b.paid_out == 60000
    assert b.deductions == 500
    assert b.refunded == 0
    assert b.balance == b.available == 85000 - 213 - 60000 - 500 == 24287
    assert b.balance == b.earned - b.refunded - b.paid_out - b.deductions - b.fees
    # as of the first day, before the second payout and the reversal
    b1 = balance_service.balance(maker.id, as_of=t)
    assert (b1.paid_out, b1.deductions, b1.available) == (0, 2500, 85000 - 213 - 2500)


def test_all_producers_in_one_query(app):
    makers = [ProducerFactory() for _ in range(6)]
    for i, maker in enumerate(makers):
        product = ProductFactory(price_kurus=12000 * (i + 1), vat_bp=2000, makers=[(maker, 10000)])
        delivered(paid_order([(product, 1)], paid_at=PAID_AT, settings=SETTINGS), PAID_AT,
                  settings=SETTINGS)  # fmt: skip
    postings.post_adjustment(makers[0].id, 100, "Aidat", None, now=PAID_AT)
    db.session.commit()

    with count_queries() as statements:
        everyone = balance_service.balances(as_of=PAID_AT + 20 * DAY)
    assert len(statements) == 1
    assert set(everyone) == {m.id for m in makers}
    for i, maker in enumerate(makers):
        assert everyone[maker.id] == balance_service.balance(maker.id, as_of=PAID_AT + 20 * DAY)
        assert everyone[maker.id].earned == 8500 * (i + 1)
    assert everyone[makers[0].id].available == 8500 - 100
    some = balance_service.balances(as_of=PAID_AT + 20 * DAY, producer_ids=[makers[1].id])
    assert list(some) == [makers[1].id]


def test_sale_lines_show_her_share_and_what_was_refunded(app):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    scarf = ProductFactory(
        title_tr="İpek atkı", price_kurus=120000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)]
    )
    soap = ProductFactory(title_tr="Zeytinyağlı sabun", price_kurus=6000, makers=[(ayse, 10000)])
    first = paid_order([(scarf, 1)], paid_at=PAID_AT, settings=SETTINGS)
    delivered(first, PAID_AT, settings=SETTINGS)
    second = paid_order([(soap, 2)], channel="bazaar", payment_method="cash",
                        paid_at=PAID_AT + DAY, settings=SETTINGS)  # fmt: skip
    refunds.create_refund(first, [(first.lines[0].id, 60000)])

    with count_queries() as statements:
        lines = producer_sales.sales(ayse.id).items
    assert len(statements) == 2  # her lines, then her parts of them
    assert [(ln.order_number, ln.title, ln.quantity, ln.share_bp) for ln in lines] == [
        (second.number, "Zeytinyağlı sabun", 2, 10000),
        (first.number, "İpek atkı", 1, 6000),
    ]
    soap_line, scarf_line = lines
    # soap: 12000 gross -> net 10000, commission 1500, hers 8500
    assert (soap_line.earned, soap_line.refunded, soap_line.net) == (8500, 0, 8500)
    assert soap_line.available_at == PAID_AT + DAY
    assert (scarf_line.earned, scarf_line.refunded, scarf_line.net) == (51000, 25500, 25500)
    assert scarf_line.available_at == PAID_AT + 14 * DAY
    assert scarf_line.gross_kurus == 120000
    # fatma sees only her own line, never ayse's soap
    assert [ln.title for ln in producer_sales.sales(fatma.id).items] == ["İpek atkı"]
    newest = producer_sales.sales(ayse.id, per_page=1)
    older = producer_sales.sales(ayse.id, after=newest.next_cursor, per_page=1)
    assert [ln.title for ln in older.items] == ["İpek atkı"]
