"""A small PDF of text and tables, written out by hand (no PDF library is pinned): the yearly
income summary as PDF. One A4 landscape page per ~30 rows, Helvetica (a viewer's built-in
font) with the Turkish letters mapped in (Windows-1254 bytes, the six letters Windows-1252
lacks named in the font's /Differences), so "Ağustos", "Şubat", "İadeler" print as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

PAGE_W, PAGE_H = 842, 595  # A4 landscape, in points
MARGIN = 40
ROW_H = 14
# Windows-1254 positions whose letters Windows-1252 (WinAnsiEncoding) does not have.
_DIFFERENCES = "[208 /Gbreve 221 /Idotaccent 222 /Scedilla 240 /gbreve 253 /dotlessi 254 /scedilla]"
# Helvetica widths (1/1000 em) of what amounts are written with; other letters count 556.
_WIDTHS = {" ": 278, ",": 278, ".": 278, "-": 333, "T": 611, "L": 556, "(": 333, ")": 333}


@dataclass
class Table:
    header: Sequence[str]
    rows: list[Sequence[str]]
    # The width of each column in points, and which columns are amounts (right-aligned).
    widths: Sequence[int]
    numeric: frozenset[int] = field(default_factory=frozenset)
    bold_last: bool = False


def _text_bytes(text: str) -> bytes:
    raw = text.replace("₺", "TL ").encode("cp1254", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_width(text: str, size: float) -> float:
    return sum(_WIDTHS.get(ch, 556) for ch in text.replace("₺", "TL ")) * size / 1000


class _Page:
    def __init__(self):
        self.ops: list[bytes] = []
        self.y = PAGE_H - MARGIN

    def text(self, x: float, text: str, size: float = 9, bold: bool = False) -> None:
        font = b"/F2" if bold else b"/F1"
        self.ops.append(
            b"BT %s %.1f Tf %.2f %.2f Td (%s) Tj ET" % (font, size, x, self.y, _text_bytes(text))
        )

    def rule(self, x1: float, x2: float) -> None:
        y = self.y - 3
        self.ops.append(b"0.5 w %.2f %.2f m %.2f %.2f l S" % (x1, y, x2, y))


def document(title: str, lines: Sequence[str], table: Table) -> bytes:
    """The PDF: ``title`` and ``lines`` at the top of the first page, then ``table`` (its
    header repeated on every page)."""
    pages = [_Page()]
    page = pages[0]
    page.text(MARGIN, title, size=14, bold=True)
    page.y -= 22
    for line in lines:
        page.text(MARGIN, line, size=10)
        page.y -= ROW_H
    page.y -= 6

    def header(p: _Page) -> None:
        _row(p, table.header, table, bold=True)
        p.rule(MARGIN, MARGIN + sum(table.widths))
        p.y -= ROW_H + 2

    header(page)
    for i, row in enumerate(table.rows):
        if page.y < MARGIN + ROW_H:
            page = _Page()
            pages.append(page)
            header(page)
        _row(page, row, table, bold=table.bold_last and i == len(table.rows) - 1)
        page.y -= ROW_H
    return _assemble(pages)


def _row(page: _Page, cells: Sequence[str], table: Table, bold: bool = False) -> None:
    x = MARGIN
    for i, (cell, width) in enumerate(zip(cells, table.widths, strict=False)):
        cell = str(cell)
        if i in table.numeric:
            page.text(x + width - 4 - text_width(cell, 9), cell, bold=bold)
        else:
            page.text(x, cell, bold=bold)
        x += width


def _assemble(pages: list[_Page]) -> bytes:
    """Objects: 1 catalog, 2 pages, 3-4 fonts, then per page its page object and content."""
    font = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences " + _DIFFERENCES.encode() + b" >> >>"
    )
    objects: list[bytes] = [b"", b"", font % b"Helvetica", font % b"Helvetica-Bold"]
    kids = []
    for page in pages:
        content = b"\n".join(page.ops)
        page_no = len(objects) + 1
        kids.append(page_no)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_W, PAGE_H, page_no + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
