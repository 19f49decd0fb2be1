"""Shipping test cases the rule tests and the Geliver adapter tests share: a sender, a recipient
and a parcel, and small builders of offers, labels and tracking events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coopshop.services.shipping.base import Address, Parcel, TrackingEvent

SENDER = Address(
    name="BELMEK Kadın Kooperatifi",
    phone="+905321112233",
    email="kargo@coopshop.test",
    address1="Kızılay Mah. Atatürk Blv. No:1",
    city_name="Ankara",
    city_code="06",
    district_name="Çankaya",
    zip="06420",
)
RECIPIENT = Address(
    name="Ayşe Yılmaz",
    phone="+905051234568",
    email="ayse@example.com",
    address1="Caferağa Mah. Moda Cad. 12/3",
    city_name="İstanbul",
    city_code="34",
    district_name="Kadıköy",
)
PARCEL = Parcel(weight_g=1250, length_cm=30, width_cm=20, height_cm=10)


def _offer_for(adapter, order_ref="CS-1001", carrier="aras"):
    offers = adapter.offers(PARCEL, SENDER, RECIPIENT, order_ref=order_ref)
    return next(o for o in offers if o.carrier == carrier)


def _label(adapter, order_ref="CS-1001"):
    return adapter.buy_label(_offer_for(adapter, order_ref))


def _at(minutes: int) -> datetime:
    return datetime(2026, 5, 4, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)


def _event(status: str, minutes: int, event_id: str | None = None) -> TrackingEvent:
    return TrackingEvent(
        provider_event_id=event_id or f"{status}@{minutes}",
        provider_ref="shp-1",
        tracking_number="123",
        status=status,
        occurred_at=_at(minutes),
    )
