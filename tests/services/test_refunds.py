"""services.refunds: whole order, one line, part of a line, shipping; booked by the cumulative
rule so a full refund reverses the sale to the kuruş; never more than was paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction, Refund, RefundLine
from coopshop.services.core.errors import Conflict, LedgerError, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.ledger_support import balances, count, entries_of

SETTINGS = CoopSettings()
PAID_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def scarf_order(app):
    """The worked example: a ₺1.200,00 scarf (20% VAT, 15%) by two weavers, 6,000 / 4,000,
    plus a ₺250,00 bowl by a third maker, with ₺75,00 shipping."""
    ayse, fatma, zeynep = ProducerFactory(), ProducerFactory(), ProducerFactory()
    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    bowl = ProductFactory(price_kurus=25000, vat_bp=2000, makers=[(zeynep, 10000)])
    order = paid_order(
        [(scarf, 1), (bowl, 1)],
        charge_shipping=True,
        payment_method="stripe",
        paid_at=PAID_AT,
        settings=CoopSettings(free_shipping_threshold_kurus=10**9),
    )
    db.session.commit()
    lines = {line.product_id: line for line in order.lines}
    return order, lines[scarf.id], lines[bowl.id], (ayse, fatma, zeynep)


def test_partial_refund_of_a_line_takes_back_each_partys_part(scarf_order):
    order, scarf_line, _, (ayse, fatma, _) = scarf_order
    refund = refunds.create_refund(
        order, [(scarf_line.id, 60000)], reason="Leke var", actor_id=ayse.user.id, now=PAID_AT
    )
    assert (refund.amount_kurus, refund.shipping_kurus, refund.method) == (60000, 0, "original")
    assert [(rl.line_id, rl.amount_kurus) for rl in refund.lines] == [(scarf_line.id, 60000)]
    txn = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "refund"))
    assert (txn.refund_id, txn.order_id, txn.created_by_id) == (refund.id, order.id, ayse.user.id)
    # half of the scarf: vat 10000, commission 7500, makers 25500 / 17000
    assert entries_of(txn) == [
        ("clearing:stripe", -60000, None),
        ("vat:payable", 10000, None),
        ("coop:commission", 7500, None),
        (f"producer:{ayse.id}", 25500, ayse.id),
        (f"producer:{fatma.id}", 17000, fatma.id),
    ]


def test_refunding_a_line_in_pieces_then_the_whole_order_restores_every_account(scarf_order):
    order, scarf_line, bowl_line, _ = scarf_order
    before_sale = {}  # nothing was booked before the sale
    for amount in (1, 33333, 7):
        refunds.create_refund(order, [(scarf_line.id, amount)])
    refunds.create_refund(order, [(bowl_line.id, 24999)], shipping_kurus=500)
    last = refunds.refund_order(order, reason="İade")
    assert last.amount_kurus == (120000 - 33341) + 1 + (7500 - 500)
    assert {code: v for code, v in balances().items() if v != 0} == before_sale
    assert refunds.refundable(order).total_kurus == 0
    with pytest.raises(LedgerError):
        refunds.refund_order(order)


def test_whole_order_refund_is_the_exact_mirror_of_the_sale(scarf_order):
    order, *_ = scarf_order
    refund = refunds.refund_order(order)
    sale = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "sale"))
    back = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.refund_id == refund.id)
    )

    def by_account(txn):
        out: dict[tuple[str, int | None], int] = {}
        for code, amount, pid in entries_of(txn):
            out[(code, pid)] = out.get((code, pid), 0) + amount
        return out

    assert by_account(back) == {k: -v for k, v in by_account(sale).items()}
    assert refund.amount_kurus == order.total_kurus == 152500


def test_refund_beyond_what_remains_is_refused_and_nothing_is_written(scarf_order):
    order, scarf_line, bowl_line, _ = scarf_order
    refunds.create_refund(order, [(scarf_line.id, 100000)])
    db.session.commit()
    before = (count(Refund), count(RefundLine), count(LedgerTransaction), count(LedgerEntry))
    with pytest.raises(LedgerError) as excinfo:
        refunds.create_refund(order, [(bowl_line.id, 100), (scarf_line.id, 20001)])
    assert str(excinfo.value.message) == "İade tutarı kalan tutarı aşıyor."
    assert excinfo.value.details["remaining_kurus"] == 20000
    with pytest.raises(LedgerError):
        refunds.create_refund(order, [(bowl_line.id, 100)], shipping_kurus=7501)
    # the same line twice in one request counts twice
    with pytest.raises(LedgerError):
        refunds.create_refund(order, [(scarf_line.id, 15000), (scarf_line.id, 5001)])
    assert (count(Refund), count(RefundLine), count(LedgerTransaction), count(LedgerEntry)) == (
        before
    )
    refunds.create_refund(order, [(scarf_line.id, 20000)])  # exactly what remains is fine


@pytest.mark.parametrize(
    ("lines", "shipping", "method"),
    [
        ("none", 0, "original"),
        ("zero", 0, "original"),
        ("negative", 0, "original"),
        ("none", -1, "original"),
        ("other order", 0, "original"),
        ("one", 0, "paypal"),
    ],
)
def test_bad_refund_requests(scarf_order, lines, shipping, method):
    order, scarf_line, _, _ = scarf_order
    other = paid_order([(ProductFactory(price_kurus=1000), 1)])
    requested = {
        "none": [],
        "zero": [(scarf_line.id, 0)],
        "negative": [(scarf_line.id, -5)],
        "other order": [(other.lines[0].id, 100)],
        "one": [(scarf_line.id, 100)],
    }[lines]
    with pytest.raises(ValidationFailed):
        refunds.create_refund(order, requested, shipping_kurus=shipping, method=method)
    assert count(Refund) == 0


def test_unpaid_order_cannot_be_refunded(app):
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

    product = ProductFactory(price_kurus=1000)
    order = create_order(NewOrder("online", "demo", [LineRequest(1, product_id=product.id)]))
    with pytest.raises(LedgerError):
        refunds.create_refund(order, [(order.lines[0].id, 100)])


def test_refund_at_the_bazaar_desk_in_cash_leaves_the_cash_clearing(scarf_order):
    order, _, bowl_line, _ = scarf_order
    refunds.create_refund(order, [(bowl_line.id, 25000)], method="cash")
    assert balances()["clearing:cash"] == -25000
    assert balances()["clearing:stripe"] == order.total_kurus


def test_provider_reference_is_recorded_once(scarf_order):
    order, _, bowl_line, _ = scarf_order
    refunds.create_refund(order, [(bowl_line.id, 100)], provider_ref="re_123")
    with pytest.raises(Conflict):
        refunds.create_refund(order, [(bowl_line.id, 100)], provider_ref="re_123")
    assert count(Refund) == 1


def test_refund_debits_carry_the_availability_of_the_credit_they_reverse(scarf_order):
    order, scarf_line, _, (ayse, _, _) = scarf_order
    when = PAID_AT + timedelta(days=3)  # still pending (not delivered)
    refunds.create_refund(order, [(scarf_line.id, 12000)], now=when)
    later = PAID_AT + timedelta(days=50)  # the sale became payable on day 45
    refunds.create_refund(order, [(scarf_line.id, 12000)], now=later)
    rows = db.session.execute(
        select(LedgerTransaction.kind, LedgerEntry.amount_kurus, LedgerEntry.available_at)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.producer_id == ayse.id)
        .order_by(LedgerEntry.id)
    ).all()
    # the sale credit waits (no delivery: the longest wait); a refund while it waits reduces
    # the pending credit (same date), one after it became payable counts from the refund on
    assert rows == [
        ("sale", -51000, PAID_AT + timedelta(days=45)),
        ("refund", 5100, PAID_AT + timedelta(days=45)),
        ("refund", 5100, later),
    ]


def test_refunded_so_far_is_per_line_and_shipping(scarf_order):
    order, scarf_line, bowl_line, _ = scarf_order
    refunds.create_refund(order, [(scarf_line.id, 100), (bowl_line.id, 50)], shipping_kurus=10)
    refunds.create_refund(order, [(scarf_line.id, 200)])
    assert refunds.refunded_so_far(order) == ({scarf_line.id: 300, bowl_line.id: 50}, 10)
    left = refunds.refundable(order)
    assert left.lines == {scarf_line.id: 119700, bowl_line.id: 24950}
    assert left.shipping_kurus == 7490
    assert db.session.scalar(select(func.sum(Refund.amount_kurus))) == 360


def test_largest_order_refunded_in_odd_pieces_comes_back_to_the_kurus(app):
    # The extremes the property test may not always draw: 20 lines at ₺1.000.000,00 x 3, four
    # makers with awkward shares, odd VAT and commission rates; then odd partial refunds.
    makers = [ProducerFactory() for _ in range(4)]
    shares = [(makers[0], 1), (makers[1], 3333), (makers[2], 3333), (makers[3], 3333)]
    products = [
        ProductFactory(price_kurus=100_000_000 - i, vat_bp=1 + 499 * i, commission_bp=9999 - i,
                       stock=3, makers=shares)
        for i in range(20)
    ]  # fmt: skip
    order = paid_order([(p, 3) for p in products], payment_method="card_terminal",
                       channel="bazaar")  # fmt: skip
    assert order.total_kurus == sum(3 * (100_000_000 - i) for i in range(20))
    for step, line in enumerate(order.lines):
        refunds.create_refund(order, [(line.id, 1 + step * 7_777_777)])
    refunds.refund_order(order)
    assert {code: v for code, v in balances().items() if v != 0} == {}
