"""coopshop.money: parsing what people type, half-up rounding, exact splits, the allocation
formula of docs/design.md and the cumulative refund rule, with worked examples and properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopshop.money import (
    BP,
    Allocation,
    MoneyError,
    allocate,
    parse_kurus,
    parse_rate_bp,
    refund_delta,
    round_half_up,
    split_largest_remainder,
)

# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kurus"),
    [
        ("1.234,50", 123450),
        ("1234,5", 123450),
        ("1234.5", 123450),
        ("1234,56", 123456),
        ("₺12", 1200),
        ("12 TL", 1200),
        ("12TL", 1200),
        ("12 tl", 1200),
        ("12 TRY", 1200),
        ("₺ 1.200,00", 120000),
        ("1.250", 125000),  # Turkish thousands separator, not 1.25
        ("1.234.567,89", 123456789),
        ("1,234.50", 123450),  # English style, unambiguous because both separators are there
        ("1 234,50", 123450),
        ("1\u00a0234,50", 123450),
        ("0,50", 50),
        (",5", 50),
        ("5.", 500),
        ("+12", 1200),
        (" 7 ", 700),
        ("0,01", 1),
    ],
)
def test_parse_kurus_reads_what_people_type(typed, kurus):
    assert parse_kurus(typed) == kurus


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("₺", "empty"),
        (None, "empty"),
        ("-5", "negative"),
        ("-₺5", "negative"),
        ("0", "zero"),
        ("0,00", "zero"),
        ("12,345", "ambiguous"),  # 12.345 lira or 12,345 lira? we do not guess
        ("0.125", "too_many_decimals"),  # not "125 lira"
        ("1,2345", "too_many_decimals"),
        ("1.234,567", "too_many_decimals"),
        ("abc", "invalid"),
        ("12a", "invalid"),
        ("1e5", "invalid"),
        ("1.23.4", "invalid"),
        ("1.234,5,6", "invalid"),
        ("12.34.567", "invalid"),
        (".", "invalid"),
        ("٣", "invalid"),  # Arabic-Indic digit: int() would take it, we do not
        ("TLX12", "invalid"),
        ("100000000001", "too_large"),
    ],
)
def test_parse_kurus_refuses_with_a_code(typed, code):
    with pytest.raises(MoneyError) as excinfo:
        parse_kurus(typed)
    assert excinfo.value.code == code
    assert isinstance(excinfo.value, ValueError)


def test_parse_kurus_allows_zero_when_asked():
    assert parse_kurus("0", allow_zero=True) == 0


def _turkish(kurus: int) -> str:
    """How Babel writes an amount in tr_TR: 1.234,50"""
    lira, k = divmod(kurus, 100)
    return f"{lira:,}".replace(",", ".") + f",{k:02d}"


@given(st.integers(min_value=1, max_value=10**12))
def test_parse_kurus_reads_back_turkish_formatting(kurus):
    assert parse_kurus(_turkish(kurus)) == kurus
    assert parse_kurus(f"₺{kurus // 100}.{kurus % 100:02d}") == kurus


@pytest.mark.parametrize(
    ("typed", "bp"),
    [("18", 1800), ("%18", 1800), ("12,5", 1250), ("12.5", 1250), ("0", 0), (0, 0), ("100", BP)],
)
def test_parse_rate_bp(typed, bp):
    assert parse_rate_bp(typed) == bp


@pytest.mark.parametrize(
    ("typed", "code"),
    [("", "invalid_rate"), (None, "invalid_rate"), ("-1", "invalid_rate"),
     ("1,234", "invalid_rate"), ("١٨", "invalid_rate"), ("100,01", "rate_too_high")],
)  # fmt: skip
def test_parse_rate_bp_refuses(typed, code):
    with pytest.raises(MoneyError) as excinfo:
        parse_rate_bp(typed)
    assert excinfo.value.code == code


# --- rounding and splitting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "d", "rounded"),
    [(5, 2, 3), (3, 2, 2), (1, 2, 1), (7, 3, 2), (8, 3, 3), (-5, 2, -3), (-7, 3, -2), (0, 5, 0),
     (45, 10, 5), (44, 10, 4)],
)  # fmt: skip
def test_round_half_up(n, d, rounded):
    assert round_half_up(n, d) == rounded


def test_round_half_up_needs_a_positive_denominator():
    with pytest.raises(ValueError, match="denominator"):
        round_half_up(1, 0)


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**6))
def test_round_half_up_is_nearest_with_halves_away_from_zero(n, d):
    exact = Fraction(n, d)
    r = round_half_up(n, d)
    assert abs(exact - r) <= Fraction(1, 2)
    if abs(exact - r) == Fraction(1, 2):
        assert abs(r) > abs(exact)


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (85000, [6000, 4000], [51000, 34000]),
        (100, [1, 1, 1], [34, 33, 33]),  # ties go to the earlier weight
        (2, [1, 1, 1], [1, 1, 0]),
        (25, [3333, 3333, 3334], [8, 8, 9]),  # the largest remainder wins
        (-100, [1, 1, 1], [-34, -33, -33]),
        (7, [0, 10000], [0, 7]),
        (0, [5000, 5000], [0, 0]),
    ],
)
def test_split_largest_remainder(total, weights, parts):
    assert split_largest_remainder(total, weights) == parts


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_split_largest_remainder_refuses_bad_weights(weights):
    with pytest.raises(ValueError):
        split_largest_remainder(10, weights)


@given(
    st.integers(-(10**12), 10**12),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_split_adds_up_exactly_and_each_part_is_within_a_kurus(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    for part, w in zip(parts, weights, strict=True):
        assert abs(Fraction(total * w, sum(weights)) - part) < 1


# --- the allocation formula: worked examples from docs/design.md ----------------------------------


def test_worked_example_scarf_two_makers():
    # A ₺1.200,00 scarf at 20% VAT and 15% commission, woven 6,000 / 4,000 by two women.
    a = allocate(120000, 2000, 1500, [6000, 4000])
    assert a.net == 100000  # round(120000 * 10000 / 12000)
    assert a.vat == 20000
    assert a.commission == 15000  # round(100000 * 1500 / 10000)
    assert a.makers == (51000, 34000)  # 85000 split 60% / 40%
    assert a.vat + a.commission + sum(a.makers) == a.gross == 120000


def test_worked_example_where_rounding_matters():
    # ₺9,99 at 10% VAT, 15% commission, three makers at 3,333 / 3,333 / 3,334.
    a = allocate(999, 1000, 1500, [3333, 3333, 3334])
    assert a.net == 908  # 999 * 10000 / 11000 = 908.18 -> 908
    assert a.vat == 91
    assert a.commission == 136  # 908 * 0.15 = 136.2 -> 136
    # 772 split: 257.31, 257.31, 257.38 -> floors 257 each, the kuruş left goes to the third
    assert a.makers == (257, 257, 258)
    assert sum(a.makers) == 772


def test_worked_example_half_rounds_up():
    # ₺0,36 at 20% VAT: net 30, and commission 15% of 30 is 4.5 -> 5 (banker's rounding: 4).
    a = allocate(36, 2000, 1500, [6000, 4000])
    assert (a.net, a.vat, a.commission, a.makers) == (30, 6, 5, (15, 10))
    # net itself at exactly half: ₺0,21 at 100% VAT -> 10.5 -> 11
    assert allocate(21, 10000, 0, [10000]).net == 11


def test_allocate_refuses_bad_input():
    with pytest.raises(ValueError, match="negative"):
        allocate(-1, 2000, 1500, [10000])
    with pytest.raises(ValueError, match="rates"):
        allocate(100, 10001, 1500, [10000])
    with pytest.raises(ValueError, match="rates"):
        allocate(100, 2000, -1, [10000])
    with pytest.raises(ValueError, match="shares"):
        allocate(100, 2000, 1500, [6000, 3000])


def test_worked_example_refund_half_then_the_rest():
    # Half the scarf back, then the other half: each half takes back exactly its part, and
    # together they are the sale.
    first = refund_delta(120000, 0, 60000, 2000, 1500, [6000, 4000])
    assert (first.vat, first.commission, first.makers) == (10000, 7500, (25500, 17000))
    second = refund_delta(120000, 60000, 60000, 2000, 1500, [6000, 4000])
    assert (second.vat, second.commission, second.makers) == (10000, 7500, (25500, 17000))


def test_worked_example_refund_one_kurus_at_a_time():
    # A ₺0,12 line at 20% VAT: net 10, VAT 2. Refunded a kuruş at a time, rounding each kuruş
    # alone would give back 12 x 0 = 0 VAT; the cumulative rule books the VAT kuruş on the
    # refunds that cross it (the 4th: net(4) = 3.33 -> 3; the 10th: net(10) = 8.33 -> 8).
    sale = allocate(12, 2000, 1500, [10000])
    assert (sale.net, sale.vat, sale.commission, sale.makers) == (10, 2, 2, (8,))
    assert allocate(1, 2000, 1500, [10000]).vat == 0
    steps = [refund_delta(12, before, 1, 2000, 1500, [10000]) for before in range(12)]
    assert [s.vat for s in steps] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    assert sum(s.vat for s in steps) == sale.vat
    assert sum(s.makers[0] for s in steps) == sale.makers[0]


def test_refund_delta_refuses_more_than_remains():
    with pytest.raises(ValueError, match="exceed"):
        refund_delta(1000, 600, 401, 2000, 1500, [10000])
    with pytest.raises(ValueError, match="positive"):
        refund_delta(1000, 0, 0, 2000, 1500, [10000])


# --- properties ------------------------------------------------------------------------------


@st.composite
def shares(draw, max_makers=4):
    """1-4 makers' shares in basis points, each > 0, adding up to 10,000."""
    n = draw(st.integers(1, max_makers))
    cuts = sorted(
        draw(st.lists(st.integers(1, BP - 1), min_size=n - 1, max_size=n - 1, unique=True))
    )
    points = [0, *cuts, BP]
    return [b - a for a, b in zip(points, points[1:], strict=False)]


rates = st.integers(0, BP)
grosses = st.integers(0, 100_000_000)


@given(grosses, rates, rates, shares())
def test_allocation_adds_up_and_each_part_is_fair(gross, vat_bp, commission_bp, shares_bp):
    a = allocate(gross, vat_bp, commission_bp, shares_bp)
    assert a.vat + a.commission + sum(a.makers) == gross
    assert a.net + a.vat == gross
    assert min(a.vat, a.commission, *a.makers) >= 0
    exact_net = Fraction(gross * BP, BP + vat_bp)
    assert abs(exact_net - a.net) <= Fraction(1, 2)
    for part, share in zip(a.makers, shares_bp, strict=True):
        assert abs(Fraction((a.net - a.commission) * share, BP) - part) < 1


@given(st.data(), grosses.filter(lambda g: g > 0), rates, rates, shares())
def test_refunds_in_any_steps_add_up_to_the_sale(data, gross, vat_bp, commission_bp, shares_bp):
    sale = allocate(gross, vat_bp, commission_bp, shares_bp)
    refunded = 0
    total = Allocation(0, 0, 0, 0, tuple(0 for _ in shares_bp))
    steps = data.draw(st.integers(0, 6), label="partial refunds")
    while refunded < gross:
        # a few partial refunds of any size, then whatever remains
        steps -= 1
        left = gross - refunded
        amount = data.draw(st.integers(1, left), label="refund") if steps >= 0 else left
        delta = refund_delta(gross, refunded, amount, vat_bp, commission_bp, shares_bp)
        assert delta.gross == amount == delta.vat + delta.commission + sum(delta.makers)
        total = Allocation(
            total.gross + delta.gross,
            total.net + delta.net,
            total.vat + delta.vat,
            total.commission + delta.commission,
            tuple(a + b for a, b in zip(total.makers, delta.makers, strict=True)),
        )
        refunded += amount
        # whatever has been refunded so far is exactly the allocation of that amount
        assert total == allocate(refunded, vat_bp, commission_bp, shares_bp)
    assert total == sale


@given(st.integers(-(10**15), 10**15), st.sampled_from(["tr", "en"]))
def test_kurus_text_is_babels_money_text_for_any_amount(kurus, name):
    """money_format's fast path (issue 22) writes exactly what babel's pattern writes."""
    from decimal import Decimal

    from coopshop.money import _money_pattern, _parsed, kurus_text

    loc = _parsed(name)
    babel = _money_pattern(loc).apply(Decimal(kurus).scaleb(-2), loc, currency="TRY")
    assert kurus_text(kurus, name) == babel


def test_kurus_text_takes_the_fast_path_for_turkish_and_english():
    from coopshop.money import _money_pattern, _parsed
    from coopshop.money_format import money_formatter

    for name in ("tr", "en"):
        loc = _parsed(name)
        assert money_formatter(_money_pattern(loc), loc).__name__ == "fast"
