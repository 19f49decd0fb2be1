"""Property tests against the real database (SQLite and PostgreSQL): random orders of 1-20 lines,
1-4 makers with random shares, random VAT and commission rates, prices from 1 kuruş to
₺1,000,000, then random partial refunds and finally a full refund.

After every step each account must hold exactly what the allocation formula says (no account
drifts by a kuruş), every transaction sums to zero, makers' parts add up to each line, and a full
refund puts every account back where it was (the payment fee, which is not refunded, aside).

The database is reset per test, not per example: each example makes its own producers and
products and compares account balances as deltas from what they were when it started.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopshop.db import db
from coopshop.money import BP, allocate, refund_makers, split_largest_remainder, vat_split
from coopshop.services.books import ledger, ledger_check
from coopshop.services.core.errors import LedgerError
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.ledger_support import balances, unbalanced_transaction_ids

CHANNELS = [
    ("online", "stripe"),
    ("online", "demo"),
    ("bank_transfer", "bank_transfer"),
    ("bazaar", "cash"),
    ("bazaar", "card_terminal"),
]


@st.composite
def shares(draw):
    """1-4 makers (indices into the example's four producers) with shares adding to 10,000."""
    n = draw(st.integers(1, 4))
    cuts = sorted(
        draw(st.lists(st.integers(1, BP - 1), min_size=n - 1, max_size=n - 1, unique=True))
    )
    points = [0, *cuts, BP]
    who = draw(st.permutations(range(4)))[:n]
    return list(zip(who, [b - a for a, b in zip(points, points[1:], strict=False)], strict=True))


@dataclass(frozen=True)
class LineSpec:
    price: int
    quantity: int
    vat_bp: int
    commission_bp: int
    makers: list[tuple[int, int]]  # (producer index, share_bp)


line_specs = st.builds(
    LineSpec,
    price=st.one_of(st.integers(1, 100), st.integers(1, 100_000_000)),
    quantity=st.integers(1, 3),
    vat_bp=st.one_of(st.sampled_from([0, 100, 1000, 2000]), st.integers(0, BP)),
    commission_bp=st.integers(0, BP),
    makers=shares(),
)


def _allocation(line, spec: LineSpec, producers, gross: int):
    """The test's own reading of docs/design.md for ``gross`` of a line: {account code: amount owed
    to that party} (positive), with makers ordered by producer id like the ledger orders them."""
    makers = sorted((producers[i].id, share) for i, share in spec.makers)
    shares_ = [share for _, share in makers]
    # The odd kuruş of a tie goes round from the line's tie offset (docs/design.md, fair ties).
    a = allocate(gross, spec.vat_bp, spec.commission_bp, shares_, line.ties_from)
    parts = Counter({"vat:payable": a.vat, "coop:commission": a.commission})
    for (producer_id, _), part in zip(makers, a.makers, strict=True):
        parts[f"producer:{producer_id}"] += part
    assert sum(parts.values()) == gross  # makers' parts, VAT and commission add up exactly
    return parts


def _refunded_parts(line, spec: LineSpec, producers, gross: int, steps: list[int]) -> Counter:
    """What the refund steps of a line took back, by docs/design.md: VAT and commission from the
    cumulative formula; the makers' part of each step split so that no maker is credited by a
    step nor charged more than her part of the sale (money.refund_makers)."""
    makers = sorted((producers[i].id, share) for i, share in spec.makers)
    shares_ = [share for _, share in makers]
    ties = line.ties_from
    sale = allocate(gross, spec.vat_bp, spec.commission_bp, shares_, ties)
    done, taken = 0, [0] * len(makers)
    after = allocate(0, spec.vat_bp, spec.commission_bp, shares_, ties)
    for step in steps:
        done += step
        after = allocate(done, spec.vat_bp, spec.commission_bp, shares_, ties)
        taken = list(refund_makers(sum(after.makers), after.makers, taken, sale.makers))
    parts = Counter({"vat:payable": after.vat, "coop:commission": after.commission})
    for (producer_id, _), part in zip(makers, taken, strict=True):
        parts[f"producer:{producer_id}"] += part
    assert sum(parts.values()) == done
    return parts


def _expected(order, specs, producers, steps: dict[int, list[int]], shipping_back: int, fee):
    """Every account's change since the example began, from the allocation formula alone."""
    clearing = ledger.CLEARING_BY_METHOD[order.payment_method]
    refunded = sum(sum(s) for s in steps.values())
    expected = Counter()
    expected[clearing] += order.total_kurus - refunded - shipping_back
    # shipping at its VAT rate, given back by the cumulative rule (money.cumulative_split)
    sold_net, sold_vat = vat_split(order.shipping_kurus, order.shipping_vat_bp)
    back_net, back_vat = vat_split(shipping_back, order.shipping_vat_bp)
    expected["coop:shipping"] -= sold_net - back_net
    expected["vat:payable"] -= sold_vat - back_vat
    for line in order.lines:
        spec = specs[line.product_id]
        kept = _allocation(line, spec, producers, line.gross_kurus)
        kept.subtract(
            _refunded_parts(line, spec, producers, line.gross_kurus, steps.get(line.id, []))
        )
        for code, amount in kept.items():
            expected[code] -= amount
    for code, amount in fee.items():
        expected[code] += amount
    return {code: amount for code, amount in expected.items() if amount != 0}


def _deltas(before: dict[str, int]) -> dict[str, int]:
    after = balances()
    codes = before.keys() | after.keys()
    changed = {code: after.get(code, 0) - before.get(code, 0) for code in codes}
    return {code: amount for code, amount in changed.items() if amount != 0}


def _fee_legs(order, specs, producers, fee: int, spread: bool) -> Counter:
    legs = Counter()
    if fee == 0:
        return legs
    legs[ledger.CLEARING_BY_METHOD[order.payment_method]] -= fee
    legs["fees:payment"] += fee
    if spread:
        parts = Counter()
        for line in order.lines:
            owed = _allocation(line, specs[line.product_id], producers, line.gross_kurus)
            parts.update({c: v for c, v in owed.items() if c.startswith("producer:")})
        ids = sorted(int(code.split(":")[1]) for code in parts)
        weights = [parts[f"producer:{pid}"] for pid in ids]
        if sum(weights) > 0:
            # The makers bear the fee on their parts of the lines only (shipping, VAT and the
            # commission are not theirs): fee x their parts / what was charged, half-up.
            makers_fee = min(
                fee, (2 * fee * sum(weights) + order.total_kurus) // (2 * order.total_kurus)
            )
            assert makers_fee <= fee * sum(weights) / order.total_kurus + 0.5
            shares_ = split_largest_remainder(makers_fee, weights)
            assert sum(shares_) == makers_fee
            legs["fees:payment"] -= makers_fee
            for pid, share in zip(ids, shares_, strict=True):
                legs[f"producer:{pid}"] += share
    return legs


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(line_specs, min_size=1, max_size=20),
    channel=st.sampled_from(CHANNELS),
    charge_shipping=st.booleans(),
    spread_fees=st.booleans(),
    fee_permille=st.integers(0, 50),
    data=st.data(),
)
def test_random_orders_and_refunds_never_drift(
    app, specs, channel, charge_shipping, spread_fees, fee_permille, data
):
    settings_ = CoopSettings(fees_spread_to_makers=spread_fees, free_shipping_threshold_kurus=10**7)
    before = balances()
    producers = [ProducerFactory() for _ in range(4)]
    products = [
        ProductFactory(
            price_kurus=spec.price,
            vat_bp=spec.vat_bp,
            commission_bp=spec.commission_bp,
            stock=spec.quantity,
            makers=[(producers[i], share) for i, share in spec.makers],
        )
        for spec in specs
    ]
    by_product = {product.id: spec for product, spec in zip(products, specs, strict=True)}
    subtotal = sum(spec.price * spec.quantity for spec in specs)
    fee = subtotal * fee_permille // 1000
    order = paid_order(
        [(product, spec.quantity) for product, spec in zip(products, specs, strict=True)],
        channel=channel[0],
        payment_method=channel[1],
        charge_shipping=charge_shipping,
        fee_kurus=fee,
        settings=settings_,
    )
    fee_legs = _fee_legs(order, by_product, producers, fee, spread_fees)

    refunded: dict[int, int] = {}
    steps: dict[int, list[int]] = {}  # each line's refund steps, in order
    shipping_back = 0

    def check_state():
        assert unbalanced_transaction_ids() == []
        assert _deltas(before) == _expected(
            order, by_product, producers, steps, shipping_back, fee_legs
        )

    check_state()

    for _ in range(data.draw(st.integers(0, 4), label="partial refunds")):
        left = {ln.id: ln.gross_kurus - refunded.get(ln.id, 0) for ln in order.lines}
        open_lines = sorted(line_id for line_id, amount in left.items() if amount > 0)
        if not open_lines:
            break
        chosen = data.draw(
            st.lists(st.sampled_from(open_lines), min_size=1, max_size=3, unique=True),
            label="lines",
        )
        request = [(lid, data.draw(st.integers(1, left[lid]), label="amount")) for lid in chosen]
        ship = data.draw(st.integers(0, order.shipping_kurus - shipping_back), label="shipping")
        if data.draw(st.booleans(), label="try too much first"):
            too_much = [*request[:-1], (request[-1][0], left[request[-1][0]] + 1)]
            with pytest.raises(LedgerError):
                refunds.create_refund(order, too_much, shipping_kurus=ship)
            check_state()  # nothing written
        refunds.create_refund(order, request, shipping_kurus=ship)
        for lid, amount in request:
            refunded[lid] = refunded.get(lid, 0) + amount
            steps.setdefault(lid, []).append(amount)
        shipping_back += ship
        check_state()

    if any(refunded.get(ln.id, 0) < ln.gross_kurus for ln in order.lines) or (
        shipping_back < order.shipping_kurus
    ):
        refunds.refund_order(order)
    for ln in order.lines:
        if refunded.get(ln.id, 0) < ln.gross_kurus:
            steps.setdefault(ln.id, []).append(ln.gross_kurus - refunded.get(ln.id, 0))
    refunded = {ln.id: ln.gross_kurus for ln in order.lines}
    shipping_back = order.shipping_kurus
    check_state()
    # Fully refunded: every account is where it was, but for the fee the processor kept.
    assert _deltas(before) == {code: amount for code, amount in fee_legs.items() if amount}
    assert ledger_check.check() == []
    db.session.commit()
