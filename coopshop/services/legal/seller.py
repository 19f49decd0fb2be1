"""The seller's identity as one frozen value: what every legal page, contract and the footer
show (settings SELLER_*; config.py checks them, production refuses to start without them)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class SellerIdentity:
    legal_name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    kep_address: str = ""
    mersis_no: str = ""
    tax_office: str = ""
    tax_number: str = ""
    etbis_no: str = ""


def from_config(config) -> SellerIdentity:
    return SellerIdentity(
        legal_name=config.get("SELLER_LEGAL_NAME") or config.get("COOP_NAME", ""),
        address=config.get("SELLER_ADDRESS", ""),
        phone=config.get("SELLER_PHONE", ""),
        email=config.get("SELLER_EMAIL", ""),
        kep_address=config.get("SELLER_KEP_ADDRESS", ""),
        mersis_no=config.get("SELLER_MERSIS_NO", ""),
        tax_office=config.get("SELLER_TAX_OFFICE", ""),
        tax_number=config.get("SELLER_TAX_NUMBER", ""),
        etbis_no=config.get("SELLER_ETBIS_NO", ""),
    )


def current() -> SellerIdentity:
    return from_config(current_app.config)
