"""The bank-transfer queue through the browser: confirm with the reference and amount, or
cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerTransaction, Order
from coopshop.services.sales.orders import Buyer
from tests.support.factories import ProductFactory
from tests.support.sql_counter import count_queries
from tests.support.staff_support import (
    assert_ledger_holds,
    audit_actions,
    count,
    staff_user,
    stock,
    transfer_order,
)


@pytest.fixture
def clerk(client, login):
    user = staff_user()
    login(user)
    return user


@pytest.fixture
def waiting(app):
    product = ProductFactory(price_kurus=45_000, stock=3)
    return transfer_order([(product, 1)]), product


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_the_queue_shows_what_is_awaited(client, clerk, waiting):
    order, _product = waiting
    html = _html(client.get("/staff/transfers"))
    assert order.number in html
    assert "Selin Aksoy" in html
    assert "₺525,00" in html
    assert f'name="o{order.id}-reference"' in html
    assert f'name="o{order.id}-amount"' in html
    assert "Bekleyen sipariş: 1" in html


def test_confirming_pays_the_order_and_mails_the_shopper(app, client, clerk, waiting):
    order, product = waiting
    response = client.post(
        f"/staff/transfers/{order.id}/confirm",
        data={
            f"o{order.id}-number": order.number,
            f"o{order.id}-reference": "EFT-2025-77",
            f"o{order.id}-amount": "525,00",
        },
        follow_redirects=True,
    )
    html = _html(response)
    assert "Havale onaylandı; sipariş ödendi." in html
    assert "Havale bekleyen sipariş yok." in html
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert paid.status == "paid"
    assert stock(product.id) == 2
    mails = [p.read_text() for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")]
    assert any(order.number in m and "selin@example.org" in m for m in mails)
    assert audit_actions("transfer.") == ["transfer.confirm"]

    again = client.post(
        f"/staff/transfers/{order.id}/confirm",
        data={
            f"o{order.id}-number": order.number,
            f"o{order.id}-reference": "EFT-2025-77",
            f"o{order.id}-amount": "525",
        },
        follow_redirects=True,
    )
    assert "Bu siparişin havalesi zaten onaylanmış." in _html(again)
    assert count(LedgerTransaction, LedgerTransaction.kind == "sale") == 1
    assert_ledger_holds()


@pytest.mark.parametrize(
    ("reference", "amount", "status", "message"),
    [
        ("EFT-1", "520", 409, "Gelen tutar (₺520,00) sipariş tutarına (₺525,00) eşit değil."),
        ("EFT-1", "beş yüz", 422, "Tutarı 1.250 ya da 1250,00 gibi yazın."),
        ("", "525", 422, "Banka referansını (dekont no) yazın."),
        ("EFT-1", "", 422, "Gelen tutarı yazın."),
    ],
    ids=["wrong-amount", "not-an-amount", "no-reference", "no-amount"],
)
def test_a_wrong_confirmation_is_told_and_kept(
    client, clerk, waiting, reference, amount, status, message
):
    order, _product = waiting
    response = client.post(
        f"/staff/transfers/{order.id}/confirm",
        data={
            f"o{order.id}-number": order.number,
            f"o{order.id}-reference": reference,
            f"o{order.id}-amount": amount,
        },
    )
    html = _html(response)
    assert response.status_code == status
    assert message in html
    assert f'value="{amount}"' in html
    assert f'value="{reference}"' in html
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending_payment"
    assert count(LedgerTransaction) == 0


def test_cancelling_returns_the_stock(client, clerk, waiting):
    order, product = waiting
    response = client.post(f"/staff/transfers/{order.id}/cancel", follow_redirects=True)
    assert f"Sipariş {order.number} iptal edildi; ürünler stoğa döndü." in _html(response)
    assert stock(product.id) == 3
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    again = client.post(f"/staff/transfers/{order.id}/cancel", follow_redirects=True)
    assert "artık havale beklemiyor" in _html(again)
    assert stock(product.id) == 3
    assert_ledger_holds()


def test_searching_the_queue(client, clerk):
    product = ProductFactory(stock=10)
    hatice = transfer_order([(product, 1)], buyer=Buyer(name="Hatice Demir", email="h@e.org"))
    elif_ = transfer_order([(product, 1)], buyer=Buyer(name="Elif Kaya", email="e@e.org"))
    html = _html(client.get("/staff/transfers?q=Kaya"))
    assert elif_.number in html and hatice.number not in html


def test_the_queue_does_not_query_per_order(client, clerk):
    product = ProductFactory(stock=50)
    transfer_order([(product, 1)])
    with count_queries() as few:
        client.get("/staff/transfers")
    for _ in range(10):
        transfer_order([(product, 1)])
    with count_queries() as many:
        client.get("/staff/transfers")
    assert len(many) == len(few)
    assert len(db.session.scalars(select(Order)).all()) == 11


def _card(html: str, order_id: int) -> str:
    """The queue card of one order (its <section>)."""
    start = html.index(f'aria-labelledby="order-{order_id}"')
    return html[start : html.index("</section>", start)]


def test_an_error_stays_on_its_own_card_with_the_filter_kept(client, clerk):
    product = ProductFactory(price_kurus=50000, stock=5)
    buyers = [Buyer(name=f"Ayla Kaya {i}", email=f"k{i}@e.org") for i in range(3)]
    orders = [transfer_order([(product, 1)], buyer=b) for b in buyers]
    middle = orders[1]
    response = client.post(
        f"/staff/transfers/{middle.id}/confirm?q=Kaya",
        data={
            f"o{middle.id}-number": middle.number,
            f"o{middle.id}-reference": "EFT-9",
            f"o{middle.id}-amount": "1",
        },
    )
    html = _html(response)
    assert response.status_code == 409
    assert 'value="Kaya"' in html  # the search box keeps the filter
    assert "eşit değil" in _card(html, middle.id)
    for other in (orders[0], orders[2]):
        assert "eşit değil" not in _card(html, other.id)
    # Every card's form posts back with the filter and lands on its own card.
    assert f"/staff/transfers/{middle.id}/confirm?q=Kaya#order-{middle.id}" in html

    ok = client.post(
        f"/staff/transfers/{middle.id}/confirm?q=Kaya",
        data={
            f"o{middle.id}-number": middle.number,
            f"o{middle.id}-reference": "EFT-9",
            f"o{middle.id}-amount": "575",
        },
    )
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/staff/transfers?q=Kaya")


def test_a_confirmation_from_another_card_pays_nothing(client, clerk):
    product = ProductFactory(price_kurus=50000, stock=5)
    first = transfer_order([(product, 1)], buyer=Buyer(name="Ayla Kaya", email="a@e.org"))
    second = transfer_order([(product, 1)], buyer=Buyer(name="Elif Kaya", email="e@e.org"))
    response = client.post(
        f"/staff/transfers/{second.id}/confirm",
        data={
            f"o{second.id}-number": first.number,
            f"o{second.id}-reference": "EFT-9",
            f"o{second.id}-amount": "575",
        },
        follow_redirects=True,
    )
    assert "başka bir siparişin kartından geldi" in _html(response)
    db.session.expire_all()
    assert {db.session.get(Order, o.id).status for o in (first, second)} == {"pending_payment"}
    assert count(LedgerTransaction) == 0
