"""iyzico on the wire: kuruş ↔ price strings, response and webhook signatures, the errors.

Part of the iyzico adapter (coopshop.services.sales.iyzico, which re-exports these names). Money is
integer arithmetic only; signatures are compared with hmac.compare_digest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WEBHOOK_SIGNATURE_HEADER = "X-IYZ-SIGNATURE-V3"

# --------------------------------------------------------------------------- errors


class ProviderError(Exception):
    """iyzico refused or could not be reached; carries iyzico's own errorCode/errorMessage so
    the shop can show and store them (a refused refund stays visible with iyzico's message)."""

    def __init__(
        self,
        error_code: str,
        error_message: str,
        *,
        error_group: str | None = None,
        http_status: int | None = None,
    ):
        super().__init__(f"iyzico error {error_code}: {error_message}")
        self.error_code = error_code
        self.error_message = error_message
        self.error_group = error_group
        self.http_status = http_status


class IyzicoTimeoutError(ProviderError):
    """No answer within the timeout. The outcome is UNKNOWN (a refund may have happened): callers
    must not treat this as a refusal; retrieve or reconcile later."""

    def __init__(self, message: str):
        super().__init__("timeout", message)


class SignatureError(ProviderError):
    """The response signature is missing or wrong: the answer may be forged or altered, so it is
    refused whatever it says."""

    def __init__(self, message: str):
        super().__init__("signature", message)


class WebhookError(ValueError):
    """A merchant notification whose X-IYZ-SIGNATURE-V3 is missing or wrong, or whose body is not
    a notification: answer 4xx and write nothing."""


# --------------------------------------------------------------------------- money


_PRICE_RE = re.compile(r"^(0|[1-9][0-9]*)(?:\.([0-9]+))?$")


def kurus_to_price(kurus: int) -> str:
    """Kuruş → iyzico price string ("412.5", "6", "0.05"), by integer arithmetic only.

    iyzico accepts decimal strings and, in response signatures, writes amounts without trailing
    zeros (the SDK sample strips ".0"; iyzipay-php casts to float), so this canonical form serves
    both requests and signature checks."""
    if isinstance(kurus, bool) or not isinstance(kurus, int):
        raise TypeError(f"kuruş must be an int, not {type(kurus).__name__}")
    if kurus < 0:
        raise ValueError("negative amount")
    lira, rest = divmod(kurus, 100)
    if rest == 0:
        return str(lira)
    if rest % 10 == 0:
        return f"{lira}.{rest // 10}"
    return f"{lira}.{rest:02d}"


def price_to_kurus(value: str | int | Decimal) -> int:
    """iyzico amount (string, JSON int, or Decimal from ``parse_float=Decimal``) → kuruş, exactly.

    Raises ValueError when the amount has a non-zero digit below the kuruş: such a value is not a
    TRY price and silently rounding it would hide a bug. Floats are refused outright."""
    if isinstance(value, bool | float):
        raise TypeError("amounts are never floats")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative amount")
        return value * 100
    text = format(value, "f") if isinstance(value, Decimal) else str(value).strip()
    match = _PRICE_RE.match(text)
    if not match:
        raise ValueError(f"not an iyzico price: {value!r}")
    whole, frac = match.group(1), (match.group(2) or "")
    if frac[2:].strip("0"):
        raise ValueError(f"amount below one kuruş: {value!r}")
    frac = (frac[:2]).ljust(2, "0")
    return int(whole) * 100 + int(frac)


def _amount_to_kurus_rounded(value) -> int:
    """For fee amounts only: iyzico reports commission with up to 4+ decimals (the CF-retrieve
    doc example has iyziCommissionRateAmount 0.2094), which the kuruş ledger cannot hold.
    Round half-up once, on the sum, and keep the exact value beside it."""
    amount = _to_decimal(value)
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _to_decimal(value) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool | float):
        raise TypeError("amounts are never floats")
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def _signature_amount(value) -> str:
    """How an amount enters a response signature: plain decimal, no trailing zeros, no exponent
    (iyzipay-python samples/retrieve_checkout_form_result.py applies strip_zero to str(price))."""
    amount = _to_decimal(value)
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class WebhookEvent:
    """A verified merchant notification. It only says *which* payment changed: retrieve the
    result server-side before acting on it."""

    event_type: str
    status: str
    token: str | None
    payment_id: str | None
    conversation_id: str | None
    reference_code: str | None
    event_time: int | None
    merchant_id: str | None


def _s(value) -> str:
    """A signature or id field as text; absent fields count as "" (iyzipay-php implode)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _signature_amount(value)
    return str(value)


def _opt(value) -> str | None:
    return None if value is None else _s(value)


def _opt_int(value) -> int | None:
    return None if value is None or value == "" else int(value)


# --------------------------------------------------------------------------- signatures


def response_signature(fields: Sequence[str], secret_key: str) -> str:
    """hex(HMAC-SHA256(secret_key, ':'.join(fields))): the response-signature rule
    (https://docs.iyzico.com/en/advanced/response-signature-validation; identical to the SDK's
    IyzipayResource.calculate_hmac_sha256_signature)."""
    message = ":".join(fields).encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def webhook_signature(payload: Mapping, secret_key: str) -> str:
    """X-IYZ-SIGNATURE-V3 for a merchant notification.

    https://docs.iyzico.com/en/advanced/webhook and iyzipay-php
    samples/webhook_Signature_Validation.php: hex(HMAC-SHA256(secretKey, secretKey + fields)),
    fields concatenated with no separator:
      HPP format (Checkout Form, Pay with iyzico, payload has a token):
        iyziEventType + iyziPaymentId + token + paymentConversationId + status
      Direct format (API / 3DS payments):
        iyziEventType + paymentId + paymentConversationId + status
    """
    if payload.get("token"):
        parts = [
            payload.get("iyziEventType"),
            payload.get("iyziPaymentId"),
            payload.get("token"),
            payload.get("paymentConversationId"),
            payload.get("status"),
        ]
    else:
        parts = [
            payload.get("iyziEventType"),
            payload.get("paymentId"),
            payload.get("paymentConversationId"),
            payload.get("status"),
        ]
    message = secret_key + "".join(_s(part) for part in parts)
    return hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _header(headers, name: str) -> str | None:
    """Case-insensitive look-up over a dict, werkzeug Headers or list of pairs."""
    items = headers.items() if hasattr(headers, "items") else headers
    wanted = name.lower()
    for key, value in items:
        if str(key).lower() == wanted:
            return value
    return None


def verify_webhook(body_bytes: bytes, headers, secret_key: str) -> WebhookEvent:
    """Check X-IYZ-SIGNATURE-V3 over the notification and return what it names.

    Raises WebhookError for a missing or wrong signature or a body that is not a JSON
    notification; the view answers 4xx and writes nothing. A verified event still only names a
    payment: retrieve_checkout_form(event.token) decides."""
    if not secret_key:
        raise WebhookError("no secret key configured")
    signature = _header(headers, WEBHOOK_SIGNATURE_HEADER)
    if not signature:
        raise WebhookError(f"missing {WEBHOOK_SIGNATURE_HEADER}")
    try:
        payload = json.loads(body_bytes.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookError("body is not JSON") from exc
    if (
        not isinstance(payload, dict)
        or not payload.get("iyziEventType")
        or not payload.get("status")
    ):
        raise WebhookError("body is not an iyzico notification")
    expected = webhook_signature(payload, secret_key)
    if not hmac.compare_digest(expected, str(signature).strip().lower()):
        raise WebhookError(f"{WEBHOOK_SIGNATURE_HEADER} does not match")
    payment_id = payload.get("iyziPaymentId", payload.get("paymentId"))
    return WebhookEvent(
        event_type=str(payload["iyziEventType"]),
        status=str(payload["status"]),
        token=_opt(payload.get("token")),
        payment_id=_opt(payment_id),
        conversation_id=_opt(payload.get("paymentConversationId")),
        reference_code=_opt(payload.get("iyziReferenceCode")),
        event_time=_opt_int(payload.get("iyziEventTime")),
        merchant_id=_opt(payload.get("merchantId")),
    )
