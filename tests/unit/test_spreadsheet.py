"""coopshop.spreadsheet: CSV for Turkish Excel (BOM, semicolons, decimal comma, no formulas)."""

from __future__ import annotations

import pytest

from coopshop.money import parse_kurus
from coopshop.spreadsheet import excel_csv, lira, text_cell


@pytest.mark.parametrize(
    ("kurus", "text"),
    [
        (0, "0,00"),
        (5, "0,05"),
        (123450, "1234,50"),
        (100_000_000, "1000000,00"),
        (-5, "-0,05"),
        (-123456, "-1234,56"),
    ],
)
def test_lira_has_a_decimal_comma_and_no_thousands(kurus, text):
    assert lira(kurus) == text
    if kurus > 0:
        assert parse_kurus(text) == kurus  # reads back exactly


def test_lira_takes_only_integers():
    with pytest.raises(TypeError):
        lira(12.5)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Ayşe Yılmaz", "Ayşe Yılmaz"),
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+90 555", "'+90 555"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        (None, ""),
    ],
)
def test_text_cells_never_become_formulas(value, cell):
    assert text_cell(value) == cell


def test_file_shape():
    assert excel_csv(["Ad", "Tutar (TL)"], [["Çanta; mavi", "12,50"], ["Atkı", "-1,00"]]) == (
        '\ufeffAd;Tutar (TL)\r\n"Çanta; mavi";12,50\r\nAtkı;-1,00\r\n'
    )
