"""Issue 16: with 3–4 makers, a small refund step could credit one maker 1 kuruş while debiting
the others, and her statement showed a positive line labelled "İade"; the mirror case charged a
maker more refunds than her part of the sale. Through the real services and her statement:
adversarial small steps (1–3 kuruş, then the rest) on co-made lines never give a refund line in
her favour, never take more than her part, and the full refund ends each maker at zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coopshop.db import db
from coopshop.services.books import ledger_check
from coopshop.services.reports import statements
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, paid_order

MARCH = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CASES = [
    (13_499, 1000, [3749, 615, 5322, 314]),  # the four-maker case the audit found
    (9_999, 2000, [3333, 3333, 3334]),
    (12_345, 100, [1, 4999, 5000]),
    (777, 0, [2500, 2500, 2500, 2500]),
]


@pytest.mark.parametrize(("price", "vat_bp", "shares"), CASES)
def test_no_refund_line_is_in_her_favour(app, price, vat_bp, shares):
    makers = [ProducerFactory() for _ in shares]
    product = ProductFactory(price_kurus=price, vat_bp=vat_bp, stock=5,
                             makers=list(zip(makers, shares, strict=True)))  # fmt: skip
    order = paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=MARCH)
    line = order.lines[0]
    when, left = MARCH, line.gross_kurus
    for number in range(31):  # 1, 2, 3, 1, ... kuruş, then the rest
        step = left if number == 30 else 1 + number % 3
        when += timedelta(minutes=7)
        refunds.create_refund(order, [(line.id, step)], now=when)
        left -= step
    db.session.commit()
    assert ledger_check.check() == []
    for maker in makers:
        st = statements.statement(maker.id, 2025, 3)
        sale = [entry.amount for entry in st.lines if entry.kind == "sale"]
        back = [entry.amount for entry in st.lines if entry.kind == "refund"]
        assert len(sale) == 1 and back
        assert all(amount <= 0 for amount in back), back  # never "İade" in her favour
        running = sale[0]
        for amount in back:  # never charged beyond her part of the sale
            running += amount
            assert running >= 0
        assert running == 0  # the full refund reverses her part exactly
        assert st.closing == 0
