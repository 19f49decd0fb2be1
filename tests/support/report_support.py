"""The small world the report tests share: three orders over three channels, two collections,
two centres, one co-made scarf, and two refunds, around the end of March 2026.

  O1 online  2026-03-10   scarf ₺1.200 (İpek Yolu, Dokuma; Ayşe 6,000 / Fatma 4,000)
                          + bowl ₺250 (Ankara, Seramik; Zeynep) + ₺75 shipping
  O2 bazaar  2026-03-31T22:30Z, i.e. 1 April 01:30 in Ankara: two bowls ₺500
  O3 bank    2026-04-15   three soaps ₺300 at 10% VAT (no collection, Sabun; Fatma)
  R1 online  2026-04-05   ₺600 of the scarf and ₺25 of the shipping refunded
  R2 bank    2026-04-16   one soap (₺100) refunded
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from coopshop.db import db
from coopshop.services.core.settings import CoopSettings
from coopshop.services.reports.summary import ReportFilter
from coopshop.services.sales import refunds
from tests.support.factories import (
    CategoryFactory,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    paid_order,
)

SETTINGS = CoopSettings(free_shipping_threshold_kurus=10**9)
SPRING = ReportFilter(start=date(2026, 3, 1), end=date(2026, 4, 30))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def build_world() -> dict:
    ayse = ProducerFactory(display_name="Ayşe", centre="Keçiören BELMEK")
    fatma = ProducerFactory(display_name="Fatma", centre="Mamak BELMEK")
    zeynep = ProducerFactory(display_name="Zeynep", centre="Keçiören BELMEK")
    ipek = CollectionFactory(name_tr="İpek Yolu", name_en="Silk Road")
    ankara = CollectionFactory(name_tr="Ankara", name_en="Ankara")
    scarf = ProductFactory(
        price_kurus=120000,
        collection=ipek,
        category=CategoryFactory(name_tr="Dokuma", name_en="Weaving"),
        makers=[(ayse, 6000), (fatma, 4000)],
    )
    bowl = ProductFactory(
        price_kurus=25000,
        collection=ankara,
        category=CategoryFactory(name_tr="Seramik", name_en="Ceramics"),
        makers=[(zeynep, 10000)],
    )
    soap = ProductFactory(
        price_kurus=10000,
        vat_bp=1000,
        category=CategoryFactory(name_tr="Sabun", name_en="Soap"),
        makers=[(fatma, 10000)],
    )
    o1 = paid_order(
        [(scarf, 1), (bowl, 1)],
        charge_shipping=True,
        paid_at=at(2026, 3, 10, 10),
        settings=SETTINGS,
    )
    paid_order(
        [(bowl, 2)],
        channel="bazaar",
        payment_method="cash",
        paid_at=at(2026, 3, 31, 22, 30),
        settings=SETTINGS,
    )
    o3 = paid_order(
        [(soap, 3)],
        channel="bank_transfer",
        payment_method="bank_transfer",
        paid_at=at(2026, 4, 15, 9),
        settings=SETTINGS,
    )
    scarf_line = next(line for line in o1.lines if line.product_id == scarf.id)
    refunds.create_refund(o1, [(scarf_line.id, 60000)], shipping_kurus=2500, now=at(2026, 4, 5, 12))
    refunds.create_refund(o3, [(o3.lines[0].id, 10000)], now=at(2026, 4, 16, 12))
    db.session.commit()
    return {"ayse": ayse, "fatma": fatma, "zeynep": zeynep, "ipek": ipek, "ankara": ankara}
