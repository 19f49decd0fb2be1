"""CSV files that open cleanly in Excel set to Turkish, which is what the cooperative's
accountants use.

- UTF-8 with a byte-order mark: without it Excel reads the file as Windows-1254/1252 and
  "Gülsüm" turns into "GÃ¼lsÃ¼m".
- Semicolons between fields: Turkish Excel's list separator is ";" (the comma is the decimal
  sign), so a comma-separated file opens as one column.
- Amounts in lira with a decimal comma and no thousands separator or currency sign: "1234,50".
  Turkish Excel reads that as the number 1234.5, so columns can be summed and pivoted; it is
  exact to the kuruş and reads back losslessly (coopshop.money.parse_kurus accepts it), so no
  second column of kuruş integers is needed.
- Text that starts with = + - @ (or a tab / carriage return) is prefixed with an apostrophe,
  so a name typed into the shop cannot run as a formula in someone's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def lira(kurus: int) -> str:
    """Kuruş as Turkish-Excel lira text: 123450 -> "1234,50", -5 -> "-0,05"."""
    if type(kurus) is not int:
        raise TypeError("amounts are integer kuruş")
    sign = "-" if kurus < 0 else ""
    whole, part = divmod(abs(kurus), 100)
    return f"{sign}{whole},{part:02d}"


def text_cell(value: object) -> str:
    """A text cell that Excel shows as typed and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The whole file as text (BOM first), ";"-separated, CRLF line ends. Cells are written as
    given: pass amounts through lira() and names through text_cell()."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def excel_csv_rows(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The same file as ``excel_csv``, one line at a time, for a streamed download."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + out.getvalue()
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        yield out.getvalue()
