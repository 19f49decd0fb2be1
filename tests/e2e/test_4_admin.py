"""Journey 4: an admin approves a new member and her product (it appears in the shop), refunds
the shopper's line, closes a payout batch that a second admin approves, downloads the bank CSV
and marks the maker's line paid; the maker's own page moves by exactly those amounts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import kurus, lira, maker_share

pytestmark = pytest.mark.e2e


def maker_balance(page: Page) -> dict[str, int]:
    page.goto("/producer/earnings")
    return {
        k: kurus(page.get_by_test_id(k).inner_text()) for k in ("available", "pending", "paid-out")
    }


def admin_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Yönetim bölümleri").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_admin_approves_refunds_and_pays_out(new_page, shop, snap, sale):
    facts = shop.facts
    applicant = facts["applicant"]
    maker = new_page(as_="maker")
    before = maker_balance(maker)
    guest = new_page()
    product_url = f"/products/{applicant['product_id']}"
    assert guest.goto(product_url).status == 404  # in review, by a member not yet approved

    admin = new_page(as_="admin")
    admin.goto("/admin/")

    # A new member: approve her membership, then her product.
    admin_nav(admin, "Üyeler")
    admin.get_by_label("Durum").select_option("applied")
    admin.get_by_role("button", name="Filtrele").click()
    admin.get_by_role("link", name=applicant["name"]).click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text(applicant["name"])
    admin.get_by_role("button", name="Onayla", exact=True).click()
    expect(admin.get_by_role("alert").first).to_contain_text("Üyelik onaylandı")

    admin_nav(admin, "Ürün incelemesi")
    card = admin.locator("article", has_text=applicant["product_code"])
    expect(card).to_contain_text(applicant["product_title_tr"])
    card.get_by_role("button", name="Onayla ve satışa aç").click()
    expect(admin.get_by_role("alert").first).to_contain_text(
        f"“{applicant['product_title_tr']}” satışa açıldı"
    )
    expect(admin.locator("article", has_text=applicant["product_code"])).to_have_count(0)
    guest.goto(product_url)
    expect(guest.get_by_role("heading", level=1)).to_have_text(applicant["product_title_tr"])

    # Refund the shopper's line: it was paid through the demo payment.
    admin_nav(admin, "İadeler")
    admin.get_by_label("Sipariş numarası").fill(sale["number"])
    admin.get_by_role("button", name="Siparişi aç").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Sipariş {sale['number']}")
    admin.get_by_role("link", name="İade et").click()
    shop.notes["refund_page"] = admin.url
    admin.get_by_label("Bir satırın kalanı").check()
    admin.get_by_label("Satır", exact=True).select_option(index=0)
    admin.get_by_label("İade nedeni").fill("Müşteri ürünü teslimattan önce iptal etti.")
    admin.get_by_role("button", name="İadeyi yap").click()
    expect(admin.get_by_role("alert").first).to_contain_text("İade kaydedildi.")
    refunds = admin.locator("table", has_text="Müşteri ürünü teslimattan önce iptal etti.")
    expect(refunds.locator("tbody tr td").first).to_have_text(lira(sale["gross"]))

    # Close the period; the second admin approves; the bank file; her line is paid.
    admin_nav(admin, "Üye ödemeleri")
    admin.get_by_role("button", name="Ödeme listesini hazırla").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Ödeme listesi #")
    expect(admin.get_by_text("ikinci bir yönetici onaylamalı")).to_be_visible()
    batch_url = admin.url
    shop.notes["batch_page"] = batch_url
    her_row = admin.locator("tbody tr", has_text=facts["maker"]["name"])
    expect(her_row).to_have_count(1)
    expect(her_row).to_contain_text(facts["maker"]["iban"])
    her_amount = kurus(her_row.locator("td").nth(2).inner_text())
    assert 0 < her_amount <= before["available"]

    second = new_page(as_="admin2")
    second.goto(batch_url)
    second.get_by_role("button", name="Onayla", exact=True).click()
    expect(second.get_by_role("alert").first).to_contain_text("Liste onaylandı")

    admin.reload()
    with admin.expect_download() as download_info:
        admin.get_by_role("button", name="Banka dosyasını indir (CSV)").click()
    bank_file = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    her_lines = [r for r in bank_file.splitlines() if facts["maker"]["iban"] in r]
    assert len(her_lines) == 1, bank_file[:500]
    assert facts["maker"]["name"] in her_lines[0]
    amount_text = her_lines[0].split(";")[2]
    assert kurus("₺" + amount_text) == her_amount, her_lines[0]

    her_row = admin.locator("tbody tr", has_text=facts["maker"]["name"])
    her_row.get_by_label("Banka referansı").fill("EFT-2611-0042")
    her_row.get_by_role("button", name="Ödendi").click()
    expect(admin.get_by_role("alert").first).to_contain_text("Ödeme kaydedildi.")
    her_row = admin.locator("tbody tr", has_text=facts["maker"]["name"])
    expect(her_row).to_contain_text("EFT-2611-0042")
    snap(admin, "payouts")

    # Her page: paid out grew by her line; what she is owed shrank by it and by the refund.
    after = maker_balance(maker)
    share = maker_share(facts["piece"], 2)
    assert after["paid-out"] == before["paid-out"] + her_amount, (before, after)
    assert after["available"] + after["pending"] == (
        before["available"] + before["pending"] - her_amount - share
    ), (before, after, her_amount, share)
    row = maker.locator("section[aria-labelledby=latest-heading] tbody tr", has_text=sale["number"])
    expect(row).to_contain_text(re.compile(r"iade: " + re.escape(lira(share))))
