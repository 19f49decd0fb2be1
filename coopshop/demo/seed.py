"""Realistic demo data for an empty database: members, catalog, months of orders, demo logins.

Deterministic for a seed: every choice comes from one random.Random(seed), and dates are laid
out backwards from ``now``. Orders go through sales.orders and sales.order_states (create_order,
mark_paid, cancel), so stock, line snapshots and the ledger agree exactly as they would after real
sales. Only order numbers, password hashes and image file names are not repeatable (they come
from `secrets`). The report is built in summary.py, the logins and IBANs in accounts.py.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from coopshop.db import db
from coopshop.demo.accounts import demo_login, email_for, turkish_iban
from coopshop.demo.data import (
    ADDRESSES,
    APPLICATION_NOTES,
    BANK_CODES,
    BAZAARS,
    BIOS,
    CARE_EN,
    CARE_TR,
    CENTRES,
    COLLECTIONS,
    COLOURS,
    CRAFTS,
    CUSTOMER_FIRST_NAMES,
    FIRST_NAMES,
    KIDS,
    STREETS,
    SURNAMES,
    Craft,
)
from coopshop.demo.orders import HISTORY_DAYS, OrderSimulator
from coopshop.demo.rates import own_rates
from coopshop.demo.summary import DemoLogin, Summary, summarise
from coopshop.models import (
    Category,
    Collection,
    ProducerProfile,
    Product,
    ProductImage,
    ProductMaker,
    User,
    utcnow,
)
from coopshop.models.legal import LEGAL_KINDS
from coopshop.services.core import images
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import Conflict
from coopshop.services.legal import documents as legal_documents
from coopshop.services.legal import drafts as legal_drafts
from coopshop.services.legal.documents import DocumentDraft
from coopshop.services.members import users as user_service

DEMO_SUBDIR = "demo"  # under UPLOAD_DIR; placeholders only
PRODUCT_STATUS_WEIGHTS = {"active": 88, "in_review": 4, "draft": 5, "archived": 3}


class _Seeder:
    def __init__(self, rng: random.Random, now: datetime, upload_dir: str):
        self.rng = rng
        self.now = now
        self.upload_dir = upload_dir
        self.emails: set[str] = set()
        self.crafts = {c.slug: c for c in CRAFTS}
        self.collections: dict[str, Collection] = {}
        self.categories: dict[str, Category] = {}
        self.producers: list[ProducerProfile] = []
        self.pictures: dict[str, list[tuple[str, str]]] = {}
        # Members other than the demo login share one hash of a random password nobody knows
        # (scrypt once, not forty times); they would set their own through password reset.
        self.unknown_hash = user_service.hash_password(user_service.generate_password())

    def days_ago(self, low: int, high: int) -> datetime:
        return self.now - timedelta(
            days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439)
        )

    def account(self, email: str, name: str, role: str, created_at: datetime) -> User:
        user = User(
            email=email,
            password_hash=self.unknown_hash,
            name=name,
            role=role,
            created_at=created_at,
        )
        db.session.add(user)
        return user

    def catalog(self) -> None:
        for position, (slug, tr, en, desc_tr, desc_en, commission) in enumerate(COLLECTIONS):
            self.collections[slug] = Collection(
                slug=slug,
                name_tr=tr,
                name_en=en,
                description_tr=desc_tr,
                description_en=desc_en,
                commission_bp=commission,
                position=position,
            )
        for craft in CRAFTS:
            self.categories[craft.slug] = Category(
                slug=craft.slug, name_tr=craft.name_tr, name_en=craft.name_en
            )
        db.session.add_all([*self.collections.values(), *self.categories.values()])

    def members(self, count: int, demo_email: str) -> None:
        rng = self.rng
        pairs = [(f, s) for f in FIRST_NAMES for s in SURNAMES if (f, s) != ("Ayşe", "Yılmaz")]
        names = ["Ayşe Yılmaz"] + [f"{f} {s}" for f, s in rng.sample(pairs, count - 1)]
        crafts = [CRAFTS[i % len(CRAFTS)] for i in range(count)]
        rng.shuffle(crafts)
        crafts[0] = self.crafts["dokuma"]  # the demo producer weaves
        applied = {count - 1, count - 2} if count >= 8 else {count - 1}
        overrides = set(rng.sample(range(1, count - len(applied)), k=max(1, count // 10)))
        own_rates_of: list = []
        self.emails.add(demo_email)
        for i, name in enumerate(names):
            joined = self.days_ago(450, 1100) if i not in applied else self.days_ago(1, 10)
            if i == 0:
                user = demo_login(demo_email, name, "producer")
                user.created_at = joined
            else:
                email = email_for(name, "example.org", self.emails)
                user = self.account(email, name, "producer", joined)
            craft = crafts[i]
            centre = CENTRES[0] if i == 0 else rng.choice(CENTRES)
            bio = rng.choice(BIOS).format(
                year=rng.randint(2012, 2022),
                centre=centre,
                course=craft.course,
                likes=rng.choice(craft.likes),
                kids=rng.choice(KIDS),
            )
            account = "".join(rng.choice("0123456789") for _ in range(16))
            status = "applied" if i in applied else "active"
            iban = turkish_iban(rng.choice(BANK_CODES), account)
            own_bp = rng.choice((1000, 1200)) if i in overrides else None
            profile = ProducerProfile(
                user=user,
                display_name=name,
                centre=centre,
                craft=craft.name_tr,
                bio=bio,
                iban=iban,
                membership_status=status,
                application_note=rng.choice(APPLICATION_NOTES) if status == "applied" else "",
                created_at=joined,
                approved_at=joined + timedelta(days=rng.randint(1, 14))
                if status == "active"
                else None,
            )
            db.session.add(profile)
            self.producers.append(profile)
            if own_bp is not None:
                own_rates_of.append((profile, own_bp))
        db.session.flush()
        own_rates("producer", own_rates_of)

    def make_pictures(self) -> None:
        """Two placeholders per craft, shared by all its products: seeding stays fast.

        The demo folder holds nothing but placeholders, and the database is empty, so pictures
        left by an earlier demo database are orphans: they are cleared, not piled up.
        """
        shutil.rmtree(Path(self.upload_dir) / DEMO_SUBDIR, ignore_errors=True)
        for craft in CRAFTS:
            self.pictures[craft.slug] = [
                images.make_placeholder(
                    craft.code,
                    colour,
                    self.upload_dir,
                    DEMO_SUBDIR,
                    label=craft.name_tr,
                    pattern=craft.pattern,
                )
                for colour in craft.colours
            ]

    def _titles(self, craft: Craft):
        """(colour, motif, item) titles of a craft in random order: plain ones first, then with a
        colour; past a few hundred per craft they repeat (the codes stay unique)."""
        rng = self.rng
        plain = [(None, m, it) for m in craft.motifs for it in craft.items]
        coloured = [(c, m, it) for c in COLOURS for m in craft.motifs for it in craft.items]
        rng.shuffle(plain)
        rng.shuffle(coloured)
        yield from plain
        while True:
            yield from coloured

    # Long on purpose: one product's demo fields drawn in one pass, in a fixed order, so a
    # seed repeats.
    def products(self, count: int) -> list[Product]:
        rng = self.rng
        active = [p for p in self.producers if p.membership_status == "active"]
        applicants = [p for p in self.producers if p.membership_status == "applied"]
        craft_of = {p.id: next(c for c in CRAFTS if c.name_tr == p.craft) for p in self.producers}
        # Every active member gets products; the rest go to members at random.
        owners = applicants + active + rng.choices(active, k=max(0, count - len(self.producers)))
        owners = owners[:count]
        titles = {c.slug: self._titles(c) for c in CRAFTS}
        numbers = {c.code: 0 for c in CRAFTS}
        statuses, status_weights = (
            list(PRODUCT_STATUS_WEIGHTS),
            list(PRODUCT_STATUS_WEIGHTS.values()),
        )
        made: list[Product] = []
        own_rates_of: list = []
        for owner in owners:
            craft = craft_of[owner.id]
            colour, motif, item = next(titles[craft.slug])
            title_tr = " ".join(
                x for x in (colour and colour[0], motif.title_tr, item.title_tr) if x
            )
            title_en = " ".join(
                x for x in (colour and colour[1], motif.title_en, item.title_en) if x
            )
            numbers[craft.code] += 1
            status = (
                "in_review"
                if owner.membership_status == "applied"
                else rng.choices(statuses, weights=status_weights)[0]
            )
            lira_price = rng.randint(item.min_lira, item.max_lira)
            if motif.title_tr == "Gümüş Telkari":
                lira_price = min(lira_price * 2, 2400)
            lira_price = max(item.min_lira, lira_price // 10 * 10)
            price = lira_price * 100 - (10 if rng.random() < 0.3 else 0)  # ₺349,90 or ₺350,00
            made_to_order = item.made_to_order and rng.random() < 0.7
            if not made_to_order and craft.slug not in ("sabun", "taki"):
                made_to_order = rng.random() < 0.05
            stock = 0 if made_to_order or rng.random() < 0.04 else rng.randint(3, 18)
            makers = [owner]
            if status == "active" and rng.random() < 0.12:
                same_craft = [p for p in active if p is not owner and craft_of[p.id] is craft]
                makers.append(rng.choice(same_craft or [p for p in active if p is not owner]))
            shares = (
                (10000,)
                if len(makers) == 1
                else rng.choice(((6000, 4000), (5000, 5000), (7000, 3000)))
            )
            names = " ve ".join(m.display_name for m in makers)
            created = (
                self.days_ago(1, 20)
                if status in ("draft", "in_review")
                else self.days_ago(425, 600)
            )
            path, thumb = rng.choice(self.pictures[craft.slug])
            own_bp = 1000 if rng.random() < 0.02 else None
            product = Product(
                code=f"{craft.code}-{numbers[craft.code]:04d}",
                title_tr=title_tr,
                title_en=title_en,
                description_tr=(
                    f"{craft.about_tr} {names} tarafından {owner.centre}'te el emeğiyle "
                    f"yapıldı. {CARE_TR}"
                ),
                description_en=f"{craft.about_en} Made by {names} at {owner.centre}. {CARE_EN}",
                price_kurus=price,
                vat_bp=item.vat_bp,
                stock=stock,
                made_to_order=made_to_order,
                lead_time_days=rng.choice((7, 10, 14, 21)) if made_to_order else None,
                status=status,
                collection=self.collections[motif.collection] if motif.collection else None,
                category=self.categories[craft.slug],
                owner_id=owner.id,
                created_at=created,
                updated_at=created,
                makers=[
                    ProductMaker(producer_id=m.id, share_bp=s)
                    for m, s in zip(makers, shares, strict=True)
                ],
                images=[ProductImage(path=path, thumb_path=thumb, position=0, alt=title_tr)],
            )
            made.append(product)
            if own_bp is not None:
                own_rates_of.append((product, own_bp))
        db.session.add_all(made)
        db.session.flush()
        own_rates("product", own_rates_of)
        return made

    def customers(self, count: int, demo_email: str) -> list[tuple[User, tuple]]:
        """Customer accounts with a home address each; the first is the demo login."""
        rng = self.rng
        result = []
        for i in range(count):
            name = f"{rng.choice(CUSTOMER_FIRST_NAMES)} {rng.choice(SURNAMES)}"
            if i == 0:
                name = "Selin Aksoy"
                user = demo_login(demo_email, name, "customer")
                user.created_at = self.days_ago(130, 300)
                self.emails.add(demo_email)
            else:
                email = email_for(name, "example.com", self.emails)
                user = self.account(email, name, "customer", self.days_ago(130, 300))
            result.append((user, self.address()))
        db.session.flush()
        return result

    def address(self) -> tuple[str, str, str, str]:
        rng = self.rng
        il, ilce, postal = rng.choice(ADDRESSES)
        line = f"{rng.choice(STREETS)} No: {rng.randint(1, 140)} Daire: {rng.randint(1, 24)}"
        return line, il, ilce, f"{postal}{rng.randint(100, 999)}"


# Long on purpose: the demo's steps in their order, each told through progress.
def seed(
    seed: int = 2024,
    *,
    producers: int = 40,
    products: int = 200,
    orders: int = 240,
    now: datetime | None = None,
    upload_dir: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Load demo data into an empty database (adds and flushes; the caller commits).

    The defaults are the full demo; tests pass smaller numbers. Refuses a database that already
    has accounts, and an app not configured for demo payments (production). ``progress`` hears
    one line per step (the CLI prints them: the full demo takes a while).
    """
    say = progress or (lambda _line: None)
    if not current_app.config.get("DEMO_PAYMENTS"):
        raise Conflict(_l("Demo verisi yalnızca geliştirme ve deneme ortamında yüklenebilir."))
    if user_service.count_users() > 0:
        raise Conflict(_l("Demo verisi yalnızca boş bir veritabanına yüklenebilir."))
    if producers < 4 or products < producers or orders < 1:
        raise ValueError("need at least 4 producers, a product each, and one order")
    rng = random.Random(seed)
    now = now or utcnow()
    seeder = _Seeder(rng, now, upload_dir or current_app.config["UPLOAD_DIR"])
    logins = [
        DemoLogin("admin", "admin@example.org", "Meltem Karaca"),
        # Approving a payout batch takes a second admin (four eyes): the demo has one.
        DemoLogin("admin", "admin2@example.org", "Hatice Demir"),
        DemoLogin("staff", "staff@example.org", "Büşra Tan"),
        DemoLogin("producer", "ayse@example.org", "Ayşe Yılmaz"),
        DemoLogin("customer", "customer@example.org", "Selin Aksoy"),
    ]
    team = {}
    say("accounts: admins and staff")
    for login in logins[:3]:
        user = demo_login(login.email, login.name, login.role)
        user.created_at = now - timedelta(days=400)
        team.setdefault(login.role, user)
        seeder.emails.add(login.email)
    # The cooperative's first drafts of its legal texts, in force before the first demo order.
    for kind in LEGAL_KINDS:
        title, body = legal_drafts.draft(kind)
        legal_documents.publish(
            DocumentDraft(kind=kind, title_tr=title, body_tr=body, note="ilk taslak"),
            team["admin"].id,
            now=now - timedelta(days=HISTORY_DAYS + 5),
        )
    say("catalogue: collections and categories")
    seeder.catalog()
    say(f"members: {producers} producers")
    seeder.members(producers, logins[3].email)
    say("pictures")
    seeder.make_pictures()
    say(f"products: {products}")
    catalog = seeder.products(products)
    customers = seeder.customers(max(3, orders // 12), logins[4].email)

    simulator = OrderSimulator(
        rng=rng,
        now=now,
        settings=settings_service.current(),
        products=catalog,
        demo_producer_id=seeder.producers[0].id,
        customers=customers,
        staff_id=team["staff"].id,
        make_buyer=seeder.address,
        bazaars=BAZAARS,
    )
    say(f"orders: {orders} (online, bank transfer and bazaar desks, with their ledger)")
    simulator.run(orders, progress=say)
    # each picture is written twice (the image and its thumbnail)
    return summarise(seed, logins, 2 * sum(len(v) for v in seeder.pictures.values()))
