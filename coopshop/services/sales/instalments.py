"""Taksit options shown on the product page and in the cart: iyzico's instalment table for a
price, kept to the counts the shop allows (IYZICO_INSTALLMENTS) and cached per price.

A product page must not call iyzico on every view, nor wait on it: answers are kept for
``ttl`` seconds per (account, price, counts) in this process, an iyzico that fails or does not
answer within a short timeout gives no table (also kept, for a shorter while, so an outage costs
one slow view per price and minute, not every view), and with no iyzico configured there is
nothing to ask. Nothing here raises to the page: taksit is information, not a step of buying.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from coopshop.services.sales import iyzico, iyzico_reporting

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 900
FAILURE_TTL_SECONDS = 60
DISPLAY_TIMEOUT_SECONDS = 2.0  # a page waits at most this long for iyzico's table
_MAX_ENTRIES = 2048


@dataclass(frozen=True)
class Option:
    count: int
    per_instalment_kurus: int
    total_kurus: int


@dataclass(frozen=True)
class FamilyTable:
    card_family: str
    bank_name: str | None
    options: tuple[Option, ...]


_cache: dict[tuple, tuple[float, tuple[FamilyTable, ...]]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _display_client(client: iyzico.IyzicoClient) -> iyzico.IyzicoClient:
    """The same account with the shorter timeout a page can afford."""
    return iyzico.IyzicoClient(
        client.api_key,
        client.secret_key,
        client.base_url,
        timeout=min(client.timeout, DISPLAY_TIMEOUT_SECONDS),
        ssl_context=client.ssl_context,
    )


def _tables(families, allowed: frozenset[int]) -> tuple[FamilyTable, ...]:
    """Only real instalments (more than one) the shop allows; a family left with none goes."""
    tables = []
    for family in families:
        options = tuple(
            Option(o.count, o.per_instalment_kurus, o.total_kurus)
            for o in family.options
            if o.count > 1 and o.count in allowed
        )
        if options:
            tables.append(FamilyTable(family.card_family, family.bank_name, options))
    return tuple(tables)


def for_price(
    provider,
    price_kurus: int,
    ttl: float = DEFAULT_TTL_SECONDS,
    clock=time.monotonic,
) -> tuple[FamilyTable, ...]:
    """The taksit tables for ``price_kurus`` through ``provider`` (an IyzicoProvider, or None
    when iyzico is not the configured card provider: no table)."""
    if provider is None or price_kurus <= 0:
        return ()
    allowed = frozenset(n for n in provider.installments if n > 1)
    if not allowed:
        return ()
    client = provider.client
    key = (client.base_url, client.api_key, price_kurus, allowed)
    now = clock()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        families = iyzico_reporting.installment_info(_display_client(client), price_kurus)
    except (iyzico.ProviderError, ValueError, KeyError, TypeError) as exc:
        log.info("no taksit table for %s kuruş: %s", price_kurus, exc)
        tables, expires = (), now + min(ttl, FAILURE_TTL_SECONDS)
    else:
        tables, expires = _tables(families, allowed), now + ttl
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()  # bounded: prices are few; a flood of odd ones starts it afresh
        _cache[key] = (expires, tables)
    return tables
