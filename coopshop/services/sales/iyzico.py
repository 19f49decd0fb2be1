"""iyzico Checkout Form adapter over the official ``iyzipay`` SDK (pinned 1.0.46).

Why this module exists rather than calling the SDK from views:

* the SDK opens ``http.client.HTTPSConnection(base_url)`` with no timeout, so a hanging iyzico
  would hang a worker; every call here goes through :class:`_TimeoutHttpLib`;
* ``IyzipayResource.header`` is a class-level dict the SDK mutates on each call (random key and
  Authorization), so two threads can send each other's headers; each call here gets its own copy;
* ``verify_signature`` in the SDK only prints; response signatures are checked here with
  ``hmac.compare_digest`` and a mismatch raises;
* iyzico speaks decimal strings, the shop speaks kuruş; conversion is integer arithmetic only.

No Flask, no request state: settings are plain constructor arguments, results are frozen
dataclasses. Where a response shape or signature rule comes from is cited beside the code.
"""

from __future__ import annotations

import hmac
import http.client
import json
import ssl
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import iyzipay
from iyzipay.iyzipay_resource import IyzipayResource

# The adapter is one interface in three files (each under 400 lines); callers use this one.
from coopshop.services.sales.iyzico_messages import (  # noqa: F401  (re-exported)
    LOCALES,
    REFUND_REASONS,
    Address,
    BasketLine,
    Buyer,
    CancelResult,
    CheckoutFormResult,
    CheckoutFormStart,
    ItemTransaction,
    RefundResult,
    _add_reason,
    _locale,
    _parse_checkout_form,
    build_initialize_request,
)
from coopshop.services.sales.iyzico_wire import (  # noqa: F401  (re-exported)
    WEBHOOK_SIGNATURE_HEADER,
    IyzicoTimeoutError,
    ProviderError,
    SignatureError,
    WebhookError,
    WebhookEvent,
    _opt,
    _s,
    _signature_amount,
    kurus_to_price,
    price_to_kurus,
    response_signature,
    verify_webhook,
    webhook_signature,
)

SDK_VERSION = "1.0.46"
SANDBOX_BASE_URL = "sandbox-api.iyzipay.com"
PRODUCTION_BASE_URL = "api.iyzipay.com"

# Endpoints. The initialize path is the documented one
# (https://docs.iyzico.com/en/payment-methods/direct-charge/checkoutform/cf-implementation/cf-initialize
# and iyzipay-php src/Iyzipay/Model/CheckoutFormInitialize.php); iyzipay-python 1.0.46's
# CheckoutFormInitialize.create posts to the older "/payment/iyzipos/checkoutform/initialize/ecom",
# so we call the SDK's own connect() with the documented path instead.
INITIALIZE_PATH = "/payment/iyzipos/checkoutform/initialize/auth/ecom"
# https://docs.iyzico.com/en/payment-methods/direct-charge/checkoutform/cf-implementation/cf-retrieve
RETRIEVE_PATH = "/payment/iyzipos/checkoutform/auth/ecom/detail"
# https://docs.iyzico.com/en/advanced/refund-and-cancel
REFUND_PATH = "/payment/refund"
CANCEL_PATH = "/payment/cancel"


# --------------------------------------------------------------------------- transport


class _TimeoutHttpLib:
    """Replaces the ``http.client`` module the SDK keeps in ``resource.httplib``: its
    HTTPSConnection carries our timeout and (in tests) an SSL context trusting a test CA, so the
    process-wide SSL_CERT_FILE never has to change. It also remembers the connections it opened,
    because the SDK never closes them."""

    def __init__(self, timeout: float, context: ssl.SSLContext | None):
        self._timeout = timeout
        self._context = context
        self._connections: list[http.client.HTTPSConnection] = []

    def HTTPSConnection(self, host, **kwargs):  # noqa: N802 - the name the SDK calls
        kwargs.setdefault("timeout", self._timeout)
        if self._context is not None:
            kwargs.setdefault("context", self._context)
        connection = http.client.HTTPSConnection(host, **kwargs)
        self._connections.append(connection)
        return connection

    def close(self) -> None:
        for connection in self._connections:
            connection.close()
        self._connections.clear()


def normalise_base_url(base_url: str) -> str:
    """The SDK wants a bare host ("sandbox-api.iyzipay.com" or "127.0.0.1:8443"); accept a URL
    with scheme or trailing slash from settings, refuse a path or plain http."""
    value = (base_url or "").strip()
    if value.startswith("http://"):
        raise ValueError("iyzico is only spoken over HTTPS")
    value = value.removeprefix("https://").rstrip("/")
    if not value or "/" in value:
        raise ValueError(f"IYZICO_BASE_URL must be a host name, not {base_url!r}")
    return value


class IyzicoClient:
    """One configured iyzico account. Stateless between calls; safe to share across threads."""

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        base_url: str = SANDBOX_BASE_URL,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ):
        if not api_key or not secret_key:
            raise ValueError("IYZICO_API_KEY and IYZICO_SECRET_KEY are both required")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.api_key = api_key
        self.secret_key = secret_key
        self.base_url = normalise_base_url(base_url)
        self.timeout = float(timeout)
        self.ssl_context = ssl_context

    # -- the one way out

    def _post(
        self, resource_cls: type, path: str, request: dict | None, method: str = "POST"
    ) -> dict:
        """POST (or, for the reporting service, GET with the query in ``path``) through the SDK's
        own connect() (its IYZWSv2 signing), with a per-call header copy and our timeout
        transport; returns iyzico's JSON with amounts as Decimal."""
        resource = resource_cls()
        transport = _TimeoutHttpLib(self.timeout, self.ssl_context)
        resource.httplib = transport
        # The SDK does self.header.update(...) on a class attribute; an instance copy makes
        # the mutation private to this call.
        resource.header = dict(IyzipayResource.header)
        options = {
            "api_key": self.api_key,
            "secret_key": self.secret_key,
            "base_url": self.base_url,
        }
        try:
            response = resource.connect(method, path, options, request)
            raw = response.read()
            http_status = response.status
        except TimeoutError as exc:
            message = f"no answer from iyzico in {self.timeout:g}s ({path})"
            raise IyzicoTimeoutError(message) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise ProviderError("network", f"{type(exc).__name__}: {exc}") from exc
        finally:
            transport.close()
        try:
            body = json.loads(raw.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProviderError(
                "bad_response", f"HTTP {http_status}, not JSON", http_status=http_status
            ) from exc
        if not isinstance(body, dict):
            raise ProviderError("bad_response", "JSON is not an object", http_status=http_status)
        if body.get("status") != "success":
            raise ProviderError(
                str(body.get("errorCode") or f"http_{http_status}"),
                str(body.get("errorMessage") or "iyzico answered failure"),
                error_group=body.get("errorGroup"),
                http_status=http_status,
            )
        return body

    def _check_signature(self, body: dict, fields: Sequence[str], what: str) -> None:
        """HMAC-SHA256(secret, ':'.join(fields)) hex, compared in constant time.

        Rule from https://docs.iyzico.com/en/advanced/response-signature-validation and the SDK's
        calculate_hmac_sha256_signature (iyzipay/iyzipay_resource.py)."""
        signature = body.get("signature")
        if not isinstance(signature, str) or not signature:
            raise SignatureError(f"{what}: response has no signature")
        expected = response_signature(fields, self.secret_key)
        if not hmac.compare_digest(expected, signature.lower()):
            raise SignatureError(f"{what}: response signature does not match")

    # -- checkout form

    def start_checkout_form(
        self,
        *,
        order_number: str,
        lines: Sequence[BasketLine],
        shipping_kurus: int,
        buyer: Buyer,
        shipping_address: Address,
        billing_address: Address,
        callback_url: str,
        enabled_installments: Iterable[int] = (1, 2, 3, 6, 9),
        locale: str = "tr",
        shipping_name: str = "Kargo",
    ) -> CheckoutFormStart:
        """Initialise a Checkout Form for an order: basketId = conversationId = order number.

        Request shape: CF-initialize docs (URL at INITIALIZE_PATH) and iyzipay-python
        samples/initialize_checkout_form.py. price = paidPrice = sum of the items, exactly."""
        request = build_initialize_request(
            order_number=order_number,
            lines=lines,
            shipping_kurus=shipping_kurus,
            buyer=buyer,
            shipping_address=shipping_address,
            billing_address=billing_address,
            callback_url=callback_url,
            enabled_installments=enabled_installments,
            locale=locale,
            shipping_name=shipping_name,
        )
        body = self._post(iyzipay.CheckoutFormInitialize, INITIALIZE_PATH, request)
        token = body.get("token")
        page_url = body.get("paymentPageUrl")
        if not token or not page_url:
            raise ProviderError("bad_response", "initialize answer has no token/paymentPageUrl")
        # Signature fields [conversationId, token]: iyzipay-python and iyzipay-php
        # samples/initialize_checkout_form.* (the docs page lists CF-initialize alike).
        self._check_signature(
            body, [_s(body.get("conversationId")), _s(token)], "checkout form initialize"
        )
        if body.get("conversationId") != order_number:
            raise ProviderError("mismatch", "initialize answer is for another conversation")
        seconds = int(body.get("tokenExpireTime") or 1800)
        return CheckoutFormStart(
            token=str(token),
            payment_page_url=str(page_url),
            token_expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
            token_expire_seconds=seconds,
            conversation_id=order_number,
        )

    def retrieve_checkout_form(
        self, token: str, conversation_id: str | None = None, locale: str = "tr"
    ) -> CheckoutFormResult:
        """The payment result for a token, signature-verified. Raises ProviderError when iyzico
        answers failure, SignatureError when the answer is not signed by our secret."""
        if not token:
            raise ValueError("token required")
        request = {"locale": _locale(locale), "token": token}
        if conversation_id:
            request["conversationId"] = conversation_id
        body = self._post(iyzipay.CheckoutForm, RETRIEVE_PATH, request)
        payment_status = body.get("paymentStatus")
        # Field order: paymentStatus, paymentId, currency, basketId, conversationId, paidPrice,
        # price, token: iyzipay-python samples/retrieve_checkout_form_result.py and iyzipay-php
        # samples/retrieve_checkout_form_result.php; general rule at
        # https://docs.iyzico.com/en/advanced/response-signature-validation.
        fields = [
            _s(payment_status),
            _s(body.get("paymentId")),
            _s(body.get("currency")),
            _s(body.get("basketId")),
            _s(body.get("conversationId")),
            _signature_amount(body.get("paidPrice")),
            _signature_amount(body.get("price")),
            _s(body.get("token")),
        ]
        if payment_status == "SUCCESS" or body.get("signature"):
            # A success must be signed; any signature present must match. An unsigned
            # non-success is accepted as what it is: not paid.
            self._check_signature(body, fields, "checkout form retrieve")
        if body.get("token") not in (None, token):
            raise SignatureError("checkout form retrieve: answer is for another token")
        return _parse_checkout_form(body)

    # -- refund and cancel

    def refund(
        self,
        payment_transaction_id: str,
        amount_kurus: int,
        conversation_id: str,
        ip: str,
        *,
        reason: str | None = None,
        description: str | None = None,
        locale: str = "tr",
    ) -> RefundResult:
        """Refund part or all of one basket item (docs: refund per paymentTransactionId, price
        ≤ what is left refundable on that item). No idempotency key exists at iyzico: record
        the attempt before calling; on IyzicoTimeoutError reconcile rather than retry blindly."""
        if amount_kurus <= 0:
            raise ValueError("refund amount must be positive")
        request = {
            "locale": _locale(locale),
            "conversationId": conversation_id,
            "paymentTransactionId": str(payment_transaction_id),
            "price": kurus_to_price(amount_kurus),
            "currency": "TRY",
            "ip": ip,
        }
        _add_reason(request, reason, description)
        body = self._post(iyzipay.Refund, REFUND_PATH, request)
        # The refund answer's signature field order is not documented on the pages consulted;
        # it is not checked here (README, "iyzico: what is assumed and not yet confirmed"). TLS
        # to api.iyzipay.com is what we rely on.
        returned_id = _s(body.get("paymentTransactionId"))
        if returned_id and returned_id != str(payment_transaction_id):
            raise ProviderError("mismatch", "refund answer is for another transaction")
        return RefundResult(
            payment_id=_opt(body.get("paymentId")),
            payment_transaction_id=str(payment_transaction_id),
            price_kurus=price_to_kurus(body.get("price", kurus_to_price(amount_kurus))),
            currency=_opt(body.get("currency")),
            auth_code=_opt(body.get("authCode")),
            host_reference=_opt(body.get("hostReference")),
            conversation_id=_opt(body.get("conversationId")),
        )

    def cancel(
        self,
        payment_id: str,
        conversation_id: str,
        ip: str,
        *,
        reason: str | None = None,
        description: str | None = None,
        locale: str = "tr",
    ) -> CancelResult:
        """Void a whole payment the same day (before the bank's end-of-day); afterwards iyzico
        refuses and a refund per item is needed."""
        request = {
            "locale": _locale(locale),
            "conversationId": conversation_id,
            "paymentId": str(payment_id),
            "ip": ip,
        }
        _add_reason(request, reason, description)
        body = self._post(iyzipay.Cancel, CANCEL_PATH, request)
        returned_id = _s(body.get("paymentId"))
        if returned_id and returned_id != str(payment_id):
            raise ProviderError("mismatch", "cancel answer is for another payment")
        return CancelResult(
            payment_id=str(payment_id),
            price_kurus=price_to_kurus(body["price"]) if body.get("price") is not None else 0,
            currency=_opt(body.get("currency")),
            auth_code=_opt(body.get("authCode")),
            host_reference=_opt(body.get("hostReference")),
            conversation_id=_opt(body.get("conversationId")),
        )
