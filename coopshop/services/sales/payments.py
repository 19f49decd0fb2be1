"""Payment providers behind one small interface: iyzico, Stripe, the demo path, bank transfer.

Checkout asks a provider to *start* a payment for an order and gets back where to send the
shopper. Providers never mark orders paid themselves: a verified Stripe webhook, the demo page
or staff confirming a transfer calls services.checkout.fulfil, the one fulfilment path; for iyzico
the callback and its webhook do, through services.sales.iyzico_payments. Checkout does not change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import stripe

from coopshop.models import Order
from coopshop.services.sales import iyzico

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 8
WEBHOOK_TOLERANCE_SECONDS = 300  # a signed event older or newer than this is refused


@dataclass(frozen=True)
class PaymentStart:
    """Where the shopper goes next, and the provider's reference for this attempt."""

    redirect_url: str
    provider_ref: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ChargeDetails:
    """What the provider says about a completed payment: the charge and its fee, in kuruş."""

    charge_ref: str | None
    amount_kurus: int
    fee_kurus: int
    currency: str


class PaymentProvider(Protocol):
    name: str
    payment_method: str  # the Order.payment_method this provider's orders carry

    def start(self, order: Order, success_url: str, cancel_url: str) -> PaymentStart: ...


class DemoProvider:
    """Stands in for Stripe on a machine with no keys. Refused in production (config)."""

    name = "demo"
    payment_method = "demo"

    def __init__(self, demo_page_url):
        self._demo_page_url = demo_page_url

    def start(self, order: Order, success_url: str, cancel_url: str) -> PaymentStart:
        return PaymentStart(redirect_url=self._demo_page_url(order), provider_ref=None)


class BankTransferProvider:
    """Havale/EFT: the order waits, showing the cooperative's IBAN and the order number as the
    reference; staff confirm the transfer later."""

    name = "bank_transfer"
    payment_method = "bank_transfer"

    def start(self, order: Order, success_url: str, cancel_url: str) -> PaymentStart:
        return PaymentStart(redirect_url=success_url, provider_ref=None)


class StripeProvider:
    """Stripe Checkout through the official SDK. Amounts are kuruş (TRY's minor unit)."""

    name = "stripe"
    payment_method = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ):
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        # A short timeout and one retry: starting a payment runs inside the shopper's request,
        # which must answer well before the worker is killed (the SDK waits 80 s by default).
        self.client = stripe.StripeClient(
            api_key,
            max_network_retries=1,
            http_client=stripe.new_default_http_client(timeout=timeout),
            **options,
        )
        self.webhook_secret = webhook_secret

    def start(self, order: Order, success_url: str, cancel_url: str) -> PaymentStart:
        line_items = [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": "try",
                    "unit_amount": line.unit_price_kurus,
                    "product_data": {"name": line.title, "metadata": {"code": line.product_code}},
                },
            }
            for line in order.lines
        ]
        if order.shipping_kurus:
            line_items.append(
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "try",
                        "unit_amount": order.shipping_kurus,
                        "product_data": {"name": "Kargo"},
                    },
                }
            )
        metadata = {"order_id": str(order.id), "order_number": order.number}
        params = {
            "mode": "payment",
            "line_items": line_items,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": order.number,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "locale": "tr",
        }
        if order.buyer_email:
            params["customer_email"] = order.buyer_email
        if order.expires_at is not None:
            params["expires_at"] = int(order.expires_at.timestamp())
        session = self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout-session-{order.number}"}
        )
        return PaymentStart(redirect_url=session.url, provider_ref=session.id)

    def construct_event(self, payload: bytes, signature: str | None) -> dict:
        """The verified event as plain dicts; raises stripe.SignatureVerificationError or
        ValueError when the signature or payload is bad."""
        try:
            event = stripe.Webhook.construct_event(
                payload, signature or "", self.webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (AttributeError, TypeError) as exc:  # the SDK trips on a JSON list or null
            raise ValueError("the payload is not a JSON object") from exc
        # The SDK refuses only old timestamps; one from the future is refused here too.
        if _signed_at(signature) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            raise stripe.SignatureVerificationError("timestamp in the future", signature)
        return event.to_dict()

    def charge_details(self, payment_intent_id: str) -> ChargeDetails:
        """Read the charge and its balance transaction (the fee) for a PaymentIntent."""
        intent = self.client.v1.payment_intents.retrieve(
            payment_intent_id, params={"expand": ["latest_charge.balance_transaction"]}
        ).to_dict()
        charge = _expand(self.client.v1.charges, intent.get("latest_charge"))
        if charge is None:
            return ChargeDetails(None, int(intent["amount"]), 0, intent["currency"])
        balance = _expand(self.client.v1.balance_transactions, charge.get("balance_transaction"))
        fee = 0
        if balance is not None:
            if balance["currency"] == "try":
                fee = int(balance["fee"])
            else:
                log.warning(
                    "charge %s settled in %s; its fee is left to reconciliation",
                    charge["id"],
                    balance["currency"],
                )
        return ChargeDetails(charge["id"], int(charge["amount"]), fee, charge["currency"])

    def refund(self, charge_ref: str, amount_kurus: int, idempotency_key: str, metadata=None):
        return self.client.v1.refunds.create(
            params={"charge": charge_ref, "amount": amount_kurus, "metadata": metadata or {}},
            options={"idempotency_key": idempotency_key},
        )

    def refunds_for_charge(self, charge_ref: str) -> list:
        listing = self.client.v1.refunds.list(params={"charge": charge_ref, "limit": 100})
        return [refund.to_dict() for refund in listing.auto_paging_iter()]


def _expand(service, value) -> dict | None:
    """Stripe objects come back expanded or as ids; accept both, return a plain dict."""
    if value is None:
        return None
    if isinstance(value, str):
        return service.retrieve(value).to_dict()
    return value.to_dict() if hasattr(value, "to_dict") else dict(value)


def _signed_at(signature: str | None) -> int:
    for part in (signature or "").split(","):
        key, _, value = part.partition("=")
        if key.strip() == "t" and value.strip().isdigit():
            return int(value)
    return 0


class IyzicoProvider:
    """iyzico's hosted Checkout Form (3-D Secure, taksit) through services.sales.iyzico. The
    basket item ids are the order line ids (and SHIPPING), so each line's payment transaction is
    known for refunds; the order number is both basket id and conversation id."""

    name = "iyzico"
    payment_method = "iyzico"

    def __init__(
        self,
        client: iyzico.IyzicoClient,
        callback_url: str | None = None,
        buyer_ip: str | None = None,
        installments: tuple[int, ...] = (1, 2, 3, 6, 9),
    ):
        self.client = client
        self.callback_url = callback_url
        self.buyer_ip = buyer_ip or "127.0.0.1"
        self.installments = installments

    def start(self, order: Order, success_url: str, cancel_url: str) -> PaymentStart:
        if not self.callback_url:
            raise RuntimeError("IyzicoProvider.start needs the callback URL")
        name, _, surname = order.buyer_name.strip().rpartition(" ")
        name, surname = (name, surname) if name else (surname, surname)
        address = iyzico.Address(
            contact_name=order.buyer_name,
            city=order.il,
            district=order.ilce or None,
            address=order.address_line,
            zip_code=order.postal_code or None,
        )
        started = self.client.start_checkout_form(
            order_number=order.number,
            lines=[
                iyzico.BasketLine(str(line.id), line.title, line.gross_kurus)
                for line in sorted(order.lines, key=lambda ln: ln.id)
            ],
            shipping_kurus=order.shipping_kurus,
            buyer=iyzico.Buyer(
                id=f"U{order.customer_id}" if order.customer_id else f"G-{order.number}",
                name=name,
                surname=surname,
                email=order.buyer_email,
                ip=self.buyer_ip,
                registration_address=f"{order.address_line}, {order.ilce}",
                city=order.il,
                gsm_number=order.buyer_phone or None,
                zip_code=order.postal_code or None,
            ),
            shipping_address=address,
            billing_address=address,
            callback_url=self.callback_url,
            enabled_installments=self.installments,
        )
        return PaymentStart(
            redirect_url=started.payment_page_url,
            provider_ref=started.token,
            expires_at=started.token_expires_at,
        )


def chosen_provider(config) -> str:
    """PAYMENT_PROVIDER, or when it is empty the provider whose keys are set (else demo)."""
    chosen = (config.get("PAYMENT_PROVIDER") or "").strip().lower()
    if chosen:
        return chosen
    if config.get("STRIPE_SECRET_KEY"):
        return "stripe"
    if config.get("IYZICO_API_KEY"):
        return "iyzico"
    return "demo"


def iyzico_provider(config, callback_url=None, buyer_ip=None) -> IyzicoProvider | None:
    """None unless iyzico is the chosen provider with both keys (tests add an SSL context
    trusting the stand-in's CA as IYZICO_SSL_CONTEXT)."""
    if chosen_provider(config) != "iyzico":
        return None
    if not config.get("IYZICO_API_KEY") or not config.get("IYZICO_SECRET_KEY"):
        return None
    client = iyzico.IyzicoClient(
        config["IYZICO_API_KEY"],
        config["IYZICO_SECRET_KEY"],
        config.get("IYZICO_BASE_URL") or iyzico.SANDBOX_BASE_URL,
        timeout=float(config.get("IYZICO_TIMEOUT") or 10),
        ssl_context=config.get("IYZICO_SSL_CONTEXT"),
    )
    raw = str(config.get("IYZICO_INSTALLMENTS") or "1")
    installments = tuple(int(n) for n in raw.replace(" ", "").split(",") if n)
    return IyzicoProvider(client, callback_url, buyer_ip, installments)


def refund_provider(config, order: Order):
    """The provider an online order's money goes back through, or None when not configured."""
    if order.payment_method == "iyzico":
        return iyzico_provider(config)
    return stripe_provider(config)


def refund_provider_name(order: Order) -> str:
    """The name of the provider an online order's money goes back through, for messages."""
    return "iyzico" if order.payment_method == "iyzico" else "Stripe"


def stripe_provider(config) -> StripeProvider | None:
    if not config.get("STRIPE_SECRET_KEY"):
        return None
    return StripeProvider(
        config["STRIPE_SECRET_KEY"],
        config.get("STRIPE_WEBHOOK_SECRET", ""),
        config.get("STRIPE_API_BASE") or None,
        timeout=config.get("STRIPE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
    )


def card_provider(config, demo_page_url, callback_url=None, buyer_ip=None) -> PaymentProvider:
    """The chosen provider (chosen_provider) when configured; otherwise the demo path where
    the config allows it."""
    chosen = chosen_provider(config)
    if chosen == "iyzico":
        provider = iyzico_provider(config, callback_url, buyer_ip)
        if provider is None:
            raise RuntimeError("PAYMENT_PROVIDER=iyzico: set IYZICO_API_KEY and IYZICO_SECRET_KEY")
        return provider
    provider = stripe_provider(config) if chosen == "stripe" else None
    if provider is not None:
        return provider
    if config.get("DEMO_PAYMENTS"):
        return DemoProvider(demo_page_url)
    raise RuntimeError("no card payment provider: set PAYMENT_PROVIDER and its keys")
