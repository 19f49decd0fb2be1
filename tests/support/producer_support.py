"""Helpers for the producer workspace's tests: pictures to upload, payouts as the payouts service
books them, and a small world of two members with solo and co-made sales."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PIL import Image

from coopshop.db import db
from coopshop.services.books import ledger
from coopshop.services.books.ledger import Leg
from coopshop.services.core.settings import CoopSettings
from tests.support.factories import ProducerFactory, ProductFactory, paid_order

SETTINGS = CoopSettings(return_window_days=14, offline_available_days=0)
DAY = timedelta(days=1)


def picture(fmt: str = "PNG", size: tuple[int, int] = (64, 48), colour=(180, 40, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def payout(producer_id: int, amount: int, when: datetime):
    """What the payouts service books: her account debited, bank:payouts credited."""
    return ledger.post(
        "payout",
        [
            Leg(f"producer:{producer_id}", amount, available_at=when),
            Leg(ledger.PAYOUTS, -amount),
        ],
        memo="Ödeme",
        now=when,
    )


@dataclass
class World:
    ayse: object
    fatma: object
    solo: object  # Ayşe's alone, 250 TL
    shared: object  # Ayşe 60% / Fatma 40%, 1.200 TL
    fatmas: object  # Fatma's alone, 100 TL
    orders: list


def two_members(paid_at: datetime | None = None) -> World:
    """Ayşe sells her scarf online and a co-made kilim at a bazaar; Fatma sells her own soap.

    Ayşe's parts (VAT 20%, commission 15%): scarf 250 TL -> 177,08; kilim 1.200 TL -> makers
    850,00 split 510,00 / 340,00. Fatma's soap 100 TL -> 70,83.
    """
    paid_at = paid_at or datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    ayse, fatma = ProducerFactory(display_name="Ayşe"), ProducerFactory(display_name="Fatma")
    solo = ProductFactory(title_tr="Atkı", price_kurus=25000, stock=50, makers=[(ayse, 10000)])
    shared = ProductFactory(
        title_tr="Kilim", price_kurus=120000, stock=50, makers=[(ayse, 6000), (fatma, 4000)]
    )
    fatmas = ProductFactory(title_tr="Sabun", price_kurus=10000, stock=50, makers=[(fatma, 10000)])
    orders = [
        paid_order([(solo, 1)], paid_at=paid_at, settings=SETTINGS),
        paid_order(
            [(shared, 1)],
            channel="bazaar",
            payment_method="cash",
            paid_at=paid_at + DAY,
            settings=SETTINGS,
        ),
        paid_order([(fatmas, 1)], paid_at=paid_at + 2 * DAY, settings=SETTINGS),
    ]
    db.session.commit()
    return World(ayse, fatma, solo, shared, fatmas, orders)
