"""The Geliver adapter: Turkish carriers (Yurtiçi, Aras, MNG/DHL eCommerce, PTT, Sürat, …)
through Geliver's official Python SDK, `geliver` 0.4.0 (pinned in requirements.txt).

Flow, as Geliver documents it (docs.geliver.io, "2-step" guide):
  1. POST /addresses                 create the sender address once; we keep its id
  2. POST /shipments                 create the shipment; the answer's `offers` has the prices
     GET  /shipments/{id}            again until offers are complete (percentageCompleted)
  3. POST /transactions {offerID}    accept an offer = buy the label; the transaction's
                                     `shipment` carries barcode, labelURL, trackingNumber, …
  4. GET  labelURL                   the label PDF
     DELETE /shipments/{id}          cancel
     webhook (TRACK_UPDATED)         the shipment with its new `trackingStatus`

Every response is the envelope {"result", "code", "message", "additionalMessage", "data"}; the
SDK raises GeliverError on HTTP >= 400 and on result=false, and returns `data` otherwise.

Three things in the SDK shape this adapter (read off geliver 0.4.0's client.py):
- It retries timeouts and 5xx itself (max_retries=2, with sleeps), POSTs included: a retried
  POST /transactions whose first answer was lost could buy a second label. We set
  max_retries=0 and make buy_label idempotent ourselves.
- cancel_shipment validates the answer as a Shipment, but the documented cancel answer has no
  `data` ({"result": true, "additionalMessage": "Success"}): the SDK raises a pydantic
  ValidationError after a successful cancel. We treat exactly that as success.
- geliver.webhooks.verify_webhook is a placeholder in 0.4.0: with verification on it returns
  False for every request (its comment: "Future: compute HMAC(secret, f"{timestamp}." + body)").
  geliver_events verifies X-Signature / X-Timestamp with that scheme (an open question).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pydantic

from coopshop.services.shipping.base import (
    Address,
    Label,
    Offer,
    Parcel,
    ShippingError,
    TrackingEvent,
    found_or_raise,
    parse_kurus,
)
from coopshop.services.shipping.carriers import tracking_url
from coopshop.services.shipping.geliver_events import (
    GELIVER_TRACKING_PAGE,
    address_payload,
    as_dict,
    carrier_code,
    event_from_shipment,
    is_cancelled,
    offers_complete,
)
from coopshop.services.shipping.geliver_more import GeliverMore

with warnings.catch_warnings():
    # geliver 0.4.0's types.py uses pydantic's class-based Config, deprecated in pydantic 2;
    # coopshop's test suite turns warnings into errors.
    warnings.filterwarnings("ignore", category=pydantic.warnings.PydanticDeprecatedSince20)
    from geliver import ClientOptions, GeliverClient
    from geliver.client import DEFAULT_BASE_URL, GeliverError

# What the SDK raises: httpx errors, GeliverError, pydantic's ValidationError (a ValueError)
# when an answer does not fit its model, and ValueError from its own argument checks.
_SDK_ERRORS = (httpx.HTTPError, GeliverError, ValueError)


class GeliverAdapter(GeliverMore):
    name = "geliver"

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        webhook_secret: str | None = None,
        timeout: float = 5.0,
        sender_address_id: str | None = None,
        test_mode: bool = False,
        source_identifier: str = "",
        offers_wait: float = 5.0,
        offers_poll_interval: float = 0.5,
        webhook_tolerance: int = 300,
        templates: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._timeout = timeout
        self._client = GeliverClient(
            ClientOptions(token=token, base_url=base_url, timeout=timeout, max_retries=0)
        )
        self._webhook_secret = webhook_secret or None
        self._sender_address_id = sender_address_id or None
        self._sender_ids: dict[Address, str] = {}
        self._sender_lock = threading.Lock()
        self._test_mode = test_mode
        self._source_identifier = source_identifier
        self._offers_wait = offers_wait
        self._offers_poll_interval = offers_poll_interval
        self._webhook_tolerance = webhook_tolerance
        self._templates = templates
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> GeliverAdapter:
        return cls(
            str(settings["GELIVER_API_TOKEN"]),
            base_url=str(settings.get("GELIVER_BASE_URL") or DEFAULT_BASE_URL),
            webhook_secret=settings.get("GELIVER_WEBHOOK_SECRET") or None,
            timeout=float(settings.get("GELIVER_TIMEOUT_SECONDS", 5.0)),
            sender_address_id=settings.get("GELIVER_SENDER_ADDRESS_ID") or None,
            test_mode=bool(settings.get("GELIVER_TEST_MODE", False)),
            source_identifier=str(settings.get("GELIVER_SOURCE_IDENTIFIER") or ""),
            offers_wait=float(settings.get("GELIVER_OFFERS_WAIT_SECONDS", 5.0)),
            templates=settings.get("SHIPPING_TRACKING_URL_TEMPLATES") or None,
        )

    # ---- calls ------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except _SDK_ERRORS as exc:
            raise self._error(what, exc) from exc

    def _error(self, what: str, exc: Exception) -> ShippingError:
        """An SDK failure as ShippingError: timeouts, connection failures, 429 and 5xx are
        retryable; 4xx and result=false (a bad address, a refused offer) are not."""
        if isinstance(exc, httpx.TimeoutException):
            return ShippingError(
                "timeout", f"Geliver did not answer {what} within {self._timeout:g}s", True
            )
        if isinstance(exc, httpx.HTTPError):
            return ShippingError("unavailable", f"Geliver unreachable ({what}): {exc}", True)
        if isinstance(exc, GeliverError):
            status = exc.status
            retryable = status is not None and (status == 429 or status >= 500)
            code = exc.code or (f"http_{status}" if status else "api_error")
            message = str(exc)
            if exc.additional_message:
                message = f"{message} ({exc.additional_message})"
            return ShippingError(code, f"{what}: {message}", retryable)
        if isinstance(exc, pydantic.ValidationError):
            return ShippingError("bad_response", f"unexpected answer to {what}: {exc}")
        # The SDK's own checks (a sender address without phone or zip, …) raise ValueError.
        return ShippingError("bad_request", f"{what}: {exc}")

    def _sender_id(self, sender: Address) -> str:
        """The sender address's Geliver id: GELIVER_SENDER_ADDRESS_ID when set (do set it in
        production), else created once per process for this address."""
        if self._sender_address_id:
            return self._sender_address_id
        with self._sender_lock:
            if sender not in self._sender_ids:
                created = self._call(
                    "create sender address",
                    self._client.create_sender_address,
                    address_payload(sender),
                )
                self._sender_ids[sender] = str(created["id"])
            return self._sender_ids[sender]

    # ---- offers -----------------------------------------------------------------------------

    def offers(
        self, parcel: Parcel, sender: Address, recipient: Address, *, order_ref: str
    ) -> list[Offer]:
        """Create a Geliver shipment for the order and return its offers, cheapest first.

        Request fields from the SDK README and docs ("Gönderi oluşturma"): dimensions and weight
        as strings with distanceUnit/massUnit, recipientAddress inline (phone required),
        order.orderNumber = our order number (what buy_label finds the order's label by).
        Each call creates a new (unpaid) shipment; Geliver charges only on accepting an offer.
        """
        payload = {
            "senderAddressID": self._sender_id(sender),
            "recipientAddress": address_payload(recipient),
            "length": str(parcel.length_cm),
            "width": str(parcel.width_cm),
            "height": str(parcel.height_cm),
            "distanceUnit": "cm",
            "weight": parcel.weight_kg,
            "massUnit": "kg",
            "order": {"orderNumber": order_ref, "sourceIdentifier": self._source_identifier},
        }
        client = self._client
        create = client.create_shipment_test if self._test_mode else client.create_shipment
        shipment = self._call("create shipment", create, payload)
        offer_list = self._complete_offers(shipment)
        offers = [self._offer(item, order_ref, shipment.id) for item in offer_list]
        offers = [o for o in offers if o is not None]
        if not offers:
            raise ShippingError("no_offers", "Geliver returned no offers for this parcel", True)
        return sorted(offers, key=lambda o: (o.price_kurus, o.carrier))

    def _complete_offers(self, shipment: Any) -> list[dict]:
        """The shipment's offers once Geliver has collected them all. Offers arrive in the
        create answer's `offers` (an OfferList: cheapest, fastest, list, percentageCompleted,
        totalOffersRequested, totalOffersCompleted); while incomplete, GET the shipment again
        (the README: "Teklif üretimi zaman alabilir; 1 sn aralıklarla bekleme yeterlidir"),
        for at most offers_wait seconds, then go with what has arrived."""
        deadline = time.monotonic() + self._offers_wait
        while True:
            offers = as_dict(getattr(shipment, "offers", None))
            if offers_complete(offers) or time.monotonic() >= deadline:
                break
            self._sleep(self._offers_poll_interval)
            shipment = self._call("get shipment", self._client.get_shipment, shipment.id)
        items = [item for item in offers.get("list") or [] if isinstance(item, dict)]
        if not items and isinstance(offers.get("cheapest"), dict):
            items = [offers["cheapest"]]
        return items

    def _offer(self, item: dict, order_ref: str, shipment_id: str) -> Offer | None:
        """One Geliver Offer (models.Offer: id, providerCode, providerServiceCode, totalAmount,
        currency, averageEstimatedTimeHumanReadible, …). totalAmount includes VAT (docs, accept
        offer: amount 10.75 + amountVat 1.99 ≈ totalAmount 12.99) and is what the label costs."""
        if not item.get("id") or item.get("totalAmount") in (None, ""):
            return None
        currency = str(item.get("currency") or "TL").upper()
        if currency in ("TL", "TRY"):
            currency = "TRY"
        else:
            return None  # a cross-border offer in another currency is not for this shop
        return Offer(
            offer_id=str(item["id"]),
            order_ref=order_ref,
            carrier=carrier_code(item.get("providerCode")),
            service_code=str(item.get("providerServiceCode") or ""),
            price_kurus=parse_kurus(str(item["totalAmount"])),
            currency=currency,
            eta=str(
                item.get("averageEstimatedTimeHumanReadible") or item.get("durationTerms") or ""
            ),
            shipment_ref=shipment_id,
        )

    # ---- labels -----------------------------------------------------------------------------

    def buy_label(self, offer: Offer, *, tracking_number: str | None = None) -> Label:
        """Accept the offer (POST /transactions {"offerID"}), unless the order already has a
        live label at Geliver, which is then returned: a retry, a double click, a second worker
        or a batch run after a crash never buys a second label for the same order.

        A lost answer (timeout) or a refusal is followed by one more look for the order's label:
        when the purchase went through after all, that label is the answer.
        Callers still serialise per order (sales.order_states.lock_order) around this call."""
        existing = self.existing_label(offer.order_ref)
        if existing is not None:
            return existing
        try:
            transaction = self._call("accept offer", self._client.accept_offer, offer.offer_id)
        except ShippingError as exc:
            return found_or_raise(exc, lambda: self.existing_label(offer.order_ref))
        shipment = transaction.shipment
        if shipment is None:
            shipment_id = transaction.shipmentID or offer.shipment_ref
            shipment = self._call("get shipment", self._client.get_shipment, shipment_id)
        price = _extra(transaction, "totalAmount")
        return self._label(
            shipment.model_dump(),
            offer.order_ref,
            price_kurus=parse_kurus(str(price)) if price not in (None, "") else offer.price_kurus,
        )

    def existing_label(self, order_ref: str) -> Label | None:
        """The order's live (bought, not cancelled, not a return) label at Geliver, if any:
        GET /shipments?orderNumber=… (SDK ListParams.orderNumber), newest first."""
        return self._newest_bought(order_ref, returns=False)

    def _newest_bought(
        self, order_ref: str, *, returns: bool, skip_ids: frozenset[str] = frozenset()
    ) -> Label | None:
        """The order's newest bought, not cancelled shipment at Geliver of one kind (its
        outgoing label, or a return), leaving out ``skip_ids``; None when there is none."""
        listing = self._call(
            "list shipments",
            self._client.list_shipments,
            {"orderNumber": order_ref, "limit": 50},
        )
        found = []
        for shipment in listing.data:
            data = shipment.model_dump()
            order_number = as_dict(data.get("order")).get("orderNumber")
            if order_number is not None and order_number != order_ref:
                continue  # the filter may match more than the exact number
            if bool(data.get("isReturn")) != returns or is_cancelled(data):
                continue
            if not returns and _came_back(data):
                continue  # returned to sender: sending it again needs a new label
            if str(data["id"]) in skip_ids:
                continue
            if data.get("acceptedOfferID") or data.get("labelURL"):
                found.append(data)
        if not found:
            return None
        newest = max(found, key=lambda d: str(d.get("createdAt") or ""))
        price = as_dict(newest.get("acceptedOffer")).get("totalAmount")
        return self._label(
            newest, order_ref, price_kurus=parse_kurus(str(price)) if price else None
        )

    def _label(self, shipment: dict, order_ref: str, price_kurus: int | None) -> Label:
        """A Label from a Shipment (docs, accept offer answer: barcode, labelFileType, labelURL,
        trackingNumber, trackingUrl, providerCode). The tracking number and URL may come only
        once the carrier has the parcel (README, "Notlar"); until then the link is Geliver's
        own tracking page for the shipment."""
        shipment_id = str(shipment["id"])
        accepted = as_dict(shipment.get("acceptedOffer"))
        carrier = carrier_code(shipment.get("providerCode") or accepted.get("providerCode"))
        number = shipment.get("trackingNumber") or None
        url = shipment.get("trackingUrl") or None
        if url is None and number:
            url = tracking_url(carrier, number, self._templates)
        if url is None:
            url = GELIVER_TRACKING_PAGE.format(shipment_id=shipment_id)
        return Label(
            order_ref=order_ref,
            carrier=carrier,
            tracking_number=number,
            tracking_url=url,
            label_url=shipment.get("labelURL") or None,
            provider_ref=shipment_id,
            barcode=shipment.get("barcode") or None,
            price_kurus=price_kurus,
        )

    def label_pdf(self, label: Label) -> bytes:
        """The label PDF from its labelURL (fetched again from the shipment when the label was
        stored without one). The SDK's download_label_by_url does a bare httpx.get with
        httpx's default timeout; we fetch with our own timeout, unauthenticated like the SDK."""
        url = label.label_url
        if not url:
            shipment = self._call("get shipment", self._client.get_shipment, label.provider_ref)
            url = shipment.labelURL
        if not url:
            raise ShippingError("no_label", "Geliver has no label for this shipment yet", True)
        try:
            response = httpx.get(url, timeout=self._timeout, follow_redirects=True)
        except httpx.TimeoutException as exc:
            raise ShippingError("timeout", "the label download timed out", True) from exc
        except httpx.TransportError as exc:
            raise ShippingError("unavailable", f"label download failed: {exc}", True) from exc
        if response.status_code != 200:
            retryable = response.status_code >= 500 or response.status_code == 429
            raise ShippingError(
                f"http_{response.status_code}", "the label download failed", retryable
            )
        if not response.content.startswith(b"%PDF-"):
            raise ShippingError("label_not_pdf", "the label URL did not answer with a PDF")
        return response.content

    def cancel(self, label: Label) -> None:
        """DELETE /shipments/{id}. The documented answer carries no `data`, which the SDK then
        fails to read as a Shipment after the HTTP call succeeded: that is a success."""
        try:
            self._client.cancel_shipment(label.provider_ref)
        except pydantic.ValidationError:
            return None
        except _SDK_ERRORS as exc:
            raise self._error("cancel shipment", exc) from exc

    # ---- tracking ---------------------------------------------------------------------------

    def track(self, label: Label) -> TrackingEvent | None:
        """GET /shipments/{id} and read its trackingStatus: the poll for missed webhooks.
        None while there is neither a status nor a tracking number."""
        shipment = self._call("get shipment", self._client.get_shipment, label.provider_ref)
        data = shipment.model_dump()
        if not data.get("trackingStatus") and not data.get("trackingNumber"):
            return None
        return event_from_shipment(data)


def _extra(model: pydantic.BaseModel, name: str) -> Any:
    return getattr(model, name, None) or (model.model_extra or {}).get(name)


def _came_back(data: dict) -> bool:
    """An outgoing shipment the carrier returned to sender (Geliver's RETURNED status)."""
    status = as_dict(data.get("trackingStatus")).get("trackingStatusCode")
    return str(status or "").upper() == "RETURNED"
