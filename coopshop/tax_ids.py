"""Turkish tax numbers, checked in one place: the 10-digit VKN (vergi kimlik numarası) and the
11-digit TCKN (T.C. kimlik numarası), each with its check digits. Plain functions, no Flask."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def clean(raw: str | None) -> str:
    """What the buyer typed without spaces, dots or dashes ("123 456 78 90" -> "1234567890")."""
    return re.sub(r"[\s.\-]", "", raw or "")


def is_vkn(value: str) -> bool:
    """A VKN: 10 digits whose last is the check digit of the first nine (GİB's algorithm)."""
    if len(value) != 10 or not _DIGITS.fullmatch(value):
        return False
    digits = [int(c) for c in value]
    total = 0
    for i in range(9):
        shifted = (digits[i] + 9 - i) % 10
        weighted = (shifted * 2 ** (9 - i)) % 9
        if shifted != 0 and weighted == 0:
            weighted = 9
        total += weighted
    return (10 - total % 10) % 10 == digits[9]


def is_tckn(value: str) -> bool:
    """A TCKN: 11 digits, not starting with 0, with its two check digits."""
    if len(value) != 11 or not _DIGITS.fullmatch(value) or value[0] == "0":
        return False
    d = [int(c) for c in value]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def kind_of(value: str) -> str | None:
    """ "vkn", "tckn", or None when ``value`` is neither (after ``clean``)."""
    if is_vkn(value):
        return "vkn"
    if is_tckn(value):
        return "tckn"
    return None
