"""The bazaar desk through the browser: open a cash session, sell at the point of sale, close
with the count and see the over/short before confirming."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import CashSession, LedgerTransaction, Order, Product
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.sales.orders import LineRequest
from tests.support.factories import ProductFactory
from tests.support.ledger_support import balances
from tests.support.sql_counter import count_queries
from tests.support.staff_support import assert_ledger_holds, count, open_desk, staff_user, stock


@pytest.fixture
def clerk(client, login):
    user = staff_user()
    login(user)
    return user


@pytest.fixture
def desk(clerk):
    return open_desk(clerk.id, event="Kızılay Kış Pazarı", desk="Masa 1", float_kurus=50_000)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _ticket_ref(html: str) -> str:
    return re.search(r'name="ticket_ref" type="hidden" value="([0-9a-f]+)"', html).group(1)


def _pay(client, desk_id, method="cash", **data):
    ref = _ticket_ref(_html(client.get(f"/staff/sessions/{desk_id}/pos")))
    return client.post(
        f"/staff/sessions/{desk_id}/pos/pay", data={"ticket_ref": ref, "method": method, **data}
    )


def _add(client, desk_id, code, quantity="1"):
    return client.post(
        f"/staff/sessions/{desk_id}/pos/add", data={"code": code, "quantity": quantity}
    )


def test_opening_a_desk_goes_straight_to_the_point_of_sale(client, clerk):
    form = _html(client.get("/staff/sessions/new"))
    assert 'for="event_name"' in form and 'for="opening_float"' in form

    response = client.post(
        "/staff/sessions/new",
        data={"event_name": "Kızılay Kış Pazarı", "desk": "Masa 2", "opening_float": "1.250,50"},
    )
    session = db.session.scalars(select(CashSession)).one()
    assert response.status_code == 302
    assert response.location == f"/staff/sessions/{session.id}/pos"
    assert (session.event_name, session.desk, session.opening_float_kurus) == (
        "Kızılay Kış Pazarı",
        "Masa 2",
        125_050,
    )
    assert session.opened_by_id == clerk.id
    home = _html(client.get("/staff/"))
    assert "Kızılay Kış Pazarı · Masa 2" in home
    assert f"/staff/sessions/{session.id}/pos" in home


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (
            {"event_name": "Pazar", "desk": "Masa 1", "opening_float": "on beş"},
            422,
            "1.250 ya da 1250,00",
        ),
        (
            {"event_name": "Pazar", "desk": "Masa 1", "opening_float": "-5"},
            422,
            "Tutar eksi olamaz.",
        ),
        ({"event_name": "", "desk": "Masa 1", "opening_float": "0"}, 422, "Bu alan zorunlu."),
        (
            {"event_name": "Kızılay Kış Pazarı", "desk": "Masa 1", "opening_float": "0"},
            409,
            "Bu etkinlikte Masa 1 için açık bir kasa oturumu zaten var.",
        ),
    ],
    ids=["not-a-number", "negative", "no-event", "desk-already-open"],
)
def test_opening_with_bad_input_keeps_the_form(client, desk, data, status, message):
    response = client.post("/staff/sessions/new", data=data)
    html = _html(response)
    assert response.status_code == status
    assert message in html
    assert f'value="{data["opening_float"]}"' in html
    assert count(CashSession) == 1


def test_a_sale_from_scan_to_order_number(client, desk):
    ProductFactory(code="IPK01", title_tr="İpek Eşarp", price_kurus=45_000, stock=5)
    soap = ProductFactory(code="SBN07", title_tr="Defne Sabunu", price_kurus=6_050, stock=9)

    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert re.search(r'<input [^>]*autofocus[^>]*name="code"', page)
    assert "Fiş boş." in page

    assert _add(client, desk.id, "ipk01").location == f"/staff/sessions/{desk.id}/pos"
    _add(client, desk.id, "SBN07", "2")
    _add(client, desk.id, "sbn07")  # scanned again: the line grows
    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert "İpek Eşarp" in page and "Defne Sabunu" in page
    assert "₺181,50" in page  # 3 × ₺60,50
    assert "₺631,50" in page  # the total
    assert count(Order) == 0  # nothing sold until paid

    response = _pay(client, desk.id, "cash", tendered="700")
    assert response.status_code == 302
    order = db.session.scalars(select(Order)).one()
    assert (order.status, order.payment_method, order.total_kurus) == ("paid", "cash", 63_150)
    assert order.cash_session_id == desk.id
    assert stock(soap.id) == 6

    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert f'id="pos-order-number">{order.number}</div>' in page
    assert 'Para üstü: <span class="money">₺68,50</span>' in page
    assert "Fiş boş." in page
    assert_ledger_holds()


def test_card_terminal_sale(client, desk):
    ProductFactory(code="KSE01", price_kurus=18_475, stock=2)
    _add(client, desk.id, "KSE01")
    _pay(client, desk.id, "card_terminal")
    order = db.session.scalars(select(Order)).one()
    assert order.payment_method == "card_terminal"
    assert balances()["clearing:card"] == 18_475
    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert "Kart (POS cihazı)" in page and order.number in page
    assert "Para üstü" not in page


def test_a_double_tap_sells_once(client, desk):
    vase = ProductFactory(code="SRM01", price_kurus=30_000, stock=5)
    _add(client, desk.id, "SRM01")
    ref = _ticket_ref(_html(client.get(f"/staff/sessions/{desk.id}/pos")))
    url = f"/staff/sessions/{desk.id}/pos/pay"
    assert client.post(url, data={"ticket_ref": ref, "method": "cash"}).status_code == 302
    again = client.post(url, data={"ticket_ref": ref, "method": "cash"}, follow_redirects=True)

    order = db.session.scalars(select(Order)).one()
    assert f"Bu fiş zaten satıldı: {order.number}" in _html(again)
    assert stock(vase.id) == 4
    assert count(LedgerTransaction, LedgerTransaction.kind == "sale") == 1


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("XYZ99", "1", "Bu kodla bir ürün yok: XYZ99"),
        ("ATK01", "4", "İpek Atkı için stokta yalnız 3 adet var."),
        ("ATK01", "iki", "Bir tam sayı yazın."),
        ("", "1", "Ürün kodunu yazın ya da okutun."),
    ],
    ids=["unknown", "more-than-stock", "not-a-number", "empty"],
)
def test_a_wrong_code_or_quantity_is_told_and_kept(client, desk, code, quantity, message):
    ProductFactory(code="ATK01", title_tr="İpek Atkı", stock=3)
    response = _add(client, desk.id, code, quantity)
    html = _html(response)
    assert response.status_code in (409, 422)
    assert message in html
    assert f'value="{code}"' in html
    assert "Fiş boş." in html


def test_stock_sold_at_the_other_desk_meanwhile_is_refused_and_the_ticket_kept(client, clerk, desk):
    last = ProductFactory(code="SON01", title_tr="Son Kilim", price_kurus=90_000, stock=1)
    other = open_desk(clerk.id, desk="Masa 2")
    _add(client, desk.id, "SON01")
    bazaar.sell(other.id, [LineRequest(code="SON01", quantity=1)], "cash", clerk.id)
    db.session.commit()

    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert "Stokta yalnız 0 adet var." in page
    ref = _ticket_ref(page)
    response = client.post(
        f"/staff/sessions/{desk.id}/pos/pay", data={"ticket_ref": ref, "method": "cash"}
    )
    assert response.status_code == 409
    assert "Son Kilim için yeterli stok yok (istenen 1)." in _html(response)
    assert count(Order, Order.cash_session_id == desk.id) == 0
    assert stock(last.id) == 0
    assert_ledger_holds()


def test_removing_and_clearing_the_ticket(client, desk):
    ProductFactory(code="AA001", price_kurus=1_000, stock=5)
    ProductFactory(code="BB002", price_kurus=2_000, stock=5)
    _add(client, desk.id, "AA001")
    _add(client, desk.id, "BB002")
    client.post(f"/staff/sessions/{desk.id}/pos/remove", data={"code": "AA001"})
    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert "AA001" not in page and "BB002" in page
    client.post(f"/staff/sessions/{desk.id}/pos/clear")
    assert "Fiş boş." in _html(client.get(f"/staff/sessions/{desk.id}/pos"))


def test_not_enough_cash_handed_over(client, desk):
    ProductFactory(code="CC003", price_kurus=25_000, stock=5)
    _add(client, desk.id, "CC003")
    response = _pay(client, desk.id, "cash", tendered="200")
    assert response.status_code == 422
    assert "Alınan nakit toplamdan az." in _html(response)
    assert count(Order) == 0


def test_closing_shows_the_short_before_confirming_and_books_it(client, clerk, desk):
    ProductFactory(code="A100", price_kurus=25_000, stock=10)
    ProductFactory(code="B200", price_kurus=12_550, stock=10)
    ProductFactory(code="C300", price_kurus=7_525, stock=10)
    for code, qty, method in (
        ("A100", 2, "cash"),
        ("B200", 1, "card_terminal"),
        ("C300", 1, "cash"),
    ):
        bazaar.sell(desk.id, [LineRequest(code=code, quantity=qty)], method, clerk.id)
    db.session.commit()

    page = _html(client.get(f"/staff/sessions/{desk.id}"))
    assert "₺1.075,25" in page  # ₺500 float + ₺575,25 cash
    preview = client.post(f"/staff/sessions/{desk.id}/close", data={"counted": "1.070"})
    html = _html(preview)
    assert preview.status_code == 200
    assert "Kasa açığı" in html and "₺5,25" in html and "₺1.070,00" in html
    assert db.session.get(CashSession, desk.id).status == "open"  # nothing yet
    assert count(LedgerTransaction, LedgerTransaction.kind == "cash_over_short") == 0

    done = client.post(
        f"/staff/sessions/{desk.id}/close",
        data={"counted": "1.070", "expected": "107525", "confirm": "1"},
        follow_redirects=True,
    )
    assert "Kasa kapatıldı. Kasa açığı: ₺5,25" in _html(done)
    db.session.expire_all()
    closed = db.session.get(CashSession, desk.id)
    assert (closed.status, closed.counted_kurus, closed.closed_by_id) == (
        "closed",
        107_000,
        clerk.id,
    )
    assert balances()["cash:over_short"] == 525
    assert_ledger_holds()

    again = client.post(
        f"/staff/sessions/{desk.id}/close",
        data={"counted": "2.000", "expected": "107525", "confirm": "1"},
        follow_redirects=True,
    )
    assert "Bu kasa oturumu zaten kapatılmış." in _html(again)
    assert count(LedgerTransaction, LedgerTransaction.kind == "cash_over_short") == 1
    pos = client.get(f"/staff/sessions/{desk.id}/pos", follow_redirects=True)
    assert "Bu kasa oturumu kapatılmış; satış yapılamaz." in _html(pos)
    sold_into_closed = _add(client, desk.id, "A100")
    assert sold_into_closed.location == f"/staff/sessions/{desk.id}"
    listing = _html(client.get("/staff/sessions"))
    assert "-₺5,25" in listing or "−₺5,25" in listing


def test_a_sale_during_the_count_asks_to_confirm_again(client, clerk, desk):
    ProductFactory(code="D400", price_kurus=10_000, stock=10)
    client.post(f"/staff/sessions/{desk.id}/close", data={"counted": "500"})
    bazaar.sell(desk.id, [LineRequest(code="D400", quantity=1)], "cash", clerk.id)
    db.session.commit()
    response = client.post(
        f"/staff/sessions/{desk.id}/close",
        data={"counted": "500", "expected": "50000", "confirm": "1"},
    )
    html = _html(response)
    assert response.status_code == 409
    assert "Beklenen tutar siz sayarken değişti" in html
    assert "₺600,00" in html  # the new expected cash, shown for a fresh confirmation
    assert db.session.get(CashSession, desk.id).status == "open"


def test_an_over_is_shown_and_booked(client, desk):
    client.post(f"/staff/sessions/{desk.id}/close", data={"counted": "512,50"})
    done = client.post(
        f"/staff/sessions/{desk.id}/close",
        data={"counted": "512,50", "expected": "50000", "confirm": "1"},
        follow_redirects=True,
    )
    assert "Kasa kapatıldı. Kasa fazlası: ₺12,50" in _html(done)
    assert balances() == {"clearing:cash": 1_250, "cash:over_short": -1_250}
    assert_ledger_holds()


def test_the_pos_page_does_not_query_per_line(client, desk):
    for i in range(8):
        ProductFactory(code=f"Q{i:04d}", stock=5)
    _add(client, desk.id, "Q0000")
    with count_queries() as few:
        client.get(f"/staff/sessions/{desk.id}/pos")
    for i in range(1, 8):
        _add(client, desk.id, f"Q{i:04d}")
    with count_queries() as many:
        client.get(f"/staff/sessions/{desk.id}/pos")
    assert len(many) == len(few)
    assert db.session.scalar(select(Product.stock).where(Product.code == "Q0007")) == 5


def test_the_desk_pages_speak_english_too(client, desk):
    ProductFactory(code="EN001", price_kurus=10_000, stock=2)
    client.post("/language/en", data={"next": "/"})
    _add(client, desk.id, "EN001")
    page = _html(client.get(f"/staff/sessions/{desk.id}/pos"))
    assert '<html lang="en">' in page
    assert "Point of sale" in page and "Card (terminal)" in page and "TRY 100.00" in page
    for url in (
        "/staff/",
        "/staff/sessions",
        f"/staff/sessions/{desk.id}",
        "/staff/transfers",
        "/staff/fulfilment",
        "/staff/sessions/new",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in _html(response)
    assert "Expected in the drawer" in _html(client.get(f"/staff/sessions/{desk.id}"))
