"""The shipping interface: value objects, the adapter protocol and the pure rules.

Fulfilment asks an adapter for offers for a parcel, buys a label for one of them, prints the
label PDF, and later learns what happened to the parcel from the adapter's webhook (or a poll).
Adapters never move orders themselves: the caller stores the Label on the order and runs each
TrackingEvent through apply_event, which is the one rule for what a tracking event may change.

ManualAdapter (carriers.py) is today's behaviour (staff type the carrier and tracking number) and
the default wherever no aggregator key is configured; GeliverAdapter (geliver.py) is imported
only when chosen, so a shop without keys never loads the SDK.

Money is integer kuruş everywhere; provider prices arrive as decimal strings and are parsed with
Decimal, never float.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar, runtime_checkable

from coopshop.models.shipping import SHIPMENT_STATUSES

T = TypeVar("T")

# The normalised tracking statuses, in the order a parcel normally moves through them (the
# model's CHECK constraint lists the same ones).
STATUSES = SHIPMENT_STATUSES
# Once a parcel is delivered or back with the sender, no later-arriving event undoes that.
TERMINAL_STATUSES = frozenset({"delivered", "returned"})
# How far along each status is, to order two events stamped with the same instant. A failed
# attempt comes after going out for delivery and is followed by a new attempt or a return, so it
# is not final.
_RANK = {
    "created": 0,
    "in_transit": 1,
    "out_for_delivery": 2,
    "failed": 3,
    "delivered": 4,
    "returned": 4,
}

TRACKING_MAX = 80  # the width of Order.tracking_number (services.sales.fulfilment.TRACKING_MAX)


class ShippingError(Exception):
    """A shipping call failed. `retryable` says whether the same call may succeed later (a
    timeout, a 5xx, a rate limit) or needs a person (bad address, bad signature, no offers)."""

    def __init__(self, code: str, message: str, retryable: bool = False):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


def found_or_raise(error: ShippingError, look: Callable[[], T | None]) -> T:
    """After a lost answer or a refusal, one more look (``look``): what went through after all
    is the answer; if nothing did (or the look fails too), ``error`` stands."""
    try:
        found = look()
    except ShippingError:
        found = None
    if found is not None:
        return found
    raise error


class WebhookRejected(ShippingError):
    """A webhook that must not be acted on: unsigned, forged, stale, or unreadable."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message, retryable=False)


# ---------------------------------------------------------------------------------------------
# Value objects


@dataclass(frozen=True)
class Parcel:
    """One box: weight in grams, dimensions in whole centimetres."""

    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int

    def __post_init__(self):
        for name in ("weight_g", "length_cm", "width_cm", "height_cm"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Parcel.{name} must be a positive integer, not {value!r}")

    @property
    def weight_kg(self) -> str:
        """The weight as an exact decimal string in kilograms ("1.250")."""
        return f"{self.weight_g // 1000}.{self.weight_g % 1000:03d}"


@dataclass(frozen=True)
class Address:
    """A sender or recipient. `city_code` is the province plate code ("34" for İstanbul)."""

    name: str
    phone: str
    address1: str
    city_name: str
    city_code: str
    district_name: str
    email: str = ""
    address2: str = ""
    zip: str = ""
    country_code: str = "TR"


@dataclass(frozen=True)
class Offer:
    """A carrier's price for one parcel of one order. `offer_id` and `shipment_ref` are the
    provider's; `order_ref` is our order number, which makes buying idempotent per order."""

    offer_id: str
    order_ref: str
    carrier: str  # one of CARRIERS' keys where we know the carrier, else the provider's code
    service_code: str
    price_kurus: int
    currency: str = "TRY"
    eta: str = ""  # the provider's own words ("1-2 iş günü"); not parsed
    shipment_ref: str | None = None


@dataclass(frozen=True)
class Label:
    """A bought label. Some carriers give the tracking number only when the parcel is handed
    over, so tracking_number and tracking_url may be None at first (a webhook fills them)."""

    order_ref: str
    carrier: str
    tracking_number: str | None
    tracking_url: str | None
    label_url: str | None
    provider_ref: str  # the provider's shipment id ("manual:<order>" for the manual adapter)
    barcode: str | None = None
    price_kurus: int | None = None


@dataclass(frozen=True)
class TrackingEvent:
    """One status change of one parcel, normalised. `provider_event_id` is unique per change at
    the provider, so a repeated delivery of the same webhook can be recognised and dropped."""

    provider_event_id: str
    provider_ref: str
    tracking_number: str | None
    status: str  # one of STATUSES
    occurred_at: datetime  # aware, UTC
    tracking_url: str | None = None
    detail: str = ""  # the provider's raw status and words, for the audit log

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown tracking status {self.status!r}")
        if self.occurred_at.tzinfo is None:
            raise ValueError("TrackingEvent.occurred_at must be timezone-aware")


@dataclass(frozen=True)
class Applied:
    """What apply_event decided: the status and its time after the event, and whether anything
    is to be stored. Side effects (the shipping e-mail, the delivery time, makers' availability)
    belong to a change of *status*: compare `status` with the status before."""

    status: str
    occurred_at: datetime | None
    changed: bool


# ---------------------------------------------------------------------------------------------
# The interface


@runtime_checkable
class ShippingAdapter(Protocol):
    name: str

    def offers(
        self, parcel: Parcel, sender: Address, recipient: Address, *, order_ref: str
    ) -> list[Offer]:
        """Prices for this parcel, cheapest first. Raises ShippingError."""
        ...

    def buy_label(self, offer: Offer, *, tracking_number: str | None = None) -> Label:
        """Buy (or, manually, record) the label for offer.order_ref. Idempotent per order: when
        the order already has a live label, that label is returned and nothing is bought."""
        ...

    def label_pdf(self, label: Label) -> bytes:
        """The label as PDF bytes, to store and print."""
        ...

    def cancel(self, label: Label) -> None:
        """Cancel an unused label (before the carrier has the parcel)."""
        ...

    def return_label(self, label: Label, *, known_refs: frozenset[str] = frozenset()) -> Label:
        """A return label for the parcel of `label` (the buyer sends it back to the sender).
        A return already bought for that parcel whose provider ref is not in `known_refs` (a
        purchase whose answer was lost) is returned instead of buying another."""
        ...

    def price(self, parcel: Parcel, *, carrier: str | None = None) -> int | None:
        """The provider's price for this parcel (checkout's "aggregator price"), in kuruş, or
        None when it has none to give."""
        ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> TrackingEvent:
        """Verify and read one webhook delivery. Raises WebhookRejected on a missing or bad
        signature or a stale timestamp, before anything in the body is believed."""
        ...

    def track(self, label: Label) -> TrackingEvent | None:
        """The parcel's current status, asked of the provider (the poll command's catch-up for
        missed webhooks); None when there is nothing to ask or nothing known yet."""
        ...


# ---------------------------------------------------------------------------------------------
# Pure rules


_DECIMAL = re.compile(r"(\d+)(?:\.(\d+))?")


def parse_kurus(value: str | int) -> int:
    """A provider's decimal TL amount ("12.99", "115.7", "1.935") as integer kuruş, exactly.

    More than two decimals (Geliver's documented responses carry "1.935") round half up to the
    kuruş: the shop charges and books whole kuruş. Negative, exponent, NaN or float input is
    refused: a price that is not a plain decimal string is a provider bug to see, not to guess.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ShippingError("bad_amount", f"amount must be a decimal string, not {value!r}")
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text):
        raise ShippingError("bad_amount", f"not a plain decimal amount: {value!r}")
    kurus = (Decimal(text) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(kurus)


def apply_event(
    current_status: str | None, current_time: datetime | None, event: TrackingEvent
) -> Applied:
    """The one rule for what a tracking event may change, whatever order events arrive in.

    - Nothing known yet: the event applies.
    - Delivered and returned are final: nothing afterwards changes them (a late "in_transit"
      for a delivered parcel is an old scan arriving late), and the first delivery time stands.
    - A final status applies over any non-final one, even with an earlier timestamp: carriers'
      scans do arrive out of order, and "delivered" is the fact that matters.
    - Between non-final statuses the later event wins, and at the same instant the further
      status; an older event is out of order and ignored. So for non-final events the outcome
      is the same whatever order they arrive in, and a repeated event changes nothing.
    """
    if current_status is None:
        return Applied(event.status, event.occurred_at, True)
    if current_status not in STATUSES:
        raise ValueError(f"unknown current status {current_status!r}")
    unchanged = Applied(current_status, current_time, False)
    if current_status in TERMINAL_STATUSES:
        return unchanged
    if event.status in TERMINAL_STATUSES:
        return Applied(event.status, event.occurred_at, True)
    if current_time is None:
        return Applied(event.status, event.occurred_at, True)
    newer = (event.occurred_at, _RANK[event.status]) > (current_time, _RANK[current_status])
    if newer:
        return Applied(event.status, event.occurred_at, True)
    return unchanged


def to_utc(value: str) -> datetime:
    """An ISO-8601 time from a provider ("2022-04-23T14:29:45.06Z", "...+03:00") in UTC. A time
    without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError) as exc:
        raise ShippingError("bad_time", f"not an ISO-8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def clean_tracking_number(value: str | None) -> str:
    """Whitespace collapsed, as services.fulfilment.mark_shipped does; refuses empty or long."""
    tracking = " ".join((value or "").split())
    if not tracking:
        raise ShippingError("tracking_number_required", "type the carrier's tracking number")
    if len(tracking) > TRACKING_MAX:
        raise ShippingError(
            "tracking_number_too_long", f"a tracking number has at most {TRACKING_MAX} characters"
        )
    return tracking
