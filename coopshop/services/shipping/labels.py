"""Labels for packed orders: offers for a parcel, buying the label (once per order), its PDF,
and the batch that labels every packed order of a day.

A label is bought under the order's row lock and stored as the order's one Shipment; a second
purchase (a double click, a retry, the batch after a click) returns the stored one and buys
nothing. When the label brings a tracking number the order is marked shipped through
services.sales.fulfilment (the same step, and the same e-mail, as a typed number).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import Order, OrderLine, utcnow
from coopshop.models.shipping import Shipment
from coopshop.services.core import audit
from coopshop.services.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from coopshop.services.sales import fulfilment
from coopshop.services.sales.order_states import lock_order
from coopshop.services.shipping import parcels
from coopshop.services.shipping.base import (
    Address,
    Label,
    Offer,
    Parcel,
    ShippingAdapter,
    ShippingError,
)
from coopshop.services.shipping.carriers import sender_from_settings
from coopshop.services.shipping.messages import shipping_error
from coopshop.turkey import ISTANBUL, PLATE_CODES


@dataclass(frozen=True)
class LabelRequest:
    """What staff chose for one order: the box, and either an offer from `quote`, a preferred
    carrier (the default carrier's offer, else the cheapest), or, manually, carrier + number."""

    order_id: int
    parcel: Parcel
    offer: Offer | None = None
    carrier: str | None = None
    tracking_number: str | None = None


@dataclass(frozen=True)
class BatchResult:
    labelled: list[str] = field(default_factory=list)  # order numbers
    failed: list[tuple[str, str]] = field(default_factory=list)  # (order number, message)


def shipment_for(order_id: int) -> Shipment | None:
    return db.session.scalar(select(Shipment).where(Shipment.order_id == order_id))


def shipments_for(order_ids: list[int]) -> dict[int, Shipment]:
    """The shipments of these orders, by order id, in one query."""
    if not order_ids:
        return {}
    rows = db.session.scalars(select(Shipment).where(Shipment.order_id.in_(order_ids)))
    return {s.order_id: s for s in rows}


def recipient(order: Order) -> Address:
    """The shopper's address as the carrier needs it (province plate code from the il)."""
    return Address(
        name=order.buyer_name,
        phone=order.buyer_phone,
        email=order.buyer_email,
        address1=order.address_line,
        city_name=order.il,
        city_code=PLATE_CODES.get(order.il, ""),
        district_name=order.ilce,
        zip=order.postal_code,
    )


def _packed(order_id: int) -> Order:
    order = lock_order(order_id)
    if order is None:
        raise NotFound(_l("Sipariş bulunamadı."))
    if order.status != "paid" or order.fulfilment_status != "received":
        raise InvalidTransition(
            _l("Sipariş %(number)s kargoya hazır değil.", number=order.number),
            from_status=order.fulfilment_status,
            to_status="shipped",
        )
    return order


def _offers(
    order: Order, parcel: Parcel, adapter: ShippingAdapter, settings: Mapping
) -> list[Offer]:
    try:
        sender = sender_from_settings(settings) if adapter.name != "manual" else None
        return adapter.offers(parcel, sender, recipient(order), order_ref=order.number)
    except ShippingError as exc:
        raise shipping_error(exc) from exc


def quote(order_id: int, parcel: Parcel, adapter: ShippingAdapter, settings: Mapping):
    """The carriers' offers for this order's parcel, cheapest first (nothing is bought)."""
    return _offers(_packed(order_id), parcel, adapter, settings)


def _choose(order: Order, request: LabelRequest, adapter, settings) -> Offer:
    if request.offer is not None:
        return dataclasses.replace(request.offer, order_ref=order.number)
    if adapter.name == "manual":
        return Offer(
            offer_id=f"manual:{request.carrier or ''}",
            order_ref=order.number,
            carrier=request.carrier or "",
            service_code=request.carrier or "",
            price_kurus=order.shipping_kurus,
        )
    offers = _offers(order, request.parcel, adapter, settings)
    wanted = request.carrier or str(settings.get("SHIPPING_DEFAULT_CARRIER") or "")
    return next((o for o in offers if o.carrier == wanted), offers[0])


def buy(
    request: LabelRequest, adapter: ShippingAdapter, settings: Mapping, actor_id: int | None
) -> Shipment:
    """The order's label: the stored one if it has one, else bought now and stored, the PDF
    with it; an order with a tracking number is then marked shipped (the shopper is e-mailed).
    Under the order's row lock, so two clicks or two workers buy one label."""
    order = lock_order(request.order_id)
    if order is None:
        raise NotFound(_l("Sipariş bulunamadı."))
    existing = shipment_for(order.id)
    if existing is not None and existing.cancelled_at is None:
        return existing
    order = _packed(order.id)
    offer = _choose(order, request, adapter, settings)
    try:
        label = adapter.buy_label(offer, tracking_number=request.tracking_number)
    except ShippingError as exc:
        raise shipping_error(exc) from exc
    if (
        existing is not None
        and adapter.name != "manual"
        and label.provider_ref == existing.provider_ref
    ):
        # The provider gave back the label we cancelled: it did not take the cancellation.
        raise Conflict(
            _l("Kargo aracısı iptal edilen etiketi yeniden verdi; yöneticiye haber verin.")
        )
    shipment = _store(order, label, request.parcel, adapter, actor_id, existing)
    audit.record(
        actor_id,
        "shipping.label",
        order,
        provider=adapter.name,
        carrier=label.carrier,
        tracking_number=label.tracking_number,
        price_kurus=label.price_kurus,
    )
    if shipment.tracking_number:
        fulfilment.mark_shipped(order.id, shipment.tracking_number, actor_id)
    return shipment


def _store(
    order: Order, label: Label, parcel: Parcel, adapter, actor_id, row: Shipment | None = None
) -> Shipment:
    """A new Shipment, or the order's cancelled one (`row`) given the new label: the order
    keeps one shipment row; the cancelled label is in the audit log, its events stay."""
    fields = _fields(order, label, parcel, adapter, actor_id)
    if row is None:
        row = Shipment(**fields)
        db.session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.cancelled_at = None
    db.session.flush()
    return row


def _fields(order: Order, label: Label, parcel: Parcel, adapter, actor_id) -> dict:
    return {
        "order": order,
        "provider": adapter.name,
        "provider_ref": label.provider_ref,
        "carrier": label.carrier,
        "tracking_number": label.tracking_number,
        "tracking_url": label.tracking_url,
        "label_url": label.label_url,
        "label_pdf": _pdf_or_none(adapter, label),
        "barcode": label.barcode,
        "price_kurus": label.price_kurus,
        "weight_g": parcel.weight_g,
        "length_cm": parcel.length_cm,
        "width_cm": parcel.width_cm,
        "height_cm": parcel.height_cm,
        "status": "created",
        # Nothing is known from the carrier yet: its first event applies whatever its time.
        "status_at": None,
        "created_by_id": actor_id,
        "created_at": utcnow(),
    }


def _pdf_or_none(adapter: ShippingAdapter, label: Label) -> bytes | None:
    """The PDF now if the provider has it; a failed download is fetched again when printed."""
    if adapter.name == "manual":
        return None
    try:
        return adapter.label_pdf(label)
    except ShippingError:
        return None


def as_label(shipment: Shipment) -> Label:
    return Label(
        order_ref=shipment.order.number,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        label_url=shipment.label_url,
        provider_ref=shipment.provider_ref,
        barcode=shipment.barcode,
        price_kurus=shipment.price_kurus,
    )


def label_pdf(order_id: int, adapter: ShippingAdapter) -> bytes:
    """The order's label PDF: the stored copy, else asked of the provider (not stored: a GET)."""
    shipment = shipment_for(order_id)
    if shipment is None or shipment.provider == "manual" or shipment.cancelled_at:
        raise NotFound(_l("Bu siparişin yazdırılacak etiketi yok."))
    if shipment.label_pdf:
        return shipment.label_pdf
    try:
        return adapter.label_pdf(as_label(shipment))
    except ShippingError as exc:
        raise shipping_error(exc) from exc


def cancellable(shipment: Shipment | None) -> bool:
    """A live label the carrier has not scanned yet (no pickup, no movement)."""
    return (
        shipment is not None
        and shipment.cancelled_at is None
        and shipment.status == "created"
        and shipment.order.fulfilment_status in ("received", "shipped")
    )


def cancel(order_id: int, adapter: ShippingAdapter, actor_id: int | None) -> Shipment:
    """Cancel the order's label before the carrier has the parcel, at the provider first; the
    order is packed again (fulfilment.label_cancelled) and may get a new label. Refused once
    the carrier has scanned it."""
    order = lock_order(order_id)
    shipment = shipment_for(order_id) if order is not None else None
    if shipment is None or shipment.cancelled_at is not None:
        raise NotFound(_l("Bu siparişin iptal edilecek etiketi yok."))
    db.session.refresh(shipment)
    if not cancellable(shipment):
        raise Conflict(_l("Kargo paketi teslim aldı; etiket artık iptal edilemez."))
    if shipment.provider != adapter.name:
        raise Conflict(_l("Bu etiket başka bir kargo aracısından alındı; oradan iptal edin."))
    try:
        adapter.cancel(as_label(shipment))
    except ShippingError as exc:
        raise shipping_error(exc) from exc
    shipment.cancelled_at = utcnow()
    db.session.flush()
    audit.record(
        actor_id,
        "shipping.label_cancelled",
        order,
        provider=shipment.provider,
        provider_ref=shipment.provider_ref,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        price_kurus=shipment.price_kurus,
    )
    if order.fulfilment_status == "shipped":
        fulfilment.label_cancelled(order.id, actor_id)
    return shipment


def handover() -> dict[str, list[Shipment]]:
    """Parcels with a live label that no carrier has scanned yet, by carrier, oldest first:
    the list to hand over at the branch or to the courier. Geliver's API (SDK 0.4.0) has no
    pickup request, so the collection itself is arranged with each carrier."""
    rows = db.session.scalars(
        select(Shipment)
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Shipment.cancelled_at.is_(None),
            Shipment.status == "created",
            Order.fulfilment_status.in_(("received", "shipped")),
        )
        .order_by(Shipment.carrier, Shipment.created_at, Shipment.id)
    )
    by_carrier: dict[str, list[Shipment]] = {}
    for row in rows:
        by_carrier.setdefault(row.carrier_name, []).append(row)
    return by_carrier


def packed_by(day: date) -> list[int]:
    """Orders packed (every item received) by the end of `day` (Istanbul) and still without a
    label, the oldest payment first: what the batch labels."""
    end = turkey.day_end(day).astimezone(UTC)
    last_received = (
        select(OrderLine.order_id)
        .group_by(OrderLine.order_id)
        .having(func.max(OrderLine.received_at) < end)
    )
    return list(
        db.session.scalars(
            select(Order.id)
            .where(
                Order.status == "paid",
                Order.fulfilment_status == "received",
                Order.channel != "bazaar",
                Order.id.in_(last_received),
                ~Order.id.in_(select(Shipment.order_id).where(Shipment.cancelled_at.is_(None))),
            )
            .order_by(Order.paid_at, Order.id)
        )
    )


def buy_batch(
    day: date, parcel: Parcel, adapter: ShippingAdapter, settings: Mapping, actor_id: int | None
) -> BatchResult:
    """A label (default carrier) for every order `packed_by(day)`, each in its box from its
    products (services.shipping.parcels; `parcel` where they say nothing). Each order is its
    own savepoint: one refused address does not stop the others."""
    if adapter.name == "manual":
        raise ValidationFailed(_l("El ile kargoda toplu etiket yok: takip numaralarını yazın."))
    result = BatchResult()
    order_ids = packed_by(day)
    boxes = parcels.for_orders(order_ids, settings, fallback=parcel)
    for order_id in order_ids:
        number = db.session.get(Order, order_id).number
        try:
            with db.session.begin_nested():
                buy(LabelRequest(order_id, boxes[order_id]), adapter, settings, actor_id)
        except DomainError as exc:
            result.failed.append((number, str(exc.message)))
        else:
            result.labelled.append(number)
    return result


def today(now: datetime | None = None) -> date:
    """Today in Istanbul."""
    return (now or utcnow()).astimezone(ISTANBUL).date()
