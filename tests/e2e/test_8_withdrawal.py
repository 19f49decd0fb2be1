"""Journey 8: a guest buys (ticking the two approvals), the desk receives, ships and delivers her
order, she withdraws from one piece on her order page within the 14 days, the desk records the
goods' arrival and an admin refunds her through the refund rules; her order page tells each step.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import kurus, lira
from tests.e2e.test_1_shopper import buy_piece

pytestmark = pytest.mark.e2e


def _card(page, number: str):
    return page.locator("section.card", has=page.get_by_text(number, exact=True))


def test_she_withdraws_from_a_delivered_piece_and_is_refunded(new_page, shop):
    buyer = new_page()
    sale = buy_piece(buyer, shop)
    number, piece = sale["number"], shop.facts["piece"]

    # The desk: goods received from the maker, handed to the carrier, delivered.
    desk = new_page(as_="staff")
    desk.goto("/staff/fulfilment")
    card = _card(desk, number)
    for box in card.locator("input[name=line_ids]").all():
        box.check()
    card.get_by_role("button", name=re.compile("Seçilenleri teslim alındı say")).click()
    card = _card(desk, number)
    card.get_by_label("Kargo takip no").fill("YK-E2E-1")
    card.get_by_role("button", name=re.compile("^Kargoya verildi")).click()
    card = _card(desk, number)
    card.get_by_role("button", name=re.compile("^Teslim edildi")).click()
    expect(desk.get_by_role("alert").first).to_be_visible()

    # Her order page (the e-mailed link) says delivered and offers the withdrawal.
    buyer.goto(sale["url"])
    expect(buyer.locator("main")).to_contain_text("Teslim edildi")
    expect(buyer.locator("main")).not_to_contain_text("hazırlanıyor")
    form = buyer.locator("#withdrawal form")
    quantity = form.locator("input[type=number]").first
    quantity.fill("1")
    form.get_by_role("button", name="Cayma talebini gönder").click()
    expect(buyer.get_by_role("alert").first).to_be_visible()
    expect(buyer.locator("[data-testid=withdrawal-request]").first).to_be_visible()

    # Twice for the same piece is refused: nothing more to withdraw than she bought.
    buyer.goto(sale["url"])
    left = buyer.locator("#withdrawal input[type=number]").first
    if left.count():
        assert int(left.get_attribute("max") or "0") == 1

    # The desk records the goods' arrival; an admin refunds through the refund rules.
    desk.goto("/staff/withdrawals")
    request = desk.locator("article.card", has_text=number)
    expect(request).to_be_visible()
    request.get_by_role("button", name="Ürünler geldi").click()
    admin = new_page(as_="admin")
    admin.goto("/staff/withdrawals")
    request = admin.locator("article.card", has_text=number)
    request.get_by_role("button", name="Parayı iade et").click()
    expect(admin.get_by_role("alert").first).to_be_visible()

    # Her page tells the truth: refunded, with the amount of one piece.
    buyer.goto(sale["url"])
    main = buyer.locator("main")
    expect(main).to_contain_text("İade edildi")
    refunded = buyer.locator("[data-testid=withdrawal-request]").first.inner_text()
    assert kurus(refunded) == piece["price_kurus"], (refunded, lira(piece["price_kurus"]))
