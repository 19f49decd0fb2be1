"""Invoicing settings as one frozen value, and the adapter they choose."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Invoice
from coopshop.services.invoicing.interface import InvoiceAdapter, make_adapter
from coopshop.services.invoicing.local import LocalAdapter, LocalRecord, MemoryStore


@dataclass(frozen=True)
class InvoicingSettings:
    enabled: bool = False
    provider: str = "local"
    shipping_vat_bp: int = 2000
    bazaar_always: bool = False
    max_attempts: int = 8
    website: str = ""

    @property
    def is_local(self) -> bool:
        return self.provider == "local"


def from_config(config: Mapping) -> InvoicingSettings:
    return InvoicingSettings(
        enabled=bool(config.get("INVOICING_ENABLED", False)),
        provider=str(config.get("INVOICING_PROVIDER", "local")).strip().lower(),
        shipping_vat_bp=int(config.get("INVOICING_SHIPPING_VAT_BP", 2000)),
        bazaar_always=bool(config.get("INVOICING_BAZAAR_ALWAYS", False)),
        max_attempts=int(config.get("INVOICING_MAX_ATTEMPTS", 8)),
        website=str(config.get("INVOICING_SELLER_WEBSITE", "")),
    )


def current() -> InvoicingSettings:
    return from_config(current_app.config)


LOCAL_PREFIX = "TST"


class DatabaseStore(MemoryStore):
    """The local adapter's numbers continue from the invoices table (so a restart does not
    number twice); an invoice it issued is found again through its row."""

    def get(self, uuid: str) -> LocalRecord | None:
        from coopshop.services.invoicing.interface import IssuedInvoice

        record = super().get(uuid)
        if record is not None:
            return record
        row = db.session.scalar(
            select(Invoice).where(Invoice.uuid == uuid, Invoice.status == "issued")
        )
        if row is None or row.number is None:
            return None
        return LocalRecord(None, IssuedInvoice(row.uuid, row.number, "issued", row.kind))

    def next_sequence(self, year: int) -> int:
        last = db.session.scalar(
            select(func.max(Invoice.number)).where(Invoice.number.like(f"{LOCAL_PREFIX}{year}%"))
        )
        stored = int(last[-9:]) if last and re.fullmatch(r"[A-Z]{3}\d{13}", last) else 0
        self._sequences[year] = max(stored, self._sequences.get(year, 0)) + 1
        return self._sequences[year]


def adapter(config: Mapping | None = None) -> InvoiceAdapter:
    """A new adapter for this worker (a requests.Session is not shared between threads)."""
    config = current_app.config if config is None else config
    production = bool(config.get("INVOICING_REQUIRE_LEGAL", False))
    made = make_adapter(config, production=production)
    if isinstance(made, LocalAdapter):
        made.store = DatabaseStore()
        made.prefix = LOCAL_PREFIX
    return made
