"""The taksit tables a shop page shows for a price (services.sales.instalments), for the
configured iyzico account, kept in the shared cache (one table per price for every worker);
nothing when iyzico is not the card provider."""

from __future__ import annotations

from flask import current_app

from coopshop.extensions import cache
from coopshop.services.sales import instalments, payments


def tables_for(price_kurus: int):
    config = current_app.config
    ttl = float(config.get("IYZICO_INSTALMENT_CACHE_SECONDS") or instalments.DEFAULT_TTL_SECONDS)
    provider = payments.iyzico_provider(config)
    return instalments.for_price(provider, price_kurus, ttl=ttl, store=cache)
