"""Property test of the makers' availability (real database): random online orders, delivered
or not, refunded in random pieces at random times, withdrawn from (refunded or closed), paid out
whenever something is payable.

After every step: `ledger check` holds (availability moves sum to zero per maker and line, no
credit available before the window after delivery or the longest wait), what the payout would
pay equals the dashboard's "available" (one story), and each maker's balance is her earnings less
refunds and payouts, however her money was moved in time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopshop.db import db
from coopshop.services.books import balances, ledger_check
from coopshop.services.core.errors import DomainError
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches
from coopshop.services.sales import refunds, withdrawal_steps, withdrawals
from tests.support.factories import ProducerFactory, ProductFactory, delivered, paid_order

PAID_AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PAY_ALL = CoopSettings(payout_minimum_kurus=1, payout_two_admins=False)
ACTIONS = ("deliver", "refund", "withdraw_refund", "withdraw_reject", "payout", "wait")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.tuples(st.integers(1, 500_000), st.integers(1, 3), st.integers(1, 9_999)),
        min_size=1,
        max_size=3,
    ),
    actions=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.integers(0, 20)), min_size=1, max_size=7
    ),
    data=st.data(),
)
def test_availability_moves_keep_one_story(app, lines, actions, data):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    makers = (ayse.id, fatma.id)
    products = [
        ProductFactory(
            price_kurus=price, stock=qty, makers=[(ayse, share), (fatma, 10_000 - share)]
        )
        for price, qty, share in lines
    ]
    order = paid_order(
        [(p, qty) for p, (_, qty, _) in zip(products, lines, strict=True)], paid_at=PAID_AT
    )
    db.session.commit()  # each step commits, so a refused request rolls back only itself
    now = PAID_AT
    paid_out = dict.fromkeys(makers, 0)

    def holds():
        assert [str(v) for v in ledger_check.check()] == []
        payable = batches.payable(now, list(makers))
        for pid in makers:
            b = balances.balance(pid, as_of=now)
            assert payable.get(pid, 0) == b.available  # the payout and the dashboard agree
            assert b.balance == b.earned - b.refunded - paid_out[pid]

    holds()
    for action, days in actions:
        now = now + timedelta(days=days, hours=1)
        if action == "deliver" and order.delivered_at is None:
            delivered(order, now)
        elif action == "refund":
            left = {ln: amt for ln, amt in refunds.refundable(order).lines.items() if amt > 0}
            if left:
                line_id = data.draw(st.sampled_from(sorted(left)), label="line")
                amount = data.draw(st.integers(1, left[line_id]), label="amount")
                refunds.create_refund(order, [(line_id, amount)], now=now)
        elif action.startswith("withdraw"):
            units = {k: v for k, v in withdrawals.withdrawable_units(order).items() if v}
            if units:
                line_id = data.draw(st.sampled_from(sorted(units)), label="withdraw line")
                wanted = {line_id: data.draw(st.integers(1, units[line_id]), label="units")}
                try:
                    request = withdrawals.request_withdrawal(
                        order, wanted, requested_by_id=None, now=now
                    )
                except DomainError:  # outside the window: refused, nothing written
                    db.session.rollback()
                else:
                    holds()
                    now = now + timedelta(days=data.draw(st.integers(0, 12), label="later"))
                    if action == "withdraw_refund":
                        withdrawal_steps.refund(request.id, None, method="demo", now=now)
                    else:
                        withdrawal_steps.reject(request.id, "Geri gelmedi", None, now=now)
        elif action == "payout":  # a batch closed and approved: every positive balance
            batch, _ = batches.close_period(now, None, PAY_ALL, now=now)
            if batch is not None:
                batches.approve(batch.id, None, PAY_ALL, now=now)
                for line in batch.lines:  # (earlier examples' makers may be paid too)
                    if line.producer_id in paid_out:
                        paid_out[line.producer_id] += line.amount_kurus
        db.session.commit()
        holds()
    # Long after everything, nothing is pending and all of it is payable.
    now = now + timedelta(days=400)
    for pid in makers:
        b = balances.balance(pid, as_of=now)
        assert b.pending == 0
