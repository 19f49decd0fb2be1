"""Faults on PostgreSQL: a backend terminated between requests or in the middle of a unit of work
(a server restart, a failover, an admin's pg_terminate_backend). Nothing committed is lost,
nothing half-written stays, and the next request works (pool_pre_ping)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from coopshop.db import db
from coopshop.models import Order, Product
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from tests.support.factories import ProductFactory
from tests.support.staff_support import BUYER

pytestmark = pytest.mark.postgres

APPROVED = Acceptance(pre_information=True, contract=True, ip="192.0.2.7")


def _operator():
    """A connection outside the app's pool, as an operator's psql would be."""
    url = db.engine.url.set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _terminate_every_other_backend() -> int:
    """Every backend of this database but the operator's own (the app's whole pool)."""
    with _operator() as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    return int(killed)


def _request(product_id: int):
    return checkout.CheckoutRequest(
        items={product_id: 1},
        buyer=BUYER,
        method="card",
        card_payment_method="demo",
        acceptance=APPROVED,
    )


def test_pages_answer_again_after_every_backend_was_terminated(app, client):
    product = ProductFactory(title_tr="Kırmızı Kese", stock=2)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.remove()  # the test's own connection goes back to the pool, as a request's does
    assert _terminate_every_other_backend() >= 1
    # The pool's connections are dead; pre-ping finds it and opens new ones.
    response = client.get(f"/products/{product.id}")
    assert response.status_code == 200
    assert "Kırmızı Kese" in response.get_data(as_text=True)


def test_a_backend_lost_mid_checkout_leaves_nothing_half_written(app):
    kept = ProductFactory(stock=3).id
    db.session.commit()
    order = checkout.place_order(_request(kept), _settings())  # one committed order before
    db.session.commit()
    committed_id = order.id

    checkout.place_order(_request(kept), _settings())  # flushed: order, lines, stock held
    own_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with _operator() as other:
        other.execute("SELECT pg_terminate_backend(%s)", (own_pid,))
    with pytest.raises(DBAPIError):
        db.session.commit()
    db.session.rollback()
    db.session.remove()

    # What was committed is there; the half-placed order and its stock hold are not.
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.get(Order, committed_id) is not None
    assert db.session.get(Product, kept).stock == 2
    # And the next unit of work goes through.
    again = checkout.place_order(_request(kept), _settings())
    db.session.commit()
    assert again.id != committed_id and db.session.get(Product, kept).stock == 1


def _settings():
    from coopshop.services.core import settings as settings_service

    return settings_service.current()
