"""services.demo: the demo data is realistic, consistent with the ledger, repeatable for a seed,
and `flask seed-demo` prints working logins and leaves a database with data alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from schwifty import IBAN
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.demo import accounts
from coopshop.demo import seed as demo
from coopshop.demo.summary import DEMO_PASSWORD
from coopshop.models import (
    CashSession,
    CommissionRate,
    LedgerEntry,
    LedgerTransaction,
    Order,
    Payment,
    ProducerProfile,
    Product,
    ProductImage,
    User,
)
from coopshop.money import BP
from coopshop.services.core.errors import Conflict
from coopshop.services.members import users as user_service
from tests.conftest import reset_database
from tests.support.factories import UserFactory

NOW = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)
SMALL = {"producers": 10, "products": 30, "orders": 40}
TINY = {"producers": 5, "products": 12, "orders": 12}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _check_consistency(app) -> None:
    """What must hold after any seed, whatever its size."""
    products = db.session.scalars(
        select(Product).options(selectinload(Product.makers), selectinload(Product.images))
    ).all()
    for product in products:
        assert sum(m.share_bp for m in product.makers) == BP, product.code
        assert product.price_kurus > 0 and isinstance(product.price_kurus, int)
        assert product.made_to_order == (product.lead_time_days is not None)
        assert len(product.images) == 1
    codes = [p.code for p in products]
    assert len(set(codes)) == len(codes)

    upload_dir = Path(app.config["UPLOAD_DIR"])
    for path, thumb in db.session.execute(select(ProductImage.path, ProductImage.thumb_path)):
        assert (upload_dir / path).is_file() and (upload_dir / thumb).is_file()

    for iban in db.session.scalars(select(ProducerProfile.iban)):
        assert IBAN(iban).country_code == "TR" and len(iban) == 26

    # Every paid order has exactly one ledger sale for its total; unpaid ones have none.
    sales = dict(
        db.session.execute(
            select(LedgerTransaction.order_id, func.count())
            .where(LedgerTransaction.kind == "sale")
            .group_by(LedgerTransaction.order_id)
        ).all()
    )
    for order in db.session.scalars(select(Order)):
        assert sales.get(order.id, 0) == (1 if order.status == "paid" else 0), order.number
        if order.channel == "bazaar":
            assert order.cash_session_id is not None
    unbalanced = db.session.execute(
        select(LedgerEntry.transaction_id)
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_kurus) != 0)
    ).all()
    assert unbalanced == []
    paid_total = db.session.scalar(
        select(func.sum(Order.total_kurus)).where(Order.status == "paid")
    )
    assert db.session.scalar(select(func.sum(Payment.amount_kurus))) == paid_total

    # Each desk closed with the float plus its cash sales, so there is no over/short to book.
    for session in db.session.scalars(select(CashSession)):
        cash = db.session.scalar(
            select(func.coalesce(func.sum(Order.total_kurus), 0)).where(
                Order.cash_session_id == session.id,
                Order.payment_method == "cash",
                Order.status == "paid",
            )
        )
        assert session.status == "closed"
        assert session.counted_kurus == session.opening_float_kurus + cash


def test_small_seed_is_consistent_and_logins_work(app):
    summary = demo.seed(seed=7, now=NOW, **SMALL)
    db.session.commit()

    assert summary.producers == {"active": 8, "applied": 2}
    assert sum(summary.products.values()) == 30 == _count(Product)
    assert 36 <= sum(summary.orders.values()) <= 40
    assert summary.orders.get("pending_payment", 0) >= 1
    assert summary.ledger_sales == summary.orders["paid"]
    _check_consistency(app)

    for login in summary.logins:
        user = user_service.authenticate(login.email, DEMO_PASSWORD)
        assert user is not None and user.role == login.role, login.email
    assert user_service.authenticate("admin@example.org", "wrong-password") is None

    ayse = db.session.scalar(select(User).where(User.email == "ayse@example.org"))
    assert ayse.producer.membership_status == "active" and ayse.producer.display_name == (
        "Ayşe Yılmaz"
    )
    # Other members have no known password: only the demo logins can sign in.
    other = db.session.scalar(
        select(User).where(User.role == "producer", User.email != "ayse@example.org").limit(1)
    )
    assert user_service.authenticate(other.email, DEMO_PASSWORD) is None


def test_full_seed_through_the_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email in ("admin@example.org", "admin2@example.org", "staff@example.org"):
        assert email in result.output
    assert "ayse@example.org" in result.output
    assert "customer@example.org" in result.output and "demo-12345" in result.output
    # Progress while it works (the full demo takes a while), then the goods total the reports
    # call "Brüt satış", with shipping said apart.
    assert "orders: 240" in result.output and "240/240 orders" in result.output
    assert "paid goods" in result.output and "with shipping" in result.output
    db.session.remove()

    assert _count(ProducerProfile) == 40
    assert _count(ProducerProfile, ProducerProfile.membership_status == "applied") == 2
    assert _count(Product) == 200
    assert _count(Product, Product.status == "active") >= 160
    assert _count(Product, Product.status == "in_review") >= 2
    assert _count(Product, Product.made_to_order.is_(True)) >= 5
    assert 150 <= _count(Order) <= 300
    for channel in ("online", "bank_transfer", "bazaar"):
        assert _count(Order, Order.channel == channel) >= 20, channel
    assert _count(Order, Order.status == "pending_payment") >= 2
    assert _count(Order, Order.status == "cancelled") >= 2
    assert _count(CashSession) >= 3
    prices = db.session.execute(
        select(func.min(Product.price_kurus), func.max(Product.price_kurus))
    )
    low, high = prices.one()
    assert 8_500 <= low and high <= 240_000
    co_made = db.session.scalar(
        select(func.count()).select_from(
            select(Product.id)
            .join(Product.makers)
            .group_by(Product.id)
            .having(func.count() > 1)
            .subquery()
        )
    )
    assert 10 <= co_made <= 35
    _check_consistency(app)

    # The demo producer and customer have something to look at.
    ayse = db.session.scalar(
        select(ProducerProfile).where(ProducerProfile.display_name == "Ayşe Yılmaz")
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.producer_id == ayse.id)
        )
        >= 5
    )
    customer = user_service.find_by_email("customer@example.org")
    statuses = set(db.session.scalars(select(Order.status).where(Order.customer_id == customer.id)))
    assert {"paid", "pending_payment"} <= statuses

    # A second run with --if-empty leaves the database alone.
    before = _count(Order)
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0
    assert "already has data" in again.output
    assert _count(Order) == before


def _fingerprint() -> dict:
    """Everything a seed decides, leaving out what is random by design (order numbers,
    password hashes, image file names)."""
    return {
        "users": db.session.execute(
            select(User.email, User.name, User.role).order_by(User.id)
        ).all(),
        "producers": db.session.execute(
            select(
                ProducerProfile.display_name,
                ProducerProfile.centre,
                ProducerProfile.craft,
                ProducerProfile.iban,
                ProducerProfile.membership_status,
                ProducerProfile.bio,
            ).order_by(ProducerProfile.id)
        ).all(),
        "own_rates": db.session.execute(
            select(
                CommissionRate.scope,
                CommissionRate.producer_id,
                CommissionRate.product_id,
                CommissionRate.rate_bp,
                CommissionRate.effective_from,
            ).order_by(CommissionRate.id)
        ).all(),
        "products": db.session.execute(
            select(
                Product.code,
                Product.title_tr,
                Product.price_kurus,
                Product.vat_bp,
                Product.stock,
                Product.status,
                Product.collection_id,
                Product.created_at,
            ).order_by(Product.id)
        ).all(),
        "orders": db.session.execute(
            select(
                Order.channel,
                Order.payment_method,
                Order.status,
                Order.total_kurus,
                Order.buyer_email,
                Order.created_at,
                Order.paid_at,
            ).order_by(Order.id)
        ).all(),
        "ledger": db.session.execute(
            select(LedgerEntry.amount_kurus, LedgerEntry.producer_id).order_by(LedgerEntry.id)
        ).all(),
    }


def test_same_seed_same_data(app, _tmp_root):
    demo.seed(seed=11, now=NOW, **TINY)
    db.session.commit()
    first = _fingerprint()

    db.session.remove()
    reset_database(app, _tmp_root)
    demo.seed(seed=11, now=NOW, **TINY)
    db.session.commit()
    assert _fingerprint() == first

    db.session.remove()
    reset_database(app, _tmp_root)
    demo.seed(seed=12, now=NOW, **TINY)
    db.session.commit()
    assert _fingerprint()["products"] != first["products"]


def test_refuses_a_database_with_accounts(app):
    UserFactory()
    with pytest.raises(Conflict):
        demo.seed(seed=1, **SMALL)
    assert _count(Product) == 0


def test_cli_without_if_empty_refuses_a_database_with_data(app):
    UserFactory()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "Demo verisi yalnızca boş bir veritabanına yüklenebilir." in result.output
    assert _count(User) == 1


def test_refused_where_demo_payments_are_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_PAYMENTS", False)
    with pytest.raises(Conflict):
        demo.seed(seed=1, **SMALL)
    assert _count(User) == 0


def test_turkish_iban_check_digits():
    # The IBAN registry's example for Turkey.
    assert accounts.turkish_iban("00061", "0519786457841326") == "TR330006100519786457841326"
    for account in ("0000000000000001", "9999999999999999", "1234567890123456"):
        iban = accounts.turkish_iban("00062", account)
        assert IBAN(iban).validate()


def test_lira_formatting_for_the_cli():
    # The CLI's summary uses money's one kuruş text, in Turkish outside any request.
    from coopshop.money import kurus_text

    assert kurus_text(21389430, "tr") == "₺213.894,30"
    assert kurus_text(8500, "tr") == "₺85,00"
    assert kurus_text(5, "tr") == "₺0,05"
