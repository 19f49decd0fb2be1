"""Journey 11: a guest pays by card through iyzico. The shop runs under gunicorn with
PAYMENT_PROVIDER=iyzico pointed at the TLS stand-in of iyzico's API
(tests/support/iyzico_standin.py, in this process; the server trusts its CA through
SSL_CERT_FILE, which OpenSSL reads for the default context the adapter uses when no SSL context
is configured). She sees the taksit table on the product page, checks out, is sent to the
stand-in's payment page, pays in 3 instalments, is posted back to the callback and lands on her
paid order.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess

import pytest
from playwright.sync_api import expect

from coopshop.services.sales.iyzico import RETRIEVE_PATH, kurus_to_price
from tests.e2e.conftest import (
    BIN,
    ROOT,
    TIMEOUT_MS,
    VIEWPORTS,
    _free_port,
    _server_env,
    _wait_healthy,
)
from tests.e2e.support import kurus, lira
from tests.e2e.test_1_shopper import BUYER
from tests.support.iyzico_standin import IyzicoStandin

pytestmark = pytest.mark.e2e
ORDER_PATH = r"/orders/[A-Z0-9-]+\?t="


@pytest.fixture(scope="session")
def iyzico_api():
    server = IyzicoStandin().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def iyzico_shop(viewport, demo_template, e2e_root, iyzico_api):
    """A second shop (its own copy of the demo database) taking cards through the stand-in."""
    template, facts = demo_template
    tmp = e2e_root / f"iyzico-{viewport}"
    tmp.mkdir()
    shutil.copyfile(template / "shop.db", tmp / "shop.db")
    shutil.copytree(template / "uploads", tmp / "uploads")
    ca = tmp / "iyzico-ca.pem"
    iyzico_api.write_ca(ca)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _server_env(tmp) | {
        "PAYMENT_PROVIDER": "iyzico",
        "IYZICO_API_KEY": iyzico_api.api_key,
        "IYZICO_SECRET_KEY": iyzico_api.secret_key,
        "IYZICO_BASE_URL": iyzico_api.base_url,
        "IYZICO_TIMEOUT": "5",
        "PUBLIC_BASE_URL": base_url,  # the callback address iyzico posts the shopper back to
        "SSL_CERT_FILE": str(ca),
    }
    log = tmp / "gunicorn.log"
    args = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    args += ["--error-logfile", str(log), "--timeout", "30", "--no-control-socket", "wsgi:app"]
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(base_url, proc, log)
        yield {"base_url": base_url, "facts": facts, "viewport": viewport, "log": log}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_guest_pays_by_card_in_three_instalments_through_iyzico(browser, iyzico_shop, iyzico_api):
    piece = iyzico_shop["facts"]["piece"]
    context = browser.new_context(
        base_url=iyzico_shop["base_url"],
        locale="tr-TR",
        timezone_id="Europe/Istanbul",
        ignore_https_errors=True,  # the stand-in's payment page has the test CA's certificate
        reduced_motion="reduce",
        **VIEWPORTS[iyzico_shop["viewport"]],
    )
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    try:
        page.goto(f"/products/{piece['id']}")
        expect(page.get_by_role("heading", level=1)).to_have_text(piece["title_tr"])
        # The taksit table, folded under its summary, fits the screen when opened.
        page.get_by_text("Taksit seçenekleri").click()
        table = page.locator("details.taksit table").first
        expect(table).to_contain_text("3 taksit ×")
        expect(table.locator("caption")).to_contain_text("Bonus")
        width = page.viewport_size["width"]
        assert table.bounding_box()["width"] <= width, table.bounding_box()
        page.get_by_role("button", name="Sepete ekle").click()
        expect(page).to_have_url(re.compile(r"/cart$"))
        total = kurus(page.locator("dl .fs-5").inner_text())
        page.get_by_role("link", name="Siparişi tamamla").click()

        for selector, value in BUYER.items():
            page.locator(selector).fill(value)
        expect(page.get_by_label("Kart ile öde")).to_be_checked()
        page.locator("#accept_pre_information").check()
        page.locator("#accept_contract").check()
        page.locator("#agreements ~ button[type=submit]:not([name=action])").click()

        # iyzico's payment page (the stand-in's): the order's total, then 3 instalments.
        expect(page).to_have_url(re.compile(rf"^https://{re.escape(iyzico_api.base_url)}/_pay"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{kurus_to_price(total)} TL")
        page.locator("select[name=installment]").select_option("3")
        page.get_by_role("button", name="Öde").click()

        expect(page).to_have_url(re.compile(re.escape(iyzico_shop["base_url"]) + ORDER_PATH))
        paid = page.get_by_role("status").filter(has_text="Siparişiniz hazırlanıyor")
        expect(paid).to_contain_text("Teşekkürler! Ödemeniz alındı.")
        number = re.fullmatch(r"Sipariş (\S+)", page.get_by_role("heading", level=1).inner_text())
        assert number, page.get_by_role("heading", level=1).inner_text()
        expect(page.locator("tfoot tr.fw-semibold td").last).to_have_text(lira(total))
        retrieved = iyzico_api.requests_to(RETRIEVE_PATH)
        assert retrieved and all(r.auth_ok for r in retrieved)
    finally:
        context.close()
    assert not errors, "JavaScript errors:\n" + "\n".join(errors)
