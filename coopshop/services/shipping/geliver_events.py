"""Reading Geliver's documents: webhook signatures, shipments as tracking events, carrier and
status codes. Plain functions over dicts, no SDK calls (geliver.py makes the calls).

geliver.webhooks.verify_webhook is a placeholder in 0.4.0: with verification on it returns False
for every request (its comment: "Future: compute HMAC(secret, f"{timestamp}." + body)"). We
verify X-Signature / X-Timestamp here with that scheme; Geliver has not documented it (README,
"Shipping"), so the poll command is the fallback until they confirm it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime

import pydantic

from coopshop.services.shipping.base import (
    Address,
    ShippingError,
    TrackingEvent,
    WebhookRejected,
    to_utc,
)

# Geliver's providerCode (docs: "Kargo hesabı oluşturma": MNG, YURTICI, VATAN, SURAT, PTT; the
# price list adds e.g. SENDEO) to our carrier codes. Others pass through lower-cased.
PROVIDER_CARRIERS = {
    "YURTICI": "yurtici",
    "ARAS": "aras",
    "MNG": "mng",
    "DHL": "mng",
    "DHLECOMMERCE": "mng",
    "PTT": "ptt",
    "SURAT": "surat",
}

# docs.geliver.io/docs/geliver/extra/tracking-status/: trackingStatusCode is one of PRE_TRANSIT,
# TRANSIT, DELIVERED, RETURNED, FAILURE, UNKNOWN; trackingSubStatusCode refines it
# (information_received, package_accepted, package_departed, package_processing,
# delivery_scheduled, out_for_delivery, package_damaged, …, delivered).
STATUS_CODES = {
    "PRE_TRANSIT": "created",
    "TRANSIT": "in_transit",
    "DELIVERED": "delivered",
    "RETURNED": "returned",
    "FAILURE": "failed",
}
SUB_STATUS_CODES = {"out_for_delivery": "out_for_delivery"}

# Geliver's own tracking page for any carrier (docs: tracking-status, "trackingUrl"), used until
# the carrier has given a tracking number.
GELIVER_TRACKING_PAGE = "https://app.geliver.io/tracking/{shipment_id}"

_CANCELLED_STATUS_CODES = {"CANCELLED", "CANCELED"}


def verify_signature(
    secret: str | None, body: bytes, headers: Mapping[str, str], now: float, tolerance: int
) -> None:
    """X-Signature = hex HMAC-SHA256(secret, "<X-Timestamp>." + raw body), X-Timestamp in Unix
    seconds (milliseconds tolerated), accepted within `tolerance` seconds of `now` (replays
    refused). Raises WebhookRejected before anything in the body is believed."""
    if not secret:
        raise WebhookRejected("not_configured", "GELIVER_WEBHOOK_SECRET is not set")
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    signature = lowered.get("x-signature", "").strip()
    timestamp = lowered.get("x-timestamp", "").strip()
    if not signature or not timestamp:
        raise WebhookRejected("missing_signature", "X-Signature and X-Timestamp are required")
    if signature.lower().startswith("sha256="):
        signature = signature[len("sha256=") :]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), signature.lower()):
        raise WebhookRejected("bad_signature", "the webhook signature does not match")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise WebhookRejected("bad_timestamp", "X-Timestamp is not a Unix time") from exc
    if sent_at > 10**11:  # milliseconds
        sent_at //= 1000
    if abs(now - sent_at) > tolerance:
        raise WebhookRejected("stale_timestamp", "the webhook is too old (or from the future)")


def webhook_shipment(body: bytes) -> dict:
    """The shipment a (verified) webhook body carries.

    Body: the SDK's WebhookUpdateTrackingRequest {"event": "TRACK_UPDATED", "metadata",
    "data": Shipment}; the docs page "Webhook ile gönderi takibi" shows the Shipment alone.
    Both are accepted. Other events raise ShippingError("ignored_event") (answer 200).
    """
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ShippingError("bad_body", "the webhook body is not JSON") from exc
    if not isinstance(document, dict):
        raise ShippingError("bad_body", "the webhook body is not a JSON object")
    if "event" in document:
        if document["event"] != "TRACK_UPDATED":
            raise ShippingError("ignored_event", f"not handled: {document['event']!r}")
        shipment = document.get("data")
    else:
        shipment = document
    if not isinstance(shipment, dict) or not shipment.get("id"):
        raise ShippingError("bad_body", "the webhook carries no shipment")
    return shipment


def event_from_shipment(shipment: dict) -> TrackingEvent:
    """A TrackingEvent from a Shipment and its trackingStatus (models.Tracking: id,
    trackingStatusCode, trackingSubStatusCode, statusDetails, statusDate, locationName).

    Tracking.id identifies the status record, so it is the event id; a shipment without a
    status yet (a webhook bringing only the tracking number) is a "created" event."""
    shipment_id = str(shipment["id"])
    number = _text(shipment.get("trackingNumber"))
    url = _text(shipment.get("trackingUrl"))
    status_doc = as_dict(shipment.get("trackingStatus"))
    if not status_doc:
        when = shipment.get("updatedAt") or shipment.get("createdAt")
        return TrackingEvent(
            provider_event_id=f"{shipment_id}:created",
            provider_ref=shipment_id,
            tracking_number=number,
            status="created",
            occurred_at=to_utc(when) if when else datetime.now(UTC),
            tracking_url=url,
            detail="no trackingStatus yet",
        )
    code = str(status_doc.get("trackingStatusCode") or "").upper()
    sub = str(status_doc.get("trackingSubStatusCode") or "")
    status = SUB_STATUS_CODES.get(sub) if code == "TRANSIT" else None
    status = status or STATUS_CODES.get(code)
    if status is None:
        raise ShippingError("unknown_status", f"tracking status {code or '-'}/{sub or '-'}")
    when = status_doc.get("statusDate") or status_doc.get("updatedAt")
    if not when:
        raise ShippingError("bad_body", "the tracking status has no time")
    event_id = (
        status_doc.get("id")
        or hashlib.sha256(f"{shipment_id}|{code}|{sub}|{when}".encode()).hexdigest()
    )
    words = (str(status_doc.get("statusDetails") or ""), str(status_doc.get("locationName") or ""))
    return TrackingEvent(
        provider_event_id=str(event_id),
        provider_ref=shipment_id,
        tracking_number=number,
        status=status,
        occurred_at=to_utc(str(when)),
        tracking_url=url,
        detail=" ".join(part for part in (f"{code}/{sub}", *words) if part),
    )


def address_payload(address: Address) -> dict[str, str]:
    """An Address as Geliver's CreateAddressRequest / inline recipientAddress fields."""
    payload = {
        "name": address.name,
        "email": address.email,
        "phone": address.phone,
        "address1": address.address1,
        "address2": address.address2,
        "countryCode": address.country_code,
        "cityName": address.city_name,
        "cityCode": address.city_code,
        "districtName": address.district_name,
        "zip": address.zip,
    }
    return {key: value for key, value in payload.items() if value}


def carrier_code(provider_code: object) -> str:
    code = str(provider_code or "").strip().upper()
    return PROVIDER_CARRIERS.get(code, code.lower() or "unknown")


def as_dict(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump()
    return {}


def offers_complete(offers: dict) -> bool:
    percentage = offers.get("percentageCompleted")
    if percentage is not None:
        try:
            return float(percentage) >= 100
        except (TypeError, ValueError):
            return False
    requested = offers.get("totalOffersRequested")
    completed = offers.get("totalOffersCompleted")
    if requested is not None and completed is not None:
        return completed >= requested
    return bool(offers.get("list"))


def is_cancelled(shipment: dict) -> bool:
    status = str(shipment.get("statusCode") or "").upper()
    return bool(shipment.get("cancelDate")) or status in _CANCELLED_STATUS_CODES


def _text(value: object) -> str | None:
    """A provider string field, None when missing or empty (a number or URL may be null)."""
    return str(value) if value not in (None, "") else None
