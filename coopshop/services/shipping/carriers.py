"""Carriers, their tracking pages, the manual adapter, and the adapter the settings choose.

The manual adapter is today's behaviour and the default: staff hand the parcel to a carrier and
type the carrier and number; there is no label to buy, no webhook, no poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from coopshop.models.shipping import CARRIER_NAMES
from coopshop.services.shipping.base import (
    Address,
    Label,
    Offer,
    Parcel,
    ShippingAdapter,
    ShippingError,
    TrackingEvent,
    WebhookRejected,
    clean_tracking_number,
)

# Our carrier codes and their names as shoppers know them (the model keeps the list).
CARRIERS = CARRIER_NAMES

# Public tracking pages, {number} replaced by the URL-quoted tracking number. Taken from the
# carriers' public tracking pages as widely linked; check each once before launch, and override
# any of them with the SHIPPING_TRACKING_URL_TEMPLATES setting without a code change.
TRACKING_URL_TEMPLATES = {
    "yurtici": "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={number}",
    "aras": "https://kargotakip.araskargo.com.tr/mainpage.aspx?code={number}",
    "mng": "https://kargotakip.mngkargo.com.tr/?takipNo={number}",
    "ptt": "https://gonderitakip.ptt.gov.tr/Track/Verify?q={number}",
    "surat": "https://suratkargo.com.tr/KargoTakip/?kargotakipno={number}",
}


def tracking_url(
    carrier: str, tracking_number: str, templates: Mapping[str, str] | None = None
) -> str | None:
    """The carrier's public tracking page for a number, or None for a carrier we have no
    template for (the shopper then sees the carrier and number only)."""
    template = (templates or TRACKING_URL_TEMPLATES).get(carrier)
    if not template or not tracking_number:
        return None
    return template.replace("{number}", quote(tracking_number, safe=""))


class ManualAdapter:
    """Today's behaviour: staff hand the parcel to a carrier and type the carrier and number.

    Offers are the configured carriers at the shop's flat fee (what the shopper paid); "buying"
    records the typed number and builds the tracking link. There is no PDF, nothing to cancel
    at a provider and no webhook: staff mark delivery by hand, as now.
    """

    name = "manual"

    def __init__(
        self,
        flat_fee_kurus: int = 7500,
        carriers: Mapping[str, str] | None = None,
        templates: Mapping[str, str] | None = None,
    ):
        self._flat_fee_kurus = flat_fee_kurus
        self._carriers = dict(carriers or CARRIERS)
        self._templates = {**TRACKING_URL_TEMPLATES, **(templates or {})}

    def offers(
        self, parcel: Parcel, sender: Address, recipient: Address, *, order_ref: str
    ) -> list[Offer]:
        return [
            Offer(
                offer_id=f"manual:{code}",
                order_ref=order_ref,
                carrier=code,
                service_code=code,
                price_kurus=self._flat_fee_kurus,
            )
            for code in self._carriers
        ]

    def buy_label(self, offer: Offer, *, tracking_number: str | None = None) -> Label:
        """Record the typed number. The same order and number give the same Label, so a retry
        is harmless; a different number is staff correcting a typo, which they may."""
        if offer.carrier not in self._carriers:
            raise ShippingError("unknown_carrier", f"no such carrier: {offer.carrier!r}")
        number = clean_tracking_number(tracking_number)
        return Label(
            order_ref=offer.order_ref,
            carrier=offer.carrier,
            tracking_number=number,
            tracking_url=tracking_url(offer.carrier, number, self._templates),
            label_url=None,
            provider_ref=f"manual:{offer.order_ref}",
        )

    def label_pdf(self, label: Label) -> bytes:
        raise ShippingError("no_label", "manual shipments have no label to print")

    def cancel(self, label: Label) -> None:
        return None

    def return_label(self, label: Label, *, known_refs: frozenset[str] = frozenset()) -> Label:
        raise ShippingError("manual_return", "type the carrier and the return code by hand")

    def price(self, parcel: Parcel, *, carrier: str | None = None) -> int | None:
        return None

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> TrackingEvent:
        raise WebhookRejected("no_webhooks", "the manual adapter receives no webhooks")

    def track(self, label: Label) -> TrackingEvent | None:
        return None


def adapter_from_settings(settings: Mapping[str, object]) -> ShippingAdapter:
    """The adapter the settings choose (a Flask app.config will do).

    SHIPPING_PROVIDER is "manual" (the default) or "geliver"; "geliver" without an API token
    is a configuration error rather than a silent fall-back, so a live shop that lost its key
    does not quietly stop buying labels.
    """
    provider = str(settings.get("SHIPPING_PROVIDER") or "manual").strip().lower()
    templates = settings.get("SHIPPING_TRACKING_URL_TEMPLATES") or {}
    if provider == "manual":
        return ManualAdapter(
            flat_fee_kurus=int(settings.get("SHIPPING_FLAT_KURUS", 7500)),
            templates=templates,
        )
    if provider == "geliver":
        if not settings.get("GELIVER_API_TOKEN"):
            raise ShippingError(
                "not_configured", "SHIPPING_PROVIDER=geliver needs GELIVER_API_TOKEN"
            )
        from coopshop.services.shipping.geliver import GeliverAdapter

        return GeliverAdapter.from_settings(settings)
    raise ShippingError("not_configured", f"unknown SHIPPING_PROVIDER {provider!r}")


def sender_from_settings(settings: Mapping[str, object]) -> Address:
    """The cooperative's sender address from SHIPPING_SENDER_* settings. Phone and zip are
    required: Geliver refuses a sender address without them."""
    fields = {
        "name": "SHIPPING_SENDER_NAME",
        "phone": "SHIPPING_SENDER_PHONE",
        "address1": "SHIPPING_SENDER_ADDRESS1",
        "city_name": "SHIPPING_SENDER_CITY_NAME",
        "city_code": "SHIPPING_SENDER_CITY_CODE",
        "district_name": "SHIPPING_SENDER_DISTRICT",
        "zip": "SHIPPING_SENDER_ZIP",
    }
    values = {key: str(settings.get(name) or "").strip() for key, name in fields.items()}
    missing = [fields[key] for key, value in values.items() if not value]
    if missing:
        raise ShippingError("not_configured", "missing settings: " + ", ".join(missing))
    return Address(**values, email=str(settings.get("SHIPPING_SENDER_EMAIL") or "").strip())


def parse_dimensions(text: str) -> tuple[int, int, int]:
    """ "30x20x10" (centimetres; x, X, × or * between) as (length, width, height)."""
    parts = str(text or "").lower().replace("×", "x").replace("*", "x").split("x")
    try:
        values = tuple(int(part.strip()) for part in parts)
    except ValueError as exc:
        raise ValueError(f"dimensions must look like 30x20x10, not {text!r}") from exc
    if len(values) != 3 or any(v <= 0 for v in values):
        raise ValueError(f"dimensions must be three positive whole numbers, not {text!r}")
    return values  # type: ignore[return-value]


def parcel_from_settings(settings: Mapping[str, object]) -> Parcel:
    """The default box: SHIPPING_DEFAULT_WEIGHT_G grams, SHIPPING_DEFAULT_DIMENSIONS_CM."""
    length, width, height = parse_dimensions(
        str(settings.get("SHIPPING_DEFAULT_DIMENSIONS_CM") or "30x20x10")
    )
    weight = int(settings.get("SHIPPING_DEFAULT_WEIGHT_G") or 1000)
    return Parcel(weight_g=weight, length_cm=length, width_cm=width, height_cm=height)
