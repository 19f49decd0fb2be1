"""Journey 2: the maker logs in, sees the shopper's sale in her dashboard with her exact share
(worked out here from docs/design.md's formula, not read from the app), finds it in this month's
statement and downloads the statement as CSV."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.support import kurus, line_split, lira

pytestmark = pytest.mark.e2e


def test_maker_sees_her_share_and_downloads_her_statement(new_page, shop, snap, sale):
    piece = shop.facts["piece"]
    split = line_split(piece, 2)
    share = split["her"]
    page = new_page(as_="maker")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Merhaba {shop.facts['maker']['name']}"
    )

    page.locator("main nav").get_by_role("link", name="Kazancım").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kazancım")
    row = page.locator("section[aria-labelledby=latest-heading] tbody tr", has_text=sale["number"])
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(3)).to_contain_text(piece["title_tr"])
    if len(piece["makers"]) > 1:  # co-made: her part of the split is named
        expect(cells.nth(3)).to_contain_text(f"payınız %{piece['share_bp'] // 100}")
    expect(cells.nth(4)).to_have_text("2")
    expect(cells.nth(5)).to_have_text(lira(sale["gross"]))
    expect(cells.nth(6)).to_have_text(lira(share))
    pending = kurus(page.get_by_test_id("pending").inner_text())
    assert pending >= share  # an online sale waits out the return window
    snap(page, "dashboard")

    # The sale's own page: the numbers behind her share.
    row.get_by_role("link", name=sale["number"]).click()
    table = page.locator("section[aria-labelledby=split-heading] table")
    rows = {
        "vat": r"^KDV \(",
        "commission": r"^Kooperatif komisyonu",
        "her": r"^(Sizin payınız|Size kalan)",
    }
    for key, name in rows.items():
        row_of = table.get_by_role("row", name=re.compile(name))
        expect(row_of.locator("td")).to_contain_text(lira(split[key]))

    # This month's statement lists the sale with her share, and downloads as CSV.
    page.locator("main nav").get_by_role("link", name="Hesap dökümü").click()
    month = datetime.now(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m")
    page.locator(f"main a[href$='/statements/{month}']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hesap dökümü")
    line = page.locator("tbody tr", has_text=sale["number"])
    expect(line).to_have_count(1)
    expect(line.locator("td").nth(3)).to_have_text(lira(share))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV indir").click()
    download = download_info.value
    assert download.suggested_filename == f"hesap-dokumu-{month}.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    row = next(r for r in text.splitlines() if sale["number"] in r)
    cells = row.split(";")
    assert cells[1] == "Satış", row
    assert piece["title_tr"] in row, row
    assert kurus("₺" + cells[4].strip('"')) == share, row
