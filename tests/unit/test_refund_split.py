"""Refunds never credit a maker and never take more than her part (issue 16), while VAT,
commission and the makers together follow the cumulative formula, and a full refund reverses
the sale exactly. Fair ties: the odd kuruş of a tie rotates with the line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coopshop.money import allocate, refund_delta, refund_makers, split_largest_remainder


@st.composite
def lines(draw):
    n = draw(st.integers(1, 4))
    cuts = sorted(
        draw(st.lists(st.integers(1, 9_999), min_size=n - 1, max_size=n - 1, unique=True))
    )
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    gross = draw(st.integers(1, 5_000_000))
    vat = draw(st.sampled_from([0, 100, 1000, 2000]))
    commission = draw(st.integers(0, 10_000))
    return gross, vat, commission, shares


@st.composite
def refund_steps(draw):
    gross, vat, commission, shares = draw(lines())
    steps = []
    left = gross
    adversarial = draw(st.booleans())
    while left > 0 and len(steps) < 30:
        step = draw(st.integers(1, min(left, 3))) if adversarial else draw(st.integers(1, left))
        steps.append(step)
        left -= step
    if draw(st.booleans()) and left > 0:
        steps.append(left)  # refund the rest: the sale must be reversed exactly
    return gross, vat, commission, shares, steps


@settings(max_examples=400, deadline=None)
@given(refund_steps(), st.integers(0, 50))
def test_no_step_credits_a_maker_or_takes_more_than_her_part(case, line_id):
    gross, vat, commission, shares, steps = case
    sale = allocate(gross, vat, commission, shares, tie_offset=line_id)
    booked = [0] * len(shares)
    refunded = 0
    totals = {"vat": 0, "commission": 0}
    for step in steps:
        delta = refund_delta(gross, refunded, step, vat, commission, shares, booked, line_id)
        assert all(part >= 0 for part in delta.makers), delta
        booked = [b + d for b, d in zip(booked, delta.makers, strict=True)]
        assert all(b <= s for b, s in zip(booked, sale.makers, strict=True))
        refunded += step
        totals["vat"] += delta.vat
        totals["commission"] += delta.commission
        cumulative = allocate(refunded, vat, commission, shares, tie_offset=line_id)
        assert (totals["vat"], totals["commission"], sum(booked)) == (
            cumulative.vat,
            cumulative.commission,
            sum(cumulative.makers),
        )
        assert delta.vat + delta.commission + sum(delta.makers) == step
    if refunded == gross:
        assert tuple(booked) == sale.makers


def test_the_known_case_of_a_positive_refund_line_cannot_happen():
    # Found by search: four makers, ₺3,65 refunded, then one more kuruş. The cumulative split
    # alone gives the deltas (1, 0, 1, -1): the fourth maker would be *credited* 1 kuruş.
    gross, vat, commission, shares = 13_499, 1000, 1000, [3749, 615, 5322, 314]
    old = [
        x - y
        for x, y in zip(
            allocate(366, vat, commission, shares).makers,
            allocate(365, vat, commission, shares).makers,
            strict=True,
        )
    ]
    assert old == [1, 0, 1, -1]
    booked = list(allocate(365, vat, commission, shares).makers)
    delta = refund_delta(gross, 365, 1, vat, commission, shares, booked)
    assert min(delta.makers) >= 0 and sum(delta.makers) == sum(old)


def test_refund_makers_keeps_within_bounds_and_adds_up():
    assert refund_makers(5, [3, 2], [0, 3], [10, 10]) == (2, 3)
    assert refund_makers(20, [10, 10], [0, 0], [12, 8]) == (12, 8)


def test_ties_rotate_with_the_line():
    # ₺0,01 between two makers at 50/50: line 0 gives it to the first, line 1 to the second.
    assert split_largest_remainder(1, [5000, 5000], tie_offset=0) == [1, 0]
    assert split_largest_remainder(1, [5000, 5000], tie_offset=1) == [0, 1]
    assert split_largest_remainder(2, [1, 1, 1], tie_offset=2) == [1, 0, 1]
    # Over many lines each maker gets the odd kuruş equally often.
    firsts = sum(split_largest_remainder(1, [5000, 5000], tie_offset=i)[0] for i in range(100))
    assert firsts == 50
