"""The VAT split migration (0290_vat_split) marks the orders already booked, whose ledger keeps
its old booking of shipping and surcharge (append-only), and no other order."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from coopshop.db import db
from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an empty database)

_ORDER = (
    "INSERT INTO orders (id, number, channel, payment_method, status, fulfilment_status, "
    "buyer_name, buyer_email, buyer_phone, address_line, il, ilce, postal_code, subtotal_kurus, "
    "shipping_kurus, total_kurus, created_at) VALUES (:id, :number, 'online', 'demo', :status, "
    "'unfulfilled', '', '', '', '', '', '', '', 1000, 0, 1000, CURRENT_TIMESTAMP)"
)


def test_orders_booked_before_the_split_are_marked_legacy(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade(revision="0280_perf_indexes")
        with db.engine.begin() as conn:
            conn.execute(text(_ORDER), {"id": 1, "number": "S-1", "status": "paid"})
            conn.execute(text(_ORDER), {"id": 2, "number": "S-2", "status": "pending_payment"})
            conn.execute(
                text(
                    "INSERT INTO ledger_transactions (id, kind, memo, order_id, created_at) "
                    "VALUES (1, 'sale', 'Satış S-1', 1, CURRENT_TIMESTAMP)"
                )
            )
        flask_migrate.upgrade(revision="0290_vat_split")
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, legacy_vat_booking, shipping_vat_bp FROM orders ORDER BY id")
            ).all()
        db.engine.dispose()
    assert [(i, bool(legacy), bp) for i, legacy, bp in rows] == [(1, True, 2000), (2, False, 2000)]
