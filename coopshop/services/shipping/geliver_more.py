"""The Geliver adapter's return labels, parcel price and webhook reading (a mixin of
GeliverAdapter, kept apart so each module stays small). Read off geliver 0.4.0's client.py:

- create_return_transaction(shipment_id, {...}) POSTs /shipments/{id} with isReturn=true and
  willAccept=true: Geliver makes the return of that parcel and buys its label at once (the
  answer is a Transaction carrying the return Shipment). Left out, providerServiceCode is the
  original carrier's and senderAddress the original recipient's (the SDK README, "İade Gönderisi
  Oluşturun").
- list_prices(paramType="parcel", length, width, height, weight, ...) is GET /priceList: the
  carriers' prices for a box, with no address and no shipment created. The SDKs type its answer
  as a plain dict; we read it as a list of offer-like items (providerCode, totalAmount), in
  `data` itself or under `list`/`prices`, and refuse anything else.
- Webhooks: no Geliver SDK (Python 0.4.0, JS, PHP) verifies a signature yet; each names
  X-Signature / X-Timestamp and "HMAC(secret, timestamp + '.' + body)" as the future scheme, and
  Geliver's webhook page documents none. So with GELIVER_WEBHOOK_SECRET set we check that
  scheme; without it the body is a notice only: we take the shipment id, and only for a
  shipment we know, ask Geliver for it with our token and believe that answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from coopshop.services.shipping.base import (
    Label,
    Parcel,
    ShippingError,
    TrackingEvent,
    found_or_raise,
    parse_kurus,
)
from coopshop.services.shipping.geliver_events import (
    carrier_code,
    event_from_shipment,
    verify_signature,
    webhook_shipment,
)


class GeliverMore:
    """Mixed into GeliverAdapter: uses its _call, _client, _label and settings."""

    # ---- returns ------------------------------------------------------------------------------

    def return_label(self, label: Label, *, known_refs: frozenset[str] = frozenset()) -> Label:
        """Create and buy the return of `label`'s parcel. Like buy_label, a return already at
        Geliver for this order and not yet stored by us (`known_refs`) is the answer, before
        buying and after a failed or lost answer, so a retry never buys a second return."""
        existing = self.existing_return(label.order_ref, known_refs)
        if existing is not None:
            return existing
        try:
            transaction = self._call(
                "create return",
                self._client.create_return_transaction,
                label.provider_ref,
                {"count": 1},
            )
        except ShippingError as exc:
            return found_or_raise(exc, lambda: self.existing_return(label.order_ref, known_refs))
        shipment = transaction.shipment
        if shipment is None:
            shipment = self._call("get shipment", self._client.get_shipment, transaction.shipmentID)
        price = getattr(transaction, "totalAmount", None) or (transaction.model_extra or {}).get(
            "totalAmount"
        )
        return self._label(
            shipment.model_dump(),
            label.order_ref,
            price_kurus=parse_kurus(str(price)) if price not in (None, "") else None,
        )

    def existing_return(self, order_ref: str, known_refs: frozenset[str]) -> Label | None:
        return self._newest_bought(order_ref, returns=True, skip_ids=known_refs)

    # ---- price --------------------------------------------------------------------------------

    def price(self, parcel: Parcel, *, carrier: str | None = None) -> int | None:
        """The price of this box: the `carrier`'s when it is listed, else the cheapest."""
        data = self._call(
            "price list",
            lambda: self._client.list_prices(
                paramType="parcel",
                length=str(parcel.length_cm),
                width=str(parcel.width_cm),
                height=str(parcel.height_cm),
                weight=parcel.weight_kg,
                distanceUnit="cm",
                massUnit="kg",
            ),
        )
        items = _price_items(data)
        prices = []
        for item in items:
            amount = item.get("totalAmount", item.get("price"))
            currency = str(item.get("currency") or "TL").upper()
            if amount in (None, "") or currency not in ("TL", "TRY"):
                continue
            prices.append((carrier_code(item.get("providerCode")), parse_kurus(str(amount))))
        if not prices:
            return None
        wanted = [kurus for code, kurus in prices if carrier and code == carrier]
        return min(wanted) if wanted else min(kurus for _, kurus in prices)

    # ---- webhooks -----------------------------------------------------------------------------

    def parse_webhook(
        self,
        body: bytes,
        headers: Mapping[str, str],
        is_known: Callable[[str], bool] | None = None,
    ) -> TrackingEvent:
        """With a webhook secret: verify X-Signature, then read the body. Without one: the body
        names a shipment; a known one is fetched from Geliver and its answer is the event (an
        unknown one raises ShippingError("unknown_shipment") before any call)."""
        if self._webhook_secret:
            verify_signature(
                self._webhook_secret, body, headers, self._clock(), self._webhook_tolerance
            )
            return event_from_shipment(webhook_shipment(body))
        shipment_id = str(webhook_shipment(body)["id"])
        if is_known is not None and not is_known(shipment_id):
            raise ShippingError("unknown_shipment", f"no shipment {shipment_id} here")
        shipment = self._call("get shipment", self._client.get_shipment, shipment_id)
        return event_from_shipment(shipment.model_dump())

    @property
    def verifies_signatures(self) -> bool:
        return bool(self._webhook_secret)


def _price_items(data: Any) -> list[dict]:
    if isinstance(data, dict):
        data = data.get("list") or data.get("prices") or data.get("data") or []
    if not isinstance(data, list):
        raise ShippingError("bad_response", "the price list is not a list")
    return [item for item in data if isinstance(item, dict)]
