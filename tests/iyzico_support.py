"""Fixtures for the iyzico stand-in: one TLS server per test session on a free 127.0.0.1 port,
its state reset for every test (tests stay independent without a TLS server each), and an app
configured to take cards through it."""

from __future__ import annotations

import pytest

from tests.iyzico_standin import IyzicoStandin


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


_KEYS = (
    "PAYMENT_PROVIDER",
    "IYZICO_API_KEY",
    "IYZICO_SECRET_KEY",
    "IYZICO_BASE_URL",
    "IYZICO_TIMEOUT",
    "IYZICO_SSL_CONTEXT",
)
