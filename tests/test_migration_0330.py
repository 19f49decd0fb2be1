"""Migration 0330 carries the undated own rates of products and members over into the dated
policy (in force from 2000-01-01), so every sale resolves as before, and keeps the rows that
point at those tables (order lines, makers) through SQLite's table copy; its downgrade puts the
rate in force back in the columns."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import insert, text

from coopshop.db import db
from coopshop.models import Category, OrderLine, ProducerProfile, Product, ProductMaker, User
from coopshop.models.policy import SINCE_ALWAYS
from tests.test_migrations import empty_app  # noqa: F401  (fixture)

BEFORE = "0310_bank_statements"


def _seed(conn) -> None:
    """Two members (one with her own 10%), two products (one with its own 8%), a maker row
    each, written with the models' columns plus the old commission_bp."""
    for i in (1, 2):
        conn.execute(
            insert(User.__table__).values(
                id=i, email=f"m{i}@example.org", name=f"Üye {i}", password_hash="x", role="producer"
            )
        )
        conn.execute(
            insert(ProducerProfile.__table__).values(id=i, user_id=i, display_name=f"Üye {i}")
        )
    conn.execute(insert(Category.__table__).values(id=1, slug="dokuma", name_tr="Dokuma"))
    for i in (1, 2):
        conn.execute(
            insert(Product.__table__).values(
                id=i, code=f"P{i}", title_tr=f"Ürün {i}", price_kurus=10000, category_id=1
            )
        )
        conn.execute(
            insert(ProductMaker.__table__).values(product_id=i, producer_id=i, share_bp=10_000)
        )
    conn.execute(text("UPDATE producer_profiles SET commission_bp = 1000 WHERE id = 1"))
    conn.execute(text("UPDATE products SET commission_bp = 800 WHERE id = 2"))


def test_the_own_rates_become_dated_rows_and_come_back_on_downgrade(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _seed(conn)
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT scope, producer_id, product_id, rate_bp, effective_from"
                    " FROM commission_rates ORDER BY id"
                )
            ).all()
            makers = conn.execute(text("SELECT COUNT(*) FROM product_makers")).scalar()
        assert [r[:4] for r in rows] == [("product", None, 2, 800), ("producer", 1, None, 1000)]
        assert {str(r[4])[:10] for r in rows} == {SINCE_ALWAYS.date().isoformat()}
        assert makers == 2  # the copy of products did not cascade them away
        assert "commission_bp" not in {c.name for c in Product.__table__.columns}
        assert "commission_bp" in {c.name for c in OrderLine.__table__.columns}

        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            products = conn.execute(text("SELECT id, commission_bp FROM products ORDER BY id"))
            members = conn.execute(
                text("SELECT id, commission_bp FROM producer_profiles ORDER BY id")
            )
            assert products.all() == [(1, None), (2, 800)]
            assert members.all() == [(1, 1000), (2, None)]
            assert conn.execute(text("SELECT COUNT(*) FROM commission_rates")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM product_makers")).scalar() == 2
