"""The database is the last line: a bad row is refused by the DATABASE, not only by Python.

Every insert here is a Core INSERT on the table (no ORM validation, no service rules), so the
only thing that can refuse it is a CHECK, UNIQUE, NOT NULL or FOREIGN KEY constraint. Each bad
row is a valid row with one value changed; the valid row itself is shown to go in first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import (
    Account,
    ApiToken,
    CashSession,
    Category,
    Collection,
    CommissionRate,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    OrderLineMaker,
    Payment,
    PayoutBatch,
    PayoutLine,
    ProducerProfile,
    Product,
    ProductMaker,
    Refund,
    RefundLine,
    User,
    WebhookEvent,
    utcnow,
)
from coopshop.services.catalog import products as product_service
from coopshop.services.core.errors import InvalidTransition, ValidationFailed
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory

MISSING = 999_999  # an id no row has


@dataclass
class World:
    """One valid row of everything, for the bad rows to lean on."""

    maker: ProducerProfile
    other_maker: ProducerProfile
    customer: User
    product: Product
    unmade_product: Product
    order: Order
    line: OrderLine
    refund: Refund
    batch: PayoutBatch
    account: Account
    transaction: LedgerTransaction


@pytest.fixture
def world(app) -> World:
    maker = ProducerFactory()
    other_maker = ProducerFactory()
    customer = UserFactory(email="musteri@example.org")
    product = ProductFactory(code="ATK-1", makers=[(maker, 10_000)])
    unmade_product = ProductFactory(code="ATK-2", makers=[])
    order = Order(
        number="2501-AAAAAA",
        channel="online",
        payment_method="stripe",
        customer_id=customer.id,
        subtotal_kurus=25000,
        shipping_kurus=0,
        total_kurus=25000,
    )
    line = OrderLine(
        product_id=product.id,
        product_code=product.code,
        title=product.title_tr,
        quantity=1,
        unit_price_kurus=25000,
        gross_kurus=25000,
        vat_bp=2000,
        commission_bp=1500,
        makers=[OrderLineMaker(producer_id=maker.id, share_bp=10_000)],
    )
    order.lines.append(line)
    db.session.add(order)
    db.session.flush()
    db.session.add(
        Payment(order_id=order.id, provider="stripe", provider_ref="cs_1", amount_kurus=25000)
    )
    db.session.add(WebhookEvent(provider="stripe", event_id="evt_1", event_type="x"))
    refund = Refund(order_id=order.id, amount_kurus=1000, method="stripe", provider_ref="re_1")
    batch = PayoutBatch(cutoff=utcnow())
    account = Account(code="coop:commission", kind="revenue")
    transaction = LedgerTransaction(kind="sale", order_id=order.id)
    db.session.add_all([refund, batch, account, transaction])
    db.session.flush()
    db.session.add(
        PayoutLine(
            batch_id=batch.id,
            producer_id=maker.id,
            amount_kurus=5000,
            iban="TR330006100519786457841326",
            account_name="Ayşe",
        )
    )
    db.session.add(ApiToken(user_id=customer.id, token_hash="a" * 64))
    db.session.commit()
    return World(
        maker, other_maker, customer, product, unmade_product, order, line, refund, batch,
        account, transaction,
    )  # fmt: skip


# A valid new row for each table, given the world. Bad rows below change one value of these.
def _valid_rows(w: World) -> dict:
    return {
        User: {
            "email": "yeni@example.org",
            "password_hash": "x",
            "name": "Yeni",
            "role": "customer",
        },
        ProducerProfile: {"user_id": w.customer.id, "display_name": "Yeni Üye"},
        Collection: {"slug": "ipek-yolu", "name_tr": "İpek Yolu", "commission_bp": 1000},
        Product: {
            "code": "YENI-1",
            "title_tr": "Keçe çanta",
            "price_kurus": 45000,
            "vat_bp": 2000,
            "stock": 3,
            "category_id": w.product.category_id,
        },
        ProductMaker: {
            "product_id": w.unmade_product.id,
            "producer_id": w.other_maker.id,
            "share_bp": 10_000,
        },
        Order: {
            "number": "2501-BBBBBB",
            "channel": "bazaar",
            "payment_method": "cash",
            "subtotal_kurus": 30000,
            "shipping_kurus": 7500,
            "total_kurus": 37500,
            "customer_id": w.customer.id,
        },
        OrderLine: {
            "order_id": w.order.id,
            "product_id": w.product.id,
            "product_code": "ATK-1",
            "title": "Atkı",
            "quantity": 2,
            "unit_price_kurus": 25000,
            "gross_kurus": 50000,
            "vat_bp": 2000,
            "commission_bp": 1500,
        },
        OrderLineMaker: {"line_id": w.line.id, "producer_id": w.other_maker.id, "share_bp": 4000},
        Payment: {
            "order_id": w.order.id,
            "provider": "stripe",
            "provider_ref": "cs_2",
            "amount_kurus": 1,
        },
        Refund: {
            "order_id": w.order.id,
            "amount_kurus": 500,
            "method": "stripe",
            "provider_ref": "re_2",
        },
        RefundLine: {"refund_id": w.refund.id, "line_id": w.line.id, "amount_kurus": 500},
        WebhookEvent: {"provider": "stripe", "event_id": "evt_2", "event_type": "x"},
        Account: {"code": "vat:payable", "kind": "liability"},
        LedgerTransaction: {"kind": "refund", "refund_id": w.refund.id},
        LedgerEntry: {
            "transaction_id": w.transaction.id,
            "account_id": w.account.id,
            "amount_kurus": 9,
        },
        # The world already has a draft, and only one draft may exist at a time.
        PayoutBatch: {"cutoff": utcnow(), "status": "approved"},
        PayoutLine: {
            "batch_id": w.batch.id,
            "producer_id": w.other_maker.id,
            "amount_kurus": 100,
            "iban": "TR330006100519786457841326",
            "account_name": "Fatma",
        },
        CashSession: {"event_name": "Kızılay pazarı", "opening_float_kurus": 50000},
        CommissionRate: {
            "scope": "product",
            "product_id": w.product.id,
            "rate_bp": 1000,
            "effective_from": utcnow(),
            "created_at": utcnow(),
            "note": "",
        },
        ApiToken: {"user_id": w.customer.id, "token_hash": "b" * 64},
    }


# (case id, model, the one change). A callable value is given the world.
BAD_ROWS = [
    # Stock, quantities, prices, rates
    ("negative stock", Product, {"stock": -1}),
    ("zero price", Product, {"price_kurus": 0}),
    ("negative price", Product, {"price_kurus": -100}),
    ("vat above 100%", Product, {"vat_bp": 10001}),
    ("negative vat", Product, {"vat_bp": -1}),
    ("negative lead time", Product, {"lead_time_days": -2}),
    ("bad product status", Product, {"status": "sold"}),
    ("product without title", Product, {"title_tr": None}),
    ("product without price", Product, {"price_kurus": None}),
    ("duplicate product code", Product, {"code": "ATK-1"}),
    ("product of a missing category", Product, {"category_id": MISSING}),
    ("collection commission above 100%", Collection, {"commission_bp": 10001}),
    # The dated commission policy: every level's rate in range, each scope with its own target
    ("product commission above 100%", CommissionRate, {"rate_bp": 10001}),
    ("producer commission negative", CommissionRate, {"rate_bp": -1}),
    ("product rate without its product", CommissionRate, {"product_id": None}),
    ("product rate naming a member too", CommissionRate, {"producer_id": lambda w: w.maker.id}),
    ("member rate without a member", CommissionRate, {"scope": "producer", "product_id": None}),
    ("default rate naming a product", CommissionRate, {"scope": "default", "rate_bp": 1500}),
    ("unknown rate scope", CommissionRate, {"scope": "centre"}),
    ("rate of a missing product", CommissionRate, {"product_id": MISSING}),
    ("bad membership status", ProducerProfile, {"membership_status": "pending"}),
    ("second profile for one user", ProducerProfile, {"user_id": lambda w: w.maker.user_id}),
    ("profile of a missing user", ProducerProfile, {"user_id": MISSING}),
    # Makers and shares
    ("zero share", ProductMaker, {"share_bp": 0}),
    ("share above 10000", ProductMaker, {"share_bp": 10001}),
    (
        "maker twice on one product",
        ProductMaker,
        {"product_id": lambda w: w.product.id, "producer_id": lambda w: w.maker.id},
    ),
    ("maker who does not exist", ProductMaker, {"producer_id": MISSING}),
    ("maker of a missing product", ProductMaker, {"product_id": MISSING}),
    ("line maker share zero", OrderLineMaker, {"share_bp": 0}),
    ("line maker share above 10000", OrderLineMaker, {"share_bp": 10001}),
    # Orders and lines
    ("duplicate order number", Order, {"number": "2501-AAAAAA"}),
    ("order without number", Order, {"number": None}),
    ("total is not subtotal + shipping", Order, {"total_kurus": 30000}),
    ("negative subtotal", Order, {"subtotal_kurus": -7500, "total_kurus": 0}),
    ("negative shipping", Order, {"shipping_kurus": -1, "total_kurus": 29999}),
    ("bad order status", Order, {"status": "shipped"}),
    ("bad channel", Order, {"channel": "phone"}),
    ("bad payment method", Order, {"payment_method": "cheque"}),
    ("bad fulfilment status", Order, {"fulfilment_status": "lost"}),
    ("order of a missing customer", Order, {"customer_id": MISSING}),
    ("zero quantity", OrderLine, {"quantity": 0, "gross_kurus": 0}),
    ("negative quantity", OrderLine, {"quantity": -1, "gross_kurus": -25000}),
    ("gross is not unit price x quantity", OrderLine, {"gross_kurus": 49999}),
    ("negative unit price", OrderLine, {"unit_price_kurus": -1, "gross_kurus": -2}),
    ("line vat above 100%", OrderLine, {"vat_bp": 10001}),
    ("line commission above 100%", OrderLine, {"commission_bp": 10001}),
    ("line of a missing order", OrderLine, {"order_id": MISSING}),
    # Payments, refunds, webhooks
    ("negative payment", Payment, {"amount_kurus": -1}),
    ("negative fee", Payment, {"fee_kurus": -1}),
    ("bad payment status", Payment, {"status": "maybe"}),
    ("duplicate provider reference", Payment, {"provider_ref": "cs_1"}),
    ("zero refund", Refund, {"amount_kurus": 0}),
    ("duplicate refund reference", Refund, {"provider_ref": "re_1"}),
    ("zero refund line", RefundLine, {"amount_kurus": 0}),
    ("refund line of a missing line", RefundLine, {"line_id": MISSING}),
    ("duplicate webhook event", WebhookEvent, {"event_id": "evt_1"}),
    # Ledger
    ("ledger entry of zero", LedgerEntry, {"amount_kurus": 0}),
    ("ledger entry without amount", LedgerEntry, {"amount_kurus": None}),
    ("ledger entry on a missing account", LedgerEntry, {"account_id": MISSING}),
    ("ledger entry of a missing transaction", LedgerEntry, {"transaction_id": MISSING}),
    ("bad account kind", Account, {"kind": "equity"}),
    ("duplicate account code", Account, {"code": "coop:commission"}),
    ("bad transaction kind", LedgerTransaction, {"kind": "gift"}),
    ("reversing a missing transaction", LedgerTransaction, {"reverses_id": MISSING}),
    # Payouts, cash, people
    ("zero payout line", PayoutLine, {"amount_kurus": 0}),
    ("bad payout line status", PayoutLine, {"status": "sent"}),
    ("producer twice in one batch", PayoutLine, {"producer_id": lambda w: w.maker.id}),
    ("bad batch status", PayoutBatch, {"status": "done"}),
    ("a second draft batch", PayoutBatch, {"status": "draft"}),
    ("negative float", CashSession, {"opening_float_kurus": -1}),
    ("negative count", CashSession, {"counted_kurus": -1}),
    ("bad cash session status", CashSession, {"status": "paused"}),
    ("duplicate e-mail", User, {"email": "musteri@example.org"}),
    ("user without e-mail", User, {"email": None}),
    ("user without password hash", User, {"password_hash": None}),
    ("bad role", User, {"role": "superuser"}),
    ("bad locale", User, {"locale": "de"}),
    ("duplicate token hash", ApiToken, {"token_hash": "a" * 64}),
]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _resolve(values: dict, w: World) -> dict:
    return {k: (v(w) if callable(v) else v) for k, v in values.items()}


@pytest.mark.parametrize("model", sorted({m for _, m, _ in BAD_ROWS}, key=lambda m: m.__name__))
def test_the_valid_row_goes_in(world, model):
    before = _count(model)
    added = _insert_valid(world, model)
    db.session.commit()
    assert _count(model) == before + added


def _insert_valid(world, model) -> int:
    """The valid row; a ledger entry comes with its balancing leg, since PostgreSQL refuses a
    transaction that does not sum to zero at commit (migration 0250). Returns the rows added."""
    row = _valid_rows(world)[model]
    db.session.execute(insert(model.__table__).values(**row))
    if model is not LedgerEntry:
        return 1
    db.session.execute(
        insert(LedgerEntry.__table__).values(**{**row, "amount_kurus": -row["amount_kurus"]})
    )
    return 2


@pytest.mark.parametrize(
    ("model", "change"), [(m, c) for _, m, c in BAD_ROWS], ids=[name for name, _, _ in BAD_ROWS]
)
def test_the_database_refuses_a_bad_row(world, model, change):
    before = _count(model)
    row = {**_valid_rows(world)[model], **_resolve(change, world)}
    with pytest.raises(IntegrityError):
        db.session.execute(insert(model.__table__).values(**row))
        db.session.flush()
    db.session.rollback()
    assert _count(model) == before


# Deleting a row others still point at is refused (ON DELETE RESTRICT), so history stays whole.
RESTRICTED_DELETES = [
    ("producer who is a product maker", ProducerProfile, lambda w: w.maker.id),
    ("user who has a producer profile", User, lambda w: w.maker.user_id),
    ("category that has products", Category, lambda w: w.product.category_id),
    ("order that has payments", Order, lambda w: w.order.id),
    ("line a refund points at", OrderLine, lambda w: w.line.id),
    ("account with ledger entries", Account, lambda w: w.account.id),
]


@pytest.mark.parametrize(
    ("model", "row_id"),
    [(m, i) for _, m, i in RESTRICTED_DELETES],
    ids=[name for name, _, _ in RESTRICTED_DELETES],
)
def test_the_database_refuses_to_delete_a_referenced_row(world, model, row_id):
    # Make the references that the world does not already have.
    db.session.execute(insert(RefundLine.__table__).values(**_valid_rows(world)[RefundLine]))
    _insert_valid(world, LedgerEntry)
    db.session.commit()
    table = model.__table__
    target = row_id(world)
    with pytest.raises(IntegrityError):
        db.session.execute(delete(table).where(table.c.id == target))
        db.session.flush()
    db.session.rollback()
    still_there = select(func.count()).select_from(table).where(table.c.id == target)
    assert db.session.scalar(still_there) == 1


def test_deleting_a_product_takes_its_maker_rows_with_it(world):
    # The other side of RESTRICT: a product's own maker rows go with it (ON DELETE CASCADE),
    # and a past order line keeps its snapshot with product_id set to NULL.
    product_id = world.product.id
    db.session.execute(delete(Product.__table__).where(Product.__table__.c.id == product_id))
    db.session.commit()
    assert _count(ProductMaker) == 0
    line = db.session.scalar(select(OrderLine).execution_options(populate_existing=True))
    assert line.product_id is None
    assert (line.product_code, line.gross_kurus) == ("ATK-1", 25000)


# Shares summing to 10,000 are a rule across rows, so code enforces it (services.orders).
@pytest.mark.parametrize(
    ("shares", "sellable"),
    [
        ([10_000], True),
        ([6_000, 4_000], True),
        ([3_334, 3_333, 3_333], True),
        ([6_000, 3_000], False),
        ([6_000, 4_001], False),
        ([5_000], False),
    ],
)
def test_an_order_refuses_a_product_whose_shares_do_not_sum_to_10000(app, shares, sellable):
    makers = [(ProducerFactory(), share) for share in shares]
    product = ProductFactory(title_tr="İpek eşarp", stock=5, makers=makers)
    request = NewOrder(
        channel="bazaar",
        payment_method="cash",
        lines=[LineRequest(quantity=1, product_id=product.id)],
    )
    if sellable:
        order = create_order(request)
        db.session.commit()
        assert sorted(m.share_bp for m in order.lines[0].makers) == sorted(shares)
        assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 4
        return
    with pytest.raises(ValidationFailed) as refused:
        create_order(request)
    db.session.rollback()
    assert str(refused.value.message) == "İpek eşarp için üretici payları hatalı."
    assert _count(Order) == 0
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 5


# Product status: draft -> in review -> active -> archived, written down in one table.
STATUSES = ("draft", "in_review", "active", "archived")
ALLOWED = {
    ("draft", "in_review"),
    ("draft", "archived"),
    ("in_review", "active"),
    ("in_review", "draft"),
    ("in_review", "archived"),
    ("active", "in_review"),
    ("active", "draft"),  # a co-maker was invited: it waits for her consent (co_makers.py)
    ("active", "archived"),
    ("archived", "draft"),
}


@pytest.mark.parametrize("to", STATUSES)
@pytest.mark.parametrize("start", STATUSES)
def test_product_status_transitions(app, start, to):
    product = ProductFactory(status=start)
    if (start, to) in ALLOWED:
        product_service.change_status(product, to)
        db.session.commit()
        assert db.session.scalar(select(Product.status).where(Product.id == product.id)) == to
        return
    with pytest.raises(InvalidTransition) as refused:
        product_service.change_status(product, to)
    assert refused.value.details == {"from_status": start, "to_status": to}
    assert "durumuna geçemez" in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(select(Product.status).where(Product.id == product.id)) == start


def test_an_unknown_product_status_is_refused(app):
    product = ProductFactory(status="draft")
    with pytest.raises(ValidationFailed) as refused:
        product_service.change_status(product, "sold")
    assert str(refused.value.message) == "Bilinmeyen ürün durumu: sold"
    assert product.status == "draft"
