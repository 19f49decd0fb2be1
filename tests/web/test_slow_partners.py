"""Slow partners hurt no one: a Stripe that hangs and an SMTP server that never answers give up
after a short timeout; the shopper is told, and the stock held for her order comes back at once."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, OutboxMessage, Product
from coopshop.services.core import mail
from tests.support.factories import ProductFactory
from tests.support.stripe_support import free_port


@pytest.fixture
def silent_server():
    """A 127.0.0.1 port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


# The checkout form's province choices are tuples (the shop's to change, not this test's).
@pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning")
def test_a_hanging_stripe_gives_the_shopper_a_message_and_the_stock_back(
    app, client, monkeypatch, silent_server
):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{silent_server}")
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT_SECONDS", 1)
    product = ProductFactory(price_kurus=45000, stock=2)
    client.post("/cart/add", data={"product_id": product.id, "quantity": 2})
    started = time.monotonic()
    response = client.post(
        "/checkout",
        data={
            "name": "Selin Aksoy",
            "email": "selin@example.org",
            "phone": "0532 111 22 33",
            "address_line": "Atatürk Bulvarı No: 12 Daire 3",
            "il": "Ankara",
            "ilce": "Çankaya",
            "method": "card",
            "accept_pre_information": "y",
            "accept_contract": "y",
        },
    )
    took = time.monotonic() - started
    assert took < 10  # one retry of a 1 s timeout, not the SDK's 80 s
    assert response.status_code == 302
    assert "Ödeme sayfası açılamadı" in client.get(response.location).get_data(as_text=True)
    order = db.session.scalars(select(Order)).one()
    db.session.refresh(order)
    assert order.status == "cancelled"
    assert db.session.get(Product, product.id).stock == 2


def test_a_silent_smtp_server_times_out_and_the_mail_stays_queued(app, monkeypatch, silent_server):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", silent_server)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 1)
    mail.queue("selin@example.org", "Siparişiniz", "Merhaba")
    db.session.commit()
    started = time.monotonic()
    assert mail.deliver_pending() == 0
    assert time.monotonic() - started < 5
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None
    assert "timed out" in message.error
