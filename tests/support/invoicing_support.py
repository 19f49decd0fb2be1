"""Helpers for the invoicing tests: switch invoicing on (local or against the Nilvera stand-in)
and make paid orders with a buyer."""

from __future__ import annotations

import pytest

from tests.support.nilvera_standin import STANDIN_KEY

COMPANY_VKN = "1234567890"  # a valid VKN (check digit 0)
OTHER_VKN = "1234567904"
TCKN = "10000000146"
ALIAS = "urn:mail:defaultpk@firma.com.tr"


def seller_config(base_url: str) -> dict:
    return {
        "INVOICING_ENABLED": True,
        "INVOICING_PROVIDER": "nilvera",
        "NILVERA_API_KEY": STANDIN_KEY,
        "NILVERA_BASE_URL": base_url,
        "NILVERA_TIMEOUT_SECONDS": 1,
        "INVOICING_SELLER_VKN": "9876543210",
        "INVOICING_SELLER_TAX_OFFICE": "Çankaya",
        "INVOICING_SELLER_ADDRESS": "Atatürk Blv. 1",
        "INVOICING_SELLER_DISTRICT": "Çankaya",
        "INVOICING_SELLER_CITY": "Ankara",
        "INVOICING_SELLER_WEBSITE": "https://example.org",
    }


@pytest.fixture
def local_invoicing(app, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICING_ENABLED", True)
    monkeypatch.setitem(app.config, "INVOICING_PROVIDER", "local")
    return app


@pytest.fixture
def nilvera_invoicing(app, standin, monkeypatch):
    for key, value in seller_config(standin.url).items():
        monkeypatch.setitem(app.config, key, value)
    return standin


def buyer(**kw):
    from coopshop.services.sales.orders import Buyer

    defaults = {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.org",
        "address_line": "Kızılay Mah. 5",
        "il": "Ankara",
        "ilce": "Çankaya",
    }
    return Buyer(**{**defaults, **kw})


def pay(items, *, who=None, channel="online", method="demo", shipping=False, paid_at=None):
    """A paid order of ``items`` ([(product, quantity), ...]) made out to ``who`` (flushed)."""
    from coopshop.services.core.settings import CoopSettings
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

    settings = CoopSettings(free_shipping_threshold_kurus=10**9)
    order = create_order(
        NewOrder(
            channel=channel,
            payment_method=method,
            lines=[LineRequest(quantity=q, product_id=p.id) for p, q in items],
            buyer=who if who is not None else buyer(),
            charge_shipping=shipping,
        ),
        settings=settings,
        now=paid_at,
    )
    mark_paid(order, PaymentInfo(provider=method, amount_kurus=order.total_kurus),
              settings=settings, now=paid_at)  # fmt: skip
    return order
