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
    """money.allocate over every paid line, the way the check used to do it."""
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
        parts = allocate(line.gross_kurus, line.vat_bp, line.commission_bp, [s for _, s in makers])
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
