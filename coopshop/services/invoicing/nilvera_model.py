"""Nilvera's documented JSON model of an invoice, built from an InvoiceDraft: the seller and
buyer parties, one line model per line (unit net price to 8 places, amounts in lira from kuruş),
the e-Arşiv internet-sale block, and the exact bytes sent. The HTTP calls are in nilvera.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from coopshop.services.invoicing.interface import (
    Buyer,
    InvoiceDraft,
    InvoiceLine,
)

_PRICE_PLACES = Decimal("1e-8")


@dataclass(frozen=True)
class Seller:
    """The cooperative as it appears on every invoice (CompanyInfo)."""

    tax_id: str  # the cooperative's VKN
    name: str
    tax_office: str
    address: str
    district: str
    city: str
    postal_code: str = ""
    country: str = "Türkiye"
    email: str = ""
    web_site: str = ""


def _money(kurus: int) -> Decimal:
    return Decimal(kurus).scaleb(-2)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def unit_net_price(line: InvoiceLine) -> Decimal:
    """The net unit price Nilvera expects, to 8 places, so round(Price * Quantity, 2) is exactly
    our line net (the error is at most Quantity * 0.5e-8 TL, far below half a kuruş)."""
    return (_money(line.net_kurus) / line.quantity).quantize(_PRICE_PLACES, ROUND_HALF_UP)


def line_model(index: int, line: InvoiceLine) -> dict:
    return {
        "Index": str(index),
        "Name": line.name,
        "Quantity": line.quantity,
        "UnitType": "C62",  # UN/ECE "one" (adet)
        "Price": unit_net_price(line),
        "AllowanceTotal": Decimal(0),
        "KDVPercent": Decimal(line.vat_bp).scaleb(-2),
        "KDVTotal": _money(line.vat_kurus),
    }


def _party(p: Seller | Buyer) -> dict:
    return {
        "TaxNumber": p.tax_id,
        "Name": p.name,
        "TaxOffice": p.tax_office,
        "Address": p.address,
        "District": p.district,
        "City": p.city,
        "Country": p.country,
        "PostalCode": p.postal_code,
        "Mail": p.email,
    }


def dumps(obj) -> bytes:
    """JSON with Decimals written as exact numbers (the json module would need floats)."""
    if isinstance(obj, Decimal):
        return format(obj, "f").encode()
    if isinstance(obj, dict):
        items = (dumps(str(k)) + b":" + dumps(v) for k, v in obj.items())
        return b"{" + b",".join(items) + b"}"
    if isinstance(obj, list | tuple):
        return b"[" + b",".join(dumps(v) for v in obj) + b"]"
    return json.dumps(obj, ensure_ascii=False).encode()


def _earsiv_sale(draft: InvoiceDraft) -> dict:
    sale = draft.internet_sale
    if sale is None:
        return {"SendType": "ELEKTRONIK", "SalesPlatform": "NORMAL"}
    internet = {
        "WebSite": sale.web_site,
        "PaymentMethod": sale.payment_method,
        "PaymentDate": _utc(sale.payment_date),
    }
    if sale.carrier_name:
        internet["TransporterName"] = sale.carrier_name
    if sale.shipped_at:
        internet["TransportDate"] = _utc(sale.shipped_at)
    return {"SendType": "ELEKTRONIK", "SalesPlatform": "INTERNET", "InternetInfo": internet}
