"""coopshop.tax_ids: the VKN's and the TCKN's check digits."""

from __future__ import annotations

import pytest

from coopshop.tax_ids import clean, is_tckn, is_vkn, kind_of


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("1234567890", "vkn"),
        ("1234567904", "vkn"),
        ("1234567891", None),  # wrong check digit
        ("123456789", None),  # nine digits
        ("10000000146", "tckn"),
        ("11111111110", "tckn"),
        ("10000000147", None),  # wrong last digit
        ("01234567890", None),  # a TCKN never starts with 0
        ("1234567890a", None),
        ("", None),
    ],
)
def test_kind_of(value, kind):
    assert kind_of(value) == kind
    assert is_vkn(value) is (kind == "vkn")
    assert is_tckn(value) is (kind == "tckn")


def test_clean_drops_what_people_type_between_digits():
    assert clean(" 123 456-78.90 ") == "1234567890"
    assert clean(None) == ""
