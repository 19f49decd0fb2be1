"""What `flask seed-demo` reports: the demo logins and the counts of what was created, read back
from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import (
    CashSession,
    Category,
    Collection,
    LedgerTransaction,
    Order,
    ProducerProfile,
    Product,
    ProductMaker,
    User,
)
from coopshop.money import kurus_text

# Printed by `flask seed-demo`; for demo databases only, never a real server.
DEMO_PASSWORD = "demo-12345"  # noqa: S105 (documented demo-only logins)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str


@dataclass
class Summary:
    seed: int
    collections: int = 0
    categories: int = 0
    producers: dict[str, int] = field(default_factory=dict)  # by membership status
    customers: int = 0
    products: dict[str, int] = field(default_factory=dict)  # by status
    co_made: int = 0
    made_to_order: int = 0
    image_files: int = 0
    orders: dict[str, int] = field(default_factory=dict)  # by status
    channels: dict[str, int] = field(default_factory=dict)
    cash_sessions: int = 0
    paid_total_kurus: int = 0
    paid_shipping_kurus: int = 0
    ledger_sales: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = DEMO_PASSWORD

    def describe(self) -> str:
        """The report `flask seed-demo` prints: what was created and how to log in."""

        def parts(counts: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))

        rows = [
            f"Demo data loaded (seed {self.seed}).",
            f"  collections    {self.collections}",
            f"  categories     {self.categories}",
            f"  producers      {sum(self.producers.values())} ({parts(self.producers)})",
            f"  customers      {self.customers}",
            f"  products       {sum(self.products.values())} ({parts(self.products)}; "
            f"{self.co_made} co-made, {self.made_to_order} made to order)",
            f"  image files    {self.image_files}",
            f"  orders         {sum(self.orders.values())} ({parts(self.orders)})",
            f"  channels       {parts(self.channels)}",
            f"  cash sessions  {self.cash_sessions} (closed)",
            # The reports' "Brüt satış" is the goods; shipping is said apart, so the two agree.
            f"  paid goods     {kurus_text(self.paid_total_kurus - self.paid_shipping_kurus, 'tr')}"
            f" (orders {kurus_text(self.paid_total_kurus, 'tr')} with shipping"
            f" {kurus_text(self.paid_shipping_kurus, 'tr')}) in {self.ledger_sales} ledger sales",
            "",
            f"Demo logins (password for all: {self.password}; demo data only, never on a real "
            "server):",
        ]
        width = max(len(login.email) for login in self.logins) if self.logins else 5
        rows.append(f"  {'role':<9} {'e-mail':<{width}}  name")
        rows += [f"  {x.role:<9} {x.email:<{width}}  {x.name}" for x in self.logins]
        return "\n".join(rows)


def _count(query) -> int:
    # int(): PostgreSQL's SUM over a bigint is a numeric, read back as Decimal.
    return int(db.session.scalar(query) or 0)


def _by(column) -> dict[str, int]:
    rows = db.session.execute(select(column, func.count()).group_by(column)).tuples()
    return dict(rows.all())


def summarise(seed_value: int, logins: list[DemoLogin], image_files: int) -> Summary:
    """What the database holds after seeding, counted back from it (the report's numbers)."""
    paid = select(func.coalesce(func.sum(Order.total_kurus), 0)).where(Order.status == "paid")
    shipping = select(func.coalesce(func.sum(Order.shipping_kurus), 0)).where(
        Order.status == "paid"
    )
    co_made = (
        select(ProductMaker.product_id)
        .group_by(ProductMaker.product_id)
        .having(func.count() > 1)
        .subquery()
    )
    return Summary(
        seed=seed_value,
        collections=_count(select(func.count()).select_from(Collection)),
        categories=_count(select(func.count()).select_from(Category)),
        producers=_by(ProducerProfile.membership_status),
        customers=_count(select(func.count()).select_from(User).where(User.role == "customer")),
        products=_by(Product.status),
        co_made=_count(select(func.count()).select_from(co_made)),
        made_to_order=_count(
            select(func.count()).select_from(Product).where(Product.made_to_order.is_(True))
        ),
        image_files=image_files,
        orders=_by(Order.status),
        channels=_by(Order.channel),
        cash_sessions=_count(select(func.count()).select_from(CashSession)),
        paid_total_kurus=_count(paid),
        paid_shipping_kurus=_count(shipping),
        ledger_sales=_count(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "sale")
        ),
        logins=logins,
    )
