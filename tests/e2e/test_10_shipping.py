"""Journey 10: shipping through the aggregator. The shop runs with SHIPPING_PROVIDER=geliver
against the local Geliver stand-in (tests/geliver_support.py, on a free 127.0.0.1 port); a guest
buys, the desk receives the goods and buys the label on the fulfilment page (default carrier,
PDF to print), the shopper's order page shows the carrier, number and tracking link, and the
carrier's signed webhook moves the parcel to "in transit" there.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import urllib.request
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BIN, ROOT, Shop, _free_port, _server_env, _wait_healthy
from tests.e2e.test_1_shopper import buy_piece
from tests.support.geliver_support import SENDER_SETTINGS, WEBHOOK_TOKEN, WEBHOOK_URL, running

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def standin():
    with running() as server:
        yield server


@pytest.fixture(scope="module")
def shop(viewport, demo_template, e2e_root, standin):
    """This module's own gunicorn (the other journeys keep the manual adapter): a fresh copy of
    the demo database, Geliver pointed at the stand-in."""
    template, facts = demo_template
    tmp = e2e_root / f"{viewport}-geliver"
    tmp.mkdir()
    shutil.copyfile(template / "shop.db", tmp / "shop.db")
    shutil.copytree(template / "uploads", tmp / "uploads")
    env = _server_env(tmp)
    env.update(
        {
            **SENDER_SETTINGS,
            "SHIPPING_PROVIDER": "geliver",
            "SHIPPING_DEFAULT_CARRIER": "aras",
            "GELIVER_API_TOKEN": standin.token,
            "GELIVER_BASE_URL": standin.base_url,
            "GELIVER_WEBHOOK_SECRET": standin.webhook_secret,
            "GELIVER_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
            "GELIVER_TIMEOUT_SECONDS": "5",
            "GELIVER_OFFERS_WAIT_SECONDS": "2",
        }
    )
    port = _free_port()
    log = tmp / "gunicorn.log"
    args = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    args += ["--error-logfile", str(log), "--timeout", "30", "--no-control-socket", "wsgi:app"]
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    here = Shop(base_url=f"http://127.0.0.1:{port}", facts=facts, viewport=viewport, log=log)
    try:
        _wait_healthy(here.base_url, proc, log)
        yield here
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _card(page, number: str):
    return page.locator("section.card", has=page.get_by_text(number, exact=True))


def test_staff_label_an_order_and_the_shopper_tracks_it(new_page, shop, standin):
    buyer = new_page()
    sale = buy_piece(buyer, shop)
    number = sale["number"]

    desk = new_page(as_="staff")
    desk.goto("/staff/fulfilment")
    card = _card(desk, number)
    for box in card.locator("input[name=line_ids]").all():
        box.check()
    card.get_by_role("button", name=re.compile("Seçilenleri teslim alındı say")).click()
    card = _card(desk, number)
    expect(card.get_by_label("Ağırlık (gram)")).to_have_value("1000")
    card.get_by_role("button", name=re.compile(r"^Etiket al \(varsayılan kargo\)")).click()
    # The page answers at once; the label job buys the label after the answer (no Redis here:
    # in the server's process), so the card shows it on a later load of the page.
    expect(desk.get_by_role("alert").first).to_contain_text(
        f"{number}: etiket kargo aracısından isteniyor"
    )
    card = _card(desk, number)
    pdf_link = card.get_by_role("link", name=re.compile("Etiketi yazdır"))
    for _ in range(40):  # wait for the job, reloading as staff would (not a timing assert)
        if pdf_link.count():
            break
        desk.wait_for_timeout(250)
        desk.goto("/staff/fulfilment")
        card = _card(desk, number)
        pdf_link = card.get_by_role("link", name=re.compile("Etiketi yazdır"))
    expect(pdf_link).to_be_visible()
    pdf = desk.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    (shipment,) = [
        s
        for s in standin.shipments.values()
        if s["acceptedOfferID"] and s["order"]["orderNumber"] == number
    ]
    tracking = shipment["trackingNumber"]
    expect(card).to_contain_text(tracking)

    # Her order page (the e-mailed link): carrier, number, the carrier's tracking link.
    buyer.goto(sale["url"])
    main = buyer.locator("main")
    expect(main).to_contain_text("Aras Kargo")
    expect(main).to_contain_text(tracking)
    link = buyer.get_by_role("link", name="Kargoyu izle")
    expect(link).to_have_attribute("href", f"https://tracking.example/{tracking}")
    expect(main).to_contain_text("Etiket hazır")

    # The carrier's scan arrives by the signed webhook; her page says the parcel is on its way.
    when = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body, headers = standin.signed_event(shipment["id"], "TRANSIT", "package_accepted", when)
    request = urllib.request.Request(
        shop.base_url + WEBHOOK_URL, data=body, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    buyer.reload()
    expect(buyer.locator("main")).to_contain_text("Yolda")
