"""Money as integer kuruş: parsing what people type, half-up rounding, exact splits.

No Flask and no database here: these are the pure rules every money path uses, and the one home
of kuruş and percent text (through Babel; the locale is the caller's, or the current one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_percent, parse_pattern

from coopshop.money_format import money_formatter

BP = 10_000  # basis points in a whole


class MoneyError(ValueError):
    """An amount that cannot be read. ``code`` names the problem for a translated message."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text


# "TL"/"TRY" may touch the digits ("12TL"), so no \b between them; letters around are refused.
_CURRENCY = re.compile(r"₺|(?<![A-Za-z])(?:TL|TRY)(?![A-Za-z])", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# ASCII digits only: \d would let Arabic-Indic digits through, and int() would accept them.
_DIGITS = re.compile(r"[0-9]+")


def parse_kurus(text: str, *, allow_zero: bool = False) -> int:
    """Read an amount as people type it and return kuruş.

    "1.234,50", "1234,5", "1234.5", "₺12", "12 TL", "1.250" (Turkish thousands) all work.
    Anything ambiguous or malformed raises MoneyError rather than guessing.
    """
    if text is None:
        raise MoneyError("empty", "")
    raw = str(text)
    cleaned = _SPACE.sub("", _CURRENCY.sub("", raw))
    if not cleaned:
        raise MoneyError("empty", raw)
    if cleaned.startswith("-"):
        raise MoneyError("negative", raw)
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]

    whole, frac = _split_separators(cleaned, raw)
    if not _DIGITS.fullmatch(whole) or (frac and not _DIGITS.fullmatch(frac)):
        raise MoneyError("invalid", raw)
    if len(frac) > 2:
        raise MoneyError("too_many_decimals", raw)
    kurus = int(whole) * 100 + int(frac.ljust(2, "0") or "0")
    if kurus == 0 and not allow_zero:
        raise MoneyError("zero", raw)
    if kurus > 10**13:  # a hundred billion lira: a typo, not a price
        raise MoneyError("too_large", raw)
    return kurus


def _split_separators(s: str, raw: str) -> tuple[str, str]:
    """Split into whole and fraction digits, removing thousands separators."""
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        if s.count(decimal_sep) > 1:
            raise MoneyError("invalid", raw)
        whole, frac = s.split(decimal_sep)
        return _strip_thousands(whole, thousands_sep, raw), frac
    sep = "." if dots else "," if commas else ""
    if not sep:
        return s, ""
    if s.count(sep) > 1:
        return _strip_thousands(s, sep, raw), ""
    whole, frac = s.split(sep)
    if len(frac) == 3:
        if not whole or whole.startswith("0"):  # "0.125", ",125": three decimals, not thousands
            raise MoneyError("too_many_decimals", raw)
        if sep == ".":  # "1.250" is one thousand two hundred fifty lira in Turkish
            return _strip_thousands(s, sep, raw), ""
        raise MoneyError("ambiguous", raw)
    if not whole and not frac:  # a separator alone
        raise MoneyError("invalid", raw)
    if not whole:
        whole = "0"
    return whole, frac


def _strip_thousands(s: str, sep: str, raw: str) -> str:
    groups = s.split(sep)
    first = groups[0]
    if not first or len(first) > 3 or first.startswith("0") or any(len(g) != 3 for g in groups[1:]):
        raise MoneyError("invalid", raw)
    return "".join(groups)


def parse_rate_bp(text: str) -> int:
    """Read a percentage such as "18", "%18", "12,5" and return basis points (0..10,000)."""
    raw = "" if text is None else str(text)
    cleaned = _SPACE.sub("", raw).replace("%", "").replace(",", ".")
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", cleaned):
        raise MoneyError("invalid_rate", raw)
    whole, _, frac = cleaned.partition(".")
    bp = int(whole) * 100 + int(frac.ljust(2, "0") or "0")
    if bp > BP:
        raise MoneyError("rate_too_high", raw)
    return bp


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


def split_largest_remainder(total: int, weights: Sequence[int], tie_offset: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` so the parts add up to ``total`` exactly.

    Each part gets its floor; the kuruş left over go one each to the largest remainders. Equal
    remainders go in turn from position ``tie_offset`` (mod the count) onwards: with the order
    line's id as the offset, the odd kuruş of a 50/50 line goes to each maker on alternate
    lines instead of always to the first (deterministic, and fair over time).
    """
    if not weights:
        raise ValueError("no weights to split among")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    amount = abs(total)
    parts, remainders = [], []
    n = len(weights)
    for i, w in enumerate(weights):
        q, r = divmod(amount * w, weight_sum)
        parts.append(q)
        remainders.append((r, -((i - tie_offset) % n), i))
    left = amount - sum(parts)
    for _, _turn, i in sorted(remainders, reverse=True)[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


def vat_split(gross: int, vat_bp: int) -> tuple[int, int]:
    """(net, VAT) of a gross amount (VAT included) at ``vat_bp``: docs/design.md's
    ``net = round(G * 10000 / (10000 + v))`` half-up, ``vat = G - net``.

    The one place the project splits a gross: order lines (``allocate``), shipping and the taksit
    surcharge in the ledger, and every invoice line, so the books and the invoices agree.
    A negative gross splits as the negative of its magnitude (a reversal of a split)."""
    if type(gross) is not int:
        raise TypeError("gross must be an integer number of kuruş")
    if not 0 <= vat_bp <= BP:
        raise ValueError("VAT rate must be between 0 and 10,000 basis points")
    net = round_half_up(gross * BP, BP + vat_bp)
    return net, gross - net


def cumulative_split(before: int, amount: int, vat_bp: int) -> tuple[int, int]:
    """(net, VAT) of refunding ``amount`` after ``before`` was refunded already, by the
    cumulative rule: split(before + amount) - split(before). Steps that add up to the whole
    reverse its split to the kuruş."""
    net_after, vat_after = vat_split(before + amount, vat_bp)
    net_before, vat_before = vat_split(before, vat_bp)
    return net_after - net_before, vat_after - vat_before


def spread_by_rate(amount: int, gross_by_rate: Mapping[int, int]) -> dict[int, int]:
    """``amount`` spread over VAT rates in proportion to the gross at each rate (largest
    remainder, ties to the lower rate), the parts adding up exactly; rates with no gross share
    equally when all are zero. How a taksit surcharge (vade farkı, VAT at the rate of the supply
    it finances) divides among an order's rates, on the invoice and in the ledger alike."""
    rates = sorted(gross_by_rate)
    if not rates:
        raise ValueError("no VAT rates to spread over")
    weights = [gross_by_rate[bp] for bp in rates]
    if sum(weights) == 0:
        weights = [1] * len(rates)
    return dict(zip(rates, split_largest_remainder(amount, weights), strict=True))


def spread_step(
    gross_by_rate: Mapping[int, int], total: int, earlier: Sequence[int], amount: int
) -> dict[int, tuple[int, int, int]]:
    """Per VAT rate, (gross, net, VAT) of taking ``amount`` of a ``total`` spread over the rates
    (a taksit surcharge: ``spread_by_rate``) after the ``earlier`` steps took theirs.

    Each step is spread over what is left at each rate (largest remainder), so no step is ever
    negative at a rate (spreading cumulative totals afresh can be: the Alabama paradox) and the
    steps that add up to the total take each rate's part exactly; its VAT is taken by the
    cumulative rule at each rate (``cumulative_split``). The sale itself is the one step
    ``spread_step(g, S, [], S)``: the spread, each part split on its own."""
    left = spread_by_rate(total, gross_by_rate)
    rates = sorted(left)
    taken = dict.fromkeys(rates, 0)
    result: dict[int, tuple[int, int, int]] = {}
    for step in [*earlier, amount]:  # the last one's parts are the answer
        if step < 0 or step > sum(left.values()):
            raise ValueError("a step must be between nothing and what is left")
        parts = dict.fromkeys(rates, 0)
        if step:
            split = split_largest_remainder(step, [left[bp] for bp in rates])
            parts = dict(zip(rates, split, strict=True))
        result = {bp: (parts[bp], *cumulative_split(taken[bp], parts[bp], bp)) for bp in rates}
        for bp in rates:
            taken[bp] += parts[bp]
            left[bp] -= parts[bp]
    return result


@dataclass(frozen=True)
class Allocation:
    """How a gross amount (VAT included) divides: VAT, the cooperative's cut, each maker's part."""

    gross: int
    net: int
    vat: int
    commission: int
    makers: tuple[int, ...]

    def __sub__(self, other: Allocation) -> Allocation:
        return Allocation(
            gross=self.gross - other.gross,
            net=self.net - other.net,
            vat=self.vat - other.vat,
            commission=self.commission - other.commission,
            makers=tuple(a - b for a, b in zip(self.makers, other.makers, strict=True)),
        )


def allocate(
    gross: int, vat_bp: int, commission_bp: int, shares_bp: Sequence[int], tie_offset: int = 0
) -> Allocation:
    """docs/design.md's formula for a line of gross G at VAT v and commission c.

    net = round(G * 10000 / (10000 + v)); vat = G - net; commission = round(net * c / 10000);
    makers = net - commission, split by shares with largest remainder.
    """
    if gross < 0:
        raise ValueError("gross must not be negative")
    if not 0 <= vat_bp <= BP or not 0 <= commission_bp <= BP:
        raise ValueError("rates must be between 0 and 10,000 basis points")
    if sum(shares_bp) != BP:
        raise ValueError("makers' shares must add up to 10,000 basis points")
    net, vat = vat_split(gross, vat_bp)
    commission = round_half_up(net * commission_bp, BP)
    makers = tuple(split_largest_remainder(net - commission, shares_bp, tie_offset))
    return Allocation(gross=gross, net=net, vat=vat, commission=commission, makers=makers)


def refund_delta(
    gross: int,
    refunded_before: int,
    refund: int,
    vat_bp: int,
    commission_bp: int,
    shares_bp: Sequence[int],
    makers_before: Sequence[int] | None = None,
    tie_offset: int = 0,
) -> Allocation:
    """What a refund of ``refund`` out of a line of ``gross`` takes back from each party.

    The cumulative refunded amount is allocated with the same formula and the previous
    cumulative allocation is subtracted, so a full refund reverses the sale to the kuruş. The
    makers' total follows that formula; how it divides among them is ``refund_makers``: given
    what each maker has had refunded so far (``makers_before``, as booked), no step credits a
    maker and no maker is charged more than her part of the sale.
    """
    if refund <= 0:
        raise ValueError("a refund must be positive")
    if refunded_before < 0 or refunded_before + refund > gross:
        raise ValueError("a refund cannot exceed what remains of the line")
    after = allocate(refunded_before + refund, vat_bp, commission_bp, shares_bp, tie_offset)
    before = allocate(refunded_before, vat_bp, commission_bp, shares_bp, tie_offset)
    if makers_before is None:  # no booked history given: the plain cumulative difference
        return after - before
    sale = allocate(gross, vat_bp, commission_bp, shares_bp, tie_offset)
    makers_after = refund_makers(sum(after.makers), after.makers, makers_before, sale.makers)
    return Allocation(
        gross=after.gross - before.gross,
        net=after.net - before.net,
        vat=after.vat - before.vat,
        commission=after.commission - before.commission,
        makers=tuple(a - b for a, b in zip(makers_after, makers_before, strict=True)),
    )


def refund_makers(
    total: int, ideal: Sequence[int], before: Sequence[int], sale: Sequence[int]
) -> tuple[int, ...]:
    """Each maker's cumulative refunded part once ``total`` of the makers' share is refunded.

    Start from the formula's ``ideal`` split of ``total``, keep every maker between what she has
    had refunded already (``before``: a step never gives back) and her part of the sale
    (``sale``: never more than she got), then move the kuruş that clamping left over to or from
    the makers furthest from their ideal. Feasible whenever sum(before) <= total <= sum(sale),
    which the cumulative formula guarantees; a full refund ends at exactly ``sale``.
    """
    if not sum(before) <= total <= sum(sale):
        raise ValueError("the makers' refunded total is outside what was booked and sold")
    parts = [min(max(x, lo), hi) for x, lo, hi in zip(ideal, before, sale, strict=True)]
    order = range(len(parts))
    while sum(parts) > total:  # take back from whoever is furthest above her ideal
        i = max((i for i in order if parts[i] > before[i]), key=lambda i: (parts[i] - ideal[i], -i))
        parts[i] -= 1
    while sum(parts) < total:  # give to whoever is furthest below her ideal
        i = max((i for i in order if parts[i] < sale[i]), key=lambda i: (ideal[i] - parts[i], -i))
        parts[i] += 1
    return tuple(parts)


# --- Text -------------------------------------------------------------------------------------


def _locale(locale: str | Locale | None) -> Locale:
    if locale is None:
        # The request's language where there is one (Flask-Babel), else Turkish.
        from flask_babel import get_locale

        locale = get_locale() or "tr"
    return locale if isinstance(locale, Locale) else _parsed(str(locale))


@lru_cache(maxsize=32)
def _parsed(name: str) -> Locale:
    return Locale.parse(name)


# Turkish: the locale's own currency pattern (₺1.234,50); English: the ISO code (TRY 1,234.50).
_EN_MONEY = "¤¤ #,##0.00"


@lru_cache(maxsize=32)
def _money_pattern(loc: Locale) -> NumberPattern:
    """The parsed pattern once per locale: babel's format_currency parses it on every call, and a
    page shows dozens of amounts."""
    return parse_pattern(_EN_MONEY) if loc.language == "en" else loc.currency_formats["standard"]


def kurus_to_decimal(kurus: int) -> Decimal:
    return Decimal(int(kurus)).scaleb(-2)


def kurus_text(kurus: int | None, locale: str | Locale | None = None) -> str:
    """₺1.234,50 in Turkish, TRY 1,234.50 in English."""
    if kurus is None:
        return ""
    loc = _locale(locale)
    return money_formatter(_money_pattern(loc), loc)(kurus)


def percent_text(bp: int | None, locale: str | Locale | None = None) -> str:
    """Basis points as a percentage: 1500 -> %15, 1250 -> %12,5 (15%, 12.5% in English)."""
    if bp is None:
        return ""
    loc = _locale(locale)
    # The locale's own pattern (Turkish puts the sign first: %15), with up to two decimals.
    pattern = loc.percent_formats[None].pattern.replace("#,##0", "#,##0.##", 1)
    return format_percent(Decimal(bp).scaleb(-4), format=pattern, locale=loc)


def rate_input_text(bp: int | None) -> str:
    """Basis points as a person types the rate back in: 1500 -> "15", 1250 -> "12,5"."""
    if bp is None:
        return ""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") if rest else str(whole)
