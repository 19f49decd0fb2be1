"""ledger_check_makers.payouts_within_available, set-based (two running counts over her entries
and payouts, issue 22), says for every payout what the sum over her earlier entries says (the
correlated form it replaced): random sales on every channel at random days, refunds, payouts
of random amounts (some more than was available) and a failed payout, in time order and with a
back-dated payout (which takes the correlated path), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopshop.db import db
from coopshop.services.books import ledger, ledger_check, ledger_check_makers
from coopshop.services.books.ledger import Leg
from coopshop.services.sales import refunds
from tests.services.test_ledger_properties import CHANNELS
from tests.support.factories import ProducerFactory, ProductFactory, paid_order

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

events = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.integers(0, 60), st.sampled_from(CHANNELS)),
        st.tuples(st.just("refund"), st.integers(0, 60), st.integers(1, 3000)),
        st.tuples(st.just("payout"), st.integers(0, 60), st.integers(1, 20000)),
        st.tuples(st.just("failed"), st.integers(0, 60), st.integers(1, 500)),
    ),
    min_size=1,
    max_size=12,
)


def _correlated_for_everyone() -> dict[tuple[int, int], tuple[int, int]]:
    everyone = {p for _, p in ledger_check_makers.available_before()}
    return {
        (txn_id, producer_id): (int(amount), int(available))
        for txn_id, producer_id, amount, available in ledger_check_makers.correlated(everyone)
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=events, back_dated=st.booleans())
def test_set_based_equals_the_sum_over_her_history(app, steps, back_dated):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    shared = ProductFactory(price_kurus=4000, vat_bp=2000, stock=100,
                            makers=[(ayse, 5000), (fatma, 5000)])  # fmt: skip
    own = ProductFactory(price_kurus=2500, vat_bp=1000, stock=100, makers=[(ayse, 10000)])
    orders, moment, refunded = [], START, {}
    for kind, days, extra in steps:
        moment = moment + timedelta(days=days % 7, hours=1)
        if kind == "sale":
            channel, method = extra
            orders.append(paid_order([(shared, 1), (own, 1)], channel=channel,
                                     payment_method=method, paid_at=moment))  # fmt: skip
        elif kind == "refund" and orders:
            order = orders[-1]
            line = order.lines[0]
            left = line.gross_kurus - refunded.get(line.id, 0)  # never more than remains
            amount = min(extra, left // 2)
            if amount > 0:
                refunds.create_refund(order, [(line.id, amount)])
                refunded[line.id] = refunded.get(line.id, 0) + amount
        elif kind in ("payout", "failed"):
            legs = [Leg(f"producer:{ayse.id}", extra), Leg(ledger.PAYOUTS, -extra)]
            if kind == "failed":
                legs = [Leg(leg.account, -leg.amount_kurus) for leg in legs]
            ledger.post("payout" if kind == "payout" else "payout_failed", legs, now=moment)
    if back_dated:  # booked after the others but dated before them
        ledger.post(
            "payout",
            [Leg(f"producer:{fatma.id}", 700), Leg(ledger.PAYOUTS, -700)],
            now=START + timedelta(days=1),
        )
        ledger.post(
            "payout",
            [Leg(f"producer:{fatma.id}", 300), Leg(ledger.PAYOUTS, -300)],
            now=START,
        )
    db.session.flush()
    found = ledger_check_makers.available_before()
    assert found == _correlated_for_everyone()
    over = {k for k, (amount, available) in found.items() if amount > available}
    named = {(v.transaction_id, v.producer_id) for v in ledger_check.check() if v.rule == "payout"}
    assert named == over
    db.session.rollback()
