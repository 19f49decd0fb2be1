"""Sets the stage on a freshly seeded demo database and prints, as JSON, the facts the browser
journeys need: which İpek Yolu piece of Ayşe's the shopper buys (with its price, VAT and
commission, so a test can work out her exact share itself), three product codes for the bazaar
desk, and a new member waiting with a product in review. It also adds a second admin: a payout
batch needs a second admin's approval (PAYOUT_TWO_ADMINS).

Run by tests/e2e/conftest.py in a subprocess, after `flask seed-demo`, because the app reads its
settings (DATABASE_URL, UPLOAD_DIR) from the environment when it is imported:
    python -m tests.e2e.scenario
Everything it changes goes through the services, as a member or admin would change it.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop import create_app
from coopshop.db import db
from coopshop.demo.summary import DEMO_PASSWORD
from coopshop.models import ProducerProfile, Product, ProductMaker, User
from coopshop.services.catalog import own_products
from coopshop.services.catalog import stock as stock_service
from coopshop.services.catalog.listing import for_sale
from coopshop.services.core import settings as settings_service
from coopshop.services.members import users as user_service
from coopshop.services.sales import orders
from coopshop.turkish import search_fold

MAKER_EMAIL = "ayse@example.org"
SECOND_ADMIN = ("hazine@example.org", "Nuray Erdem")
STOCK_FOR_JOURNEYS = 40  # the journeys of one viewport buy and sell it; room to spare


def _maker() -> ProducerProfile:
    return db.session.scalar(select(ProducerProfile).join(User).where(User.email == MAKER_EMAIL))


def _ipek_piece(maker: ProducerProfile) -> Product:
    """Her piece in the İpek Yolu collection: "İpek" in the title if she has one, co-made if she
    has one (her share is then a real split), a stock product rather than made to order."""
    found = db.session.scalars(
        for_sale()
        .where(
            Product.makers.any(ProductMaker.producer_id == maker.id),
            Product.collection.has(slug="ipek-yolu"),
        )
        .options(selectinload(Product.makers))
    ).all()
    if not found:
        sys.exit("scenario: the demo data has no İpek Yolu product by the demo maker")

    def preference(p: Product):
        return (
            "ipek" not in search_fold(p.title_tr),
            len(p.makers) == 1,
            p.made_to_order,
            p.id,
        )

    return sorted(found, key=preference)[0]


def _bazaar_codes(exclude: int) -> list[dict]:
    rows = db.session.scalars(
        for_sale()
        .where(Product.made_to_order.is_(False), Product.stock >= 4, Product.id != exclude)
        .order_by(Product.id)
        .limit(3)
    ).all()
    return [
        {"id": p.id, "code": p.code, "price_kurus": p.price_kurus, "title_tr": p.title_tr}
        for p in rows
    ]


def _last_unit(exclude: set[int]) -> dict:
    """A piece with one unit left, for two offline desks that both sell it: its maker counted
    her shelf (the same stock movement her page records)."""
    product = db.session.scalars(
        for_sale()
        .where(Product.made_to_order.is_(False), Product.stock >= 1, Product.id.not_in(exclude))
        .order_by(Product.id.desc())
        .limit(1)
    ).first()
    maker = product.makers[0].producer
    if product.stock != 1:
        own = own_products.get_own_product(maker.id, product.id)
        stock_service.adjust(
            maker, own, 1 - product.stock, "count", "Sayım", actor_id=maker.user_id
        )
    return {"id": product.id, "code": product.code, "price_kurus": product.price_kurus}


def _applicant() -> dict:
    product = db.session.scalar(
        select(Product)
        .join(ProductMaker)
        .join(ProducerProfile, ProducerProfile.id == ProductMaker.producer_id)
        .where(ProducerProfile.membership_status == "applied", Product.status == "in_review")
        .order_by(Product.id)
        .limit(1)
    )
    if product is None:
        sys.exit("scenario: the demo data has no new member with a product in review")
    member = product.makers[0].producer
    return {
        "producer_id": member.id,
        "name": member.display_name,
        "product_id": product.id,
        "product_title_tr": product.title_tr,
        "product_code": product.code,
    }


def main() -> None:
    app = create_app()
    with app.app_context():
        settings = settings_service.current()
        email, name = SECOND_ADMIN
        user_service.create_user(email, DEMO_PASSWORD, name, role="admin")
        maker = _maker()
        piece = _ipek_piece(maker)
        if not piece.made_to_order and piece.stock < STOCK_FOR_JOURNEYS:
            # She brought a new batch to the centre: the same stock movement her page records.
            own = own_products.get_own_product(maker.id, piece.id)
            stock_service.adjust(
                maker,
                own,
                STOCK_FOR_JOURNEYS - piece.stock,
                "produced",
                "Yeni parti",
                actor_id=maker.user_id,
            )
        bazaar = _bazaar_codes(piece.id)
        share = next(m.share_bp for m in piece.makers if m.producer_id == maker.id)
        facts = {
            "maker": {"id": maker.id, "name": maker.display_name, "iban": maker.iban},
            "piece": {
                "id": piece.id,
                "code": piece.code,
                "title_tr": piece.title_tr,
                "title_en": piece.title_en,
                "price_kurus": piece.price_kurus,
                "vat_bp": piece.vat_bp,
                "commission_bp": orders.effective_commission_bp(
                    piece, settings.default_commission_bp
                ),
                "share_bp": share,
                "makers": [m.share_bp for m in piece.makers],
                "maker_index": [m.producer_id for m in piece.makers].index(maker.id),
            },
            "bazaar": bazaar,
            "last_unit": _last_unit({piece.id, *(b["id"] for b in bazaar)}),
            "applicant": _applicant(),
            "shipping_kurus": settings.shipping_flat_kurus,
            "free_shipping_threshold_kurus": settings.free_shipping_threshold_kurus,
        }
        db.session.commit()
    print(json.dumps(facts, ensure_ascii=False))


if __name__ == "__main__":
    main()
