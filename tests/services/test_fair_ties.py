"""Fair ties (issue 16), through the real services on SQLite and PostgreSQL: the odd kuruş of a
largest-remainder tie goes in turn from each line's tie offset (OrderLine.ties_from: its id for
lines sold since migration 0320), so over the lines of a 50/50 product it alternates and no
maker gets more than half of them (rounded up). The sale books exactly money.allocate with
that offset, the SQL recompute of the ledger check and of producer_earnings equals it line by
line, and a full refund, in one step or in small ones, still reverses each maker exactly."""

from __future__ import annotations

from math import ceil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerEntry, LedgerTransaction
from coopshop.money import allocate
from coopshop.services.books import ledger_check
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, paid_order


def _parts(line_id: int, kind: str, producer_ids) -> list[int]:
    """What the line's ``kind`` transactions credited each maker (positive: owed to her)."""
    rows = dict(
        db.session.execute(
            select(LedgerEntry.producer_id, -func.sum(LedgerEntry.amount_kurus))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.order_line_id == line_id, LedgerTransaction.kind == kind)
            .group_by(LedgerEntry.producer_id)
        ).all()
    )
    return [int(rows.get(p, 0)) for p in producer_ids]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.integers(2, 9),
    price=st.integers(1, 60_000),
    vat_bp=st.sampled_from([0, 100, 1000, 2000]),
    makers=st.sampled_from([2, 4]),  # equal shares: every odd kuruş is a tie
    steps=st.lists(st.integers(1, 3), max_size=6),
)
def test_the_odd_kurus_takes_turns_and_a_full_refund_reverses_it(
    app, lines, price, vat_bp, makers, steps
):
    people = [ProducerFactory() for _ in range(makers)]
    shares = [10_000 // makers] * makers
    product = ProductFactory(
        price_kurus=price, vat_bp=vat_bp, stock=lines, makers=list(zip(people, shares, strict=True))
    )
    ids = sorted(p.id for p in people)
    sold = [
        paid_order([(product, 1)], channel="bazaar", payment_method="cash").lines[0]
        for _ in range(lines)
    ]
    db.session.flush()
    odd = dict.fromkeys(ids, 0)
    for line in sold:
        parts = _parts(line.id, "sale", ids)
        expected = allocate(line.gross_kurus, vat_bp, line.commission_bp, shares, line.id)
        assert tuple(parts) == expected.makers
        for producer_id, part in zip(ids, parts, strict=True):
            odd[producer_id] += part - min(parts)
    if makers == 2:  # the odd kuruş alternates: nobody gets more than half, rounded up
        assert max(odd.values()) <= ceil(sum(odd.values()) / 2), odd
    else:  # up to 3 kuruş a line, in turn: nobody is more than 3 ahead of another
        assert max(odd.values()) - min(odd.values()) <= 3, odd

    # the last line refunded in small steps and then the rest, the first in one go
    last, first = sold[-1], sold[0]
    done = 0
    for step in steps:
        if done + step < last.gross_kurus:
            refunds.create_refund(last.order, [(last.id, step)])
            done += step
    refunds.create_refund(last.order, [(last.id, last.gross_kurus - done)])
    refunds.create_refund(first.order, [(first.id, first.gross_kurus)])
    db.session.flush()
    for line in (first, last):
        back = [-x for x in _parts(line.id, "refund", ids)]
        assert back == _parts(line.id, "sale", ids)
    assert ledger_check.check() == []
