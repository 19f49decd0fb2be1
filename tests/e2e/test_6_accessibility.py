"""Accessibility: axe-core finds no serious or critical violation, and every visible form field
has a label, on the shop's pages (home, search, product, cart, checkout, order), the maker's
dashboard, the bazaar desk and the admin pages. Keyboard use is checked in the journeys (Tab to
add to the cart and through the checkout, with a visible focus ring on every stop)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import axe_violations, open_menu, tab_to, unlabelled_fields

pytestmark = pytest.mark.e2e


def audit(page: Page, urls: list[str], menu: bool = False) -> list[str]:
    """axe and the label check on each page; with ``menu``, the first page is checked again
    with the folded phone menu open (the menu is the same on every page of a role)."""
    problems = []
    for url in urls:
        if url.startswith("/"):
            page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        where = "/" + page.url.split("/", 3)[-1]
        problems += [f"{where}: {v}" for v in axe_violations(page)]
        problems += [f"{where}: no label: {f}" for f in unlabelled_fields(page)]
        if menu and page.locator(".navbar-toggler").is_visible():
            open_menu(page)
            problems += [f"{where} (menu open): {v}" for v in axe_violations(page)]
            problems += [f"{where} (menu open): no label: {f}" for f in unlabelled_fields(page)]
        menu = False
    return problems


def test_shop_pages(new_page, shop):
    page = new_page()
    piece = shop.facts["piece"]
    urls = ["/", "/search?q=ipek", f"/products/{piece['id']}", "/auth/login"]
    problems = audit(page, urls, menu=True)
    page.goto(f"/products/{piece['id']}")
    page.get_by_role("button", name="Sepete ekle").click()
    expect(page).to_have_url(f"{shop.base_url}/cart")
    problems += audit(page, ["/cart", "/checkout"])
    # The checkout form with its errors showing (the messages must be tied to their fields).
    page.get_by_role("button", name="Ödemeye geç").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    problems += audit(page, [page.url])
    if "sale" in shop.notes:
        problems += audit(page, [shop.notes["sale"]["url"]])
    assert not problems, "\n".join(problems)


def test_maker_pages(new_page, shop):
    page = new_page(as_="maker")
    urls = ["/producer/", "/producer/earnings", "/producer/sales", "/producer/statements"]
    problems = audit(page, urls, menu=True)
    page.goto("/producer/statements")
    page.locator("main .list-group a").first.click()
    problems += audit(page, [page.url])
    assert not problems, "\n".join(problems)


def test_bazaar_desk_pages(new_page, shop):
    page = new_page(as_="staff")
    problems = audit(page, ["/staff/", "/staff/sessions/new"], menu=True)
    page.get_by_label("Etkinlik").fill("Erişilebilirlik denetimi")
    page.get_by_label("Masa", exact=True).fill("Masa 9")
    page.get_by_label("Açılış kasası").fill("100")
    page.get_by_role("button", name="Kasayı aç ve satışa başla").click()
    expect(page.get_by_label("Ürün kodu")).to_be_visible()
    page.get_by_label("Ürün kodu").fill(shop.facts["bazaar"][0]["code"])
    page.get_by_label("Ürün kodu").press("Enter")
    expect(page.locator("#pos-ticket")).to_be_visible()
    problems += audit(page, [page.url])
    page.get_by_role("link", name="Kasa özeti ve kapanış").click()
    problems += audit(page, [page.url])
    assert not problems, "\n".join(problems)


def test_admin_pages(new_page, shop):
    page = new_page(as_="admin")
    urls = [
        "/admin/",
        "/admin/members",
        f"/admin/members/{shop.facts['applicant']['producer_id']}",
        "/admin/review",
        "/admin/refunds",
        "/admin/payouts",
    ]
    problems = audit(page, urls, menu=True)
    for key in ("refund_page", "batch_page"):
        if key in shop.notes:
            problems += audit(page, [shop.notes[key]])
    assert not problems, "\n".join(problems)


def test_skip_link_and_menu_work_from_the_keyboard(new_page, shop):
    """The first Tab reaches "İçeriğe geç", which jumps past the menu; on a phone the menu
    opens with Enter on its button."""
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="İçeriğe geç")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    if page.locator(".navbar-toggler").is_visible():
        tab_to(page, ".navbar-toggler", max_tabs=3)
        page.keyboard.press("Enter")
        expect(page.locator("#nav")).to_be_visible()
        tab_to(page, "#nav-search", max_tabs=10)
        page.keyboard.type("canta")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=2)).to_contain_text("“canta” için")
