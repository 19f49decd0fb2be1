"""On a phone the member's wide tables become cards (site.css .table-stack): every cell of their
rows that shows a value carries its column's name (data-label), so the card says what each
number is; the cell with only a control (the "Sor" link) needs none."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from coopshop.db import db
from tests.support.producer_support import payout, two_members


class _Cells(HTMLParser):
    """The body cells of tables with class table-stack: (data-label or None, text, has a link)."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_body, self.cell, self.cells = 0, False, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.depth += "table-stack" in (attrs.get("class") or "").split() or self.depth > 0
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.depth and self.in_body and tag == "td":
            self.cell = [attrs.get("data-label"), "", False]
        elif self.cell is not None and tag in ("a", "button"):
            self.cell[2] = True

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cells.append((self.cell[0], " ".join(self.cell[1].split()), self.cell[2]))
            self.cell = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def _unlabelled(html: str) -> tuple[int, list[str]]:
    parser = _Cells()
    parser.feed(html)
    valued = [c for c in parser.cells if c[1] and not c[2]]
    return len(valued), [text for label, text, _link in valued if not label]


def test_the_statement_and_sales_tables_label_every_cell_for_the_phone(client, login):
    world = two_members(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    payout(world.ayse.id, 20000, datetime(2025, 3, 25, tzinfo=UTC))
    db.session.commit()
    login(world.ayse.user)
    for path in ("/producer/statements/2025-03", "/producer/sales", "/producer/earnings"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="table table-sm align-middle table-stack"' in html, path
        shown, unlabelled = _unlabelled(html)
        assert shown >= 3, path
        # (The opening and closing rows' own words span two columns and name themselves.)
        assert [t for t in unlabelled if "bakiyesi" not in t] == [], path
