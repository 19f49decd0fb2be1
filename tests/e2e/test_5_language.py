"""Journey 5: the language switch turns each page of journeys 1-4 to English and back. On the
English page no text may still be one of the catalogue's Turkish strings (a string that missed
translation), and switching back restores the Turkish page as it was."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import shown_catalogue_ids, switch_language

pytestmark = pytest.mark.e2e


def round_trip(page: Page, url: str | None = None, data_heading: bool = False) -> list[str]:
    """Switch the page at ``url`` (or the current one) to English and back; what went wrong.
    ``data_heading``: the heading is data that has no English (a sold line's title)."""
    if url:
        page.goto(url)
    heading = page.get_by_role("heading", level=1)
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    turkish = heading.inner_text()
    where = page.url.split("/", 3)[-1]
    problems = []
    switch_language(page, "en")
    english = heading.inner_text()
    if english == turkish and not data_heading:
        problems.append(f"/{where}: the heading stayed {turkish!r}")
    problems += [f"/{where}: untranslated {text!r}" for text in shown_catalogue_ids(page)]
    expect(page.locator("nav.navbar")).to_contain_text("Shop")
    switch_language(page, "tr")
    expect(heading).to_have_text(turkish)
    expect(page.locator("nav.navbar")).to_contain_text("Mağaza")
    return problems


def test_shop_pages_in_english_and_back(new_page, shop, sale):
    page = new_page()
    piece = shop.facts["piece"]
    problems = []
    for url in ["/", "/search?q=ipek", f"/products/{piece['id']}", "/auth/login"]:
        problems += round_trip(page, url)
    page.goto(f"/products/{piece['id']}")
    switch_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(piece["title_en"])
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{shop.base_url}/cart")
    switch_language(page, "tr")
    for url in ["/cart", "/checkout", sale["url"]]:
        problems += round_trip(page, url)
    assert not problems, "\n".join(problems)


def test_maker_pages_in_english_and_back(new_page, shop, sale):
    page = new_page(as_="maker")
    month = datetime.now(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m")
    problems = []
    urls = ["/producer/", "/producer/earnings", "/producer/sales", "/producer/statements"]
    for url in [*urls, f"/producer/statements/{month}"]:
        problems += round_trip(page, url)
    page.goto("/producer/earnings")
    page.locator("section[aria-labelledby=latest-heading]").get_by_role(
        "link", name=sale["number"]
    ).click()
    # A sold line keeps the Turkish title it was sold under (the order line's snapshot).
    problems += round_trip(page, data_heading=True)
    assert not problems, "\n".join(problems)


def test_bazaar_desk_pages_in_english_and_back(new_page, shop):
    page = new_page(as_="staff")
    problems = []
    for url in ["/staff/", "/staff/sessions", "/staff/sessions/new"]:
        problems += round_trip(page, url)
    page.goto("/staff/sessions/new")
    page.get_by_label("Etkinlik").fill("Dil denemesi")
    page.get_by_label("Masa", exact=True).fill("Masa 5")
    page.get_by_role("button", name="Kasayı aç ve satışa başla").click()
    page.get_by_label("Ürün kodu").fill(shop.facts["bazaar"][0]["code"])
    page.get_by_label("Ürün kodu").press("Enter")
    expect(page.locator("#pos-ticket")).to_be_visible()
    problems += round_trip(page)
    page.get_by_role("link", name="Kasa özeti ve kapanış").click()
    problems += round_trip(page)
    assert not problems, "\n".join(problems)


def test_admin_pages_in_english_and_back(new_page, shop, sale):
    page = new_page(as_="admin")
    problems = []
    applicant = shop.facts["applicant"]["producer_id"]
    urls = ["/admin/", "/admin/members", f"/admin/members/{applicant}", "/admin/review"]
    for url in [*urls, "/admin/refunds", "/admin/payouts"]:
        problems += round_trip(page, url)
    page.goto("/admin/refunds")
    page.get_by_label("Sipariş numarası").fill(sale["number"])
    page.get_by_role("button", name="Siparişi aç").click()
    problems += round_trip(page)
    for key in ("refund_page", "batch_page"):
        if key in shop.notes:
            problems += round_trip(page, shop.notes[key])
    assert not problems, "\n".join(problems)
