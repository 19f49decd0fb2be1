"""Helpers for the staff desk's tests: a staff member, an open desk, orders waiting for a
transfer or for fulfilment."""

from __future__ import annotations

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, Product
from coopshop.services.bazaar import cash
from coopshop.services.books import ledger_check
from coopshop.services.sales.orders import Buyer, LineRequest, NewOrder, create_order
from tests.support.factories import UserFactory

BUYER = Buyer(
    name="Selin Aksoy",
    email="selin@example.org",
    phone="0555 123 45 67",
    address_line="Atatürk Bulvarı No: 12 Daire 4",
    il="Ankara",
    ilce="Çankaya",
)


def staff_user(**kwargs):
    return UserFactory(role="staff", name=kwargs.pop("name", "Ayşe Masa"), **kwargs)


def open_desk(actor_id, event="Kızılay Kış Pazarı", desk="Masa 1", float_kurus=50_000):
    session = cash.open_session(event, desk, float_kurus, actor_id)
    db.session.commit()
    return session


def transfer_order(items, buyer: Buyer = BUYER):
    """A bank-transfer order waiting for its money: [(product, quantity), ...]. Committed."""
    order = create_order(
        NewOrder(
            channel="bank_transfer",
            payment_method="bank_transfer",
            lines=[LineRequest(quantity=q, product_id=p.id) for p, q in items],
            buyer=buyer,
            charge_shipping=True,
        )
    )
    db.session.commit()
    return order


def stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def audit_actions(action_prefix: str = "") -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith(action_prefix))
            .order_by(AuditEvent.id)
        )
    )


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_ledger_holds() -> None:
    assert [str(v) for v in ledger_check.check()] == []
