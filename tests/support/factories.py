"""factory-boy factories for the models. Every factory commits, so requests can see the rows."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from coopshop.db import db
from coopshop.models import (
    Category,
    Collection,
    CommissionRate,
    ProducerProfile,
    Product,
    ProductImage,
    ProductMaker,
    User,
)
from coopshop.models.policy import SINCE_ALWAYS

PASSWORD = "parola-1234"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _own_rate(scope: str, target, rate_bp: int | None, create: bool) -> None:
    """``commission_bp=`` on a member or a product: her (its) own dated rate, in force from
    the start (models.policy.SINCE_ALWAYS), as the migration carried the undated ones over."""
    if rate_bp is None or not create:
        return
    db.session.add(
        CommissionRate(
            scope=scope, rate_bp=rate_bp, effective_from=SINCE_ALWAYS, **{f"{scope}_id": target.id}
        )
    )
    db.session.commit()


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name", locale="tr_TR")
    password_hash = _PASSWORD_HASH
    role = "customer"
    locale = "tr"
    active = True


class ProducerFactory(Base):
    class Meta:
        model = ProducerProfile

    user = factory.SubFactory(UserFactory, role="producer")
    display_name = factory.LazyAttribute(lambda o: o.user.name)
    centre = "Keçiören BELMEK"
    craft = "Dokuma"
    bio = "El dokuması atkılar yapıyorum."
    iban = "TR330006100519786457841326"
    membership_status = "active"

    @factory.post_generation
    def commission_bp(self, create, extracted, **kwargs):
        _own_rate("producer", self, extracted, create)


class CollectionFactory(Base):
    class Meta:
        model = Collection

    slug = factory.Sequence(lambda n: f"koleksiyon-{n}")
    name_tr = factory.Sequence(lambda n: f"Koleksiyon {n}")
    name_en = factory.Sequence(lambda n: f"Collection {n}")


class CategoryFactory(Base):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"kategori-{n}")
    name_tr = factory.Sequence(lambda n: f"Kategori {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(Base):
    """An active product with one maker at 10,000 bp unless ``makers`` is given."""

    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    title_tr = factory.Sequence(lambda n: f"Ürün {n}")
    title_en = factory.Sequence(lambda n: f"Product {n}")
    price_kurus = 25000
    vat_bp = 2000
    stock = 10
    status = "active"
    category = factory.SubFactory(CategoryFactory)
    collection = None

    @factory.post_generation
    def makers(self, create, extracted, **kwargs):
        """``makers=[(producer, share_bp), ...]``; default: one new producer at 10,000."""
        pairs = extracted if extracted is not None else [(ProducerFactory(), 10_000)]
        for producer, share in pairs:
            self.makers.append(ProductMaker(producer_id=producer.id, share_bp=share))
        if pairs and self.owner_id is None:
            self.owner_id = pairs[0][0].id  # the first maker listed it
        if create:
            db.session.commit()

    @factory.post_generation
    def commission_bp(self, create, extracted, **kwargs):
        _own_rate("product", self, extracted, create)


class ProductImageFactory(Base):
    """An image row for ``product`` (no file is written: pages only link to /media/<path>)."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    path = factory.Sequence(lambda n: f"products/{n}.jpg")
    thumb_path = factory.Sequence(lambda n: f"products/{n}-thumb.jpg")
    position = factory.Sequence(lambda n: n)
    alt = ""


def paid_order(
    items,
    *,
    channel: str = "online",
    payment_method: str = "demo",
    charge_shipping: bool = False,
    fee_kurus: int = 0,
    paid_at=None,
    settings=None,
):
    """A paid order of ``items`` ([(product, quantity), ...]), booked in the ledger through
    services.orders (create_order then mark_paid). Flushed, not committed."""
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

    order = create_order(
        NewOrder(
            channel=channel,
            payment_method=payment_method,
            lines=[LineRequest(quantity=qty, product_id=product.id) for product, qty in items],
            charge_shipping=charge_shipping,
        ),
        settings=settings,
        now=paid_at,
    )
    mark_paid(
        order,
        PaymentInfo(provider=payment_method, amount_kurus=order.total_kurus, fee_kurus=fee_kurus),
        settings=settings,
        now=paid_at,
    )
    return order


def delivered(order, at, *, settings=None):
    """Take a paid order through fulfilment to delivered at ``at`` (services.fulfilment), so
    its makers' shares become payable RETURN_WINDOW_DAYS later. Flushed, not committed."""
    from coopshop.services.sales import fulfilment

    now = at
    fulfilment.mark_received([line.id for line in order.lines], None, now=now)
    fulfilment.mark_shipped(order.id, "TRK1", None, now=now)
    return fulfilment.mark_delivered(order.id, None, delivered_at=at, settings=settings, now=now)
