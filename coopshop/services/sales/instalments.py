"""Taksit options shown on the product page and in the cart: iyzico's instalment table for a
price, kept to the counts the shop allows (IYZICO_INSTALLMENTS) and cached per price.

A product page must not call iyzico on every view, nor wait on it: answers are kept for
``ttl`` seconds (a day by default, IYZICO_INSTALMENT_CACHE_SECONDS) per (account, price, counts)
in a ``store``: the web passes the shared Flask-Caching cache (Redis when REDIS_URL is set), so
every worker and node reads the one table; without one (the CLI, a unit test) a small store in
this process is used. The key is the exact price in kuruş, not a bucket, because iyzico's
amounts per instalment are computed from it; there is no BIN in it, because a product page has
no card yet (iyzico's own payment page shows the card's table). An iyzico that fails or does
not answer within a short timeout gives no table (also kept, for a shorter while, so an outage
costs one slow view per price and minute, not every view), and with no iyzico configured there
is nothing to ask. Nothing here raises to the page: taksit is information, not a step of buying.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from coopshop.services.sales import iyzico, iyzico_reporting

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 24 * 3600  # the issue: "cached for a day"
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


class Store(Protocol):
    """What a cache must offer: Flask-Caching's ``cache`` does (timeout in seconds)."""

    def get(self, key: str): ...

    def set(self, key: str, value, timeout: int | None = None): ...


class MemoryStore:
    """A bounded store in this process, for callers without a shared cache."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._entries: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            hit = self._entries.get(key)
        if hit is None or hit[0] <= self._clock():
            return None
        return hit[1]

    def set(self, key: str, value, timeout: int | None = None) -> None:
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()  # bounded: prices are few; a flood of odd ones starts afresh
            self._entries[key] = (self._clock() + (timeout or DEFAULT_TTL_SECONDS), value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_memory = MemoryStore()


def clear_cache() -> None:
    """Empty this process's store (the shared cache is emptied with the app's ``cache``)."""
    _memory.clear()


def cache_key(client: iyzico.IyzicoClient, price_kurus: int, allowed: frozenset[int]) -> str:
    """One key per account (hashed: no key material in Redis), price and allowed counts."""
    account = hashlib.sha256(f"{client.base_url}|{client.api_key}".encode()).hexdigest()[:16]
    counts = ",".join(str(n) for n in sorted(allowed))
    return f"taksit:{account}:{price_kurus}:{counts}"


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
    store: Store | None = None,
) -> tuple[FamilyTable, ...]:
    """The taksit tables for ``price_kurus`` through ``provider`` (an IyzicoProvider, or None
    when iyzico is not the configured card provider: no table), from ``store`` when it holds
    them."""
    if provider is None or price_kurus <= 0:
        return ()
    allowed = frozenset(n for n in provider.installments if n > 1)
    if not allowed:
        return ()
    store = _memory if store is None else store
    client = provider.client
    key = cache_key(client, price_kurus, allowed)
    hit = _read(store, key)
    if hit is not None:
        return hit
    try:
        families = iyzico_reporting.installment_info(_display_client(client), price_kurus)
    except (iyzico.ProviderError, ValueError, KeyError, TypeError) as exc:
        log.info("no taksit table for %s kuruş: %s", price_kurus, exc)
        tables, keep = (), min(ttl, FAILURE_TTL_SECONDS)
    else:
        tables, keep = _tables(families, allowed), ttl
    _write(store, key, tables, max(1, int(keep)))
    return tables


# The shared store is Redis in production: one that is down or full costs a call to iyzico (or
# no table), never the page.
def _read(store: Store, key: str):
    try:
        return store.get(key)
    except Exception as exc:  # any cache backend's error
        log.warning("taksit cache unreadable: %s", exc)
        return None


def _write(store: Store, key: str, tables: tuple[FamilyTable, ...], timeout: int) -> None:
    try:
        store.set(key, tables, timeout=timeout)
    except Exception as exc:  # any cache backend's error
        log.warning("taksit cache not written: %s", exc)
