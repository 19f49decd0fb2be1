"""Stripe money-out helpers for tests: orders really paid at localstripe, a proxy that lets the
SDK's period filters through to localstripe, and recorded Stripe list objects.

localstripe refuses `created[gte]`/`created[lt]` on most lists (it filters charges by `gt` only),
so ``LocalstripeProxy`` forwards every request with the created filters taken out and records
what the SDK sent; reconciliation keeps to the period itself, so the answer is the same.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from coopshop.db import db
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from coopshop.services.sales.payments import StripeProvider
from tests.support.stripe_support import WEBHOOK_SECRET


class LocalstripeProxy:
    def __init__(self, target: str):
        self.requests: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                parts = urlsplit(self.path)
                query = parse_qsl(parts.query, keep_blank_values=True)
                proxy.requests.append(
                    {"method": self.command, "path": parts.path, "query": dict(query)}
                )
                kept = [(k, v) for k, v in query if not k.startswith("created")]
                url = target + parts.path + (("?" + urlencode(kept)) if kept else "")
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() in ("authorization", "content-type", "idempotency-key")
                }
                request = urllib.request.Request(
                    url, data=body, method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(request, timeout=20) as answer:  # loopback
                        status, payload = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def clear_localstripe(base: str) -> None:
    """Empty localstripe (reconciliation lists everything it holds)."""
    urllib.request.urlopen(  # noqa: S310 (loopback)
        urllib.request.Request(base + "/_config/data", method="DELETE"), timeout=10
    ).close()


@contextmanager
def proxied_stripe(localstripe_base: str):
    """(provider, proxy): a StripeProvider talking to an emptied localstripe through the proxy."""
    clear_localstripe(localstripe_base)
    proxy = LocalstripeProxy(localstripe_base)
    try:
        yield StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=proxy.base), proxy
    finally:
        proxy.close()


def paid_intent(provider: StripeProvider, amount: int, key: str, metadata=None) -> dict:
    """A PaymentIntent paid by card at localstripe: a real charge and balance transaction."""
    return provider.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "try",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": metadata or {},
        },
        options={"idempotency_key": key},
    ).to_dict()


def stripe_paid_order(provider: StripeProvider, items, *, charge_shipping=False, settings=None):
    """An online order paid through localstripe and booked through services.orders, as the
    webhook would: Payment.charge_ref is the real charge. Committed."""
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="stripe",
            lines=[LineRequest(quantity=qty, product_id=product.id) for product, qty in items],
            charge_shipping=charge_shipping,
        ),
        settings=settings,
    )
    intent = paid_intent(
        provider, order.total_kurus, f"pi-{order.number}", {"order_id": str(order.id)}
    )
    details = provider.charge_details(intent["id"])
    mark_paid(
        order,
        PaymentInfo(
            provider="stripe",
            amount_kurus=order.total_kurus,
            provider_ref=intent["id"],
            charge_ref=details.charge_ref,
            fee_kurus=details.fee_kurus,
        ),
        settings=settings,
    )
    db.session.commit()
    return order, details.charge_ref


def listing(url: str, data: list[dict]) -> dict:
    """A recorded Stripe list object."""
    return {"object": "list", "url": url, "has_more": False, "data": data}
