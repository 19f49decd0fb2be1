"""The centre pickup run pages: staff see a centre's sheet for a day, print it and tick items
received (CSRF, idempotent); members and customers are refused."""

from __future__ import annotations

import re

import pytest

from coopshop.db import db
from coopshop.models.pickup import PickupRunLine
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.staff_support import staff_user

KECIOREN, MAMAK = "Keçiören BELMEK", "Mamak BELMEK"


@pytest.fixture
def order(app):
    ayse = ProducerFactory(display_name="Ayşe Yılmaz", centre=KECIOREN)
    ProducerFactory(display_name="Zehra Kaya", centre=MAMAK)
    kase = ProductFactory(title_tr="Çini Kase", makers=[(ayse, 10_000)])
    order = paid_order([(kase, 1)])
    db.session.commit()
    return order


@pytest.fixture
def clerk(client, login):
    user = staff_user()
    login(user)
    return user


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_staff_see_the_centre_sheet_and_its_print_view(client, clerk, order):
    page = client.get("/staff/pickup", query_string={"merkez": KECIOREN, "gun": "2026-12-02"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ayşe Yılmaz" in html and "Çini Kase" in html and order.number in html
    assert "Zehra Kaya" not in html  # Mamak's member is on Mamak's sheet
    assert 'style="' not in html

    printed = client.get(
        "/staff/pickup/print", query_string={"merkez": KECIOREN, "gun": "2026-12-02"}
    )
    text = printed.get_data(as_text=True)
    assert printed.status_code == 200
    assert "pickup-sheet" in text and "☐" in text and "Çini Kase" in text
    assert 'style="' not in text


def test_ticking_an_item_receives_it_once(client, clerk, order):
    url = "/staff/pickup"
    html = client.get(url, query_string={"merkez": KECIOREN, "gun": "2026-12-02"}).get_data(
        as_text=True
    )
    line = order.lines[0]
    form = {
        "csrf_token": _token(html),
        "centre": KECIOREN,
        "day": "2026-12-02",
        "line_ids": [str(line.id)],
    }
    response = client.post("/staff/pickup/received", data=form)
    assert response.status_code == 302
    assert "merkez=" in response.location and "gun=2026-12-02" in response.location
    db.session.expire_all()
    assert line.received_at is not None
    assert order.fulfilment_status == "received"

    again = client.post("/staff/pickup/received", data=form, follow_redirects=True)
    assert again.status_code == 200
    assert "Teslim alındı olarak işaretlenen ürün: 0" in again.get_data(as_text=True)
    assert db.session.query(PickupRunLine).count() == 1


def test_without_csrf_nothing_is_received(app, client, clerk, order, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(
        "/staff/pickup/received",
        data={"centre": KECIOREN, "day": "2026-12-02", "line_ids": [str(order.lines[0].id)]},
    )
    assert response.status_code == 400  # refused before the form is read
    db.session.expire_all()
    assert order.lines[0].received_at is None


def test_bad_input_gets_a_message_not_a_500(client, clerk, order):
    bad_day = client.get("/staff/pickup", query_string={"merkez": KECIOREN, "gun": "dün"})
    assert bad_day.status_code == 422
    assert "YYYY-AA-GG" in bad_day.get_data(as_text=True)
    unknown = client.get("/staff/pickup", query_string={"merkez": "Yok BELMEK"})
    assert unknown.status_code == 404
    assert "Merkez bulunamadı" in unknown.get_data(as_text=True)


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_members_and_customers_are_refused(client, login, order, role):
    user = ProducerFactory().user if role == "producer" else UserFactory(role="customer")
    login(user)
    for url in ("/staff/pickup", "/staff/pickup/print"):
        assert client.get(url).status_code == 403
    response = client.post(
        "/staff/pickup/received",
        data={"centre": KECIOREN, "day": "2026-12-02", "line_ids": [str(order.lines[0].id)]},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert order.lines[0].received_at is None


def test_the_page_opens_on_a_centre_with_something_to_bring(client, clerk, order):
    ProducerFactory(display_name="Elif", centre="Altındağ BELMEK")  # first by name, nothing due
    html = client.get("/staff/pickup").get_data(as_text=True)
    assert f'<option value="{KECIOREN}" selected>{KECIOREN} (1)</option>' in html
    assert "Çini Kase" in html
