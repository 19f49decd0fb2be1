"""The shopper's order page tells the truth, in order, through every state of her order: waiting
for the transfer, paid, prepared (in from the makers, packed), shipped, delivered, partly refunded
(with the amount), withdrawal requested; and cancelled, expired. The headline is the latest step,
never "hazırlanıyor" once the parcel has left."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coopshop.db import db
from coopshop.models import utcnow
from coopshop.services.sales import fulfilment, order_states, refunds, withdrawals
from coopshop.services.sales.order_history import Step, headline, history
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory
from tests.support.staff_support import BUYER

PREPARING = "Siparişiniz hazırlanıyor"


@pytest.fixture
def buyer(app):
    return UserFactory(role="customer", email=BUYER.email, name=BUYER.name)


def _order(buyer, method="bank_transfer"):
    maker = ProducerFactory()
    scarf = ProductFactory(
        title_tr="İpek atkı", price_kurus=20000, stock=5, makers=[(maker, 10000)]
    )
    order = create_order(
        NewOrder(
            channel="bank_transfer" if method == "bank_transfer" else "online",
            payment_method=method,
            lines=[LineRequest(quantity=2, product_id=scarf.id)],
            buyer=BUYER,
            customer_id=buyer.id,
            charge_shipping=True,
        )
    )
    db.session.commit()
    return order


def _page(client, order) -> tuple[str, str, list[str]]:
    """The headline's text, the whole page, and the history's steps in the order shown."""
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-testid="order-history"' in html
    history_html = html.split('data-testid="order-history"', 1)[1].split("</ol>", 1)[0]
    steps = re.findall(r'data-step="([a-z_]+)"', history_html)
    after_title = html.split("</h1>", 1)[1]
    alert = re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', after_title, re.S)
    headline = re.sub(r"<[^>]+>|\s+", " ", alert.group(1)).strip() if alert else ""
    return headline, html, steps


def test_the_order_page_through_every_state(client, login, buyer):
    order = _order(buyer)
    login(buyer)
    start = utcnow()

    headline, html, steps = _page(client, order)
    assert "Havale/EFT bekleniyor" in headline
    assert steps == ["placed"]

    order_states.mark_paid(
        order_states.lock_order(order.id),
        PaymentInfo(provider="bank_transfer", amount_kurus=order.total_kurus),
    )
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert PREPARING in headline
    assert steps == ["placed", "paid"]
    assert f"Ödendi ₺{order.total_kurus // 100:,}".replace(",", ".") in html

    fulfilment.mark_received([line.id for line in order.lines], None, now=start)
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert headline == "Siparişiniz hazırlandı ve paketlendi; kargoya verilecek."
    assert PREPARING not in html
    assert steps == ["placed", "paid", "prepared"]

    fulfilment.mark_shipped(order.id, "TRK 42", None, now=start)
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert headline == "Siparişiniz kargoda."
    assert PREPARING not in html
    assert steps == ["placed", "paid", "prepared", "shipped"]
    assert "Takip no: TRK 42" in html

    fulfilment.mark_delivered(order.id, None, delivered_at=utcnow())
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert headline.startswith("Teslim edildi")
    assert PREPARING not in html
    assert steps == ["placed", "paid", "prepared", "shipped", "delivered"]

    line = order.lines[0]
    refunds.create_refund(order, [(line.id, 5000)], reason="leke", method="original")
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert headline == "İade edildi ₺50,00"
    assert steps == ["placed", "paid", "prepared", "shipped", "delivered", "refunded"]

    withdrawals.request_withdrawal(order, {line.id: 1}, requested_by_id=buyer.id)
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert steps[-1] == "withdrawal_requested"
    assert "Cayma talebi alındı" in html
    # The same history in English.
    with client.session_transaction() as session:
        session["locale"] = "en"
    english = client.get(f"/orders/{order.number}").get_data(as_text=True)
    for words in (
        "Order placed",
        "Paid TRY",
        "Prepared:",
        "Shipped",
        "Delivered",
        "Refunded TRY 50.00",
    ):
        assert words in english
    assert "Withdrawal request received" in english


def test_a_full_refund_headline_says_the_whole_total(client, login, buyer):
    order = _order(buyer)
    login(buyer)
    order_states.mark_paid(
        order_states.lock_order(order.id),
        PaymentInfo(provider="bank_transfer", amount_kurus=order.total_kurus),
    )
    line = order.lines[0]
    refunds.create_refund(
        order,
        [(line.id, line.gross_kurus)],
        reason="iptal",
        method="original",
        shipping_kurus=order.shipping_kurus,
    )
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert headline == f"İade edildi ₺{order.total_kurus // 100},{order.total_kurus % 100:02d}"
    assert steps == ["placed", "paid", "refunded"]
    assert PREPARING not in html


@pytest.mark.parametrize("end", ["cancelled", "expired"])
def test_an_order_that_never_got_paid_says_so(client, login, buyer, end):
    order = _order(buyer)
    login(buyer)
    locked = order_states.lock_order(order.id)
    if end == "cancelled":
        order_states.cancel(locked)
        words = "Bu sipariş iptal edildi."
    else:
        locked.expires_at = utcnow() - timedelta(minutes=1)
        words = "ödeme süresi doldu"
    db.session.commit()
    headline, html, steps = _page(client, order)
    assert words in headline
    assert steps == ["placed", end]


def test_a_state_the_page_does_not_know_ends_the_history_in_its_own_words(app, buyer):
    # (Generic over states: a new status, e.g. one added by the shipping work, is never shown
    # as "being prepared".)
    order = _order(buyer)
    steps = history(order, "some_new_state", [], [])
    assert steps[-1] == Step("some_new_state", None)
    with db.session.no_autoflush:  # (not written: today's CHECK would refuse it)
        order.fulfilment_status = "some_new_step"
        steps = history(order, "paid", [], [])
        order.fulfilment_status = "unfulfilled"
    assert [s.kind for s in steps] == ["placed", "some_new_step"]
    assert headline(steps).kind == "some_new_step"
