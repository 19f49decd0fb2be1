"""A hundred buyers racing for the last units: the stock is never sold twice (PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, Product
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import InsufficientStock
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.orders import Buyer
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.postgres

BUYERS = 50
STOCK = 5


def test_fifty_concurrent_checkouts_for_five_units(app):
    product = ProductFactory(stock=STOCK, price_kurus=30000)
    product_id = product.id
    settings = settings_service.current()
    start = threading.Barrier(BUYERS)

    def buy(n: int) -> str:
        # Each thread has its own app context, so its own session and connection.
        with app.app_context():
            start.wait(timeout=30)
            try:
                checkout.place_order(
                    checkout.CheckoutRequest(
                        items={product_id: 1},
                        buyer=Buyer(name=f"Alıcı {n}", email=f"b{n}@example.org"),
                        method="card",
                        card_payment_method="demo",
                        acceptance=Acceptance(pre_information=True, contract=True),
                    ),
                    settings,
                )
                db.session.commit()
                return "ok"
            except InsufficientStock as exc:
                db.session.rollback()
                return str(exc.message)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        results = list(pool.map(buy, range(BUYERS), timeout=120))

    assert results.count("ok") == STOCK
    sold_out = [r for r in results if r != "ok"]
    assert len(sold_out) == BUYERS - STOCK
    assert all("yeterli stok yok" in r for r in sold_out)
    db.session.expire_all()
    assert db.session.scalar(select(Product.stock).where(Product.id == product_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == STOCK
