"""Fixtures for the iyzico stand-in: one TLS server per test session on a free 127.0.0.1 port,
its state reset for every test (tests stay independent without a TLS server each), and an app
configured to take cards through it."""

from __future__ import annotations

import pytest

from tests.support.iyzico_standin import IyzicoStandin


@pytest.fixture(scope="session")
def _iyzico_server():
    server = IyzicoStandin().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def iyzico_standin(_iyzico_server):
    _iyzico_server.reset()
    yield _iyzico_server
    _iyzico_server.unhang()


@pytest.fixture
def iyzico_app(app, iyzico_standin):
    """The test app with PAYMENT_PROVIDER=iyzico pointed at the stand-in (its CA trusted by an
    explicit SSL context, never by SSL_CERT_FILE)."""
    from coopshop.services.sales import instalments

    instalments.clear_cache()
    saved = {k: app.config.get(k) for k in _KEYS}
    app.config.update(
        PAYMENT_PROVIDER="iyzico",
        IYZICO_API_KEY=iyzico_standin.api_key,
        IYZICO_SECRET_KEY=iyzico_standin.secret_key,
        IYZICO_BASE_URL=iyzico_standin.base_url,
        IYZICO_TIMEOUT=2.0,
        IYZICO_SSL_CONTEXT=iyzico_standin.client_context(),
    )
    yield app
    app.config.update(saved)
    instalments.clear_cache()


_KEYS = (
    "PAYMENT_PROVIDER",
    "IYZICO_API_KEY",
    "IYZICO_SECRET_KEY",
    "IYZICO_BASE_URL",
    "IYZICO_TIMEOUT",
    "IYZICO_SSL_CONTEXT",
    "IYZICO_INSTALLMENTS",
)


CHECKOUT_FORM = {
    "name": "Ayşe Yılmaz",
    "email": "ayse@example.org",
    "phone": "0555 123 45 67",
    "address_line": "Kemeraltı Caddesi No: 5 Daire 2",
    "il": "İzmir",
    "ilce": "Konak",
    "postal_code": "35250",
    "method": "card",
    "accept_pre_information": "y",
    "accept_contract": "y",
}


def iyzico_paid_order(app, standin, items: dict[int, int], installment: int = 1):
    """A shopper checks out, pays on the stand-in's page and comes back: the paid Order."""
    from urllib.parse import parse_qs, urlsplit

    from sqlalchemy import select

    from coopshop.db import db
    from coopshop.models import Order
    from coopshop.shop.cart import SESSION_KEY

    shopper = app.test_client()
    with shopper.session_transaction() as session:
        session[SESSION_KEY] = {str(pid): qty for pid, qty in items.items()}
    started = shopper.post("/checkout", data=CHECKOUT_FORM)
    token = parse_qs(urlsplit(started.headers["Location"]).query)["token"][0]
    standin.complete(token, installment=installment)
    shopper.post("/checkout/iyzico/callback", data={"token": token})
    db.session.expire_all()
    order = db.session.scalar(select(Order).where(Order.payment_reference == token))
    assert order.status == "paid"
    return order
