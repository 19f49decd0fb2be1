"""producer_earnings.expected_from_documents sums lines never refunded in SQL (the design's
formula and the largest-remainder split, with window functions); it must give exactly what
money.allocate gives line by line, for one maker and for co-makers with awkward shares, odd
kuruş and ties, with refunded lines replayed beside them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, OrderLine, OrderLineMaker
from coopshop.money import allocate
from coopshop.services.books import ledger_check
from coopshop.services.books.producer_earnings import expected_from_documents
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from coopshop.services.sales.refunds import create_refund
from tests.support.factories import ProducerFactory, ProductFactory, paid_order

SHARES = [
    [10000],
    [5000, 5000],
    [3333, 3333, 3334],
    [6000, 4000],
    [1, 9999],
    [2500, 2500, 2500, 2500],
    [7001, 2999],
]


def _python_reference() -> dict[int, int]:
    """money.allocate over every paid line, the way the check used to do it, ties from each
    line's tie offset (its id, or the 0 of a line sold before migration 0320)."""
    earned: dict[int, int] = {}
    rows = db.session.execute(
        select(OrderLine, OrderLineMaker.producer_id, OrderLineMaker.share_bp)
        .join(Order, Order.id == OrderLine.order_id)
        .join(OrderLineMaker, OrderLineMaker.line_id == OrderLine.id)
        .where(Order.status == "paid")
        .order_by(OrderLine.id, OrderLineMaker.producer_id)
    ).all()
    by_line: dict[int, list] = {}
    for line, producer_id, share in rows:
        by_line.setdefault(line.id, [line]).append((producer_id, share))
    for line, *makers in by_line.values():
        shares = [s for _, s in makers]
        parts = allocate(line.gross_kurus, line.vat_bp, line.commission_bp, shares, line.ties_from)
        for (producer_id, _), part in zip(makers, parts.makers, strict=True):
            earned[producer_id] = earned.get(producer_id, 0) + part
    return earned


@pytest.mark.parametrize("vat_bp", [0, 100, 1000, 2000])
def test_sql_sums_equal_allocate_line_by_line(app, vat_bp):
    makers = [ProducerFactory() for _ in range(4)]
    orders = []
    for i, shares in enumerate(SHARES):
        for price in (1, 3, 999, 12345, 100001):
            product = ProductFactory(
                price_kurus=price + i,
                vat_bp=vat_bp,
                stock=50,
                makers=list(zip(makers, shares, strict=False)),
            )
            orders.append(
                paid_order([(product, 1 + i % 3)], channel="bazaar", payment_method="cash")
            )
    refunded = orders[3]
    create_refund(refunded, [(refunded.lines[0].id, refunded.lines[0].gross_kurus // 3)])
    db.session.flush()
    earned, _ = expected_from_documents()
    assert earned == _python_reference()
    assert [v for v in ledger_check.check() if v.rule == "producer_balance"] == []


def test_sql_sums_follow_each_lines_tie_offset(app):
    """Lines of a 50/50 and a four-way product with every odd kuruş a tie, some sold before
    migration 0320 (tie offset 0), some with an explicit offset, the rest from their id; the
    SQL sums and the sale check's per-line recompute equal allocate line by line."""
    makers = [ProducerFactory() for _ in range(4)]
    half = ProductFactory(
        price_kurus=1001, vat_bp=0, stock=500, makers=[(makers[0], 5000), (makers[1], 5000)]
    )
    four = ProductFactory(price_kurus=1003, vat_bp=0, stock=500, makers=[(m, 2500) for m in makers])
    lines = []
    for index in range(18):
        product = (half, four)[index % 2]
        order = create_order(
            NewOrder(
                channel="bazaar",
                payment_method="cash",
                lines=[LineRequest(quantity=1, product_id=product.id)],
            )
        )
        if index % 3 == 0:
            order.lines[0].tie_offset = index  # an explicit snapshot (0 for the first: pre-0320)
        mark_paid(order, PaymentInfo(provider="cash", amount_kurus=order.total_kurus))
        lines.append(order.lines[0])
    db.session.flush()
    assert {line.ties_from for line in lines} > {0, lines[1].id}
    earned, _ = expected_from_documents()
    assert earned == _python_reference()
    assert ledger_check.check() == []
