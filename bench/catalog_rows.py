"""The people and the catalogue of a benchmark database: users, members with valid IBANs,
collections, crafts, products with their makers and three photo references each.

Plain rows for COPY; ids are given here so the history can point at them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from coopshop.turkish import search_fold

FIRST = (
    "Ayşe Fatma Emine Hatice Zeynep Elif Meryem Şerife Zehra Sultan Hanife Merve Özlem Gülay "
    "Nurcan Sevgi Derya Aslı Gül Songül Yasemin Esra Büşra Selin Dilek Pınar Serap Nermin Hülya "
    "Filiz Canan Sibel Tülay Gönül Hacer Havva Kübra Nazlı Ebru İpek Şule Ümran Ülkü Çiğdem"
).split()
LAST = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
    "Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Erdoğan Güneş Aksoy Bulut Işık Tekin"
).split()
CRAFTS = [
    ("dokuma", "Dokuma", "Weaving"),
    ("nakis", "Nakış", "Embroidery"),
    ("seramik", "Seramik", "Ceramics"),
    ("kece", "Keçe", "Felt"),
    ("taki", "Takı", "Jewellery"),
    ("sabun", "Sabun", "Soap"),
    ("orgu", "Örgü", "Knitting"),
    ("ahsap", "Ahşap Boyama", "Wood painting"),
]
COLLECTIONS = [
    ("ipek-yolu", "İpek Yolu", "Silk Road"),
    ("ankara", "Ankara", "Ankara"),
    ("ev-tekstili", "Ev Tekstili", "Home textiles"),
    ("hediyelik", "Hediyelik", "Gifts"),
    ("bebek", "Bebek", "Baby"),
    ("mutfak", "Mutfak", "Kitchen"),
]
THINGS = [
    ("Çanta", "Bag"),
    ("Örtü", "Cloth"),
    ("Şal", "Shawl"),
    ("Kase", "Bowl"),
    ("Kolye", "Necklace"),
    ("Yastık Kılıfı", "Cushion cover"),
    ("Kilim", "Rug"),
    ("Bere", "Beanie"),
    ("Sabun Seti", "Soap set"),
    ("Fincan", "Cup"),
    ("Küpe", "Earrings"),
    ("Masa Örtüsü", "Tablecloth"),
]
ADJECTIVES = ["El Dokuması", "Nakışlı", "Işıklı", "Keçe", "Boyalı", "Desenli", "Çiçekli", "Mavi"]
CENTRES = ["Keçiören", "Mamak", "Çankaya", "Yenimahalle", "Etimesgut", "Sincan", "Altındağ"]
PASSWORD = "bench-12345"  # noqa: S105 (benchmark accounts on a throw-away database)


def turkish_iban(rng: random.Random) -> str:
    """A random TR IBAN whose check digits are right (ISO 13616 mod 97)."""
    bban = "0006" + "".join(rng.choice("0123456789") for _ in range(18))  # bank + reserve + acct
    bban = bban[:5] + "0" + bban[5:][:16]  # reserve digit 0, 16-digit account: 22 digits
    check = 98 - int(bban + "2927" + "00") % 97
    return f"TR{check:02d}{bban}"


@dataclass
class Catalog:
    """What the history needs to know about the catalogue."""

    producer_ids: list[int]
    customer_ids: list[int]
    admin_ids: tuple[int, int]
    # product id -> (code, title, price, vat_bp, commission_bp, [(producer_id, share_bp)])
    products: dict[int, tuple] = field(default_factory=dict)
    weights: list[float] = field(default_factory=list)  # sale popularity, by product order
    product_ids: list[int] = field(default_factory=list)
    busiest: int = 0
    collection_slug: str = "ipek-yolu"
    tables: dict[str, tuple[list[str], list[tuple]]] = field(default_factory=dict)


def _user(uid, email, name, role, created, password_hash):
    return (uid, email, password_hash, name, None, role, "tr", True, created, None, 0, 0, None)


USER_COLUMNS = [
    "id", "email", "password_hash", "name", "phone", "role", "locale", "active", "created_at",
    "last_login_at", "session_generation", "failed_logins", "locked_until",
]  # fmt: skip


def build(scale: float, start: datetime, password_hash: str, seed: int = 22) -> Catalog:
    """Users, members, catalogue at ``scale`` (1.0: 2,100 members, 20,000 products)."""
    rng = random.Random(seed)
    n_producers = max(5, round(2100 * scale))
    n_products = max(30, round(20000 * scale))
    n_customers = max(20, round(30000 * scale))
    users, profiles, accounts = [], [], []
    staff = [
        ("admin@example.org", "Yönetici Ayten", "admin"),
        ("admin2@example.org", "Yönetici Berna", "admin"),
        ("staff@example.org", "Görevli Cemile", "staff"),
    ]
    for i, (email, name, role) in enumerate(staff, start=1):
        users.append(_user(i, email, name, role, start, password_hash))
    uid = len(users)
    producer_ids = []
    for pid in range(1, n_producers + 1):
        uid += 1
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = "ayse@example.org" if pid == 1 else f"uretici{pid}@example.org"
        users.append(_user(uid, email, name, "producer", start, password_hash))
        tax = rng.choices(("other", "exempt", "sole_trader"), (85, 12, 3))[0]
        profiles.append((
            pid, uid, name, rng.choice(CENTRES), rng.choice(CRAFTS)[1], "", None,
            turkish_iban(rng), "active", True, "", start, start, tax,
            f"{rng.randrange(10**9, 10**10)}" if tax == "sole_trader" else "", "", None,
        ))  # fmt: skip
        producer_ids.append(pid)
    customer_ids = []
    for c in range(1, n_customers + 1):
        uid += 1
        email = "customer@example.org" if c == 1 else f"musteri{c}@example.org"
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        users.append(_user(uid, email, name, "customer", start, password_hash))
        customer_ids.append(uid)

    catalog = Catalog(producer_ids, customer_ids, (1, 2))
    categories = [(i, slug, tr, en) for i, (slug, tr, en) in enumerate(CRAFTS, start=1)]
    collections = [
        (i, slug, tr, en, f"{tr} koleksiyonu", f"The {en} collection", None, True, i)
        for i, (slug, tr, en) in enumerate(COLLECTIONS, start=1)
    ]
    products, makers, images, movements = [], [], [], []
    # The first member is the busiest (her history gives the sales list 500+ pages at full size).
    busiest_products = max(3, n_products // 130)
    for prod_id in range(1, n_products + 1):
        owner = 1 if prod_id <= busiest_products else rng.choice(producer_ids)
        thing, thing_en = rng.choice(THINGS)
        adjective = rng.choice(ADJECTIVES)
        cat = rng.randrange(len(CRAFTS))
        col = rng.randrange(len(COLLECTIONS))
        title = f"{adjective} {thing}"
        title_en = f"{thing_en} ({adjective})"
        code = f"B{prod_id:05d}"
        price = rng.randrange(50, 3000) * 100 + rng.choice((0, 50, 90))
        vat = rng.choices((2000, 1000, 100), (80, 15, 5))[0]
        stock = rng.choices((0, rng.randrange(1, 25)), (8, 92))[0]
        status = rng.choices(("active", "draft", "archived"), (90, 5, 5))[0]
        desc = f"{CENTRES[prod_id % len(CENTRES)]} merkezinde el yapımı {thing.lower()}."
        search = search_fold(
            " ".join([code, title, title_en, desc, COLLECTIONS[col][1], COLLECTIONS[col][2],
                      CRAFTS[cat][1], CRAFTS[cat][2]])
        )  # fmt: skip
        created = start + timedelta(days=rng.randrange(0, 900), minutes=prod_id % 1440)
        products.append((
            prod_id, code, title, title_en, desc, "", search, price, vat, stock, False,
            None, status, "", col + 1, cat + 1, created, created, owner, None,
        ))  # fmt: skip
        if rng.random() < 0.1 and owner != 1:
            other = rng.choice([p for p in rng.sample(producer_ids, 3) if p != owner] or [owner])
            shares = [(owner, 6000), (other, 4000)] if other != owner else [(owner, 10000)]
        else:
            shares = [(owner, 10000)]
        shares.sort()
        for producer_id, share in shares:
            makers.append((prod_id, producer_id, share, "accepted", created))
        for n in range(3):
            path = f"products/{prod_id}/{n}.jpg"
            images.append((prod_id * 3 + n, prod_id, path, f"products/{prod_id}/{n}-t.jpg", n,
                           title))  # fmt: skip
        if stock:
            movements.append((prod_id, prod_id, stock, "initial", "", stock, None, created))
        catalog.products[prod_id] = (code, title, price, vat, 1500, shares)
        catalog.product_ids.append(prod_id)
        weight = rng.lognormvariate(0, 1.0)
        catalog.weights.append(weight * (2.0 if owner == 1 else 1.0))
    catalog.busiest = 1
    catalog.tables = {
        "users": (USER_COLUMNS, users),
        "producer_profiles": (
            "id user_id display_name centre craft bio photo_path iban membership_status "
            "notify_email application_note created_at approved_at tax_status "
            "tax_id exemption_number exemption_expires".split(),
            profiles,
        ),
        "categories": ("id slug name_tr name_en".split(), categories),
        "collections": (
            "id slug name_tr name_en description_tr description_en commission_bp active "
            "position".split(),
            collections,
        ),
        "products": (
            "id code title_tr title_en description_tr description_en search_text price_kurus "
            "vat_bp stock made_to_order lead_time_days status review_note "
            "collection_id category_id created_at updated_at owner_id withdrawal_exclusion".split(),
            products,
        ),
        "product_makers": ("product_id producer_id share_bp consent consent_at".split(), makers),
        "product_images": ("id product_id path thumb_path position alt".split(), images),
        "stock_movements": (
            "id product_id delta reason note resulting_stock actor_id created_at".split(),
            movements,
        ),
        "ledger_accounts": ("id code kind producer_id".split(), accounts),
    }
    return catalog


SYSTEM_ACCOUNTS = [
    ("clearing:stripe", "asset"),
    ("clearing:bank", "asset"),
    ("clearing:cash", "asset"),
    ("clearing:card", "asset"),
    ("vat:payable", "liability"),
    ("coop:commission", "revenue"),
    ("coop:shipping", "revenue"),
    ("fees:payment", "expense"),
    ("bank:payouts", "asset"),
    ("tax:withholding", "liability"),
]


def accounts(catalog: Catalog) -> dict[str, int]:
    """Fill the ledger_accounts rows (system accounts, one per member); code -> id."""
    rows = catalog.tables["ledger_accounts"][1]
    ids = {}
    for i, (code, kind) in enumerate(SYSTEM_ACCOUNTS, start=1):
        rows.append((i, code, kind, None))
        ids[code] = i
    base = len(SYSTEM_ACCOUNTS)
    for producer_id in catalog.producer_ids:
        code = f"producer:{producer_id}"
        rows.append((base + producer_id, code, "liability", producer_id))
        ids[code] = base + producer_id
    return ids


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
