"""Helpers for the KVKK tests: customers with delivered, invoiced, partly refunded orders, and
the totals an erasure must leave as they were."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Invoice, Order, Payment, Refund
from coopshop.services.core import settings as settings_service
from coopshop.services.core import uow
from coopshop.services.sales import checkout, fulfilment, refunds
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import Buyer
from tests.support.factories import UserFactory
from tests.support.ledger_support import balances

APPROVED = Acceptance(pre_information=True, contract=True, ip="192.0.2.7")


def customer(name: str, email: str, phone: str = "0555 000 00 00"):
    return UserFactory(name=name, email=email, phone=phone)


def buyer_of(user, address: str, ilce: str = "Çankaya") -> Buyer:
    return Buyer(
        name=user.name,
        email=user.email,
        phone=user.phone or "",
        address_line=address,
        il="Ankara",
        ilce=ilce,
        postal_code="06420",
    )


def delivered_order(user, product, quantity: int, address: str, refund_kurus: int = 0) -> Order:
    """A card order from her account, paid, received, shipped, delivered (and partly refunded
    when ``refund_kurus``), committed with its invoice issued when invoicing is on."""
    settings = settings_service.current()
    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: quantity},
            buyer=buyer_of(user, address),
            method="card",
            card_payment_method="demo",
            acceptance=APPROVED,
            customer_id=user.id,
        ),
        settings,
    )
    checkout.fulfil(
        order.id,
        PaymentInfo(provider="demo", amount_kurus=order.total_kurus, provider_ref=f"d-{order.id}"),
        settings,
    )
    fulfilment.mark_received([line.id for line in order.lines], None)
    fulfilment.mark_shipped(order.id, f"YK{order.id:08d}", None)
    fulfilment.mark_delivered(order.id)
    if refund_kurus:
        refunds.create_refund(order, [(order.lines[0].id, refund_kurus)], reason="kusurlu")
    uow.commit()
    return order


def totals() -> dict:
    """Every amount an erasure must not change: each order's totals, the ledger's balances,
    payments, refunds and invoices."""
    db.session.expire_all()
    return {
        "orders": [
            tuple(row)
            for row in db.session.execute(
                select(
                    Order.id, Order.subtotal_kurus, Order.shipping_kurus, Order.total_kurus
                ).order_by(Order.id)
            )
        ],
        "ledger": balances(),
        "payments": db.session.scalar(select(func.sum(Payment.amount_kurus))),
        "refunds": db.session.scalar(select(func.sum(Refund.amount_kurus))),
        "invoices": [
            tuple(row)
            for row in db.session.execute(
                select(
                    Invoice.id, Invoice.gross_kurus, Invoice.net_kurus, Invoice.vat_kurus
                ).order_by(Invoice.id)
            )
        ],
    }


def unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def data_json(files: dict[str, str]) -> dict:
    return json.loads(files["data.json"])
