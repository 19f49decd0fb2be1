"""Journey 3: at a bazaar, staff open a cash session with a float, sell three items by their
codes for cash, and close the session with a count that is ₺5 short: the difference is shown
before it is booked, and booked as a shortage."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import kurus, lira

pytestmark = pytest.mark.e2e

FLOAT = 50_000  # ₺500 in change on the desk
SHORT = 500  # the count comes out ₺5 short


def typed(amount: int) -> str:
    """How a clerk types an amount: 1234,50."""
    return f"{amount // 100},{amount % 100:02d}"


def test_staff_sell_three_items_by_code_and_close_with_a_count(new_page, shop, snap):
    items = shop.facts["bazaar"]
    total = sum(item["price_kurus"] for item in items)
    page = new_page(as_="staff")
    page.goto("/staff/")
    page.get_by_role("link", name="Kasa aç").click()
    page.get_by_label("Etkinlik").fill("Kızılay Bahar Pazarı")
    page.get_by_label("Masa", exact=True).fill("Masa 1" if shop.viewport == "phone" else "Masa 2")
    page.get_by_label("Açılış kasası").fill(typed(FLOAT))
    page.get_by_role("button", name="Kasayı aç ve satışa başla").click()

    # The code field has the focus, ready for the scanner: type a code, press Enter, again.
    code = page.get_by_label("Ürün kodu")
    expect(code).to_be_focused()
    for item in items:
        page.keyboard.type(item["code"].lower())  # codes are matched whatever the case
        page.keyboard.press("Enter")
        expect(page.locator("#pos-ticket")).to_contain_text(item["code"])
        expect(page.get_by_label("Ürün kodu")).to_be_focused()
    ticket = page.locator("#pos-ticket tbody tr")
    expect(ticket).to_have_count(3)
    for item in items:
        row = ticket.filter(has_text=item["code"])
        expect(row).to_contain_text(item["title_tr"])
        expect(row.locator("td").nth(3)).to_have_text(lira(item["price_kurus"]))
    expect(page.locator("#pos-total")).to_have_text(lira(total))
    if snap:
        snap(page, "pos")

    tendered = (total // 10_000 + 1) * 10_000  # the next ₺100 note up
    page.get_by_label("Alınan nakit").fill(typed(tendered))
    page.get_by_role("button", name="Nakit", exact=True).click()
    done = page.locator(".pos-last")
    expect(done).to_contain_text("Satış tamam")
    # Capitals follow Turkish rules (lang="tr"): i → İ, ı → I, not the English i → I.
    assert done.locator(".text-uppercase").inner_text() == "SATIŞ TAMAM · SİPARİŞ NO"
    expect(done).to_contain_text(f"Para üstü: {lira(tendered - total)}")
    number = page.locator("#pos-order-number").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]{6,}", number), number
    expect(page.locator("#pos-ticket")).to_have_count(0)  # a fresh ticket for the next buyer

    page.get_by_role("link", name="Kasa özeti ve kapanış").click()
    summary = page.locator("dl").first
    expected = FLOAT + total
    expect(summary).to_contain_text(lira(total))
    assert (
        kurus(summary.locator("dt:has-text('Kasada olması gereken') + dd").inner_text()) == expected
    )
    expect(page.locator("table", has_text=number)).to_be_visible()

    page.get_by_label("Sayılan nakit").fill(typed(expected - SHORT))
    page.get_by_role("button", name="Farkı göster").click()
    preview = page.get_by_role("status")
    expect(preview).to_contain_text("Kasa açığı")
    expect(preview).to_contain_text(lira(SHORT))
    page.get_by_role("button", name="Onayla ve kasayı kapat").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"Kasa açığı: {lira(SHORT)}")
    closed = page.locator("dl").first
    assert kurus(closed.locator("dt:has-text('Sayılan nakit') + dd").inner_text()) == (
        expected - SHORT
    )
    assert kurus(closed.locator("dt:has-text('Fark') + dd").inner_text()) == -SHORT
    expect(page.get_by_role("link", name="Satış ekranı")).to_have_count(0)
    shop.notes["bazaar_sale"] = number
