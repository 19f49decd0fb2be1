"""Journey 1: a guest searches "ipek", opens one of Ayşe's İpek Yolu pieces, adds two to the cart
with the keyboard, checks out with the keyboard, pays through the demo payment and sees the
confirmation with her order number."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import kurus, lira, open_menu, tab_to

pytestmark = pytest.mark.e2e

BUYER = {
    "#name": "Zeynep Güneş",
    "#email": "zeynep.gunes@example.com",
    "#phone": "0532 111 22 33",
    "#address_line": "Atatürk Bulvarı No: 12 Daire: 4",
    "#ilce": "Çankaya",
    "#postal_code": "06420",
}


def find_in_results(page: Page, title: str):
    """The result card linking to ``title``, following the pages of results if need be."""
    for _ in range(10):
        link = page.locator(".product-card a", has_text=title)
        if link.count():
            return link.first
        page.get_by_role("link", name="Sonraki").click()
    raise AssertionError(f"{title!r} is not among the results")


def buy_piece(page: Page, shop, snap=None) -> dict:
    """The whole purchase; returns what the confirmation page showed."""
    piece = shop.facts["piece"]
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("nav.navbar .navbar-brand")).to_have_text("Başkent Kadın Girişimi")
    # The cooperative's full name and its story are on the home page.
    expect(page.locator(".hero")).to_contain_text("Başkent Kadın Girişimi Kooperatifi")
    expect(page.get_by_role("heading", name="Hikâyemiz")).to_be_attached()
    expect(page.locator("#our-story")).to_contain_text("BELMEK")
    if snap:
        snap(page, "home")

    open_menu(page)
    page.get_by_role("searchbox", name="Ürün ara").fill("ipek")
    page.get_by_role("searchbox", name="Ürün ara").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=ipek"))
    heading = page.get_by_role("heading", name=re.compile(r"“ipek” için \d+ sonuç"))
    expect(heading).to_be_visible()
    # "ipek" finds İpek Yolu (dotted capital İ folded), in titles and in the collection's name.
    titles = page.locator(".product-card .card-title").all_inner_texts()
    assert titles and any("İpek" in t for t in titles), titles

    find_in_results(page, piece["title_tr"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(piece["title_tr"])
    price = page.locator(".col-md-6 .money").first
    expect(price).to_have_text(lira(piece["price_kurus"]))
    # A large photo (nearly the screen's width on a phone, half the page on a desktop) and a
    # price that stands out.
    photo = page.locator(".product-main-image")
    expect(photo).to_be_visible()
    width = page.viewport_size["width"]
    assert photo.bounding_box()["width"] >= min(0.9 * width, 500), photo.bounding_box()
    assert price.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 20
    if snap:
        snap(page, "product")

    # Keyboard only: Tab to the quantity, type 2, Tab to "Sepete ekle", Enter.
    tab_to(page, "#quantity")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("2")
    tab_to(page, "form[action$='/cart/add'] button[type=submit]", max_tabs=3)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.get_by_role("alert").first).to_contain_text("Ürün sepete eklendi.")
    line = page.locator(".cart-line", has_text=piece["title_tr"])
    expect(line.get_by_label("Adet")).to_have_value("2")
    subtotal = 2 * piece["price_kurus"]
    expect(line).to_contain_text(lira(subtotal))
    shipping = (
        0
        if subtotal >= shop.facts["free_shipping_threshold_kurus"]
        else shop.facts["shipping_kurus"]
    )
    total_row = page.locator("dl .fs-5")
    assert kurus(total_row.inner_text()) == subtotal + shipping
    if snap:
        snap(page, "cart")
    page.get_by_role("link", name="Siparişi tamamla").click()

    # Keyboard only: Tab into the form, type each field, Enter in the last one submits.
    expect(page.get_by_role("heading", level=1)).to_have_text("Siparişi tamamla")
    tab_to(page, "#name")
    for selector, value in BUYER.items():
        if not page.locator(selector).evaluate("el => el === document.activeElement"):
            tab_to(page, selector, max_tabs=3)
        page.keyboard.type(value)
    expect(page.locator("#il")).to_have_value("Ankara")
    expect(page.get_by_label("Kart ile öde")).to_be_checked()
    # The last step: the pre-information form and the contract, rendered for this order with
    # what she typed, and two unticked boxes she ticks with the keyboard (Space).
    agreements = page.locator("#agreements")
    expect(agreements).to_contain_text("Ön Bilgilendirme Formu")
    expect(agreements).to_contain_text("Mesafeli Satış Sözleşmesi")
    expect(page.locator("#accept_pre_information")).not_to_be_checked()
    expect(page.locator("#accept_contract")).not_to_be_checked()
    for box in ("#accept_pre_information", "#accept_contract"):
        tab_to(page, box, max_tabs=15)
        page.keyboard.press("Space")
        expect(page.locator(box)).to_be_checked()
    if snap:
        snap(page, "checkout")
    tab_to(page, "#agreements ~ button[type=submit]:not([name=action])", max_tabs=6)
    page.keyboard.press("Enter")

    expect(page.get_by_text("DEMO ÖDEME — gerçek para alınmaz.")).to_be_visible()
    assert kurus(page.locator("main .fs-4").inner_text()) == subtotal + shipping
    page.get_by_role("button", name="Öde (demo)").click()

    expect(page.get_by_role("status")).to_contain_text("Teşekkürler! Ödemeniz alındı.")
    title = page.get_by_role("heading", level=1).inner_text()
    number = re.fullmatch(r"Sipariş (\S+)", title).group(1)
    row = page.locator("tbody tr", has_text=piece["title_tr"])
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(row.locator("td").nth(3)).to_have_text(lira(subtotal))
    expect(page.locator("tfoot tr.fw-semibold td").last).to_have_text(lira(subtotal + shipping))
    if snap:
        snap(page, "order")
    return {"number": number, "url": page.url, "gross": subtotal, "total": subtotal + shipping}


def test_guest_buys_two_ipek_yolu_pieces(new_page, shop, snap):
    page = new_page()
    sale = buy_piece(page, shop, snap)
    assert re.fullmatch(r"[A-Z0-9-]{6,}", sale["number"]), sale
    shop.notes["sale"] = sale
    # Her order page stays reachable by the signed link in her e-mail, without an account.
    page.goto(sale["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sipariş {sale['number']}")
