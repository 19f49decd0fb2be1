"""The taksit tables a shop page shows for a price (services.sales.instalments), for the
configured iyzico account; nothing when iyzico is not the card provider."""

from __future__ import annotations

from flask import current_app

from coopshop.services.sales import instalments, payments


def tables_for(price_kurus: int):
    config = current_app.config
    ttl = float(config.get("IYZICO_INSTALMENT_CACHE_SECONDS") or instalments.DEFAULT_TTL_SECONDS)
    return instalments.for_price(payments.iyzico_provider(config), price_kurus, ttl=ttl)
